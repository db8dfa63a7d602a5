"""The test suite; a package so that `tests.conftest` never resolves to a dependency's `tests`."""

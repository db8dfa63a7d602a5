"""The repository's command-line scripts (train.py, evaluate.py, classify.py) as modules, for
the benchmarks that run them in-process.

Usage (from a benchmark beside this file):
    import root_scripts
    train = root_scripts.load("train")
    code = train.main(["--dataset", "dataset", "--epochs", "1"])

`pip install -e .` installs the library, pyimagesearch/, but not the scripts beside it, and
`python benchmarks/x.py` puts benchmarks/ on the module path, not the repository: so a script
is loaded from its file here, by name, rather than by changing the module path.
"""

import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    """The module of `ROOT/<name>.py`, loaded once (an `import name` made earlier, as the
    tests' conftest makes, is the same module)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module

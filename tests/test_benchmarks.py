"""The benchmark the README quotes for accuracy runs end to end (tiny images, one epoch).
benchmarks/speed.py needs tf_keras, which only its own requirements install."""

import json
import os
import sys

from tests.conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import real_photos  # noqa: E402


def test_real_photos_scores_both_configurations_on_one_held_out_set(dataset_dir, tmp_path):
    output = tmp_path / "results.json"
    assert real_photos.main(["--dataset", dataset_dir, "--seeds", "42", "--epochs", "1",
                             "--image-size", "16", "--json", str(output)]) == 0
    results = json.loads(output.read_text())["results"]
    assert set(results) == {"recipe", "project"}
    for runs in results.values():
        assert [run["seed"] for run in runs] == [42]
        assert all(0 <= runs[0][name] <= 1 for name in real_photos.METRICS)

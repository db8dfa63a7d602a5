"""The benchmark the README quotes for accuracy runs end to end (tiny images, one epoch).
benchmarks/speed.py needs tf_keras, which only its own requirements install."""

import hashlib
import json
import os
import shutil
import sys

import pytest

from tests.conftest import ROOT, make_dataset
from tests.test_splits import held_out_by_the_2018_script

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import real_photos  # noqa: E402


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.mark.slow
def test_real_photos_scores_both_configurations_on_one_clean_held_out_set(tmp_path):
    root = make_dataset(tmp_path / "dataset", per_folder=10)
    # Byte-identical copies under a second folder with the same labels: some pairs straddle
    # the recipe's split, as 33 held-out photos of ../shared/data/fashion did.
    shutil.copytree(os.path.join(root, "red_dress"), os.path.join(root, "Red_Dress"))
    output = tmp_path / "results.json"
    assert real_photos.main(["--dataset", root, "--seeds", "42", "--epochs", "1",
                             "--image-size", "16", "--json", str(output)]) == 0
    report = json.loads(output.read_text())
    held_out, dropped = report["held_out"], report["dropped_duplicates"]

    # The recipe's held-out files, less those with a copy on the training side.
    assert dropped >= 1 and len(report["dropped"]) == dropped
    assert sorted(held_out + report["dropped"]) == sorted(held_out_by_the_2018_script(root))
    every_file = [os.path.join(folder, name) for folder, _, names in os.walk(root)
                  for name in names]
    elsewhere = {digest(path) for path in every_file if path not in held_out}
    assert not {digest(path) for path in held_out} & elsewhere

    results = report["results"]
    assert set(results) == {"recipe", "project"}
    for config, runs in results.items():
        assert [run["seed"] for run in runs] == [42]
        assert all(0 <= runs[0][name] <= 1 for name in real_photos.METRICS)
        assert runs[0]["scored_on"] == held_out, config
        assert not set(runs[0]["tuned_on"]) & set(held_out + report["dropped"]), config
    assert results["project"][0]["tuned_on"]  # its epoch and thresholds: its own split
    assert results["recipe"][0]["tuned_on"] == []  # last epoch, top two: nothing chosen


def test_speed_scores_the_recipes_held_out_files_less_copies_of_training_files(tmp_path):
    import recipe_2018
    import speed

    root = make_dataset(tmp_path / "dataset", per_folder=10)
    # Byte-identical copies under a second folder with the same labels: some pairs straddle
    # the recipe's split, as 33 held-out photos of ../shared/data/fashion did.
    shutil.copytree(os.path.join(root, "red_dress"), os.path.join(root, "Red_Dress"))
    listed = recipe_2018.list_paths(root)
    training, scored, dropped = speed.held_out_split(listed)

    assert dropped and sorted(scored + dropped) == sorted(held_out_by_the_2018_script(root))
    assert sorted(training) == sorted(set(listed) - set(scored) - set(dropped))
    trained = {digest(path) for path in training}
    assert not {digest(path) for path in scored} & trained
    assert all(digest(path) in trained for path in dropped)


@pytest.mark.slow
def test_unseen_combinations_leaves_one_folder_out_and_scores_it(dataset_dir, tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import unseen_combinations

    folders = unseen_combinations.label_folders(dataset_dir)
    assert unseen_combinations.folds(folders) == sorted(folders)  # every part seen elsewhere
    assert unseen_combinations.folds({**folders, "black_hat": ["black", "hat"]}) == sorted(folders)
    output = tmp_path / "unseen.json"
    assert unseen_combinations.main(["--dataset", dataset_dir, "--folds", "red_shirt",
                                     "--epochs", "1", "--image-size", "16",
                                     "--json", str(output)]) == 0
    results = json.loads(output.read_text())["results"]
    assert list(results) == ["red_shirt"] and set(results["red_shirt"]) == {"none", "auto"}
    for run in results["red_shirt"].values():
        assert run["images"] == 10 and 0 <= run["exact_match"] <= 1

"""The benchmark the README quotes for accuracy runs end to end (tiny images, one epoch).
benchmarks/speed.py needs tf_keras, which only its own requirements install. The benchmarks
import as top-level modules, as `python benchmarks/x.py` runs them: pytest.ini puts
benchmarks/ on the path."""

import hashlib
import json
import os
import shutil

import pytest

import real_photos
from tests.conftest import make_dataset
from tests.test_splits import held_out_by_the_2018_script


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


def test_startup_summary_takes_medians_largest_peaks_ratios_and_checks_targets():
    import startup

    def runs(*pairs):  # (seconds, peak MB) per run
        return [{"seconds": seconds, "peak_kb": mb * 1024, "returncode": 0}
                for seconds, mb in pairs]

    timings = {"recipe": {"one": runs((6.0, 800), (5.0, 900), (7.0, 850)), "many": []},
               "keras": {"one": runs((5.5, 1000), (6.5, 990), (6.0, 980)),
                         "many": runs((9.0, 1100))},
               "litert": {"one": runs((0.4, 150), (0.6, 180), (0.5, 160)),
                          "many": runs((1.5, 200))}}
    summary = startup.summarise(timings)
    assert summary["recipe"] == {"one_s": 6.0, "peak_mb": 900, "many_s": None,
                                 "many_peak_mb": None, "time_ratio": 1.0, "rss_ratio": 1.0}
    litert = summary["litert"]
    assert (litert["one_s"], litert["peak_mb"], litert["many_s"]) == (0.5, 180, 1.5)
    assert litert["time_ratio"] == pytest.approx(12.0)  # 2018 / row: a speed-up
    assert litert["rss_ratio"] == pytest.approx(0.2)  # row / 2018: a fraction
    assert summary["keras"]["time_ratio"] == pytest.approx(1.0)

    checks = startup.check_targets(summary, 500)
    assert [check["met"] for check in checks] == [True, True, True]  # 12x, 1/5 exactly, 6x
    assert checks[2]["value"] == pytest.approx(6.0)
    assert "500 images on LiteRT" in checks[2]["target"]
    timings["litert"]["one"] = runs((0.7, 200))
    assert [check["met"] for check in startup.check_targets(startup.summarise(timings), 500)] \
        == [False, False, True]  # 6000/700 < 10x; 200/900 > 1/5
    del timings["keras"]
    assert startup.check_targets(startup.summarise(timings), 500)[2]["met"] is None

    table = startup.format_table(summary, checks, 500).splitlines()
    assert "500 images (s)" in table[0]
    assert table[1].split()[:3] == ["2018", "script", "6.00"] and table[1].endswith("-")
    assert table[3].split() == ["project", "litert", "0.50", "180", "12.0x", "0.200", "1.50"]
    assert table[4].split() == ["project", "onnx", "skipped"]
    assert all(line.endswith("-> met") for line in table[5:8])

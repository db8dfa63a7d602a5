"""The settings saved with a run say what actually ran (resolved precision, the dataset's
absolute path, library versions), and --resume writes where it is told now, not where the
interrupted run once wrote."""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

import train
from pyimagesearch import run_settings, runfiles
from tests.conftest import NO_EXTRAS, ROOT
from tests.test_checkpoint import wait_for_epoch

VERSIONS = {"python", "tensorflow", "keras", "numpy", "scikit-learn", "opencv"}


def test_saved_settings_are_the_resolved_ones(trained):
    with open(trained["model"] + ".json", encoding="utf-8") as handle:
        settings = json.load(handle)["settings"]
    assert settings["precision"] in {"float32", "bfloat16", "float16"}
    assert settings["requested_precision"] == "auto"
    assert os.path.isabs(settings["dataset"]) and os.path.isdir(settings["dataset"])
    assert os.path.samefile(settings["dataset"], trained["dataset"])
    assert VERSIONS <= set(settings["versions"]) and all(settings["versions"].values())
    # Where the run wrote is not a setting: a moved output folder is still the same run.
    assert not {"model", "output", "labelbin", "plot"} & set(settings)


def test_the_default_dataset_is_recorded_as_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = run_settings.record(train.parse_args([]))
    assert settings["dataset"] == os.path.join(str(tmp_path), "dataset")


@pytest.mark.slow
def test_resume_writes_into_the_moved_output_given_now(dataset_dir, tmp_path, monkeypatch,
                                                       capsys):
    """Interrupted in one folder with relative paths, the output folder moved, resumed from
    another folder with new relative paths: it finishes there and nothing goes to the old."""
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(dataset_dir, first / "data")
    second.mkdir()
    epochs = "8"
    process = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "train.py"), "--dataset", "data", "--output", "out",
         "--epochs", epochs, "--image-size", "16", "--quiet", *NO_EXTRAS],
        cwd=first, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_epoch(first / "out", 1, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    shutil.move(first / "out", second / "moved")

    monkeypatch.chdir(second)
    code = train.main(["--dataset", "../first/data", "--output", "moved", "--epochs", epochs,
                       "--image-size", "16", "--quiet", "--resume", *NO_EXTRAS])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    moved = runfiles.RunFiles(os.path.join("moved", "fashion.keras"))
    assert "resuming from " + moved.checkpoint in captured.out
    assert sorted(os.listdir(second)) == ["moved"]
    for name in ("fashion.keras", "mlb.pickle", "plot.png", "fashion.keras.json"):
        assert os.path.isfile(second / "moved" / name), name
    assert not os.path.exists(second / "moved" / "fashion.keras.checkpoint")
    assert sorted(os.listdir(first)) == ["data"]  # nothing written where it once ran
    with open(second / "moved" / "fashion.keras.json", encoding="utf-8") as handle:
        history = json.load(handle)["history"]
    assert len(history["loss"]) == int(epochs)

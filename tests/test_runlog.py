"""Run logs: <model>.results.csv has one row per epoch with the documented columns and a
resumed run continues it; the last epoch's model is kept beside the best one."""

import csv
import importlib.util
import os
import signal

import numpy as np
import pytest

import train
from pyimagesearch import artifacts, checkpoint, descriptions, runfiles, training
from pyimagesearch import dataset as data
from tests.conftest import NO_EXTRAS

METRICS = ["binary_accuracy", "exact_match", "loss", "map"]
COLUMNS = (["epoch"] + METRICS + [f"val_{name}" for name in METRICS]
           + ["learning_rate", "images_per_second", "epoch_seconds", "elapsed_seconds"])


def run(dataset_dir, output, epochs, *extra):
    return train.main(["--dataset", dataset_dir, "--output", str(output), "--epochs",
                       str(epochs), "--image-size", "16", *NO_EXTRAS, "--quiet", *extra])


def read(output, live=False):
    """The run log of the saved run, or with `live` of the run going on (in its checkpoint)."""
    saved = runfiles.RunFiles(os.path.join(output, "fashion.keras"))
    with open(saved.staged_run_log if live else saved.run_log, newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def predictions(model_path, dataset_dir):
    model = artifacts.load_model(model_path)
    loaded = data.load_dataset(dataset_dir, (16, 16))
    return training.predict(model, loaded.images)


def test_one_row_per_epoch_with_the_documented_columns(dataset_dir, tmp_path):
    assert run(dataset_dir, tmp_path, 3) == 0
    columns, rows = read(tmp_path)
    assert columns == COLUMNS
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3]
    values = {name: [float(row[name]) for row in rows] for name in COLUMNS}
    assert all(value >= 0 for name in COLUMNS for value in values[name])
    assert all(value > 0 for value in values["images_per_second"])
    # Cosine decay to zero over the run: the rate falls every epoch and ends at zero.
    assert values["learning_rate"][0] > values["learning_rate"][1] > values["learning_rate"][2]
    assert values["learning_rate"][2] == pytest.approx(0, abs=1e-9)
    elapsed = values["elapsed_seconds"]
    assert elapsed[0] < elapsed[1] < elapsed[2]
    assert all(e >= s for e, s in zip(elapsed, values["epoch_seconds"]))
    # The same numbers as the history saved with the model.
    history = descriptions.read(os.path.join(tmp_path, "fashion.keras")).history
    assert values["val_loss"] == pytest.approx(history["val_loss"])


def stop_after_epoch(monkeypatch, epoch):
    """Send ourselves SIGINT once the checkpoint of `epoch` is saved, as Ctrl-C would."""
    original = training.Checkpoint.on_epoch_end

    def on_epoch_end(self, index, logs=None):
        original(self, index, logs)
        if index + 1 == epoch and not (self.stop and self.stop.requested):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(training.Checkpoint, "on_epoch_end", on_epoch_end)


@pytest.mark.slow
def test_resume_continues_the_results(dataset_dir, tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        stop_after_epoch(patch, 2)
        assert run(dataset_dir, tmp_path, 4) == 130
    columns, rows = read(tmp_path, live=True)
    assert [row["epoch"] for row in rows] == ["1", "2"]  # the cut-short third is not a row
    saved = runfiles.RunFiles(os.path.join(tmp_path, "fashion.keras"))
    assert not os.path.exists(saved.run_log)
    state = checkpoint.load_state(saved.checkpoint)
    assert state.epoch == 2
    # A row the checkpoint lacks (killed between the two writes) is dropped and redone.
    path = saved.staged_run_log
    with open(path, "a", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(["3"] + ["999"] * (len(COLUMNS) - 1))

    assert run(dataset_dir, tmp_path, 4, "--resume") == 0
    resumed_columns, resumed = read(tmp_path)
    assert resumed_columns == columns
    assert [row["epoch"] for row in resumed] == ["1", "2", "3", "4"]
    assert resumed[:2] == rows  # kept as they were written
    assert "999" not in resumed[2].values()
    elapsed = [float(row["elapsed_seconds"]) for row in resumed]
    assert elapsed == sorted(elapsed) and elapsed[2] > elapsed[1]
    history = descriptions.read(os.path.join(tmp_path, "fashion.keras")).history
    assert [float(row["loss"]) for row in resumed] == pytest.approx(history["loss"])


@pytest.mark.slow
def test_last_model_is_kept_beside_the_best(dataset_dir, tmp_path, monkeypatch):
    """Best kept at epoch 1 of 3: fashion.last.keras is the last epoch's model, the very one a
    --keep last run of the same seed saves, and differs from the best."""
    original = training.KeepBest.on_epoch_end
    with monkeypatch.context() as patch:  # the first epoch is the best, whatever the scores
        patch.setattr(training.KeepBest, "on_epoch_end",
                      lambda self, epoch, logs=None: epoch == 0 and original(self, epoch, logs))
        assert run(dataset_dir, tmp_path / "best", 3) == 0
    assert run(dataset_dir, tmp_path / "last", 3, "--keep", "last") == 0
    best_model = str(tmp_path / "best" / "fashion.keras")
    assert descriptions.read(best_model).best_epoch == 1
    last_model = runfiles.RunFiles(best_model).last_model
    assert last_model == str(tmp_path / "best" / "fashion.last.keras")
    assert not os.path.exists(tmp_path / "last" / "fashion.last.keras")  # the kept one is last

    last = predictions(last_model, dataset_dir)
    np.testing.assert_allclose(last, predictions(str(tmp_path / "last" / "fashion.keras"),
                                                 dataset_dir), atol=1e-5)
    assert np.abs(last - predictions(best_model, dataset_dir)).max() > 1e-4
    loaded = artifacts.load_model(last_model)  # saved like the kept model: flip-averaged
    assert "mirror" in [layer.name for layer in loaded.layers]
    assert all(weight.dtype == "float32" for weight in loaded.weights)


def test_last_model_equals_the_best_when_they_are_one_epoch(trained, dataset_dir):
    """The shared one-epoch model: its best epoch is its last."""
    last_model = runfiles.RunFiles(trained["model"]).last_model
    last = artifacts.load_model(last_model).get_weights()
    kept = artifacts.load_model(trained["model"]).get_weights()
    assert len(last) == len(kept)
    for last_weight, kept_weight in zip(last, kept):
        np.testing.assert_array_equal(last_weight, kept_weight)


def test_tensorboard_without_its_package_is_one_line(dataset_dir, tmp_path, capsys):
    if importlib.util.find_spec("tensorboard") is not None:
        pytest.skip("tensorboard is installed here")
    assert run(dataset_dir, tmp_path, 1, "--tensorboard", str(tmp_path / "logs")) == 2
    assert capsys.readouterr().err.strip() == \
        "error: --tensorboard needs the tensorboard package: pip install tensorboard"
    assert not os.path.exists(tmp_path / "logs")


@pytest.mark.slow
def test_tensorboard_logs_training_and_validation(dataset_dir, tmp_path):
    pytest.importorskip("tensorboard")
    assert run(dataset_dir, tmp_path / "out", 1, "--tensorboard", str(tmp_path / "logs")) == 0
    for part in ("train", "validation"):
        assert [name for name in os.listdir(tmp_path / "logs" / part)
                if name.startswith("events.out.tfevents")]

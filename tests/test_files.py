"""Atomic writes: the whole new file or the old one, and no litter from writers that died.
A training run holds a lock on its model path for its whole life: a second run on the same
path is refused at once with one line naming the first one's pid, and a run killed with
kill -9 leaves no lock behind (the OS releases it)."""

import fcntl
import os
import subprocess
import sys
import time

import pytest

import train
from pyimagesearch import files, runfiles
from pyimagesearch.errors import UserError
from tests.conftest import IMAGE_SIZE, NO_EXTRAS, ROOT


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid  # reaped, so no process has it (unless reused within the test)


def make_temporary(folder, name, pid, age_seconds):
    path = folder / f".{name}.{pid}-{age_seconds}x.keras"
    path.write_bytes(b"half a model")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_a_write_removes_temporaries_left_by_dead_writers_only(tmp_path):
    pid = dead_pid()
    stale = make_temporary(tmp_path, "fashion.keras", pid, age_seconds=3600)
    recent = make_temporary(tmp_path, "fashion.keras", pid, age_seconds=5)  # maybe another host
    live = make_temporary(tmp_path, "fashion.keras", os.getpid(), age_seconds=3600)
    other_file = make_temporary(tmp_path, "mlb.pickle", pid, age_seconds=3600)
    user_file = tmp_path / ".fashion.keras.notes"
    user_file.write_text("mine")
    with files.atomic_write(str(tmp_path / "fashion.keras")) as handle:
        handle.write(b"whole model")
    assert (tmp_path / "fashion.keras").read_bytes() == b"whole model"
    assert not stale.exists()
    assert recent.exists() and live.exists() and other_file.exists() and user_file.exists()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with files.atomic_write(str(target)) as handle:
            handle.write(b"new, half")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["plot.png"]


def test_a_checkpoint_save_clears_what_killed_runs_were_writing(tmp_path):
    import keras

    from pyimagesearch import checkpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    folder = tmp_path / "fashion.keras.checkpoint"
    folder.mkdir()
    killed = make_temporary(folder, "epoch-0003.keras", dead_pid(), age_seconds=5)
    ours = make_temporary(folder, "epoch-0004.keras", os.getpid(), age_seconds=5)
    checkpoint.save(str(folder), model, 4, {}, "identity", {})
    assert not killed.exists() and ours.exists()
    assert {"state.json", "epoch-0004.keras"} <= set(os.listdir(folder))


@pytest.mark.parametrize("failing", ["model", "labels"])
def test_a_full_disk_mid_save_leaves_the_previous_set_whole(trained, tmp_path, monkeypatch,
                                                            failing):
    """The disk fills while the second run saves: the first run's four files stay as they
    were (never a new model beside old labels), no temporaries remain, one clear error."""
    import dataclasses
    import errno
    import shutil

    from pyimagesearch import artifacts
    from pyimagesearch.errors import UserError

    output = tmp_path / "out"
    shutil.copytree(trained["output"], output)
    model_path, labelbin = str(output / "fashion.keras"), str(output / "mlb.pickle")
    before = {name: (output / name).read_bytes() for name in os.listdir(output)}
    model, binarizer, description = artifacts.load_artifacts(model_path, labelbin)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "model":
        monkeypatch.setattr(model, "save", disk_full)
    else:
        monkeypatch.setattr(artifacts, "_write", disk_full)
    with pytest.raises(UserError, match="No space left on device"):
        artifacts.save_artifacts(model, binarizer, model_path, labelbin,
                                 dataclasses.replace(description, extra={"note": "second run"}))
    assert {name: (output / name).read_bytes() for name in os.listdir(output)} == before


HOLD = ("import sys, time; from pyimagesearch import files; lock = files.lock_for(sys.argv[1]); "
        "lock.__enter__(); print('locked', flush=True); time.sleep(300)")


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path):
    path = str(tmp_path / "fashion.keras")
    with files.lock_for(path):
        with open(f"{path}.lock", encoding="ascii") as handle:
            assert handle.read().strip() == str(os.getpid())
        with pytest.raises(UserError, match=rf"pid {os.getpid()}\b.*{path}"):
            with files.lock_for(path):
                pass
    with files.lock_for(path):  # released at the end of the block
        pass


def test_a_lock_file_removed_while_waiting_is_not_trusted(tmp_path, monkeypatch):
    """A opens the lock file, B releases and removes it, then A gets the lock on the removed
    file: A must start over on a new file, or a third run would lock beside it."""
    path = str(tmp_path / "fashion.keras")
    first = files.lock_for(path)
    first.__enter__()
    real_flock = fcntl.flock

    def release_first_then_lock(descriptor, operation):
        if first is not None and not released:
            released.append(True)
            first.__exit__(None, None, None)  # the holder ends between our open and flock
        return real_flock(descriptor, operation)

    released = []
    monkeypatch.setattr(fcntl, "flock", release_first_then_lock)
    with files.lock_for(path):
        monkeypatch.undo()
        assert released
        with pytest.raises(UserError, match=rf"pid {os.getpid()}\b"):
            with files.lock_for(path):
                pass


def train_args(dataset, output):
    return ["--dataset", dataset, "--output", str(output), "--epochs", "1",
            "--image-size", str(IMAGE_SIZE), "--quiet", *NO_EXTRAS]


@pytest.mark.slow
def test_training_into_a_locked_model_is_refused_until_the_holder_dies(
        dataset_dir, tmp_path, capsys):
    output = tmp_path / "out"
    output.mkdir()
    model = str(output / "fashion.keras")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, model], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert train.main(train_args(dataset_dir, output)) == 2
        captured = capsys.readouterr()
        error = captured.err.strip().splitlines()
        assert len(error) == 1 and error[0].startswith("error: "), captured.err
        assert f"pid {holder.pid}" in error[0] and model in error[0]
        assert "images" not in captured.out  # refused at once, before the dataset is read
        assert not os.path.exists(runfiles.RunFiles(model).checkpoint)
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the OS drops the lock
        holder.wait()
    assert os.path.exists(f"{model}.lock")  # left by the killed holder, and no obstacle
    assert train.main(train_args(dataset_dir, output)) == 0
    assert os.path.isfile(model)

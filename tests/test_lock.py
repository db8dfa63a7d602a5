"""A training run holds a lock on its model path for its whole life: a second run on the same
path is refused at once with one line naming the first one's pid, and a run killed with
kill -9 leaves no lock behind (the OS releases it)."""

import fcntl
import os
import subprocess
import sys

import pytest

import train
from pyimagesearch import files, runfiles
from pyimagesearch.errors import UserError
from tests.conftest import IMAGE_SIZE, ROOT

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
            "--image-size", str(IMAGE_SIZE), "--quiet"]


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

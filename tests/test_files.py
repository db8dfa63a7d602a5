"""Atomic writes: the whole new file or the old one, and no litter from writers that died."""

import os
import subprocess
import sys
import time

import pytest

from pyimagesearch import files


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

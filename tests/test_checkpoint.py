"""Interrupted training loses nothing: signals stop it cleanly, and a run killed at any
moment leaves loadable files and finishes with --resume."""

import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from pyimagesearch import artifacts, checkpoint, run_settings, runfiles
from tests.conftest import NO_EXTRAS, ROOT, draw, write_rgb

EPOCHS = 12


def command(dataset, output, epochs, *extra):
    return [sys.executable, "train.py", "--dataset", str(dataset), "--output", str(output),
            "--epochs", str(epochs), "--image-size", "16", "--quiet", *extra]


def start(*args):
    return subprocess.Popen(command(*args), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(*args):
    result = subprocess.run(command(*args), cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def state_of(output):
    folder = runfiles.RunFiles(os.path.join(output, "fashion.keras")).checkpoint
    return checkpoint.load_state(folder), folder


def wait_for_epoch(output, epoch, process):
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        try:
            state, _ = state_of(output)
        except Exception:  # noqa: BLE001 - state.json is renamed into place, but be patient
            state = None
        if state and state.epoch >= epoch:
            return
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint of epoch {epoch}: {process.communicate()}")


def assert_finished(output, epochs):
    model, binarizer, description = artifacts.load_artifacts(
        os.path.join(output, "fashion.keras"), os.path.join(output, "mlb.pickle"))
    assert len(description.history["loss"]) == epochs  # one continuous history
    assert 1 <= description.best_epoch <= epochs
    assert os.path.getsize(os.path.join(output, "plot.png")) > 0
    assert not os.path.exists(os.path.join(output, "fashion.keras.checkpoint"))


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_signal_saves_a_checkpoint_and_resume_finishes(dataset_dir, tmp_path, signal_number):
    dataset = shutil.copytree(dataset_dir, tmp_path / "dataset")
    output = tmp_path / "out"
    process = start(dataset, output, EPOCHS, *NO_EXTRAS)
    wait_for_epoch(output, 2, process)
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 128 + signal_number
    assert "Traceback" not in stderr
    message = stderr.strip().splitlines()[-1]
    assert message.startswith("stopped: interrupted after epoch"), stderr
    state, _ = state_of(output)
    assert f"after epoch {state.epoch} of {EPOCHS}" in message
    assert len(state.history["loss"]) == state.epoch
    assert not os.path.exists(output / "fashion.keras")  # nothing final from a cut-short run

    resume = shlex.split(message.split("continue with: ")[1])
    assert resume[-1] == "--resume"
    if signal_number == signal.SIGINT:  # other images than the checkpoint's are refused
        extra = dataset / "red_dress" / "extra.png"
        write_rgb(extra, draw("red", "dress", __import__("numpy").random.default_rng(9)))
        refused = subprocess.run([sys.executable] + resume[1:], cwd=ROOT, capture_output=True,
                                 text=True, timeout=600)
        assert refused.returncode == 2 and "images differ" in refused.stderr
        os.remove(extra)
    done = subprocess.run([sys.executable] + resume[1:], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"resuming from {runfiles.RunFiles(str(output / 'fashion.keras')).checkpoint}" \
        in done.stdout
    assert_finished(output, EPOCHS)


@pytest.mark.slow
def test_damaged_checkpoint_is_a_clear_error(dataset_dir, tmp_path):
    folder = tmp_path / "out" / "fashion.keras.checkpoint"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text('{"epoch": 3, "model": "epoch-0003.keras"')
    result = finish(dataset_dir, tmp_path / "out", 2, "--resume")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: the checkpoint in")


@pytest.mark.slow
def test_resume_after_a_finished_run_changes_nothing(dataset_dir, tmp_path):
    """A run killed after saving everything has no checkpoint left; --resume must say it is
    finished rather than train again over the saved model."""
    output = tmp_path / "out"
    assert finish(dataset_dir, output, 2, *NO_EXTRAS).returncode == 0
    saved = os.stat(output / "fashion.keras").st_mtime_ns
    again = finish(dataset_dir, output, 2, *NO_EXTRAS, "--resume", "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert "nothing to resume" in again.stdout and "no checkpoint" not in again.stdout
    assert os.stat(output / "fashion.keras").st_mtime_ns == saved
    other = finish(dataset_dir, output, 1, *NO_EXTRAS, "--resume")  # other settings, no checkpoint
    assert other.returncode == 2, other.stderr
    assert other.stderr.strip().splitlines()[-1].startswith("error: nothing to resume: no "
                                                            "checkpoint")
    assert os.stat(output / "fashion.keras").st_mtime_ns == saved


def check_what_is_on_disk(output):
    """Every file a killed run left under its own name loads."""
    found = []
    state, folder = state_of(output)
    if state:
        checkpoint.restore(state, None)
        found.append(f"checkpoint@{state.epoch}")
    model_path, labelbin = os.path.join(output, "fashion.keras"), os.path.join(output, "mlb.pickle")
    if os.path.exists(model_path):
        artifacts.load_model(model_path)
        found.append("model")
    if os.path.exists(labelbin):
        artifacts.labelbin_labels(labelbin)
        artifacts.read_labels_json(labelbin)  # None where the run left none
        found.append("labels")
    for name in ("fashion.keras.json", "fashion.keras.evaluation.json", "fashion.keras.audit.json"):
        if os.path.exists(os.path.join(output, name)):
            with open(os.path.join(output, name), encoding="utf-8") as handle:
                json.load(handle)
            found.append(name)
    return found


def wait_alive(process, seconds):
    """Whether the process still runs after `seconds`; returns early when it ends."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            return False
        time.sleep(0.05)
    return process.poll() is None


KILLS = 5  # random moments per test run; ten took four minutes on 2 cores for the same checks


@pytest.mark.slow
def test_sigkill_at_five_random_moments_then_resume(dataset_dir, tmp_path):
    """Kill -9 five running processes at random moments, from start-up to the last write.
    After each kill, every file on disk loads, and the next run resumes from what the kill
    left (never going back) until the last one finishes. A run that ends before its moment
    does not count as a kill; a fresh run follows it."""
    rng = random.Random(5)
    epochs, kills, run, progress = 40, [], 0, []
    began = time.time()  # an uninterrupted run sets the span of moments, whatever the machine
    assert finish(dataset_dir, tmp_path / "whole", epochs).returncode == 0
    whole = time.time() - began
    output, resume = tmp_path / "run0", []
    for _ in range(60):  # resumed runs are shorter and often end before their moment
        process = start(dataset_dir, output, epochs, *resume)
        alive = wait_alive(process, rng.uniform(0.1, 1.05) * whole)
        process.kill()
        _, stderr = process.communicate()
        found = check_what_is_on_disk(output)
        state, _ = state_of(output)
        if not alive:
            assert process.returncode == 0, stderr
            assert_finished(output, epochs)
            run += 1
            output, resume, progress = tmp_path / f"run{run}", [], []
            continue
        kills.append(found)
        # Killed after the checkpoint was removed: everything is saved, and the run is done.
        done = not state and "fashion.keras.json" in found and "labels" in found
        progress.append(epochs if done else state.epoch if state else 0)
        assert progress == sorted(progress), progress  # a resumed run never goes back
        # --resume refuses an output with no checkpoint: a kill before the first one ended
        # leaves nothing to resume, and the next run starts afresh over what it left.
        resume = ["--resume"] if state or done else []
        if len(kills) == KILLS:
            break
    assert len(kills) == KILLS, kills
    result = finish(dataset_dir, output, epochs, *resume)
    assert result.returncode == 0, result.stderr
    assert_finished(output, epochs)
    print("what each kill left:", kills)  # shown with pytest -s
    # The moments caught runs at different stages, resumable checkpoints among them.
    assert any(any(item.startswith("checkpoint") for item in found) for found in kills), kills
    assert len({tuple(found) for found in kills}) >= 2, kills


def test_resume_hint_repeats_the_arguments_given_to_main():
    """A caller of train.main(argv) gets its own arguments back, not its host program's."""
    import train
    args = train.parse_args(["--dataset", "my photos", "--epochs", "5", "--resume"])
    message = train._how_to_resume(3, args, "out/fashion.keras.checkpoint")
    assert message.endswith("continue with: python train.py --dataset 'my photos' "
                            "--epochs 5 --resume")
    assert "command_line" not in run_settings.record(args)

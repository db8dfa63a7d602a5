"""Per-epoch checkpoints and clean stops, so an interrupted run loses nothing.

Usage:
    folder = runfiles.RunFiles("output/fashion.keras").checkpoint  # fashion.keras.checkpoint
    state = load_state(folder)                           # a State, or None when there is none
    state.epoch, state.history, state.settings           # what the run had done and was
    model = restore(state, keep_best)                    # compiled, optimizer state included
    with StopRequest() as stop:                          # Ctrl-C / SIGTERM end the step
        model.fit(..., callbacks=[training.Checkpoint(folder, identity, settings, ...)])

The callback that calls save() after each epoch lives in training.py with the other
callbacks; this module itself needs no TensorFlow, so resuming reads its state at once.

The folder holds the compiled model after the last complete epoch (`epoch-0005.keras`,
optimizer included), the best epoch's weights when keeping the best (`best-0003.npz`),
and `state.json`, which names them and carries the history so far. Every file is
written to a temporary name and renamed, and state.json is written after the files it
names and before older ones are deleted: killed at any moment, the folder holds a
complete, loadable checkpoint (or none, before the first epoch ends). The layout of
state.json is known here alone: everyone else reads a State.
"""

import dataclasses
import hashlib
import json
import os
import signal
import sys

import numpy as np

from pyimagesearch import runfiles
from pyimagesearch.errors import UserError
from pyimagesearch.files import atomic_write, dead_writers_temporary, temporary_path

STATE = "state.json"


@dataclasses.dataclass
class State:
    """A checkpoint as read back: what the run was and how far it got."""

    folder: str
    epoch: int  # complete epochs
    history: dict  # metric name -> one value per epoch
    settings: dict  # the run's recorded settings
    identity: str  # which images trained and validated (see identity())
    model_file: str  # the compiled model after `epoch`, inside `folder`
    best: dict = None  # {"file", "epoch", "value"} of the best weights so far, if kept

    @property
    def best_file(self):
        return (self.best or {}).get("file")


def identity(hashes, train_index, validation_index):
    """A digest of which images train and which validate: resuming on other data is refused."""
    digest = hashlib.sha256()
    for part in (train_index, validation_index):
        digest.update("\n".join(hashes[i] for i in part).encode() + b"|")
    return digest.hexdigest()


class StopRequest:
    """Turn the first SIGINT or SIGTERM into a request to stop after the current step;
    a second one acts at once, as it would have without us."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested = None  # the signal's number, once one arrives

    def __enter__(self):
        self.previous = {number: signal.signal(number, self._handle) for number in self.SIGNALS}
        return self

    def __exit__(self, *exc):
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def _handle(self, number, frame):
        self.requested = number
        for other, handler in self.previous.items():
            signal.signal(other, handler)
        print(f"\n{signal.Signals(number).name}: stopping after this step "
              "(send it again to stop at once)", file=sys.stderr, flush=True)

    @property
    def exit_code(self):
        return 128 + self.requested


def save(folder, model, epoch, history, identity, settings, keep_best=None, best_file=None):
    """Write the checkpoint of `epoch`: the model, the best weights when they changed
    (`best_file` names those already written), then state.json; then drop older files.
    Returns the best weights' file name."""
    os.makedirs(folder, exist_ok=True)
    model_file = f"epoch-{epoch:04d}.keras"
    with temporary_path(os.path.join(folder, model_file), suffix=".keras") as temporary:
        model.save(temporary)
    best = _save_best(folder, keep_best, best_file)
    state = {"epoch": epoch, "model": model_file, "best": best, "history": history,
             "identity": identity, "settings": settings}
    with atomic_write(os.path.join(folder, STATE)) as handle:
        handle.write(json.dumps(state, indent=1).encode())
    current = {STATE, runfiles.STAGED_RUN_LOG, model_file, best and best["file"]}
    for name in os.listdir(folder):  # older epochs, and what killed runs were writing
        if name not in current and (not name.startswith(".") or dead_writers_temporary(name)):
            os.remove(os.path.join(folder, name))
    return best and best["file"]


def _save_best(folder, keep, written):
    if keep is None or keep.weights is None:
        return None
    best_file = f"best-{keep.best_epoch:04d}.npz"
    if best_file != written:
        with atomic_write(os.path.join(folder, best_file)) as handle:
            np.savez(handle, *keep.weights)
    return {"file": best_file, "epoch": keep.best_epoch, "value": float(keep.best)}


def load_state(folder):
    """The checkpoint's State, or None when there is no checkpoint."""
    path = os.path.join(folder, STATE)
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        state = State(folder, int(saved["epoch"]), dict(saved["history"]),
                      dict(saved["settings"]), str(saved["identity"]), str(saved["model"]),
                      saved["best"] and dict(saved["best"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"the checkpoint in {folder} is damaged ({error}); "
                        "run without --resume to start afresh") from None
    missing = [name for name in (state.model_file, state.best_file)
               if name and not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise UserError(f"the checkpoint in {folder} lacks {', '.join(missing)}; "
                        "run without --resume to start afresh")
    return state


def restore(state, keep_best=None):
    """The compiled model of the checkpoint, optimizer state included; fills `keep_best`."""
    import keras

    from pyimagesearch import custom_objects

    try:
        model = keras.saving.load_model(os.path.join(state.folder, state.model_file),
                                        compile=True,
                                        custom_objects=custom_objects.CUSTOM_OBJECTS)
        if keep_best is not None and state.best:
            with np.load(os.path.join(state.folder, state.best_file)) as saved:
                keep_best.weights = [saved[f"arr_{i}"] for i in range(len(saved.files))]
            keep_best.best, keep_best.best_epoch = state.best["value"], state.best["epoch"]
    except Exception as error:  # a damaged file can fail anywhere inside Keras or NumPy
        raise UserError(f"cannot load the checkpoint in {state.folder} "
                        f"({type(error).__name__}); run without --resume to start afresh") from None
    return model


def remove(folder):
    """Delete the checkpoint once the run's artifacts are saved."""
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)

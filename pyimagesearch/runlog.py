"""Run logs: what a training run leaves beside its model besides the artifacts.

Usage:
    run = runfiles.RunFiles("output/fashion.keras")
    log = RunLog(run.staged_run_log, images_per_epoch=512, stop=stop)
    model.fit(..., callbacks=[log])  # moved to output/fashion.keras.results.csv (run_log)
    save_model(model, run.last_model)  # output/fashion.last.keras

`<model>.results.csv` has one row per complete epoch, with these columns in this order:
- epoch: the epoch's number, from 1;
- every metric Keras logs, in its (alphabetical) order: binary_accuracy, exact_match, loss,
  map (the area under each label's precision-recall curve, averaged), then the same on the
  validation images: val_binary_accuracy, val_exact_match, val_loss, val_map;
- learning_rate: the optimizer's rate at the epoch's last step (the schedule's value);
- images_per_second: the epoch's training images (all replicas and workers together)
  divided by its training seconds, validation left out;
- epoch_seconds: the epoch's wall time, validation included;
- elapsed_seconds: wall time since training began. A resumed run continues the count from
  its last kept row: the time the run was stopped is not counted.
The file is rewritten whole, atomically, after every epoch, in the checkpoint folder while
the run goes on (RunFiles.staged_run_log), and saved beside the model with its other files
at the end, so that a run that fails or is stopped leaves the previous run's log as it was.
The first epoch a run begins says how many epochs are done, so a resumed run keeps the rows
of those (its checkpoint's) and continues the file, and a fresh run starts it anew.

`<model stem>.last.keras` (fashion.last.keras beside fashion.keras) is the last epoch's
model, saved like the kept one (float32, flip-averaged unless asked otherwise) when the kept
one is the best epoch's; with --keep last the kept model is the last and no copy is made.
"""

import csv
import io
import os
import time

import keras

from pyimagesearch.files import atomic_write, temporary_path

LEADING, TRAILING = ["epoch"], ["learning_rate", "images_per_second", "epoch_seconds",
                                "elapsed_seconds"]


def save_model(model, path):
    """Save `model` to `path` whole or not at all."""
    with temporary_path(path, suffix=".keras") as temporary:
        model.save(temporary)


def read_rows(path):
    """The rows of a results file as dicts of strings; [] when there is none (or it cannot be
    read: a log is no reason to refuse a run)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


class RunLog(keras.callbacks.Callback):
    """Write `path` (see the module's docstring) after every complete epoch.

    `images_per_epoch` is how many training images one epoch passes through the network;
    `stop` (checkpoint.StopRequest), if given, marks an epoch cut short, which is not logged.
    """

    def __init__(self, path, images_per_epoch, stop=None):
        super().__init__()
        self.path, self.images_per_epoch, self.stop = path, images_per_epoch, stop
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.rows, self.elapsed_before = None, 0.0

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        if self.rows:  # a later fit of the same run (fine-tuning's second phase): time goes on
            self.elapsed_before = float(self.rows[-1]["elapsed_seconds"])

    def on_epoch_begin(self, epoch, logs=None):
        if self.rows is None:  # the first epoch of this run: `epoch` epochs are done
            self.rows = [row for row in read_rows(self.path) if _epoch(row) <= epoch]
            self.elapsed_before = float(self.rows[-1]["elapsed_seconds"]) if self.rows else 0.0
        self.epoch_started, self.training_ended = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        if self.training_ended is None:  # validation within fit: training's part is over
            self.training_ended = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self.stop is not None and self.stop.requested:
            return  # cut short: not a complete epoch
        now = time.perf_counter()
        training_seconds = (self.training_ended or now) - self.epoch_started
        row = {"epoch": epoch + 1, **{key: float(value) for key, value in (logs or {}).items()}}
        row.update(learning_rate=self._learning_rate(),
                   images_per_second=self.images_per_epoch / max(training_seconds, 1e-9),
                   epoch_seconds=now - self.epoch_started,
                   elapsed_seconds=self.elapsed_before + now - self.started)
        self.rows.append(row)
        self._write()

    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return float("nan")
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))

    def _write(self):
        metrics = []
        for row in self.rows:  # Keras's order; a resumed file's own order first
            metrics += [key for key in row if key not in LEADING + TRAILING + metrics]
        text = io.StringIO()
        writer = csv.DictWriter(text, LEADING + metrics + TRAILING, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        with atomic_write(self.path) as handle:
            handle.write(text.getvalue().encode("utf-8"))


def _epoch(row):
    try:
        return int(row.get("epoch") or 0)
    except ValueError:
        return 0

"""Stopping a training run whose loss has become NaN or infinite, with one line that says so.

Usage:
    model.fit(..., callbacks=[StopOnNaN(learning_rate=1e-3)])  # UserError at the first NaN

Keras's TerminateOnNaN only sets stop_training: the run then goes on to evaluate, tune
thresholds and save a model whose every output is NaN, and scikit-learn fails much later
("Input contains NaN"). Here the first non-finite loss ends the run at once, before anything
is saved; the checkpoint of the last complete epoch stays as it was.
"""

import math

import keras

from pyimagesearch.errors import UserError


class StopOnNaN(keras.callbacks.Callback):
    """Raise a UserError at the first step (or validation) whose loss is not finite."""

    def __init__(self, learning_rate=None):
        super().__init__()
        self.learning_rate, self.epoch = learning_rate, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self._check((logs or {}).get("loss"), f"step {batch + 1} of epoch {self.epoch}")

    def on_epoch_end(self, epoch, logs=None):
        self._check((logs or {}).get("val_loss"), f"the validation of epoch {epoch + 1}")

    def _check(self, loss, where):
        if loss is None:
            return
        loss = float(keras.ops.convert_to_numpy(loss))
        if math.isfinite(loss):
            return
        self.model.stop_training = True
        rate = f" {self.learning_rate:g}" if self.learning_rate else ""
        raise UserError(f"training diverged: the loss became {loss} at {where}; nothing was "
                        f"saved; the learning rate{rate} is too high for this data: lower "
                        "--learning-rate and train again")

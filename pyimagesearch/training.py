"""Fitting the multi-label model (models.py) to images: the tf.data pipeline, the loop,
and the callbacks that keep the best epoch and checkpoint every one.

Usage:
    model = models.new_model(size, class_names, groups, policy, bn_momentum, schedule)
    history = fit(model, (images, targets), (val_images, val_targets), 30, 32, augmenter, 42)
    probabilities = predict(model, images)
"""

import keras
import numpy as np
import tensorflow as tf

from pyimagesearch import checkpoint, defaults


def choose_augmentation_place(requested="auto"):
    """Where the training warp runs: "device" (the model's first layer, augment.OnDevice) or
    "cpu" (tf.data). "auto" picks the device when TensorFlow sees a GPU: there the network
    trains faster than the CPU warps (benchmarks/input_pipeline.py), on a CPU it is the same
    processor either way and tf.data's parallel map overlaps it with training."""
    if requested == "auto":
        return "device" if tf.config.list_physical_devices("GPU") else "cpu"
    return requested



def warmup_epochs(epochs):
    """Epochs the head trains on a frozen pretrained backbone: a fifth, at least one, and
    always fewer than all (a one-epoch run only warms up)."""
    return min(max(1, round(epochs * defaults.WARMUP)), max(1, epochs - 1))



class KeepBest(keras.callbacks.Callback):
    """Remember the weights of the best epoch by `monitor` and restore them at the end."""

    def __init__(self, monitor="val_loss"):
        super().__init__()
        self.monitor = monitor
        self.sign = 1 if monitor.endswith("loss") else -1  # minimise losses, maximise scores
        self.best, self.best_epoch, self.weights = None, None, None
        self.last_weights = None  # the last epoch's, kept when the best replace them

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        if self.best is None or self.sign * value < self.sign * self.best:
            self.best, self.best_epoch, self.weights = value, epoch + 1, self.model.get_weights()

    def on_train_end(self, logs=None):
        self.last_weights = self.model.get_weights()
        if self.weights is not None:
            self.model.set_weights(self.weights)


class Checkpoint(keras.callbacks.Callback):
    """Save a resumable checkpoint after every complete epoch; honour a StopRequest."""

    def __init__(self, folder, data_identity, settings, keep_best=None, stop=None, state=None):
        super().__init__()
        self.folder, self.keep_best, self.stop = folder, keep_best, stop
        self.identity, self.settings = data_identity, settings
        self.history = {key: list(values) for key, values in state.history.items()} if state else {}
        self.epoch = state.epoch if state else 0
        self.best_file = state.best_file if state else None

    def on_train_batch_end(self, batch, logs=None):
        if self.stop and self.stop.requested:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stop and self.stop.requested:
            return  # a cut-short epoch is not complete: the previous checkpoint stands
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.epoch = epoch + 1
        self.best_file = checkpoint.save(self.folder, self.model, self.epoch, self.history,
                                         self.identity, self.settings, self.keep_best,
                                         self.best_file)


def make_batches(images, targets, batch_size, augmentation=None, seed=None, index=None,
                 recolouring=None, warp=True):
    """A tf.data pipeline over the uint8 `images` at `index` (default: all); shuffled and
    augmented when training. `recolouring` (recolour.Recolouring), if given, repaints and
    relabels images before the `augmentation` warps them; with `warp` False the batches are
    shuffled and recoloured but not warped (the model warps them: augment.OnDevice).

    Batches are gathered from the NumPy array as they are needed, so neither TensorFlow
    nor the caller holds a second copy of the images: memory stays that of the uint8 data.
    """
    index = np.arange(len(images)) if index is None else np.asarray(index)
    targets = np.asarray(targets, dtype=np.float32)
    batches = tf.data.Dataset.from_tensor_slices(index)
    if augmentation is not None:
        batches = batches.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
    # Training drops the last partial batch, as the recipe's steps_per_epoch=N // batch did,
    # unless that would leave no batch at all.
    drop_remainder = augmentation is not None and len(index) >= batch_size
    batches = batches.batch(batch_size, drop_remainder=drop_remainder).map(
        _gatherer(images, targets), num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is not None:
        # One seed pair per batch, new each epoch, drawn from `seed`: parallel workers
        # then augment the same way on every run with that seed.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        batches = tf.data.Dataset.zip((batches, seeds)).map(
            _augmenter(augmentation if warp else None, recolouring),
            num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is None:
        # Keras starts a new validation iterator every epoch, and ending one waits for
        # tf.data's autotuning thread (up to 2.5 s with 2 cores); a plain gather needs no tuning.
        options = tf.data.Options()
        options.autotune.enabled = False
        batches = batches.with_options(options)
    return batches.prefetch(tf.data.AUTOTUNE)


def _augmenter(augmentation, recolouring):
    """A tf.data map function: (batch, seed pair) -> the batch recoloured, then warped
    (unless `augmentation` is None)."""

    def augment_batch(batch, pair):
        images, targets = batch
        if recolouring is not None:
            images, targets = recolouring(images, targets, pair)
        return (images if augmentation is None else augmentation(images, pair)), targets

    return augment_batch


def _gatherer(images, targets):
    """A tf.data map function: a batch of row numbers -> (images, targets) of those rows."""

    def gather(rows):
        return images[rows], targets[rows]

    def gather_batch(rows):
        batch_images, batch_targets = tf.numpy_function(gather, [rows], (tf.uint8, tf.float32))
        batch_images.set_shape((None,) + images.shape[1:])
        batch_targets.set_shape((None,) + targets.shape[1:])
        return batch_images, batch_targets

    return gather_batch


def predict(model, images, index=None, batch_size=64):
    """Probabilities for the images at `index` (default: all), an array or a RowFile,
    fed in batches so that a large dataset is never in memory at once."""
    batches = make_batches(images, np.zeros((len(images), 1), np.float32), batch_size,
                           index=index)
    return model.predict(batches.map(lambda x, y: x), verbose=0)


def steps_per_epoch(count, batch_size):
    return count // batch_size if count >= batch_size else 1


def images_per_epoch(count, batch_size):
    """Training images one epoch passes through the network: whole batches only (make_batches
    drops the rest), or all `count` when they make less than one batch."""
    return steps_per_epoch(count, batch_size) * batch_size if count >= batch_size else count


def fit(model, train, validation, epochs, batch_size, augmentation, seed, verbose=1,
        callbacks=(), initial_epoch=0, recolouring=None, warp=True):
    """Train; `train` and `validation` are (uint8 images, 0/1 targets[, row index]) tuples.
    With `warp` False tf.data does not warp: the model does (an `augmented` model)."""
    keras.utils.set_random_seed(seed)
    # Endless pipelines read a fixed number of steps per epoch, so that Keras keeps one
    # iterator for the whole run. Ending an iterator every epoch made tf.data wait for its
    # autotuning thread: about 2.5 s at the start of some epochs, a third of an epoch of the
    # grouped network on dataset/ with 2 cores. Each pass still reshuffles and redraws.
    train_batches = _sharded_by_batch(make_batches(
        *train[:2], batch_size, augmentation, seed, *train[2:], recolouring=recolouring,
        warp=warp).repeat())
    validation_batches = _sharded_by_batch(make_batches(
        *validation[:2], batch_size, None, None, *validation[2:]).repeat())
    return model.fit(train_batches, validation_data=validation_batches, epochs=epochs,
                     steps_per_epoch=steps_per_epoch(_rows(train), batch_size),
                     validation_steps=-(-_rows(validation) // batch_size),
                     shuffle=False, verbose=verbose,  # make_batches shuffles
                     callbacks=list(callbacks), initial_epoch=initial_epoch)


def _sharded_by_batch(batches):
    """Under a multi-worker strategy each worker takes its share of every global batch (tf.data's
    DATA auto-sharding): the pipeline reads rows of an in-memory index, not files, so it
    cannot be split by file. Each worker still gathers the whole batches and drops the rest."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return batches.with_options(options)


def _rows(data):
    """How many images an (images, targets[, row index]) tuple holds."""
    return len(data[2]) if len(data) > 2 and data[2] is not None else len(data[0])

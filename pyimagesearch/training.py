"""Building, compiling and fitting the multi-label model.

Usage:
    model = build_model(size=(96, 96), classes=6)
    compile_model(model, learning_rate=1e-3, epochs=30)
    history = fit(model, (images, targets), (val_images, val_targets), 30, 32, augmenter, 42)

The model takes uint8 RGB images and scales them itself (a Rescaling layer),
so whatever feeds it, training or classification, cannot disagree on scale.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from pyimagesearch import augment, backbones, checkpoint, custom_objects, defaults, grouped


def choose_precision(requested="auto"):
    """The Keras dtype policy: 16-bit where the hardware computes it fast, else float32.

    "auto" picks float16 on a GPU, bfloat16 on a CPU that has native bfloat16
    instructions (AMX or AVX512-BF16), and float32 elsewhere. Weights and the
    output probabilities stay float32 in every case.
    """
    if requested == "auto":
        if tf.config.list_physical_devices("GPU"):
            requested = "float16"
        else:
            requested = "bfloat16" if _cpu_has_bfloat16() else "float32"
    return "float32" if requested == "float32" else f"mixed_{requested}"


def choose_augmentation_place(requested="auto"):
    """Where the training warp runs: "device" (the model's first layer, augment.OnDevice) or
    "cpu" (tf.data). "auto" picks the device when TensorFlow sees a GPU: there the network
    trains faster than the CPU warps (benchmarks/input_pipeline.py), on a CPU it is the same
    processor either way and tf.data's parallel map overlaps it with training."""
    if requested == "auto":
        return "device" if tf.config.list_physical_devices("GPU") else "cpu"
    return requested


def _cpu_has_bfloat16():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as handle:
            flags = handle.read()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def build_model(size, classes, depth=3, policy="float32", bn_momentum=defaults.BN_MOMENTUM,
                groups=None, class_names=None, network=backbones.Network()):
    """The `network` (backbones.Network: SmallerVGGNet by default) with a sigmoid per label,
    behind a uint8 -> [0, 1] rescaling; or, given label `groups` (and the `class_names` they
    refer to), one branch per group (grouped.py).

    `policy` is a Keras dtype policy ("float32", "mixed_bfloat16", ...); it
    applies to this model only, the global default is left as it was.
    """
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        width, height = size
        if groups:
            return grouped.build(size, class_names, groups, bn_momentum, network)
        inputs = keras.Input(shape=(height, width, depth), name="image")
        x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
        if keras.config.image_data_format() == "channels_first":
            x = layers.Permute((3, 1, 2), name="to_channels_first")(x)
        outputs = backbones.outputs(network, x, classes, "sigmoid", bn_momentum)
        return keras.Model(inputs, outputs, name=f"multilabel_{network.backbone}")
    finally:
        keras.mixed_precision.set_global_policy(previous)


def new_model(size, class_names, groups, policy, bn_momentum, schedule, on_device=None,
              network=backbones.Network(), loss=defaults.LOSS):
    """A compiled model for `class_names`: the `network` with a sigmoid per label when
    `groups` is empty, else one branch per label group with its grouped loss.
    `schedule` is (learning rate, epochs, "cosine" or "recipe", steps per epoch).
    `on_device`, an (augment.Augmentation, seed), puts that warp in front of the network.
    A pretrained backbone starts frozen: the head warms up first (fine_tune)."""
    model = build_model(size, len(class_names), policy=policy, bn_momentum=bn_momentum,
                        groups=groups, class_names=class_names, network=network)
    if on_device:
        model = augmented(model, *on_device)
    if network.fine_tuned:
        backbones.set_trainable(model, False)
    compile_model(model, *schedule, loss=loss_for(class_names, groups, loss))
    return model


def loss_for(class_names, groups, name=defaults.LOSS):
    """The grouped loss for a model with label groups; else binary cross-entropy per label
    ("bce", the recipe's) or the asymmetric loss ("asl")."""
    if groups:
        return grouped.loss(class_names, groups)
    return custom_objects.AsymmetricLoss() if name == "asl" else "binary_crossentropy"


def fine_tune(model, schedule):
    """The second phase of training a pretrained backbone: unfrozen, compiled again with the
    same loss and a new optimizer at `schedule`'s rate (already lowered) over the epochs
    that remain."""
    backbones.set_trainable(model, True)
    compile_model(model, *schedule, loss=model.loss)


def warmup_epochs(epochs):
    """Epochs the head trains on a frozen pretrained backbone: a fifth, at least one, and
    always fewer than all (a one-epoch run only warms up)."""
    return min(max(1, round(epochs * defaults.WARMUP)), max(1, epochs - 1))


def augmented(model, augmentation, seed=None):
    """`model` behind an augment.OnDevice layer with `augmentation`'s strengths: warped in
    training, unchanged at inference. The network's layers are shared, not copied."""
    inputs = keras.Input(shape=model.input_shape[1:], dtype=model.input.dtype, name="image")
    warp = augment.OnDevice(**dataclasses.asdict(augmentation), seed=seed, name="augment")
    return keras.Model(inputs, model(warp(inputs)), name=f"{model.name}_augmented")


def without_augmentation(model):
    """The network an `augmented` model wraps (the model itself otherwise). The warp is an
    identity at inference, so saved and exported models leave it out and are the same kind
    of model however they were trained; heat maps (explain.py) look inside that network."""
    if any(isinstance(layer, augment.OnDevice) for layer in model.layers):
        return next(layer for layer in model.layers if isinstance(layer, keras.Model))
    return model


def flip_averaged(model):
    """The same model answering with the mean of its probabilities for the image and for its
    mirror image: a prediction-time average that costs a second pass, never training time.
    The weights are shared, not copied."""
    inputs = keras.Input(shape=model.input_shape[1:], dtype=model.input.dtype, name="image")
    mirrored = custom_objects.HorizontalFlip(name="mirror")(inputs)
    outputs = layers.Average(name="flip_average", dtype="float32")(
        [model(inputs), model(mirrored)])
    return keras.Model(inputs, outputs, name=f"{model.name}_flip_averaged")


def float32_model(model):
    """The same network computing in float32, carrying `model`'s weights (float32 variables
    under any policy), uncompiled. Prediction, evaluation, saving and every export use it,
    so that all backends give the same probabilities: LiteRT would need TensorFlow's Flex
    delegate for bfloat16 and onnxruntime refuses bfloat16 convolutions. Uncompiled, a saved
    model carries no optimizer state (Adam's two moments would triple the file)."""
    config = _float32_config(keras.saving.serialize_keras_object(model))
    with keras.saving.custom_object_scope(custom_objects.CUSTOM_OBJECTS):
        rebuilt = keras.saving.deserialize_keras_object(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def _float32_config(node):
    """A serialized model's config with every mixed policy float32 and nothing compiled."""
    if isinstance(node, dict):
        policy = node.get("config", {}) if node.get("class_name") == "DTypePolicy" else {}
        if str(policy.get("name", "")).startswith("mixed_"):
            return {**node, "config": {**policy, "name": "float32"}}
        return {key: None if key == "compile_config" else _float32_config(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_float32_config(value) for value in node]
    return node


def recipe_decay(learning_rate, epochs):
    """The recipe's `Adam(decay=lr/epochs)` as a Keras 3 schedule.

    Keras 2's `decay` divided the rate by (1 + decay * step) at every batch;
    InverseTimeDecay with decay_steps=1 is exactly that.
    """
    return keras.optimizers.schedules.InverseTimeDecay(
        learning_rate, decay_steps=1, decay_rate=learning_rate / epochs)


def cosine_decay(learning_rate, epochs, steps_per_epoch):
    """Cosine from the full rate to zero over the run: late epochs take small steps,
    so the last epochs (and BatchNormalization's statistics) settle instead of jumping."""
    return keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=max(1, epochs * steps_per_epoch))


def compile_model(model, learning_rate, epochs, schedule="recipe", steps_per_epoch=1,
                  loss="binary_crossentropy"):
    """Adam with the chosen schedule; binary cross-entropy per label unless another `loss`
    (grouped.loss for a model with label groups)."""
    if schedule == "cosine":
        rate = cosine_decay(learning_rate, epochs, steps_per_epoch)
    else:
        rate = recipe_decay(learning_rate, epochs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate),
        loss=loss,
        metrics=[keras.metrics.BinaryAccuracy(name="binary_accuracy"),
                 keras.metrics.MeanMetricWrapper(custom_objects.exact_match, name="exact_match"),
                 # Area under the precision-recall curve per label, averaged: mAP's estimate.
                 keras.metrics.AUC(curve="PR", multi_label=True, name="map")])


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

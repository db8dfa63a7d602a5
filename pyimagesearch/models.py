"""The multi-label model: building, compiling, and the forms it is used in.

Usage:
    model = build_model(size=(96, 96), classes=6)
    compile_model(model, learning_rate=1e-3, epochs=30)
    served = flip_averaged(float32_model(model))

The model takes uint8 RGB images and scales them itself (a Rescaling layer),
so whatever feeds it, training or classification, cannot disagree on scale.
Fitting it to data is training.py's.
"""

import dataclasses

import keras
import tensorflow as tf
from keras import layers

from pyimagesearch import augment, backbones, custom_objects, defaults, grouped


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

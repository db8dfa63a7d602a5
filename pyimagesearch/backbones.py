"""The network under the labels: the recipe's SmallerVGGNet or a keras.applications family.

Usage:
    network = backbones.Network("mobilenetv3small", weights="imagenet")
    probabilities = backbones.outputs(network, rgb, 17, "sigmoid", bn_momentum=0.9)
    backbones.set_trainable(model, True)  # after the head's warm-up on a frozen backbone

Every network takes float images in [0, 1] (RGB, or the grouped network's one standardised
grey channel) and ends in `classes` outputs; the model around it turns uint8 pixels into
that, so preprocessing stays inside the saved model. A keras.applications backbone is
called as one nested model whose output is its last feature map (the convolution Grad-CAM
reads), then a head: global average pooling, dropout, one dense layer. With pretrained
weights (ImageNet, or a file) the backbone's batch normalisation runs in inference mode
throughout, as the Keras transfer-learning guide does: its statistics are ImageNet's and
fine-tuning on a few hundred images would wreck them.
"""

import contextlib
import dataclasses
import io
import os
import warnings

import keras
from keras import layers

from pyimagesearch import defaults
from pyimagesearch.errors import UserError
from pyimagesearch.smallervggnet import SmallerVGGNet

# name -> (keras.applications constructor, the smallest input side it accepts)
APPLICATIONS = {
    "mobilenetv3small": ("MobileNetV3Small", 32),
    "mobilenetv3large": ("MobileNetV3Large", 32),
    "efficientnetv2b0": ("EfficientNetV2B0", 32),
}
NAMES = defaults.BACKBONES[1:]  # the recipe's network, then APPLICATIONS' keys
BACKBONE_SUFFIX = "_backbone"  # the nested application model's name ends so (explain.py)
HEAD_DROPOUT = 0.2  # keras.applications' own top dropout


def choose(backbone, image_size, colour_group):
    """(backbone, image size) a run uses: "auto" is SmallerVGGNet where the labels have a
    colour group (the grouped network that names unseen colour_item pairs) or below
    MobileNetV3Small's 32 px, MobileNetV3Small elsewhere; an image size of None is the backbone's own (96 px for SmallerVGGNet, as the
    recipe's; 128 px for an application)."""
    if backbone == "auto":
        # An image size too small for an application (tiny tests, thumbnails) keeps SmallerVGGNet.
        too_small = image_size is not None and image_size < APPLICATIONS[
            defaults.GENERIC_BACKBONE][1]
        backbone = defaults.RECIPE_BACKBONE if colour_group or too_small \
            else defaults.GENERIC_BACKBONE
    if image_size is None:
        image_size = defaults.RECIPE_IMAGE_SIZE if backbone == defaults.RECIPE_BACKBONE \
            else defaults.APPLICATION_IMAGE_SIZE
    return backbone, image_size


def check(name, size, weights):
    """One line for a backbone, size and weights that cannot go together, before any work."""
    if name not in NAMES:
        raise UserError(f"unknown backbone {name!r}: choose from {', '.join(NAMES)}")
    if name == defaults.RECIPE_BACKBONE and weights == "imagenet":
        raise UserError(f"{name} has no ImageNet weights: use --weights none or a weights file, "
                        f"or a keras.applications backbone ({', '.join(APPLICATIONS)})")
    if name in APPLICATIONS and min(size) < APPLICATIONS[name][1]:
        raise UserError(f"--backbone {name} needs --image-size {APPLICATIONS[name][1]} or more")
    if weights not in ("imagenet", "none") and not os.path.isfile(weights):
        raise UserError(f"weights file not found: {weights}")
    if weights == "imagenet":  # fetched (or found in Keras's cache) now, not after loading data
        imagenet_reference(name, size)


@dataclasses.dataclass(frozen=True)
class Network:
    """What a run builds under its labels: --backbone, --head (SmallerVGGNet's) and --weights."""
    backbone: str = defaults.RECIPE_BACKBONE
    head: str = defaults.HEAD
    weights: str = defaults.WEIGHTS

    @property
    def fine_tuned(self):
        """A pretrained keras.applications backbone: the head warms up on it frozen, then the
        whole network trains at a lower rate."""
        return self.backbone in APPLICATIONS and self.weights != "none"


def outputs(network, x, classes, final_activation, bn_momentum, name=""):
    """`classes` outputs of `final_activation` for `x` ([0, 1] images), in the graph of `x`.
    SmallerVGGNet comes as one nested Sequential (named `name`, when given); an application
    as its nested backbone model, then the head's layers. A weights file for SmallerVGGNet
    holds the whole network, so its label count must match."""
    width, height, depth = x.shape[2], x.shape[1], x.shape[3]
    if network.backbone == defaults.RECIPE_BACKBONE:
        model = SmallerVGGNet.build(width, height, depth, classes, finalAct=final_activation,
                                    momentum=bn_momentum, head=network.head)
        if name:
            model.name = name
        if network.weights != "none":
            _load_file(model, network.weights, network.backbone)
        return model(x)
    features = application_features(network.backbone, x, network.weights, bn_momentum,
                                    prefix=name)
    return application_head(features, classes, final_activation)


def application_features(name, inputs, weights, bn_momentum, prefix=""):
    """The application's last feature map of `inputs` ([0, 1] images, one or three channels).
    From random weights its batch normalisation takes `bn_momentum`: the applications' own
    0.999 (MobileNetV3) or 0.99 lags so far behind a network trained from scratch that
    validation scores stayed at chance for 19 of 30 epochs on ucm-multilabel."""
    constructor, _ = APPLICATIONS[name]
    height, width, depth = inputs.shape[1:]
    label = f"{prefix}_{name}" if prefix else name
    backbone = getattr(keras.applications, constructor)(
        input_shape=(height, width, 3), include_top=False, weights=None,
        include_preprocessing=True)
    backbone.name = f"{label}{BACKBONE_SUFFIX}"  # EfficientNetV2 reads its `name` argument
    _load(backbone, weights, name)
    if weights == "none":
        for layer in backbone.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.momentum = bn_momentum
    x = inputs if depth == 3 else layers.Concatenate(name=f"{label}_grey_to_rgb")([inputs] * 3)
    # The application scales [0, 255] itself (its include_preprocessing layers); a
    # standardised grey channel (mean 0, sd 1) is brought near [0, 1] first.
    if depth != 3:
        x = layers.Rescaling(0.25, offset=0.5, name=f"{label}_grey_to_unit")(x)
    x = layers.Rescaling(255.0, name=f"{label}_to_pixels")(x)
    return backbone(x, training=False) if weights != "none" else backbone(x)


def application_head(features, classes, final_activation):
    x = layers.GlobalAveragePooling2D()(features)
    x = layers.Dropout(HEAD_DROPOUT)(x)
    x = layers.Dense(classes, dtype="float32")(x)
    return layers.Activation(final_activation, dtype="float32")(x)


def _load(backbone, weights, name):
    if weights == "imagenet":
        _load_imagenet(backbone, name)
    elif weights != "none":
        _load_file(backbone, weights, name)


def _load_imagenet(backbone, name):
    backbone.set_weights(imagenet_reference(name, backbone.input_shape[1:3]).get_weights())


def imagenet_reference(name, size):
    """The application with ImageNet's weights, through Keras's own download and cache
    (~/.keras/models); a failed download is one line that says how to do without it."""
    constructor, _ = APPLICATIONS[name]
    height, width = size
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Keras's "Downloading data from ..."
            return getattr(keras.applications, constructor)(
                input_shape=(height, width, 3), include_top=False, weights="imagenet",
                include_preprocessing=True)
    except Exception as error:  # noqa: BLE001 - Keras raises a bare Exception on a failed fetch
        raise UserError(
            f"cannot fetch the ImageNet weights of {name} ({_first_line(error)}): without a "
            f"network, download keras.applications.{constructor}'s 'notop' weights file "
            "elsewhere and pass it with --weights FILE") from None


def _load_file(network, path, name):
    """Weights from a file (Keras .weights.h5, or the .h5 files keras.applications downloads),
    refused in one line when they belong to another network."""
    try:
        with warnings.catch_warnings():  # Keras warns of each object before it raises
            warnings.simplefilter("ignore")
            network.load_weights(path)
    except (ValueError, OSError, KeyError, TypeError) as error:
        raise UserError(f"{path} does not hold weights for --backbone {name}: "
                        f"{_first_line(error)}") from None


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def is_backbone(layer):
    return isinstance(layer, keras.Model) and layer.name.endswith(BACKBONE_SUFFIX)


def backbone_layers(model):
    """Every nested keras.applications backbone in `model`, however deep."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            if is_backbone(layer):
                found.append(layer)
            else:
                found += backbone_layers(layer)
    return found


def set_trainable(model, trainable):
    """Freeze (False) or unfreeze (True) every pretrained backbone in `model`; compile again
    after a change. Batch normalisation stays in inference mode either way (it was called
    with training=False)."""
    for backbone in backbone_layers(model):
        backbone.trainable = trainable

"""SmallerVGGNet: the small VGG-style network of the 2018 multi-label recipe.

Usage:
    model = SmallerVGGNet.build(width=96, height=96, depth=3, classes=6, finalAct="sigmoid")

The layers are the recipe's, one for one; only the imports moved to Keras 3, and batch
normalisation runs on TensorFlow's fused kernel (same arithmetic, 1.7x the training speed
in bfloat16 on a CPU; see pyimagesearch/custom_objects.py).
"""

import keras
from keras import layers

from pyimagesearch import defaults
from pyimagesearch.custom_objects import FusedBatchNormalization

GAP_UNITS = 512  # units of the dense layer after global average pooling (head="gap")


class SmallerVGGNet:
    @staticmethod
    def build(width, height, depth, classes, finalAct="softmax",
              momentum=defaults.RECIPE_BN_MOMENTUM, head="flatten"):
        """Return the uncompiled network.

        `finalAct="softmax"` gives one label per image; `"sigmoid"` gives an
        independent probability per label, which is what multi-label needs.
        `momentum` is batch normalisation's moving-average momentum (Keras's 0.99 in the
        recipe); it changes only the statistics used for prediction, not training's arithmetic.
        `head="flatten"` is the recipe's FC1024 on the flattened maps (8.4M of its 8.7M weights
        at 96 px); `"gap"` averages each feature map over the image first (GAP_UNITS units),
        which fits any input size and leaves far fewer weights to memorise a small dataset.
        """
        if keras.config.image_data_format() == "channels_first":
            input_shape, channel_axis = (depth, height, width), 1
        else:
            input_shape, channel_axis = (height, width, depth), -1

        model = keras.Sequential(name="smallervggnet")
        model.add(keras.Input(shape=input_shape))

        # CONV => RELU => POOL
        _conv_block(model, 32, channel_axis, momentum, repeats=1)
        model.add(layers.MaxPooling2D(pool_size=(3, 3)))
        model.add(layers.Dropout(0.25))

        # (CONV => RELU) * 2 => POOL, twice, widening as the maps shrink
        for filters in (64, 128):
            _conv_block(model, filters, channel_axis, momentum, repeats=2)
            model.add(layers.MaxPooling2D(pool_size=(2, 2)))
            model.add(layers.Dropout(0.25))

        # FC => RELU, then the classifier
        model.add(layers.Flatten() if head == "flatten" else layers.GlobalAveragePooling2D())
        model.add(layers.Dense(1024 if head == "flatten" else GAP_UNITS))
        model.add(layers.Activation("relu"))
        model.add(FusedBatchNormalization(momentum=momentum))
        model.add(layers.Dropout(0.5))
        model.add(layers.Dense(classes))
        # Probabilities stay float32 even when the layers below run in 16-bit.
        model.add(layers.Activation(finalAct, dtype="float32"))
        return model


def _conv_block(model, filters, channel_axis, momentum, repeats):
    for _ in range(repeats):
        model.add(layers.Conv2D(filters, (3, 3), padding="same"))
        model.add(layers.Activation("relu"))
        model.add(FusedBatchNormalization(axis=channel_axis, momentum=momentum))

"""Random affine augmentation with the strengths of Keras 2's ImageDataGenerator.

Usage:
    augmenter = Augmentation(rotation=25, shift=0.1, shear=0.2, zoom=0.2, flip=True)
    batch = augmenter(uint8_batch)  # inside a tf.data map

ImageDataGenerator is gone from Keras 3. Like it, this draws one rotation,
shift, shear, zoom and flip per image and applies them as a single affine
warp (one resampling, bilinear, nearest fill), instead of chaining one
resampling layer per transform. As in ImageDataGenerator, `rotation` and
`shear` are angles in degrees, `shift` a fraction of the image size and
`zoom` a range around 1 (0.2 -> scale 0.8 to 1.2 on each axis independently).
Colours are never touched: colour is a label.
"""

import dataclasses
import math

import keras
import tensorflow as tf

from pyimagesearch import defaults


@dataclasses.dataclass(frozen=True)
class Augmentation:
    rotation: float = defaults.ROTATION  # degrees, either way
    shift: float = defaults.SHIFT  # fraction of width and height, either way
    shear: float = defaults.SHEAR  # degrees, as ImageDataGenerator's shear_range
    zoom: float = defaults.ZOOM  # scale drawn from [1 - zoom, 1 + zoom] per axis
    flip: bool = True  # horizontal flip half of the time

    def __call__(self, images, seed=None):
        """Augment a (batch, height, width, channels) tensor; returns float32.

        With `seed` (a pair of integers, one pair per batch) the draws are
        stateless: the same seed gives the same augmentation whatever order
        parallel workers run in, which makes a seeded run repeatable.
        """
        images = tf.cast(images, tf.float32)
        shape = tf.shape(images)
        transforms = self.transforms(shape[0], shape[1], shape[2], seed)
        return keras.ops.image.affine_transform(
            images, transforms, interpolation="bilinear", fill_mode="nearest",
            data_format="channels_last")

    def transforms(self, batch, height, width, seed=None):
        """(batch, 8) projective rows mapping output pixels to input pixels."""
        draws = iter(range(8))

        def uniform(low, high):
            if seed is None:
                return tf.random.uniform([batch], low, high)
            # A distinct, reproducible stream per parameter, all from the batch's seed.
            stream = tf.stack([seed[0], seed[1] + next(draws)])
            return tf.random.stateless_uniform([batch], stream, low, high)

        theta = uniform(-1.0, 1.0) * math.radians(self.rotation)
        shear = uniform(-1.0, 1.0) * math.radians(self.shear)
        height, width = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
        shift_x, shift_y = uniform(-self.shift, self.shift) * width, uniform(-self.shift, self.shift) * height
        zoom_x, zoom_y = uniform(1 - self.zoom, 1 + self.zoom), uniform(1 - self.zoom, 1 + self.zoom)
        flip = tf.where(uniform(0.0, 1.0) < 0.5, -1.0, 1.0) if self.flip else tf.ones([batch])
        # Linear part: rotation @ shear @ zoom @ flip, as in ImageDataGenerator.
        cos, sin = tf.cos(theta), tf.sin(theta)
        a = cos * zoom_x * flip
        b = (-sin * tf.cos(shear) + cos * -tf.sin(shear)) * zoom_y
        c = sin * zoom_x * flip
        d = (sin * -tf.sin(shear) + cos * tf.cos(shear)) * zoom_y
        # Keep the image centre fixed, then shift.
        centre_x, centre_y = (width - 1) / 2, (height - 1) / 2
        offset_x = centre_x - a * centre_x - b * centre_y + shift_x
        offset_y = centre_y - c * centre_x - d * centre_y + shift_y
        zeros = tf.zeros([batch])
        return tf.stack([a, b, offset_x, c, d, offset_y, zeros, zeros], axis=1)


# Registered under our package's name, as custom_objects.PACKAGE spells it; custom_objects
# imports this module to list the layer, so it cannot be imported from here.
@keras.saving.register_keras_serializable(package="pyimagesearch")
class OnDevice(keras.layers.Layer):
    """Augmentation's warp as the first layer of the training model, so that it runs where the
    model runs (a GPU) instead of in tf.data on the CPU.

    In training it draws a seed pair per batch from its own SeedGenerator and applies exactly
    Augmentation's warp with that pair; at inference (evaluation, prediction, every saved and
    exported model) it only casts the uint8 images to float32, as the warp would have.
    """

    def __init__(self, rotation=defaults.ROTATION, shift=defaults.SHIFT, shear=defaults.SHEAR,
                 zoom=defaults.ZOOM, flip=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.augmentation = Augmentation(float(rotation), float(shift), float(shear),
                                         float(zoom), bool(flip))
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return tf.cast(inputs, tf.float32)
        return self.augmentation(inputs, tf.cast(self.generator.next(), tf.int64))

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, training=False):
        return keras.KerasTensor(inputs.shape, dtype="float32")

    def get_config(self):
        return {**super().get_config(), **dataclasses.asdict(self.augmentation),
                "seed": self.seed}

"""Everything a saved model refers to by name: our layers, our metric and our loss.

Usage:
    model.add(FusedBatchNormalization(axis=-1))   # instead of keras.layers.BatchNormalization
    keras.saving.load_model(path, custom_objects=CUSTOM_OBJECTS)

Every loader passes CUSTOM_OBJECTS explicitly, so that no load depends on some other
module having been imported first for its registration side effect.

FusedBatchNormalization: Keras 3 normalises with separate moment, subtract and scale operations; on a CPU
that is a third of SmallerVGGNet's training step in bfloat16. TensorFlow's
FusedBatchNormV3 does the same arithmetic in one pass. The layer keeps Keras's
weights, defaults and saved form, so a model saved with it is an ordinary model
with the same four weights per layer, and it falls back to Keras's own
computation wherever the fused kernel does not apply (other backends, other axes).
"""

import keras
from keras import layers

from pyimagesearch import augment  # its OnDevice layer: the warp inside a training model

PACKAGE = "pyimagesearch"  # the prefix of our names in a saved model: "pyimagesearch>..."


@keras.saving.register_keras_serializable(package=PACKAGE)
class FusedBatchNormalization(layers.BatchNormalization):
    def call(self, inputs, training=None, mask=None):
        rank = len(inputs.shape)
        axis = self.axis if self.axis >= 0 else rank + self.axis
        if keras.backend.backend() != "tensorflow" or axis != rank - 1 or rank not in (2, 4):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        training = bool(training) and self.trainable
        images = inputs if rank == 4 else inputs[:, None, None, :]
        scale = self.gamma if self.scale else tf.ones_like(self.moving_mean)
        offset = self.beta if self.center else tf.zeros_like(self.moving_mean)
        if training:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                images, scale, offset, epsilon=self.epsilon, is_training=True)
            # The fused kernel returns the unbiased variance; Keras keeps the biased one.
            count = tf.cast(tf.size(images) // tf.shape(images)[-1], variance.dtype)
            variance = variance * (count - 1) / tf.maximum(count, 1.0)
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
                moving.assign(moving * self.momentum + batch * (1.0 - self.momentum))
        else:
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                images, scale, offset, mean=self.moving_mean, variance=self.moving_variance,
                epsilon=self.epsilon, is_training=False)
        return outputs if rank == 4 else outputs[:, 0, 0, :]


@keras.saving.register_keras_serializable(package=PACKAGE)
def exact_match(y_true, y_pred):
    """1 for an image whose every label is right at the 0.5 threshold, else 0."""
    predicted = keras.ops.cast(y_pred >= 0.5, y_true.dtype)
    return keras.ops.cast(keras.ops.all(keras.ops.equal(predicted, y_true), axis=-1), "float32")


@keras.saving.register_keras_serializable(package=PACKAGE)
class ColourStripped(layers.Layer):
    """RGB in [0, 1] -> one standardised grey channel, so that what follows cannot tell a
    colour, nor a dark garment from a light one by brightness alone.

    While training, each image's grey levels are first jittered (gamma 0.5-2, contrast
    0.5-1.5, brightness -0.3..0.3): darkness alone must not mean "jeans". Then every
    image is standardised to mean 0 and standard deviation 1, in training and prediction.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        inputs = keras.ops.cast(inputs, "float32")
        grey = keras.ops.sum(inputs * keras.ops.array([0.299, 0.587, 0.114]), axis=-1,
                             keepdims=True)
        if training:
            grey = self._jitter(grey)
        mean = keras.ops.mean(grey, axis=(1, 2, 3), keepdims=True)
        deviation = keras.ops.std(grey, axis=(1, 2, 3), keepdims=True)
        return keras.ops.cast((grey - mean) / keras.ops.maximum(deviation, 1e-3),
                              self.compute_dtype)

    def _jitter(self, grey):
        shape = (keras.ops.shape(grey)[0], 1, 1, 1)
        uniform = lambda low, high: keras.random.uniform(  # noqa: E731
            shape, low, high, seed=self.generator)
        gamma = keras.ops.exp(uniform(-0.69, 0.69))  # 0.5 to 2, as likely darker as lighter
        grey = keras.ops.power(keras.ops.clip(grey, 1e-4, 1.0), gamma)
        mean = keras.ops.mean(grey, axis=(1, 2, 3), keepdims=True)
        return (grey - mean) * uniform(0.5, 1.5) + mean + uniform(-0.3, 0.3)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class HorizontalFlip(layers.Layer):
    """Mirror images left to right (for averaging a prediction over an image and its mirror)."""

    def call(self, inputs):
        return keras.ops.flip(inputs, axis=2)


@keras.saving.register_keras_serializable(package=PACKAGE)
class GatherColumns(layers.Layer):
    """Reorder the last axis: output column i is input column `indices[i]` (puts the label
    groups' heads back in the label order the rest of the tool knows)."""

    def __init__(self, indices, **kwargs):
        super().__init__(**kwargs)
        self.indices = [int(index) for index in indices]

    def call(self, inputs):
        return keras.ops.take(inputs, keras.ops.array(self.indices, dtype="int32"), axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(self.indices))

    def get_config(self):
        return {**super().get_config(), "indices": self.indices}


@keras.saving.register_keras_serializable(package=PACKAGE)
class GroupActivation(layers.Layer):
    """Logits in label order -> probabilities: a softmax over each exclusive group's columns
    (exactly one of its labels is true), a sigmoid for every other column.

    `groups` is [[column indices], exclusive] per group.
    """

    def __init__(self, groups, **kwargs):
        super().__init__(**kwargs)
        self.groups = [[[int(i) for i in indices], bool(exclusive)] for indices, exclusive in groups]

    def call(self, logits):
        logits = keras.ops.cast(logits, "float32")
        columns, parts = [], []
        for indices, exclusive in self.groups:
            part = keras.ops.take(logits, keras.ops.array(indices, dtype="int32"), axis=-1)
            parts.append(keras.ops.softmax(part, axis=-1) if exclusive else keras.ops.sigmoid(part))
            columns += indices
        back = [columns.index(i) for i in range(len(columns))]  # to label order again
        return keras.ops.take(keras.ops.concatenate(parts, axis=-1),
                              keras.ops.array(back, dtype="int32"), axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package=PACKAGE)
class GroupedCrossEntropy(keras.losses.Loss):
    """Cross-entropy per label group, summed: categorical over an exclusive group's columns
    (its probabilities sum to one), binary over each label of any other group.

    `groups` is [[column indices], exclusive] per group, in the label order of y_true.
    """

    def __init__(self, groups, label_smoothing=0.0, name="grouped_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.groups = [[[int(i) for i in indices], bool(exclusive)] for indices, exclusive in groups]
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        y_pred = keras.ops.clip(keras.ops.cast(y_pred, "float32"), 1e-7, 1 - 1e-7)
        y_true = keras.ops.cast(y_true, "float32")
        total = 0.0
        for indices, exclusive in self.groups:
            columns = keras.ops.array(indices, dtype="int32")
            truth = keras.ops.take(y_true, columns, axis=-1)
            predicted = keras.ops.take(y_pred, columns, axis=-1)
            if exclusive:
                truth = truth * (1 - self.label_smoothing) + self.label_smoothing / len(indices)
                total = total - keras.ops.sum(truth * keras.ops.log(predicted), axis=-1)
            else:
                total = total + keras.ops.sum(keras.losses.binary_crossentropy(
                    truth[..., None], predicted[..., None],
                    label_smoothing=self.label_smoothing), axis=-1)
        return total

    def get_config(self):
        return {**super().get_config(), "groups": self.groups,
                "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package=PACKAGE)
class AsymmetricLoss(keras.losses.Loss):
    """Asymmetric loss for multi-label (Ridnik et al., ICCV 2021), summed over labels: a
    positive label's cross-entropy as usual (`gamma_positive` 0), a negative's focused by
    p ** `gamma_negative` after its probability is shifted down by `margin`, so that the many
    easy negatives of a multi-label image (14 of 17 labels on ucm-multilabel) stop drowning
    the few positives, and negatives below the margin (likely mislabelled) weigh nothing."""

    def __init__(self, gamma_negative=4.0, gamma_positive=0.0, margin=0.05,
                 name="asymmetric_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.gamma_negative, self.gamma_positive = float(gamma_negative), float(gamma_positive)
        self.margin = float(margin)

    def call(self, y_true, y_pred):
        y_pred = keras.ops.clip(keras.ops.cast(y_pred, "float32"), 1e-7, 1 - 1e-7)
        y_true = keras.ops.cast(y_true, "float32")
        shifted = keras.ops.maximum(y_pred - self.margin, 0.0)
        positive = keras.ops.power(1 - y_pred, self.gamma_positive) * keras.ops.log(y_pred)
        negative = keras.ops.power(shifted, self.gamma_negative) * keras.ops.log(
            keras.ops.clip(1 - shifted, 1e-7, 1.0))
        return -keras.ops.sum(y_true * positive + (1 - y_true) * negative, axis=-1)

    def get_config(self):
        return {**super().get_config(), "gamma_negative": self.gamma_negative,
                "gamma_positive": self.gamma_positive, "margin": self.margin}


CUSTOM_OBJECTS = {f"{PACKAGE}>{item.__name__}": item
                  for item in (FusedBatchNormalization, exact_match, ColourStripped,
                               HorizontalFlip, GatherColumns, GroupActivation,
                               GroupedCrossEntropy, AsymmetricLoss, augment.OnDevice)}

"""Everything a saved model refers to by name: our layer and our metric.

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


CUSTOM_OBJECTS = {f"{PACKAGE}>{item.__name__}": item
                  for item in (FusedBatchNormalization, exact_match)}

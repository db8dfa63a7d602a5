"""The fused batch normalisation computes what Keras's own layer computes."""

import numpy as np
import pytest
from keras import layers

from pyimagesearch.custom_objects import FusedBatchNormalization


@pytest.mark.parametrize("shape", [(8, 6, 6, 5), (8, 5)])
def test_fused_matches_keras_batch_normalization(shape):
    rng = np.random.default_rng(0)
    inputs = rng.normal(2.0, 3.0, shape).astype("float32")
    plain, fused = layers.BatchNormalization(), FusedBatchNormalization()
    for layer in (plain, fused):
        layer.build(shape)
    fused.set_weights([w + rng.normal(0, 0.1, w.shape) for w in plain.get_weights()[:2]]
                      + plain.get_weights()[2:])
    plain.set_weights(fused.get_weights())
    for _ in range(3):  # training steps update the moving statistics
        np.testing.assert_allclose(fused(inputs, training=True), plain(inputs, training=True),
                                   rtol=1e-4, atol=1e-4)
    for ours, theirs in zip(fused.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fused(inputs, training=False), plain(inputs, training=False),
                               rtol=1e-4, atol=1e-4)


def test_fused_runs_in_bfloat16():
    layer = FusedBatchNormalization(dtype="mixed_bfloat16")
    outputs = layer(np.ones((4, 3, 3, 2), "float32") * np.arange(4)[:, None, None, None],
                    training=True)
    assert "bfloat16" in str(outputs.dtype)
    assert np.isfinite(np.asarray(outputs, "float32")).all()

"""The network: output shapes and activations."""

import io

import keras
import numpy as np
import pytest

from pyimagesearch import custom_objects, models
from pyimagesearch.smallervggnet import SmallerVGGNet
from tests.conftest import NO_EXTRAS


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_outputs_are_probabilities(activation):
    model = SmallerVGGNet.build(width=32, height=32, depth=3, classes=5, finalAct=activation)
    batch = np.random.default_rng(0).random((4, 32, 32, 3)).astype("float32")
    output = model.predict(batch, verbose=0)
    assert output.shape == (4, 5)
    assert np.isfinite(output).all()
    assert ((output >= 0) & (output <= 1)).all()
    if activation == "softmax":
        np.testing.assert_allclose(output.sum(axis=1), 1.0, rtol=1e-5)
    else:
        assert not np.allclose(output.sum(axis=1), 1.0)  # independent per label


def test_layers_follow_the_recipe():
    model = SmallerVGGNet.build(width=96, height=96, depth=3, classes=6, finalAct="sigmoid")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 5
    assert [layer.filters for layer in model.layers if hasattr(layer, "filters")] == [32, 64, 64, 128, 128]
    assert [layer.pool_size for layer in model.layers if "Pooling" in type(layer).__name__] == [(3, 3), (2, 2), (2, 2)]
    assert [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"] == [0.25, 0.25, 0.25, 0.5]
    assert model.layers[-2].units == 6 and model.layers[-1].get_config()["activation"] == "sigmoid"
    assert model.output_shape == (None, 6)


def test_channels_first_builds_with_channel_axis_first():
    previous = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        model = SmallerVGGNet.build(width=64, height=48, depth=3, classes=4)
        assert model.input_shape == (None, 3, 48, 64)
        assert model.layers[2].axis in (1, [1])  # BatchNormalization over channels
        assert model.output_shape == (None, 4)
    finally:
        keras.config.set_image_data_format(previous)


def test_wrapped_model_takes_uint8_and_scales_it():
    model = models.build_model((16, 16), classes=3)
    values = np.arange(256, dtype=np.uint8)  # every uint8 value, 255 included
    images = np.resize(values, (1, 16, 16, 3))
    output = model.predict(images, verbose=0)
    assert output.shape == (1, 3) and np.isfinite(output).all()
    # What the network behind the wrapper receives, fed the same uint8 batch.
    rescaled = keras.Model(model.inputs, model.get_layer("rescale").output)
    scaled = rescaled.predict(images, verbose=0)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, images / 255.0, rtol=1e-6, atol=0)
    assert scaled.max() == 1.0 and scaled.min() == 0.0  # 255 -> exactly 1, 0 -> 0


def test_exact_match_needs_every_label_right():
    truth = np.array([[1, 0, 1], [1, 0, 1]], dtype="float32")
    predicted = np.array([[0.9, 0.1, 0.8], [0.9, 0.6, 0.8]], dtype="float32")
    assert list(keras.ops.convert_to_numpy(custom_objects.exact_match(truth, predicted))) == [1.0, 0.0]


def test_decay_matches_keras2_formula():
    """Keras 2's Adam(decay=lr/epochs) used lr / (1 + decay * step)."""
    schedule = models.recipe_decay(learning_rate=1e-3, epochs=30)
    for step in (0, 1, 100, 2000):
        expected = 1e-3 / (1 + (1e-3 / 30) * step)
        assert float(schedule(step)) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_keeps_float32_probabilities(precision):
    policy = models.choose_precision(precision)
    model = models.build_model((32, 32), classes=3, policy=policy)
    assert keras.mixed_precision.dtype_policy().name == "float32"  # global default untouched
    images = np.random.default_rng(2).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    output = model.predict(images, verbose=0)
    assert output.dtype == np.float32 and np.isfinite(output).all()
    assert ((output >= 0) & (output <= 1)).all()


@pytest.mark.parametrize("gpus, cpu_flags, policy", [
    (["GPU:0"], "fpu sse avx512_bf16", "mixed_float16"),  # a GPU wins over CPU flags
    ([], "fpu sse avx512f avx512_bf16 avx512_vnni", "mixed_bfloat16"),
    ([], "fpu sse amx_bf16 amx_tile", "mixed_bfloat16"),
    ([], "fpu sse avx2 avx512f", "float32"),  # AVX-512 without its bfloat16 extension
    ([], None, "float32"),  # no /proc/cpuinfo to read
])
def test_auto_precision_follows_the_hardware(monkeypatch, gpus, cpu_flags, policy):
    def cpuinfo(path, *args, **kwargs):
        assert path == "/proc/cpuinfo"
        if cpu_flags is None:
            raise FileNotFoundError(path)
        return io.StringIO(f"processor\t: 0\nflags\t\t: {cpu_flags}\n")

    monkeypatch.setattr(models, "open", cpuinfo, raising=False)  # shadows the builtin there
    monkeypatch.setattr(models.tf.config, "list_physical_devices",
                        lambda kind=None: list(gpus) if kind == "GPU" else [])
    assert models.choose_precision("auto") == policy
    # A precision asked for by name is taken whatever the hardware.
    assert models.choose_precision("float32") == "float32"
    assert models.choose_precision("bfloat16") == "mixed_bfloat16"
    assert models.choose_precision("float16") == "mixed_float16"


def test_seeded_augmentation_is_repeatable_and_varies_with_the_seed():
    from pyimagesearch.augment import Augmentation
    images = np.random.default_rng(3).integers(0, 256, (4, 24, 24, 3), dtype=np.uint8)
    augmenter = Augmentation()
    first = augmenter(images, seed=np.array([1, 2])).numpy()
    assert np.array_equal(first, augmenter(images, seed=np.array([1, 2])).numpy())
    assert not np.array_equal(first, augmenter(images, seed=np.array([1, 3])).numpy())
    still = Augmentation(rotation=0, shift=0, shear=0, zoom=0, flip=False)
    assert np.array_equal(still(images, seed=np.array([5, 6])).numpy(), images)


def every_layer(model):
    """The model's layers, those of the models nested in it included."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from every_layer(layer)


@pytest.mark.slow  # two trainings per precision, about 20 s each
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_two_runs_with_one_seed_give_identical_weights(tmp_path, dataset_dir, precision):
    import train
    from pyimagesearch import artifacts, descriptions
    weights = []
    for run in ("a", "b"):
        assert train.main(["--dataset", dataset_dir, "--output", str(tmp_path / run),
                           "--epochs", "2", "--image-size", "16", "--quiet", "--seed", "3",
                           "--no-cache", "--precision", precision, *NO_EXTRAS]) == 0
        model = artifacts.load_model(str(tmp_path / run / "fashion.keras"))
        description = descriptions.read(str(tmp_path / run / "fashion.keras"))
        assert description.settings["precision"] == precision  # what trained it
        # ... while the saved model computes in float32, as every backend and export does.
        convolutions = [layer for layer in every_layer(model)
                        if isinstance(layer, keras.layers.Conv2D)]
        assert convolutions and {layer.compute_dtype for layer in convolutions} == {"float32"}
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_bn_momentum_sets_how_fast_prediction_statistics_follow_training():
    """Moving statistics at 0.9 cover most of the way to the data's in ten steps; at the
    recipe's 0.99 they have barely moved, which is why its early validation scores lag."""
    images = np.full((32, 16, 16, 3), 200, dtype=np.uint8)
    targets = np.tile(np.array([[1, 0]], dtype="float32"), (32, 1))
    moved = {}
    for momentum in (0.9, 0.99):
        keras.utils.set_random_seed(0)
        model = models.build_model((16, 16), classes=2, bn_momentum=momentum)
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        model.fit(images, targets, batch_size=32, epochs=10, verbose=0)
        network = model.get_layer("smallervggnet")
        first = next(layer for layer in network.layers if "batch" in type(layer).__name__.lower())
        assert first.momentum == momentum
        moved[momentum] = float(np.abs(keras.ops.convert_to_numpy(first.moving_mean)).sum())
    assert moved[0.9] > 3 * moved[0.99] > 0


def test_bn_momentum_flag_defaults_and_recipe():
    import train
    assert train.parse_args([]).bn_momentum == 0.9
    assert train.parse_args(["--recipe"]).bn_momentum == 0.99
    assert train.parse_args(["--bn-momentum", "0.5"]).bn_momentum == 0.5
    with pytest.raises(SystemExit):
        train.parse_args(["--bn-momentum", "1"])

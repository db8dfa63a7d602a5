"""The grouped network: one branch per label group, probabilities back in label order."""

import keras
import numpy as np
import pytest

from pyimagesearch import custom_objects, grouped, groups, models

NAMES = ["black", "blue", "dress", "jeans", "red", "shirt"]
GROUPS = [groups.Group("colour", ("black", "blue", "red"), True),
          groups.Group("item", ("dress", "jeans", "shirt"), True)]


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return models.build_model((32, 32), 6, groups=GROUPS, class_names=NAMES)


def images(count=4, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)


def test_each_exclusive_group_sums_to_one_in_label_order(model):
    probabilities = model.predict(images(), verbose=0)
    assert probabilities.shape == (4, 6)
    np.testing.assert_allclose(probabilities[:, [0, 1, 4]].sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(probabilities[:, [2, 3, 5]].sum(axis=1), 1, atol=1e-5)


def test_group_activation_puts_each_group_back_in_its_columns():
    layer = custom_objects.GroupActivation(grouped.spec(NAMES, GROUPS))
    logits = np.array([[5.0, 0, 0, 0, 0, 9.0]], dtype="float32")  # black and shirt stand out
    probabilities = np.asarray(layer(logits))
    assert probabilities[0].argmax() == 5 and probabilities[0, 0] > probabilities[0, [1, 4]].max()
    mixed = custom_objects.GroupActivation([[[0, 1], True], [[2], False]])
    np.testing.assert_allclose(np.asarray(mixed(np.array([[0.0, 0.0, 0.0]], "float32"))),
                               [[0.5, 0.5, 0.5]])


def test_groups_must_cover_every_label_once():
    with pytest.raises(ValueError):
        grouped.spec(NAMES, GROUPS[:1])


def test_colour_stripped_input_ignores_hue_and_overall_brightness():
    layer = custom_objects.ColourStripped()
    rng = np.random.default_rng(1)
    pattern = rng.uniform(0.2, 0.8, (1, 16, 16, 1)).astype("float32")
    grey = np.repeat(pattern, 3, axis=-1)
    darker = grey * 0.5  # a darker garment of the same shape
    np.testing.assert_allclose(np.asarray(layer(grey)), np.asarray(layer(darker)), atol=1e-4)
    trained = np.asarray(layer(grey, training=True))  # jittered while training
    assert not np.allclose(trained, np.asarray(layer(grey)), atol=1e-3)


def test_loss_is_categorical_per_exclusive_group():
    loss = grouped.loss(NAMES, GROUPS)
    truth = np.array([[1, 0, 1, 0, 0, 0]], "float32")  # black dress
    predicted = np.array([[0.5, 0.25, 0.8, 0.1, 0.25, 0.1]], "float32")
    expected = -np.log(0.5) - np.log(0.8)
    np.testing.assert_allclose(float(loss(truth, predicted)), expected, rtol=1e-5)


def test_trains_saves_and_loads_with_flip_averaging(model, tmp_path):
    models.compile_model(model, 1e-3, 1, "cosine", 1, loss=grouped.loss(NAMES, GROUPS))
    targets = np.zeros((4, 6), "float32")
    targets[:, [0, 2]] = 1
    model.fit(images(), targets, epochs=1, verbose=0)
    averaged = models.flip_averaged(model)
    batch = images(seed=3)
    both = (model.predict(batch, verbose=0) + model.predict(batch[:, :, ::-1], verbose=0)) / 2
    np.testing.assert_allclose(averaged.predict(batch, verbose=0), both, atol=1e-5)
    averaged.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False,
                                     custom_objects=custom_objects.CUSTOM_OBJECTS)
    np.testing.assert_allclose(loaded.predict(batch, verbose=0),
                               averaged.predict(batch, verbose=0), atol=1e-6)

"""Backbones: every network builds under the labels, loads a weights file made here, refuses
another network's file in one line, fine-tunes in two phases, and keeps working with label
groups, heat maps, the LiteRT export and the Python API."""

import csv
import glob
import os
import signal

import keras
import numpy as np
import pytest

import export as export_command
import train
from pyimagesearch import (Classifier, backbones, backends, checkpoint, explain, images, models,
                           runfiles, training)
from pyimagesearch.errors import UserError
from tests.conftest import IMAGE_SIZE, ROOT
from tests.test_export import HAS_ONNX
from tests.test_runlog import stop_after_epoch

APPLICATIONS = list(backbones.APPLICATIONS)
EXAMPLE = sorted(glob.glob(os.path.join(ROOT, "examples", "*.jpg")))[0]


def application_weights(name, path, size=IMAGE_SIZE, fill=None):
    """A weights file of `name`'s backbone, as keras.applications would load it; with `fill`,
    every weight set to that value, so that loading it can be seen."""
    constructor, _ = backbones.APPLICATIONS[name]
    model = getattr(keras.applications, constructor)(
        input_shape=(size, size, 3), include_top=False, weights=None, include_preprocessing=True)
    if fill is not None:
        model.set_weights([np.full_like(weight, fill) for weight in model.get_weights()])
    model.save_weights(str(path))
    return str(path)


@pytest.mark.parametrize("name", backbones.NAMES)
@pytest.mark.parametrize("head", ["flatten", "gap"])
def test_every_network_gives_a_probability_per_label(name, head):
    if head == "gap" and name != "smallervggnet":
        pytest.skip("the head choice is SmallerVGGNet's; applications pool")
    network = backbones.Network(name, head)
    model = models.build_model((IMAGE_SIZE, IMAGE_SIZE), 5, network=network)
    batch = np.random.default_rng(0).integers(0, 256, (3, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
    probabilities = np.asarray(model(batch))
    assert probabilities.shape == (3, 5) and np.isfinite(probabilities).all()
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_the_pooled_head_has_a_small_fraction_of_the_recipes_weights():
    sizes = {head: models.build_model((96, 96), 6, network=backbones.Network(head=head))
             .count_params() for head in ("flatten", "gap")}
    assert sizes["flatten"] > 8_000_000 and sizes["gap"] < 1_000_000


def test_a_weights_file_is_loaded_into_the_backbone(tmp_path):
    path = application_weights("mobilenetv3small", tmp_path / "small.weights.h5", fill=0.01)
    model = models.build_model((IMAGE_SIZE, IMAGE_SIZE), 4, network=backbones.Network(
        "mobilenetv3small", weights=path))
    (backbone,) = backbones.backbone_layers(model)
    assert all(np.allclose(weight, 0.01) for weight in backbone.get_weights())


def test_another_networks_weights_are_one_line(tmp_path):
    path = application_weights("efficientnetv2b0", tmp_path / "b0.weights.h5")
    with pytest.raises(UserError, match="does not hold weights for --backbone mobilenetv3small"):
        models.build_model((IMAGE_SIZE, IMAGE_SIZE), 4, network=backbones.Network(
            "mobilenetv3small", weights=path))


def test_imagenet_without_a_network_says_how_to_pass_a_file(monkeypatch):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://example.invalid: no network")

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(UserError) as caught:
        backbones.check("mobilenetv3small", (IMAGE_SIZE, IMAGE_SIZE), "imagenet")
    assert "--weights FILE" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("name, size, weights, message", [
    ("smallervggnet", 32, "imagenet", "has no ImageNet weights"),
    ("efficientnetv2b0", 24, "none", "needs --image-size 32 or more"),
    ("mobilenetv3small", 32, "missing.weights.h5", "weights file not found"),
])
def test_impossible_choices_are_refused_before_any_work(name, size, weights, message):
    with pytest.raises(UserError, match=message):
        backbones.check(name, (size, size), weights)


@pytest.mark.parametrize("epochs, warmup", [(1, 1), (2, 1), (3, 1), (10, 2), (30, 6)])
def test_the_warm_up_is_a_fifth_of_the_run_and_leaves_epochs_to_fine_tune(epochs, warmup):
    assert training.warmup_epochs(epochs) == warmup


@pytest.mark.slow
def test_fine_tuning_a_file_backbone_interrupted_and_resumed_end_to_end(dataset_dir, tmp_path,
                                                                       monkeypatch):
    """Two phases (frozen, then unfrozen at a tenth of the rate) with label groups,
    interrupted (SIGINT) after the warm-up and one epoch of fine-tuning: --resume continues
    the fine-tuning, the log continues, and the saved model's backbone is trainable, its
    heat maps come from the backbone, the report is written, LiteRT and ONNX agree with
    Keras."""
    weights = application_weights("mobilenetv3small", tmp_path / "small.weights.h5")
    output = tmp_path / "run"
    command = ["--dataset", dataset_dir, "--output", str(output), "--epochs", "3",
               "--image-size", str(IMAGE_SIZE), "--backbone", "mobilenetv3small",
               "--weights", weights, "-q"]
    assert training.warmup_epochs(3) == 1
    with monkeypatch.context() as patch:
        stop_after_epoch(patch, 2)
        assert train.main(command) == 128 + signal.SIGINT
    model_path = str(output / "fashion.keras")
    assert checkpoint.load_state(runfiles.RunFiles(model_path).checkpoint).epoch == 2
    assert train.main(command + ["--resume"]) == 0
    assert os.path.getsize(output / "fashion.keras.report.html") > 10_000
    with open(output / "fashion.keras.results.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3]
    assert max(float(row["learning_rate"]) for row in rows[1:]) <= 1e-4 + 1e-9  # a tenth
    keras_runner, _, _ = backends.load(model_path, str(output / "mlb.pickle"), "keras")
    (backbone,) = backbones.backbone_layers(keras_runner.model)
    assert backbone.trainable
    image = images.load_image(EXAMPLE, (IMAGE_SIZE, IMAGE_SIZE))
    maps = explain.heatmaps(keras_runner.model, image, [0, 3])
    assert all(heat.shape == image.shape[:2] and np.isfinite(heat).all() for heat in maps.values())
    litert = Classifier.load(model_path)
    assert litert.backend == "litert"
    expected = keras_runner.predict_on_batch(image[None])
    np.testing.assert_allclose(litert.runner.predict_on_batch(image[None]), expected, atol=1e-4)
    if HAS_ONNX:
        assert export_command.main(["--model", model_path, "--format", "onnx"]) == 0
        onnx, _, _ = backends.load(model_path, str(output / "mlb.pickle"), "onnx")
        np.testing.assert_allclose(onnx.predict_on_batch(image[None]), expected, atol=1e-4)


@pytest.mark.parametrize("requested, size, colour, expected", [
    ("auto", None, True, ("smallervggnet", 96)),
    ("auto", None, False, ("mobilenetv3small", 128)),
    ("auto", 16, False, ("smallervggnet", 16)),
    ("auto", 64, False, ("mobilenetv3small", 64)),
    ("efficientnetv2b0", None, True, ("efficientnetv2b0", 128)),
    ("smallervggnet", None, False, ("smallervggnet", 96)),
])
def test_auto_picks_the_network_and_size_by_the_labels(requested, size, colour, expected):
    assert backbones.choose(requested, size, colour) == expected

"""Grad-CAM heat maps: the size and range of a map, one map per label, heat where the evidence
is, the picture drawn from them, and classify.py --explain on grouped and ungrouped models."""

import json
import os

import cv2
import keras
import numpy as np
import pytest
from keras import layers

import classify
import train
from pyimagesearch import artifacts, explain, models
from tests.conftest import IMAGE_SIZE, NO_EXTRAS, draw, write_rgb

RED, NOT_RED, BLUE = 0, 1, 2  # the hand-made model's labels
RED_SQUARE = (slice(8, 24), slice(6, 22))  # rows, columns in the 70x50 scene
BLUE_SQUARE = (slice(44, 62), slice(26, 44))


def hand_made_model(size=32):
    """Red is scored by a convolution of the network's own graph, blue by one inside a nested
    Sequential, as the grouped network's colour and item branches are; "not red" counts
    against the red evidence, so its map has none to show. Flip-averaged, as saved models are."""
    inputs = keras.Input((size, size, 3), dtype="uint8", name="image")
    rgb = layers.Rescaling(1.0 / 255)(inputs)
    red = layers.Conv2D(1, 1, activation="relu", name="red_detector")(rgb)
    red_logits = layers.Dense(2, name="red_logits")(layers.GlobalAveragePooling2D()(red))
    branch = keras.Sequential([keras.Input((size, size, 3)),
                               layers.Conv2D(1, 1, name="blue_detector"),
                               layers.Activation("relu"), layers.GlobalAveragePooling2D(),
                               layers.Dense(1)], name="blue_branch")
    logits = layers.Concatenate()([red_logits, branch(rgb)])  # red, not red, blue
    model = keras.Model(inputs, layers.Activation("sigmoid")(logits), name="hand_made")
    model.get_layer("red_detector").set_weights([np.reshape([1.0, -1.0, -1.0], (1, 1, 3, 1)),
                                                 np.zeros(1)])
    model.get_layer("red_logits").set_weights([np.array([[4.0, -4.0]]), np.zeros(2)])
    branch.get_layer("blue_detector").set_weights([np.reshape([-1.0, -1.0, 1.0], (1, 1, 3, 1)),
                                                   np.zeros(1)])
    branch.layers[-1].set_weights([np.array([[4.0]]), np.zeros(1)])
    return models.flip_averaged(model)


def scene(seed=0):
    """70x50 grey noise (the detectors see nothing in it) with a red and a blue square."""
    image = np.random.default_rng(seed).integers(100, 156, (70, 50, 3), dtype=np.uint8)
    image[RED_SQUARE] = (210, 30, 30)
    image[BLUE_SQUARE] = (30, 30, 210)
    return image


def inside_and_outside(heatmap, square):
    mask = np.zeros(heatmap.shape, bool)
    mask[square] = True
    return heatmap[mask].mean(), heatmap[~mask].mean()


def test_heat_gathers_where_each_labels_evidence_is():
    maps = explain.heatmaps(hand_made_model(), scene(), [RED, BLUE])
    for label, square, other in ((RED, RED_SQUARE, BLUE_SQUARE), (BLUE, BLUE_SQUARE, RED_SQUARE)):
        heatmap = maps[label]
        assert heatmap.shape == (70, 50) and heatmap.dtype == np.float32
        assert np.isfinite(heatmap).all() and heatmap.min() >= 0 and heatmap.max() <= 1
        inside, outside = inside_and_outside(heatmap, square)
        assert inside > 0.8 and outside < 0.1, (label, inside, outside)
        assert inside_and_outside(heatmap, other)[0] < 0.05  # the other colour's square is cold


def test_a_label_without_positive_evidence_gets_zeros_not_nan():
    model = hand_made_model()
    maps = explain.heatmaps(model, scene(), [NOT_RED])
    assert np.array_equal(maps[NOT_RED], np.zeros((70, 50), np.float32))
    black = explain.heatmaps(model, np.zeros((20, 30, 3), np.uint8), [RED, NOT_RED, BLUE])
    assert all(np.array_equal(heatmap, np.zeros((20, 30))) for heatmap in black.values())


def test_bad_images_and_labels_are_refused():
    model = hand_made_model()
    for image in (np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8),
                  np.zeros((8, 8, 3), np.float32), np.zeros((0, 8, 3), np.uint8)):
        with pytest.raises(ValueError, match="uint8 RGB"):
            explain.heatmaps(model, image, [RED])
    with pytest.raises(ValueError, match="label index"):
        explain.heatmaps(model, scene(), [3])


def test_trained_grouped_model_maps_take_the_image_size_and_differ_by_label(trained):
    model, binarizer, _ = artifacts.load_artifacts(trained["model"], trained["labelbin"])
    names = list(binarizer.classes_)
    image = draw("red", "dress", np.random.default_rng(1), size=48)
    image = cv2.resize(image, (70, 50))  # 50 high, 70 wide: neither the input size nor square
    maps = explain.heatmaps(model, image, range(len(names)))
    assert sorted(maps) == list(range(len(names)))
    for heatmap in maps.values():
        assert heatmap.shape == (50, 70) and heatmap.dtype == np.float32
        assert np.isfinite(heatmap).all() and heatmap.min() >= 0 and heatmap.max() <= 1
    # A colour is decided by the colour branch, an item by the item branch: their maps differ.
    assert not np.allclose(maps[names.index("red")], maps[names.index("dress")])


def test_labels_to_explain_takes_the_predicted_and_the_runner_up():
    names = ["black", "blue", "dress", "jeans", "red", "shirt"]
    result = {"probabilities": {"black": 0.9, "blue": 0.05, "dress": 0.7, "jeans": 0.2,
                                "red": 0.3, "shirt": 0.1}, "labels": ["black", "dress"]}
    assert explain.labels_to_explain(result, names) == [0, 2, 4]
    everything = {**result, "labels": names}
    assert explain.labels_to_explain(everything, names) == list(range(6))
    assert explain.labels_to_explain({"path": "x.jpg", "error": "unreadable"}, names) == []


def test_overlay_is_rgb_jet_blended_at_alpha():
    image = np.full((20, 30, 3), 100, np.uint8)
    hot = np.ones((20, 30), np.float32)
    assert np.array_equal(explain.overlay(image, hot, alpha=0.0), image)
    red = explain.overlay(image, hot, alpha=1.0)
    assert red.dtype == np.uint8 and red.shape == image.shape
    assert red[0, 0, 0] > 100 and red[0, 0, 2] == 0  # JET's hot end is red, in RGB order
    blue = explain.overlay(image, np.zeros((5, 5)), alpha=1.0)  # a map of another size is stretched
    assert blue.shape == image.shape and blue[0, 0, 2] > 100 and blue[0, 0, 0] == 0


def test_explained_image_puts_the_original_and_each_map_side_by_side():
    image = scene()
    result = {"probabilities": {"red": 0.97, "not red": 0.03, "blue": 0.96},
              "labels": ["red", "blue"]}
    maps = explain.heatmaps(hand_made_model(), image, [RED, BLUE, NOT_RED])
    picture = explain.explained_image(image, result, maps, ["red", "not red", "blue"])
    assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
    assert picture.shape[0] == explain.TILE_HEIGHT + explain.CAPTION_HEIGHT
    tile = round(50 * explain.TILE_HEIGHT / 70)  # 160: narrower than a tile may be
    assert tile < explain.MIN_TILE_WIDTH
    assert picture.shape[1] == 4 * explain.MIN_TILE_WIDTH + 3 * explain.GAP


def photos(folder, names=("x0", "x1"), seed=3):
    rng = np.random.default_rng(seed)
    paths = [os.path.join(folder, f"{name}.jpg") for name in names]
    for path in paths:
        write_rgb(path, draw("red", "dress", rng))
    return paths


def run_classify(model, labelbin, *argv):
    return classify.main(["--model", model, "--labelbin", labelbin, "--no-annotate", *argv])


def check_explained(model, labelbin, tmp_path, capsys):
    """classify --explain --json on three images, two of one name: one picture each."""
    inputs = photos(str(tmp_path / "a")) + photos(str(tmp_path / "b"), names=("x0",))
    folder = str(tmp_path / "explained")
    assert run_classify(model, labelbin, "--image", *inputs, "--explain", folder, "--json") == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    named = [result["explained"] for result in results]
    assert [os.path.basename(path) for path in named] == [
        "x0.explained.png", "x1.explained.png", "x0-2.explained.png"]
    assert sorted(os.listdir(folder)) == sorted(os.path.basename(path) for path in named)
    for result, path in zip(results, named):
        picture = cv2.imread(path)
        tiles = 1 + len(result["labels"]) + (len(result["labels"]) < len(result["probabilities"]))
        assert picture.shape == (explain.TILE_HEIGHT + explain.CAPTION_HEIGHT,
                                 tiles * explain.TILE_HEIGHT + (tiles - 1) * explain.GAP, 3)
    return results


def test_classify_explain_writes_one_picture_per_image(trained, tmp_path, capsys):
    results = check_explained(trained["model"], trained["labelbin"], tmp_path, capsys)
    assert all(result["groups"] for result in results)  # the grouped model, on LiteRT


def test_classify_explain_text_and_default_folder(trained, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (path,) = photos("photos", names=("x0",))
    assert run_classify(trained["model"], trained["labelbin"], "--image", path, "--explain") == 0
    expected = os.path.join("output", "explained", "x0.explained.png")
    assert f"  explained: {expected}" in capsys.readouterr().out.splitlines()
    assert os.path.isfile(expected)


def test_classify_explain_refuses_a_folder_inside_the_inputs(trained, tmp_path, capsys):
    folder = str(tmp_path / "photos")
    inputs = photos(folder)
    before = {path: open(path, "rb").read() for path in inputs}
    inside = os.path.join(folder, "explained")
    assert run_classify(trained["model"], trained["labelbin"], "--image", folder,
                        "--explain", inside) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --explain"), lines
    assert not os.path.exists(inside)
    assert all(open(path, "rb").read() == data for path, data in before.items())


@pytest.mark.slow
def test_classify_explain_with_an_ungrouped_model(dataset_dir, tmp_path_factory, capsys):
    output = tmp_path_factory.mktemp("ungrouped")
    assert train.main(["--dataset", dataset_dir, "--output", str(output), "--epochs", "1",
                       "--image-size", str(IMAGE_SIZE), "--groups", "none", "--quiet",
                       *NO_EXTRAS]) == 0
    capsys.readouterr()
    model, labelbin = str(output / "fashion.keras"), str(output / "mlb.pickle")
    results = check_explained(model, labelbin, tmp_path_factory.mktemp("explain"), capsys)
    assert not any("groups" in result for result in results)
    keras_model, _, _ = artifacts.load_artifacts(model, labelbin)
    maps = explain.heatmaps(keras_model, draw("blue", "shirt", np.random.default_rng(2)), [0, 3])
    for heatmap in maps.values():
        assert heatmap.shape == (48, 48) and np.isfinite(heatmap).all()

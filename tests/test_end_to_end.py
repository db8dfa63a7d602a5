"""train.main then classify.main on a tiny dataset: the commands a user runs."""

import json
import os
import shutil

import keras
import numpy as np
import pytest

import classify
import train
from pyimagesearch import (artifacts, augment, backends, classifier, decisions, descriptions,
                           labels, models, training)
from pyimagesearch import dataset as data
from tests.conftest import IMAGE_SIZE, NO_EXTRAS


def test_training_writes_model_labels_plot_and_description(trained):
    for key in ("model", "labelbin", "plot"):
        assert os.path.getsize(trained[key]) > 0
    assert open(trained["plot"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    description = json.load(open(trained["model"] + ".json"))
    assert description["labels"] == ["blue", "dress", "red", "shirt"]
    assert description["input_size"] == [IMAGE_SIZE, IMAGE_SIZE]
    assert description["colour_order"] == "RGB"
    assert description["settings"]["epochs"] == 1
    assert 0 <= description["evaluation"]["exact_match"] <= 1
    assert set(description["thresholds"]) == {"blue", "dress", "red", "shirt"}
    for kind in ("evaluation", "audit"):
        assert json.load(open(f"{trained['model']}.{kind}.json"))["images"] > 0
    assert not [name for name in os.listdir(trained["output"]) if name.startswith(".")]


def test_training_prints_honest_evaluation(trained):
    out = trained["stdout"]
    assert "exact match (all labels of an image right)" in out
    assert "binary accuracy (per image and label)" in out and "macro mAP" in out
    assert "8 images" in out  # the 20% held out of 40


def test_classify_one_image_prints_every_label_and_draws(trained, tmp_path, capsys):
    image = os.path.join(trained["dataset"], "red_dress", "000.png")
    code = classify.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--image", image, "--annotated", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    for label in ("blue", "dress", "red", "shirt"):
        assert f"  {label} " in out
    assert "labels: " in out
    drawn = tmp_path / "000.jpg"
    assert drawn.exists() and drawn.stat().st_size > 0


def test_classify_batch_as_json_with_a_bad_file(trained, tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    code = classify.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--image", os.path.join(trained["dataset"], "blue_shirt"), str(bad),
                          "--json", "--no-annotate"])
    assert code == 1  # one image failed
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 11
    good = [line for line in lines if "error" not in line]
    assert len(good) == 10
    for line in good:
        assert set(line["probabilities"]) == {"blue", "dress", "red", "shirt"}
        assert set(line["labels"]) <= set(line["probabilities"])
    assert lines[-1]["path"] == str(bad) and "bad.jpg" in lines[-1]["error"]


@pytest.mark.parametrize("cached", [True, False], ids=["from-cache", "decoded"])
def test_training_and_classification_see_the_same_pixels(trained, monkeypatch, cached):
    """The batches the training pipeline feeds the model (augmentation off) hold, byte for
    byte, the uint8 pixels classify.py feeds it for the same files."""
    size = (IMAGE_SIZE, IMAGE_SIZE)
    # As train.py loads: the `trained` fixture's run left these files in its cache.
    dataset, _ = data.load_training_data(trained["dataset"], None, None, size, progress=False,
                                         cache_dir=trained["cache"] if cached else None)
    assert dataset.decoded == (0 if cached else len(dataset.paths))
    rows = np.arange(0, len(dataset.paths), 5)
    paths = [dataset.paths[row] for row in rows]
    fed = []
    for runner in (backends.KerasRunner, backends.LiteRTRunner):  # whichever runs the model
        monkeypatch.setattr(runner, "predict_on_batch", _recording(runner.predict_on_batch, fed))
    assert classify.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--image", *paths, "--json", "--no-annotate"]) == 0
    classified = np.concatenate(fed)
    assert classified.dtype == np.uint8 and classified.shape == (len(rows), *size, 3)
    by_row = dict(zip(rows, classified))
    # Targets that are row numbers tell which image each place in a shuffled batch holds.
    row_numbers = np.arange(len(dataset.paths))[:, None]
    for augmentation in (None, augment.Augmentation(0, 0, 0, 0, flip=False)):
        batches = training.make_batches(dataset.images, row_numbers, 4, augmentation, 7, rows)
        seen = {}
        for images, targets in batches:
            for image, row in zip(images.numpy(), targets.numpy()[:, 0].astype(int)):
                seen[row] = image
        assert sorted(seen) == list(rows)
        for row in rows:
            if augmentation is None:  # validation and evaluation: the uint8 itself
                assert seen[row].dtype == np.uint8
            np.testing.assert_array_equal(seen[row], by_row[row], err_msg=dataset.paths[row])


def _recording(predict_on_batch, fed):
    def recording(runner, batch):
        fed.append(np.array(batch))
        return predict_on_batch(runner, batch)

    return recording


def test_batch_classification_equals_one_by_one(trained):
    model, binarizer, _ = artifacts.load_artifacts(trained["model"], trained["labelbin"])
    paths = data.find_images(trained["dataset"])[:9]
    size = artifacts.input_size(model)
    decide = decisions.DecisionRule(binarizer.classes_, threshold=0.5).decide
    together = classifier.classify_files(model, list(binarizer.classes_), paths, size, decide,
                                         batch_size=4)
    alone = [classifier.classify_files(model, list(binarizer.classes_), [path], size, decide)[0]
             for path in paths]
    for a, b in zip(together, alone):
        assert a["labels"] == b["labels"]
        np.testing.assert_allclose(list(a["probabilities"].values()),
                                   list(b["probabilities"].values()), atol=1e-5)


def test_save_load_gives_identical_predictions(tmp_path, dataset_dir):
    model = models.build_model((IMAGE_SIZE, IMAGE_SIZE), classes=4)
    binarizer, _ = labels.binarize([["red", "dress"], ["blue", "shirt"]])
    paths = (str(tmp_path / "m.model"), str(tmp_path / "labels.pickle"))
    artifacts.save_artifacts(model, binarizer, *paths, descriptions.Description())
    loaded, loaded_binarizer, description = artifacts.load_artifacts(*paths)
    images = data.load_dataset(dataset_dir, (IMAGE_SIZE, IMAGE_SIZE), progress=False).images[:5]
    np.testing.assert_array_equal(model.predict(images, verbose=0), loaded.predict(images, verbose=0))
    assert list(loaded_binarizer.classes_) == ["blue", "dress", "red", "shirt"]
    assert description.labels == ["blue", "dress", "red", "shirt"]
    assert description.input_size == (IMAGE_SIZE, IMAGE_SIZE)


def test_recipe_file_names_work_for_training_and_classification(
        tmp_path, dataset_dir, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(dataset_dir, "dataset")
    os.makedirs("examples")
    shutil.copy(os.path.join("dataset", "blue_dress", "001.png"), "examples/example_01.png")
    assert train.main(["--dataset", "dataset", "--model", "fashion.model", "--labelbin",
                       "mlb.pickle", "--plot", "plot.png", "--epochs", "1",
                       "--image-size", "16", "--quiet"]) == 0
    assert os.path.isfile("fashion.model") and os.path.isfile("mlb.pickle") and os.path.isfile("plot.png")
    capsys.readouterr()
    assert classify.main(["--model", "fashion.model", "--labelbin", "mlb.pickle",
                          "--image", "examples/example_01.png"]) == 0
    assert "labels: " in capsys.readouterr().out


def test_show_without_display_returns(trained, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    image = os.path.join(trained["dataset"], "red_shirt", "001.png")
    assert classify.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--image", image, "--show", "--annotated", str(tmp_path)]) == 0
    assert "no display" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--help"])
def test_help_answers(flag, capsys):
    for script in (train, classify):
        with pytest.raises(SystemExit) as exit_info:
            script.main([flag])
        assert exit_info.value.code == 0
    assert "--labelbin" in capsys.readouterr().out


def test_training_set_smaller_than_a_batch_still_trains(tmp_path):
    from tests.conftest import make_dataset
    root = make_dataset(tmp_path / "few", per_folder=2, folders=("red_dress", "blue_shirt"))
    assert train.main(["--dataset", root, "--output", str(tmp_path / "out"), "--epochs", "1",
                       "--image-size", "16", "--quiet", *NO_EXTRAS]) == 0


@pytest.mark.slow  # three trainings: about 30 s
def test_rerun_on_an_unchanged_dataset_decodes_nothing(tmp_path, dataset_dir, capsys):
    args = ["--dataset", dataset_dir, "--output", str(tmp_path / "out"), "--epochs", "1",
            "--image-size", "16", "--quiet", "--cache-dir", str(tmp_path / "cache"),
            *NO_EXTRAS]
    assert train.main(args) == 0
    assert "40 images, 4 labels" in capsys.readouterr().out
    assert train.main(args) == 0
    assert "40 images (0 decoded, 40 from the cache)" in capsys.readouterr().out
    assert train.main(args + ["--no-cache"]) == 0
    assert "40 images, 4 labels" in capsys.readouterr().out

"""Exported models (LiteRT, SavedModel, ONNX) answer as the Keras model does, and the
LiteRT path classifies without TensorFlow."""

import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import classify
import evaluate
import export as export_command
import train
from pyimagesearch import Classifier, artifacts, backends, descriptions, images
from tests.conftest import IMAGE_SIZE, NO_EXTRAS, ROOT

EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.jpg")))
HAS_ONNX = all(importlib.util.find_spec(name) for name in ("onnxruntime", "onnx", "tf2onnx"))
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def exported(tmp_path_factory, dataset_dir):
    """A model trained in bfloat16 (as `--precision auto` trains on CPUs with AMX), with
    every export beside it."""
    output = tmp_path_factory.mktemp("exported")
    assert train.main(["--dataset", dataset_dir, "--output", str(output), "--epochs", "1",
                       "--image-size", str(IMAGE_SIZE), "--precision", "bfloat16", "--no-report",
                       "-q"]) == 0
    model = str(output / "fashion.keras")
    formats = ["savedmodel"] + (["onnx"] if HAS_ONNX else [])
    assert export_command.main(["--model", model, "--format", *formats]) == 0
    return {"model": model, "labelbin": str(output / "mlb.pickle"), "dataset": dataset_dir}


def example_images():
    return np.stack([images.load_image(path, (IMAGE_SIZE, IMAGE_SIZE)) for path in EXAMPLES])


def savedmodel_probabilities(folder, batch):
    import tensorflow as tf

    serve = tf.saved_model.load(folder).signatures["serving_default"]
    (output,) = serve(image=tf.constant(batch)).values()
    return output.numpy()


def test_training_writes_a_litert_model_named_in_the_description(exported):
    description = descriptions.read(exported["model"])
    entry = description.exports["litert"]
    path = os.path.join(os.path.dirname(exported["model"]), entry["file"])
    assert entry["file"] == "fashion.tflite" and os.path.isfile(path)
    assert entry["sha256"] == artifacts.digest(path)
    assert entry["fingerprint"] == description.fingerprint
    # The names the file itself gives its tensors (LiteRT renames the Keras model's "image").
    assert entry["input"] == {"name": "serving_default_image:0",
                              "shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3],
                              "dtype": "uint8", "colour_order": "RGB", "range": [0, 255]}
    for fmt, listed in description.exports.items():
        from pyimagesearch import export
        named = export.file_names(fmt, os.path.join(os.path.dirname(exported["model"]),
                                                    listed["file"]))
        assert (listed["input"]["name"], listed["output"]["name"]) == named, fmt
    assert set(description.exports) == {"litert", "savedmodel"} | ({"onnx"} if HAS_ONNX else set())
    assert description.settings["precision"] == "bfloat16"


def test_every_format_gives_the_keras_probabilities(exported):
    batch = example_images()
    keras_runner, _, _ = backends.load(exported["model"], exported["labelbin"], "keras")
    expected = keras_runner.predict_on_batch(batch)
    assert expected.shape == (len(EXAMPLES), 4) and np.isfinite(expected).all()
    litert, _, _ = backends.load(exported["model"], exported["labelbin"], "litert")
    np.testing.assert_allclose(litert.predict_on_batch(batch), expected, atol=TOLERANCE)
    # One image at a time, then the whole batch again: the interpreter resizes its input.
    alone = np.concatenate([litert.predict_on_batch(batch[i:i + 1]) for i in range(len(batch))])
    np.testing.assert_allclose(alone, expected, atol=TOLERANCE)
    savedmodel = os.path.splitext(exported["model"])[0] + ".savedmodel"
    np.testing.assert_allclose(savedmodel_probabilities(savedmodel, batch), expected,
                               atol=TOLERANCE)
    if HAS_ONNX:
        onnx, _, _ = backends.load(exported["model"], exported["labelbin"], "onnx")
        np.testing.assert_allclose(onnx.predict_on_batch(batch), expected, atol=TOLERANCE)


def test_a_bfloat16_model_saved_as_such_exports_in_float32(tmp_path):
    from pyimagesearch import export, labels, models

    model = models.build_model((IMAGE_SIZE, IMAGE_SIZE), 4, policy="mixed_bfloat16")
    assert model.layers[-1].dtype_policy.name == "mixed_bfloat16"
    binarizer, _ = labels.binarize([["red", "dress"], ["blue", "shirt"]])
    path = str(tmp_path / "bf16.keras")
    artifacts.save_artifacts(model, binarizer, path, str(tmp_path / "mlb.pickle"),
                             descriptions.Description())
    fingerprint = descriptions.read(path).fingerprint
    export.write(model, "litert", str(tmp_path / "bf16.tflite"), fingerprint)
    batch = example_images()
    litert = backends.LiteRTRunner(str(tmp_path / "bf16.tflite")).predict_on_batch(batch)
    keras_runner, _, _ = backends.load(path, str(tmp_path / "mlb.pickle"), "keras")
    np.testing.assert_allclose(litert, keras_runner.predict_on_batch(batch), atol=TOLERANCE)
    # The bfloat16 model itself is within bfloat16's rounding of them, no closer.
    np.testing.assert_allclose(model.predict(batch, verbose=0), litert, atol=0.02)


def classify_json(model, labelbin, backend, paths):
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "classify.py"), "--model", model, "--labelbin",
         labelbin, "--image", *paths, "--json", "--no-annotate", "--backend", backend],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.slow
def test_classify_decides_the_same_on_every_backend(exported):
    paths = EXAMPLES + sorted(glob.glob(os.path.join(exported["dataset"], "*", "*.png")))[::3]
    runs = {backend: classify_json(exported["model"], exported["labelbin"], backend, paths)
            for backend in ("keras", "litert", "auto") + (("onnx",) if HAS_ONNX else ())}
    for backend, results in runs.items():
        for result, reference in zip(results, runs["keras"]):
            assert result["labels"] == reference["labels"], (backend, result["path"])
            assert result["groups"] == reference["groups"]
            np.testing.assert_allclose(list(result["probabilities"].values()),
                                       list(reference["probabilities"].values()), atol=TOLERANCE)


TF_FREE = """
import sys
import {module}
code = {module}.main({argv!r})
heavy = sorted(name for name in ("tensorflow", "keras", "tf_keras") if name in sys.modules)
print("HEAVY", heavy, "CODE", code)
"""


@pytest.mark.parametrize("command", ["classify", "evaluate", "api"])
def test_the_litert_path_imports_no_tensorflow(exported, tmp_path, command):
    model, labelbin = exported["model"], exported["labelbin"]
    if command == "classify":
        script = TF_FREE.format(module="classify", argv=[
            "--model", model, "--labelbin", labelbin, "--image", EXAMPLES[0], "--no-annotate"])
    elif command == "evaluate":
        script = TF_FREE.format(module="evaluate", argv=[
            "--model", model, "--labelbin", labelbin, "--dataset", exported["dataset"],
            "--report", str(tmp_path / "report.json")])
    else:
        script = ("import sys\nfrom pyimagesearch import Classifier\n"
                  f"clf = Classifier.load({model!r})\nresults = clf.predict([{EXAMPLES[0]!r}])\n"
                  "assert clf.backend == 'litert' and results[0]['labels']\n"
                  "heavy = sorted(n for n in ('tensorflow', 'keras') if n in sys.modules)\n"
                  "print('HEAVY', heavy, 'CODE', 0)\n")
    # Run outside the checkout. The scripts are found through PYTHONPATH; the API snippet
    # (README.md's) through the installed package alone, as a user's code finds it.
    environment = {**os.environ, "PYTHONPATH": ROOT}
    if command == "api":
        del environment["PYTHONPATH"]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env=environment)
    assert done.returncode == 0, done.stderr
    assert "HEAVY [] CODE 0" in done.stdout, done.stdout + done.stderr


def test_the_api_answers_as_classify_does(exported, capsys):
    clf = Classifier.load(exported["model"])  # the label file beside it
    assert clf.backend == "litert" and clf.input_size == (IMAGE_SIZE, IMAGE_SIZE)
    photo = images.decode_image(EXAMPLES[1], at_least=(IMAGE_SIZE, IMAGE_SIZE))  # as classify
    results = clf.predict([EXAMPLES[0], photo, photo / 255.0])
    assert classify.main(["--model", exported["model"], "--labelbin", exported["labelbin"],
                          "--image", EXAMPLES[0], EXAMPLES[1], "--json", "--no-annotate"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert results[0] == printed[0]
    assert results[1]["path"] is None and results[1]["labels"] == printed[1]["labels"]
    np.testing.assert_allclose(list(results[1]["probabilities"].values()),
                               list(printed[1]["probabilities"].values()), atol=TOLERANCE)
    np.testing.assert_allclose(list(results[2]["probabilities"].values()),
                               list(results[1]["probabilities"].values()), atol=0.02)
    assert set(results[0]["groups"]) == {"colour", "item"}


def copy_set(exported, folder):
    folder.mkdir()
    source = os.path.dirname(exported["model"])
    for name in os.listdir(source):
        if os.path.isfile(os.path.join(source, name)):
            shutil.copy(os.path.join(source, name), folder / name)
    return str(folder / "fashion.keras"), str(folder / "mlb.pickle")


@pytest.mark.parametrize("damage", ["corrupt", "other-run", "wrong-size"])
@pytest.mark.parametrize("backend", ["auto", "litert"])
def test_a_bad_litert_file_is_one_error_naming_it(exported, tmp_path, capsys, damage, backend):
    model, labelbin = copy_set(exported, tmp_path / "set")
    tflite = os.path.splitext(model)[0] + ".tflite"
    if damage == "corrupt":
        with open(tflite, "r+b") as handle:
            handle.truncate(os.path.getsize(tflite) // 2)
    else:  # a LiteRT file exported from another model: not the one the description names
        from pyimagesearch import export, models

        size = IMAGE_SIZE if damage == "other-run" else IMAGE_SIZE * 2
        other = models.build_model((size, size), 4)
        export.write(other, "litert", tflite, "elsewhere")
        if damage == "wrong-size":  # ... even with the description updated to name it
            description = descriptions.read(model)
            description.exports["litert"]["sha256"] = artifacts.digest(tflite)
            descriptions.write(model, description)
    code = classify.main(["--model", model, "--labelbin", labelbin, "--image", EXAMPLES[0],
                          "--no-annotate", "--backend", backend])
    error = capsys.readouterr().err.strip()
    assert code == 2 and error.count("\n") == 0, error
    assert error.startswith("error: ") and tflite in error


def test_no_export_means_keras_and_a_forced_backend_says_how_to_export(dataset_dir, tmp_path,
                                                                        capsys):
    output = tmp_path / "plain"
    assert train.main(["--dataset", dataset_dir, "--output", str(output), "--epochs", "1",
                       "--image-size", str(IMAGE_SIZE), *NO_EXTRAS,
                       "-q"]) == 0
    model, labelbin = str(output / "fashion.keras"), str(output / "mlb.pickle")
    assert not os.path.exists(output / "fashion.tflite")
    assert not descriptions.read(model).exports
    assert backends.choose(model) == "keras"
    capsys.readouterr()
    assert classify.main(["--model", model, "--labelbin", labelbin, "--image", EXAMPLES[0],
                          "--no-annotate", "--backend", "litert"]) == 2
    error = capsys.readouterr().err
    assert "no litert model" in error and "export.py --model" in error
    assert evaluate.main(["--model", model, "--labelbin", labelbin, "--dataset", dataset_dir,
                          "--report", str(tmp_path / "r.json")]) == 0


def test_export_command_lists_what_it_wrote(exported, tmp_path, capsys):
    model, _ = copy_set(exported, tmp_path / "again")
    os.remove(os.path.splitext(model)[0] + ".tflite")
    assert backends.choose(model) == "keras"  # named but gone: Keras, not an error
    assert export_command.main(["--model", model]) == 0
    assert backends.choose(model) == "litert"
    entry = descriptions.read(model).exports["litert"]
    assert entry["sha256"] == artifacts.digest(os.path.splitext(model)[0] + ".tflite")
    assert export_command.main(["--model", str(tmp_path / "missing.keras")]) == 2
    assert "not found" in capsys.readouterr().err

"""Every file of a run is named by runfiles.RunFiles, and the scripts find the label file
beside the model they are given, wherever it lies."""

import json
import os
import shutil
import subprocess
import sys

import classify
import evaluate
from pyimagesearch import runfiles
from tests.conftest import ROOT


def beside(name):
    return os.path.join("output", name)


def test_the_names_beside_a_model():
    run = runfiles.RunFiles(beside("fashion.keras"))
    assert run.labelbin == beside("mlb.pickle")
    assert run.labels == beside("mlb.pickle.json")
    assert run.description == beside("fashion.keras.json")
    assert run.report("evaluation") == beside("fashion.keras.evaluation.json")
    assert run.html_report == beside("fashion.keras.report.html")
    assert run.run_log == beside("fashion.keras.results.csv")
    assert run.last_model == beside("fashion.last.keras")
    assert run.checkpoint == beside("fashion.keras.checkpoint")
    assert run.staged_run_log == os.path.join(run.checkpoint, "results.csv")
    assert run.staged_last_model == os.path.join(run.checkpoint, "last.keras")
    assert run.export("litert") == beside("fashion.tflite")
    assert run.export("savedmodel") == beside("fashion.savedmodel")
    assert run.export("onnx") == beside("fashion.onnx")


def test_the_recipes_names():
    """fashion.model's last epoch ends in .keras (Keras saves no other name); its label file
    is mlb.pickle in the same (current) folder."""
    run = runfiles.RunFiles("fashion.model")
    assert run.last_model == "fashion.last.keras"
    assert run.export("litert") == "fashion.tflite"
    assert run.labelbin == "mlb.pickle"
    assert run.description == "fashion.model.json"


def test_the_label_file_is_beside_the_model_unless_given():
    model = os.path.join("models", "v2", "shirts.keras")
    assert runfiles.RunFiles(model).labelbin == os.path.join("models", "v2", "mlb.pickle")
    assert runfiles.RunFiles(model, "labels.pickle").labelbin == "labels.pickle"
    assert runfiles.RunFiles(model, "labels.pickle").labels == "labels.pickle.json"


def test_names_read_back():
    assert runfiles.export_format(os.path.join("a", "fashion.TFLITE")) == "litert"
    assert runfiles.export_format("fashion.keras") is None
    assert runfiles.described_model("fashion.keras.json") == "fashion.keras"
    assert runfiles.described_model("fashion.keras") is None


def test_imports_no_keras():
    """backends.py names exports through it on the TensorFlow-free LiteRT path."""
    code = ("import sys; from pyimagesearch import runfiles; "
            "sys.exit(sorted(n for n in ('keras', 'tensorflow') if n in sys.modules) or 0)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_script_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert classify.parse_args(["--image", "x.jpg"]).labelbin == os.path.join("output",
                                                                             "mlb.pickle")
    recipe = ["--model", "fashion.model", "--labelbin", "mlb.pickle"]
    assert classify.parse_args(recipe + ["--image", "x.jpg"]).labelbin == "mlb.pickle"
    elsewhere = os.path.join("models", "fashion.keras")
    assert evaluate.parse_args(["--model", elsewhere, "--dataset", "d"]).labelbin == \
        os.path.join("models", "mlb.pickle")


def test_classify_and_evaluate_find_the_labels_beside_a_model_elsewhere(
        trained, tmp_path, monkeypatch, capsys):
    """With no output/mlb.pickle where they run, only the one beside --model can serve."""
    folder = tmp_path / "models" / "v2"
    shutil.copytree(trained["output"], folder)
    monkeypatch.chdir(tmp_path)
    model = os.path.join("models", "v2", "fashion.keras")
    image = os.path.join(trained["dataset"], "red_dress", "000.png")
    assert classify.main(["--model", model, "--image", image, "--json", "--no-annotate"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["path"] == image and result["labels"]
    report = str(tmp_path / "evaluation.json")
    assert evaluate.main(["--model", model, "--dataset", trained["dataset"], "--report", report,
                          "--no-html"]) == 0
    with open(report, encoding="utf-8") as handle:
        assert "exact_match" in json.load(handle)

"""Running a trained model: on Keras, or on its LiteRT or ONNX export without TensorFlow.

Usage:
    runner, class_names, description = backends.load("output/fashion.keras", "output/mlb.pickle")
    probabilities = runner.predict_on_batch(uint8_rgb_images)  # (batch, labels) float

`backend="auto"` runs the LiteRT file that training wrote beside the model when the model's
description names it, and Keras otherwise; "keras", "litert" and "onnx" force one. Only the
Keras backend imports TensorFlow: the LiteRT path reads the labels and the description as
plain JSON and the images with OpenCV, so a process that classifies one image starts,
answers and exits in a fraction of TensorFlow's import time. An export that is missing,
damaged, or not the one the description names is an error that names the file, never a
silent fall back to another backend.
"""

import os

import numpy as np

from pyimagesearch import artifacts, cli, defaults, descriptions, runfiles
from pyimagesearch.errors import UserError

BACKENDS = defaults.BACKENDS


def load(model_path, labelbin_path, backend="auto", trust_code=False):
    """(runner, class names, description) of a trained model's file set; `model_path` may
    also name an export (fashion.tflite), found through the description that lists it."""
    model_path, backend = _through_export(model_path, backend)
    backend = choose(model_path, backend)
    if backend == "keras":
        cli.quiet_tensorflow()
        from pyimagesearch import models

        model, binarizer, description = artifacts.load_artifacts(
            model_path, labelbin_path, trust_code)
        return KerasRunner(models.float32_model(model)), \
            [str(name) for name in binarizer.classes_], description
    class_names, description = artifacts.load_set(model_path, labelbin_path, need_model=False)
    path = exported_path(model_path, description, backend)
    runner = (LiteRTRunner if backend == "litert" else OnnxRunner)(path)
    _check_export(runner, path, (model_path, description), class_names, backend)
    return runner, class_names, description


def choose(model_path, backend="auto"):
    """The backend "auto" means for this model: LiteRT where its description names a LiteRT
    file and that file is there (the .keras file may be absent: a LiteRT-only deployment),
    else Keras (models saved before exports existed, trained with --export none, or copied
    without their .tflite)."""
    if backend != "auto":
        return backend
    named = descriptions.read(model_path).export_file("litert")
    if named and os.path.isfile(runfiles.RunFiles(model_path).beside(named)):
        return "litert"
    if not os.path.isfile(model_path):
        raise UserError(f"model file not found: {model_path}")
    return "keras"


def _through_export(model_path, backend):
    """(the model the description names, backend) for an export given as --model; the
    arguments unchanged for a Keras model."""
    fmt = runfiles.export_format(model_path)
    if fmt not in BACKENDS:  # a Keras model (or a SavedModel, which no backend runs)
        return model_path, backend
    if backend not in ("auto", fmt):
        raise UserError(f"{model_path} is a {fmt} model: --backend {backend} cannot run it "
                        f"(give the .keras model, or --backend {fmt})")
    described, _ = artifacts.find_description(model_path)
    if described is None:
        raise UserError(f"{model_path}: no model description in "
                        f"{os.path.dirname(model_path) or '.'} lists it (the <model>.json that "
                        "train.py or export.py writes beside it, with the labels, input size "
                        "and thresholds); copy it beside the file")
    return described, fmt


def exported_path(model_path, description, backend):
    named = description.export_file(backend)
    run = runfiles.RunFiles(model_path)
    path = run.beside(named) if named else run.export(backend)
    if not os.path.isfile(path):
        how = "python export.py --model " + model_path + (
            " --format onnx (after pip install -r requirements-onnx.txt)"
            if backend == "onnx" else "")
        raise UserError(f"no {backend} model {path}: export one with {how}, "
                        "or choose --backend keras")
    return path


def _check_export(runner, path, described, class_names, backend):
    model_path, description = described
    entry = description.exports.get(backend)
    if entry and entry.get("sha256") and artifacts.digest(path) != entry["sha256"]:
        raise UserError(f"{path} is not the {backend} model that "
                        f"{runfiles.RunFiles(model_path).description} describes "
                        "(replaced or from another run): export it again")
    expected = description.input_size or runner.input_size
    if runner.input_size != expected or runner.outputs != len(class_names):
        raise UserError(f"{path} takes {runner.input_size[0]}x{runner.input_size[1]} images "
                        f"and predicts {runner.outputs} labels, but the model is "
                        f"{expected[0]}x{expected[1]} with {len(class_names)}: not from the "
                        "same run")


class KerasRunner:
    """The Keras model (float32), as loaded by artifacts.load_artifacts."""

    name = "keras"

    def __init__(self, model):
        self.model = model
        self.input_size = artifacts.input_size(model)
        self.outputs = model.output_shape[-1]

    def predict_on_batch(self, images):
        return np.asarray(self.model.predict_on_batch(np.asarray(images, np.uint8)), np.float64)


class LiteRTRunner:
    """A .tflite file on LiteRT's interpreter (ai-edge-litert: no TensorFlow inside)."""

    name = "litert"

    def __init__(self, path):
        from ai_edge_litert.interpreter import Interpreter

        try:
            with cli.stderr_to_devnull():  # "INFO: Created TensorFlow Lite XNNPACK delegate"
                self.interpreter = Interpreter(model_path=path, num_threads=os.cpu_count() or 1)
                self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise UserError(f"cannot load LiteRT model {path}: {_one_line(error)}") from None
        (self.input,), (output,) = (self.interpreter.get_input_details(),
                                    self.interpreter.get_output_details())
        if self.input["dtype"] != np.uint8 or len(self.input["shape"]) != 4:
            raise UserError(f"{path} does not take uint8 images: not exported by this tool")
        self.output = output["index"]
        _, height, width, _ = (int(n) for n in self.input["shape"])
        self.input_size, self.outputs, self.batch = (width, height), int(output["shape"][-1]), 0

    def predict_on_batch(self, images):
        images = np.ascontiguousarray(images, np.uint8)
        if len(images) != self.batch:
            self.interpreter.resize_tensor_input(self.input["index"], images.shape)
            self.interpreter.allocate_tensors()
            self.batch = len(images)
        self.interpreter.set_tensor(self.input["index"], images)
        self.interpreter.invoke()
        return np.array(self.interpreter.get_tensor(self.output), np.float64)


class OnnxRunner:
    """A .onnx file on onnxruntime (an extra: pip install -r requirements-onnx.txt)."""

    name = "onnx"

    def __init__(self, path):
        try:
            import onnxruntime
        except ImportError:
            raise UserError("the onnx backend needs onnxruntime: "
                            "pip install -r requirements-onnx.txt") from None
        try:
            self.session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types
            raise UserError(f"cannot load ONNX model {path}: {_one_line(error)}") from None
        (self.input,), (output,) = self.session.get_inputs(), self.session.get_outputs()
        if self.input.type != "tensor(uint8)" or len(self.input.shape) != 4:
            raise UserError(f"{path} does not take uint8 images: not exported by this tool")
        _, height, width, _ = self.input.shape
        self.input_size, self.outputs = (int(width), int(height)), int(output.shape[-1])

    def predict_on_batch(self, images):
        feed = {self.input.name: np.ascontiguousarray(images, np.uint8)}
        return np.asarray(self.session.run(None, feed)[0], np.float64)


def check_onnx_export():
    """Refuse ONNX export, with the command that fixes it, where its packages are missing."""
    import importlib.util

    if not all(importlib.util.find_spec(name) for name in ("onnx", "tf2onnx")):
        raise UserError("ONNX export needs its extra packages: "
                        "pip install -r requirements-onnx.txt")


def _one_line(error):
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__

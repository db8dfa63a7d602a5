"""Exporting a trained model for runtimes without Keras: LiteRT, TensorFlow SavedModel, ONNX.

Usage:
    path = runfiles.RunFiles("output/fashion.keras").export("litert")  # output/fashion.tflite
    entry = export.write(model, "litert", path, fingerprint)
    exports = {path: ("litert", export.writer(model, "litert"))}  # for save_artifacts

Every export takes what the .keras model takes and answers what it answers: uint8 RGB
images (batch, height, width, 3) of the model's input size, any batch size; one float32
probability per label, in the labels' order. Scaling, flip averaging and each group's
softmax are inside, so no client re-implements them; resizing to the input size is the
client's (OpenCV's INTER_AREA, as training did).

A model trained under a 16-bit policy is rebuilt in float32 and given its weights (which
are float32 variables under any policy) before it is exported or used for prediction:
LiteRT would need TensorFlow's Flex delegate for bfloat16 and onnxruntime refuses bfloat16
convolutions, and one arithmetic everywhere keeps every backend's probabilities equal.
"""

import os
import shutil
import tempfile
import warnings

import keras
import numpy as np

from pyimagesearch import artifacts, backends, models, runfiles
from pyimagesearch.files import temporary_path

INPUT_NAME, OUTPUT_NAME = "image", "probabilities"


def serving_model(model):
    """The float32 model behind a uint8 input named "image", any batch size."""
    model = models.float32_model(model)
    _, height, width, channels = model.input_shape
    inputs = keras.Input((height, width, channels), dtype="uint8", name=INPUT_NAME)
    outputs = model(keras.ops.cast(inputs, "float32"))
    served = keras.Model(inputs, keras.layers.Identity(name=OUTPUT_NAME)(outputs),
                         name=f"{model.name}_uint8")
    # Called once: Keras's ONNX export refuses a model never called (as one just loaded).
    served(np.zeros((1, height, width, channels), np.uint8))
    return served


def write(model, fmt, path, fingerprint):
    """Export `model` as `fmt` to `path` (built beside it, then renamed into place); the
    description's entry for it: file name, SHA-256, fingerprint, what it takes and gives."""
    write_file = writer(model, fmt)
    if fmt == "savedmodel":
        entry = _replace_folder(path, write_file)
    else:
        with temporary_path(path, runfiles.EXPORT_SUFFIXES[fmt]) as staged:
            entry = write_file(staged)
    return {**entry, "file": os.path.basename(path), "sha256": artifacts.digest(path),
            "fingerprint": fingerprint}


def writer(model, fmt):
    """A function that exports `model` as `fmt` to a path and returns what the export
    takes and gives, for the model's description (artifacts.save_artifacts' `exports`)."""
    if fmt not in runfiles.EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; "
                         f"known: {', '.join(runfiles.EXPORT_FORMATS)}")
    served = serving_model(model)
    _, height, width, channels = served.input_shape

    def write_file(path):
        {"litert": _litert, "savedmodel": _savedmodel, "onnx": _onnx}[fmt](served, path)
        input_name, output_name = file_names(fmt, path)
        return {"format": fmt,
                "input": {"name": input_name, "shape": [None, height, width, channels],
                          "dtype": "uint8", "colour_order": "RGB", "range": [0, 255]},
                "output": {"name": output_name, "dtype": "float32",
                           "meaning": "one probability per label, in the labels' order"}}

    return write_file


def file_names(fmt, path):
    """(input name, output name) as the exported file itself calls them, which is what a
    client must ask for: each converter renames the Keras model's (LiteRT's serving_default_
    image:0 and StatefulPartitionedCall:0, ONNX's and the SavedModel's output_0)."""
    if fmt == "litert":
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=path)
        return (interpreter.get_input_details()[0]["name"],
                interpreter.get_output_details()[0]["name"])
    if fmt == "onnx":
        import onnx

        graph = onnx.load(path).graph
        return graph.input[0].name, graph.output[0].name
    import tensorflow as tf

    signature = tf.saved_model.load(path).signatures["serving_default"]
    return (next(iter(signature.structured_input_signature[1])),
            next(iter(signature.structured_outputs)))


def _savedmodel(served, folder):
    served.export(folder, format="tf_saved_model", verbose=False)


def _litert(served, path):
    """Through a SavedModel: converting the Keras model directly loses nested models'
    weights (the converted file answers NaN)."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        _savedmodel(served, folder)
        data = tf.lite.TFLiteConverter.from_saved_model(folder).convert()
    with open(path, "wb") as handle:
        handle.write(data)


def _onnx(served, path):
    backends.check_onnx_export()
    with warnings.catch_warnings():  # Keras's tf2onnx patch probes np.object, deprecated
        warnings.simplefilter("ignore", FutureWarning)
        served.export(path, format="onnx", verbose=False)


def _replace_folder(path, build):
    """Build a folder beside `path`, then put it in place of whatever `path` was."""
    parent = os.path.dirname(os.path.abspath(path))
    staged = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", dir=parent)
    old = f"{staged}.old"
    try:
        shutil.rmtree(staged)
        result = build(staged)
        if os.path.exists(path):
            os.replace(path, old)
        os.replace(staged, path)
        return result
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)

"""The names of the files a training run leaves beside its model, each rule written once.

Usage:
    run = RunFiles("output/fashion.keras")  # its label file: output/mlb.pickle beside it
    run.description                         # output/fashion.keras.json
    run.export("litert")                    # output/fashion.tflite
    run.last_model                          # output/fashion.last.keras

Most names are the model's file name with a suffix (fashion.keras.json), so that two models
in one folder keep their files apart. The last epoch's model and the exports replace the
model's extension instead: Keras saves only names ending in .keras, so fashion.model's last
epoch is fashion.last.keras, and a runtime recognises its file by its extension.

Pure Python, no Keras or TensorFlow: the TensorFlow-free LiteRT path (backends.py) and
`--help` import it.
"""

import dataclasses
import os

from pyimagesearch import defaults

# Each export format's file (or folder) beside the model: fashion.keras -> fashion.tflite.
EXPORT_SUFFIXES = {"litert": ".tflite", "savedmodel": ".savedmodel", "onnx": ".onnx"}
EXPORT_FORMATS = defaults.EXPORT_FORMATS  # each with its suffix above
# Inside the checkpoint folder while the run goes on: the run log, written after each epoch,
# and the last epoch's model. They join the model's other files when the run is saved, so a
# run that fails or is stopped leaves the previous run's beside the model as they were.
STAGED_RUN_LOG = "results.csv"
STAGED_LAST_MODEL = "last.keras"
DESCRIPTION_SUFFIX = ".json"


@dataclasses.dataclass(frozen=True)
class RunFiles:
    """The files of the run that saved `model`; `labelbin` is its label file (by default
    mlb.pickle beside the model, as the API, classify.py, evaluate.py and export.py read it;
    train.py's default is OUTPUT/mlb.pickle, which is beside its default model)."""

    model: str
    labelbin: str = None

    def __post_init__(self):
        if self.labelbin is None:
            object.__setattr__(self, "labelbin", self.beside(defaults.LABELBIN_NAME))

    def beside(self, name):
        """The file `name` in the model's folder (as a description names its exports)."""
        return os.path.join(os.path.dirname(self.model), name)

    @property
    def _stem(self):
        return os.path.splitext(self.model)[0]

    @property
    def description(self):
        """What the model expects and how it was trained (artifacts.py)."""
        return f"{self.model}{DESCRIPTION_SUFFIX}"

    @property
    def labels(self):
        return labels_file(self.labelbin)

    def report(self, kind):
        """A `kind` report ("evaluation", "audit", "evaluation-<data>") as JSON."""
        return f"{self.model}.{kind}.json"

    @property
    def html_report(self):
        """train.py's evaluation with the validation images, as one page."""
        return f"{self.model}.report.html"

    @property
    def run_log(self):
        """One row per epoch (runlog.py)."""
        return f"{self.model}.results.csv"

    @property
    def last_model(self):
        """The last epoch's model, where the kept one is the best epoch's."""
        return f"{self._stem}.last.keras"

    @property
    def checkpoint(self):
        """The folder of the per-epoch checkpoint (checkpoint.py)."""
        return f"{self.model}.checkpoint"

    @property
    def staged_run_log(self):
        return os.path.join(self.checkpoint, STAGED_RUN_LOG)

    @property
    def staged_last_model(self):
        return os.path.join(self.checkpoint, STAGED_LAST_MODEL)

    def export(self, fmt):
        """The `fmt` export (one of EXPORT_FORMATS)."""
        return self._stem + EXPORT_SUFFIXES[fmt]


def labels_file(labelbin):
    """The label file's labels as plain JSON: mlb.pickle -> mlb.pickle.json."""
    return f"{labelbin}.json"


def described_model(path):
    """The model whose description `path` would be, or None for a name no description has."""
    return path[:-len(DESCRIPTION_SUFFIX)] if path.endswith(DESCRIPTION_SUFFIX) else None


def export_format(path):
    """The export format that `path`'s extension names, or None (a Keras model, say)."""
    extension = os.path.splitext(path)[1].lower()
    return next((fmt for fmt, suffix in EXPORT_SUFFIXES.items() if suffix == extension), None)

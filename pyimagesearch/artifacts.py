"""Saving and loading what training produces: the model, its labels, its description.

Usage:
    save_artifacts(model, binarizer, "output/fashion.keras", "output/mlb.pickle", settings)
    model, binarizer, description = load_artifacts("output/fashion.keras", "output/mlb.pickle")

Four files travel together:
- the Keras model, saved in Keras 3's zip format under whatever name the user
  chose (the recipe's `fashion.model` included; Keras itself insists on `.keras`),
  loaded in Keras' safe mode: a model carrying code (a Lambda layer) is refused
  unless the user says they trust it;
- the pickled scikit-learn MultiLabelBinarizer, as in the recipe, read back with
  an unpickler that admits only the classes a binarizer is made of;
- `<labelbin>.json`, the same labels as plain data, read instead of the pickle
  whenever it is there;
- `<model>.json`, which says what the model expects (labels, input size, colour
  order, thresholds) and records the settings and scores of the run that made it.
Model and labels carry one fingerprint of the labels, input size and colour order;
a pair whose fingerprints differ is refused.
"""

import contextlib
import hashlib
import json
import os
import pickle
import tempfile
import warnings
import zipfile

from pyimagesearch.errors import UserError
from pyimagesearch.files import atomic_write, temporary_path
from pyimagesearch.images import COLOUR_ORDER

FORMAT = "pyimagesearch-multilabel/1"


def description_path(model_path):
    return f"{model_path}.json"


def report_path(model_path, kind):
    """Where a run's `kind` report ("evaluation", "audit") lives: beside the model."""
    return f"{model_path}.{kind}.json"


def labels_path(labelbin_path):
    return f"{labelbin_path}.json"


def fingerprint(labels, size, colour_order=COLOUR_ORDER):
    """A short digest of what a model and its labels must agree on."""
    canonical = json.dumps([list(labels), list(size), colour_order])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def save_artifacts(model, binarizer, model_path, labelbin_path, description):
    """Write the four files all or none: each goes to a temporary file first, and they are
    renamed into place together only once all four are written, so a full disk or a crash
    mid-save leaves the previous set whole, never a new model beside old labels.
    `description` is a JSON-able dict."""
    labels = [str(name) for name in binarizer.classes_]
    shared = {"format": FORMAT, "labels": labels, "colour_order": COLOUR_ORDER,
              "input_size": list(input_size(model)),
              "fingerprint": fingerprint(labels, input_size(model))}
    with contextlib.ExitStack() as staged:
        def stage(path, suffix=".tmp"):
            return staged.enter_context(temporary_path(path, suffix))

        model.save(stage(model_path, ".keras"))
        _write(stage(labelbin_path), pickle.dumps(binarizer))
        _write(stage(labels_path(labelbin_path)),
               _json_bytes({**shared, "model": os.path.basename(model_path)}))
        _write(stage(description_path(model_path)), _json_bytes({
            **shared, "model": os.path.basename(model_path),
            "labelbin": os.path.basename(labelbin_path), **description}))


def _write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _json_bytes(data):
    return json.dumps(data, indent=2).encode("utf-8")


def write_json(path, data):
    with atomic_write(path) as handle:
        handle.write(_json_bytes(data))


def load_artifacts(model_path, labelbin_path, trust_code=False):
    """Load a model and its binarizer, and refuse a pair that does not belong together."""
    binarizer, labels_fingerprint = load_labels(labelbin_path)
    description = load_description(model_path)
    model = load_model(model_path, trust_code)
    check_pair(model, binarizer, description, model_path, labelbin_path)
    if labels_fingerprint and description.get("fingerprint") not in (None, labels_fingerprint):
        raise UserError(f"model {model_path} and labels {labels_path(labelbin_path)} have "
                        "different fingerprints (labels, input size or colour order): "
                        "they are not from the same run")
    return model, binarizer, description


def load_labels(labelbin_path):
    """(binarizer, fingerprint or None): from `<labelbin>.json` if present, else the pickle."""
    path = labels_path(labelbin_path)
    if not os.path.isfile(path):
        return load_labelbin(labelbin_path), None
    try:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        labels = [str(name) for name in saved["labels"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"cannot read label file {path}: {_one_line(error)}") from None
    from sklearn.preprocessing import MultiLabelBinarizer

    return MultiLabelBinarizer(classes=labels).fit([]), saved.get("fingerprint")


def thresholds(description, class_names):
    """Per-label thresholds saved with the model; 0.5 for models saved without them."""
    saved = description.get("thresholds") or {}
    return [float(saved.get(name, 0.5)) for name in class_names]


def input_size(model):
    """(width, height) the model takes."""
    _, height, width, _ = model.input_shape
    return width, height


def load_model(path, trust_code=False):
    """Load a Keras 3 model saved under any file name, in safe mode unless `trust_code`."""
    import keras  # deferred: costly, and not needed to report a missing file

    import pyimagesearch.layers  # noqa: F401  registers the layers our models are made of

    if not os.path.isfile(path):
        raise UserError(f"model file not found: {path}")
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\x89HDF"):
        raise UserError(f"{path} is a Keras 2 (HDF5) model; this tool reads Keras 3 models: "
                        "train again with train.py")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path} is not a Keras model file (corrupt or another format)")
    with tempfile.TemporaryDirectory() as folder:
        # Keras 3 loads only names ending in .keras; a link gives it one.
        alias = os.path.join(folder, "model.keras")
        os.symlink(os.path.abspath(path), alias)
        try:
            return keras.saving.load_model(alias, compile=False, safe_mode=not trust_code)
        except Exception as error:  # a damaged file can fail anywhere inside Keras
            if "safe_mode" in str(error):
                raise UserError(f"refused model {path}: it carries Python code (a Lambda "
                                "layer) that would run on loading; if you trust its source, "
                                "pass --trust-model-code") from None
            raise UserError(f"cannot load model {path}: {_one_line(error)}") from None


def load_labelbin(path):
    """Unpickle a MultiLabelBinarizer, admitting nothing but its parts."""
    if not os.path.isfile(path):
        raise UserError(f"label file not found: {path}")
    try:
        with open(path, "rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pickles from other scikit-learn versions load fine
            binarizer = _BinarizerUnpickler(handle).load()
    except pickle.UnpicklingError as error:
        raise UserError(f"refused label file {path}: {error}") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise UserError(f"label file {path} is corrupt: {_one_line(error)}") from None
    from sklearn.preprocessing import MultiLabelBinarizer

    if not isinstance(binarizer, MultiLabelBinarizer) or not hasattr(binarizer, "classes_"):
        raise UserError(f"label file {path} does not hold a fitted MultiLabelBinarizer")
    return binarizer


class _BinarizerUnpickler(pickle.Unpickler):
    """Resolve only the globals a pickled MultiLabelBinarizer refers to.

    A pickle can name any importable callable and call it; this one can name
    the binarizer class (under its current module or the pre-0.22 one that
    2018-era pickles use) and NumPy's array rebuilders, nothing else.
    """

    ALLOWED = {
        ("sklearn.preprocessing._label", "MultiLabelBinarizer"),
        ("sklearn.preprocessing.label", "MultiLabelBinarizer"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # how protocol-2 pickles spell bytes; it only encodes text
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(
                f"it refers to {module}.{name}, which a label binarizer never contains")
        if name == "MultiLabelBinarizer":
            from sklearn.preprocessing import MultiLabelBinarizer
            return MultiLabelBinarizer
        if module == "_codecs":
            import codecs
            return codecs.encode
        import numpy
        if name in ("ndarray", "dtype"):
            return getattr(numpy, name)
        return getattr(numpy._core.multiarray, name)


def load_description(model_path):
    """The model's `<model>.json`, or {} for a model saved without one."""
    path = description_path(model_path)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            description = json.load(handle)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read model description {path}: {_one_line(error)}") from None
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise UserError(f"{path} is not a model description written by this tool")
    return description


def check_pair(model, binarizer, description, model_path, labelbin_path):
    labels = [str(name) for name in binarizer.classes_]
    outputs = model.output_shape[-1]
    if outputs != len(labels):
        raise UserError(f"model {model_path} predicts {outputs} labels but label file "
                        f"{labelbin_path} has {len(labels)}: they are not from the same run")
    if description and description.get("labels") != labels:
        raise UserError(f"model {model_path} was trained on labels {description.get('labels')} "
                        f"but label file {labelbin_path} has {labels}: not from the same run")


def _one_line(error):
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__

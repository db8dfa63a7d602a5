"""Saving and loading what training produces: the model, its labels, its description.

Usage:
    save_artifacts(model, binarizer, "output/fashion.keras", "output/mlb.pickle", description)
    model, binarizer, description = load_artifacts("output/fashion.keras", "output/mlb.pickle")

Four files travel together:
- the Keras model, saved in Keras 3's zip format under whatever name the user
  chose (the recipe's `fashion.model` included; Keras itself insists on `.keras`),
  loaded in Keras' safe mode: a model carrying code (a Lambda layer) is refused
  unless the user says they trust it;
- the pickled scikit-learn MultiLabelBinarizer, as in the recipe, read back by an
  unpickler that admits only a binarizer's parts, and only as stand-ins: the labels
  are taken from them as checked plain values and a fresh binarizer is built;
- `<labelbin>.json`, the same labels as plain data, read instead of the pickle
  whenever it is there;
- `<model>.json`, which says what the model expects (labels, input size, colour
  order, thresholds) and records the settings and scores of the run that made it
  (a descriptions.Description, which module alone writes and reads the file).
Model and labels carry one fingerprint of the labels, input size and colour order;
a pair whose fingerprints differ is refused. Each save also gives its files one save
id, and `<model>.json` records the SHA-256 of the model and the pickle: the files are
renamed into place one by one, description last, so a save killed between two renames
leaves a set that `load_artifacts` recognises as mixed and refuses.
"""

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import tempfile
import uuid
import zipfile

from pyimagesearch import descriptions, runfiles, safe_pickle
from pyimagesearch.errors import UserError
from pyimagesearch.files import atomic_write, temporary_path
from pyimagesearch.images import COLOUR_ORDER


def fingerprint(labels, size, colour_order=COLOUR_ORDER):
    """A short digest of what a model and its labels must agree on."""
    canonical = json.dumps([list(labels), list(size), colour_order])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def save_artifacts(model, binarizer, model_path, labelbin_path, description, reports=None,
                   exports=None, extras=None):
    """Write the four files (and `reports`, {kind: dict}, as `<model>.<kind>.json`, and
    `exports`, {path: (format, write)}, each `write(path)` exporting the model to a file and
    returning its entry, and `extras`, {path: write}, other files of the run that `write(path)`
    writes) as one set; return the save's id. `description` is a descriptions.Description
    of the run (thresholds, groups, its record); the labels, input size, names, save id and
    hashes are filled in here, and the exports listed, each with its file's SHA-256.

    Each file goes to a temporary file first, and they are renamed into place only once all
    are written, so a full disk or an error mid-save leaves the previous set whole. The
    renames are one by one, so a kill between two leaves a mix: every file carries one save
    id, `<model>.json` records the SHA-256 of the model and the pickle, and it is renamed
    last, so that `load_artifacts` tells a whole set from a mix and refuses the mix.
    """
    labels = [str(name) for name in binarizer.classes_]
    run = runfiles.RunFiles(model_path, labelbin_path)
    size, save_id, pickled = input_size(model), uuid.uuid4().hex, pickle.dumps(binarizer)
    # What the labels' JSON shares with the description: the set's identity.
    shared = {"labels": labels, "colour_order": COLOUR_ORDER, "input_size": tuple(size),
              "fingerprint": fingerprint(labels, size), "model": os.path.basename(model_path),
              "save_id": save_id}
    reports = {run.report(kind): {**report, "save_id": save_id}
               for kind, report in (reports or {}).items()}
    # The renaming order. The labels' JSON goes first: a kill after it leaves an id that the
    # old description (even one saved before ids existed) lacks. The description goes last.
    exports, extras = exports or {}, extras or {}
    order = [run.labels, model_path, labelbin_path, *reports, *exports, *extras,
             run.description]
    with contextlib.ExitStack() as staged:
        # An ExitStack closes, and so renames, last in first out: enter in reverse order.
        temporary = {path: staged.enter_context(
            temporary_path(path, ".keras" if path == model_path else ".tmp"))
            for path in reversed(order)}
        model.save(temporary[model_path])
        _write(temporary[labelbin_path], pickled)
        _write(temporary[run.labels], _json_bytes({"format": descriptions.FORMAT, **shared}))
        for path, report in reports.items():
            _write(temporary[path], _json_bytes(report))
        for path, write in extras.items():
            write(temporary[path])
        exported = {}
        for path, (fmt, write) in exports.items():
            exported[fmt] = {**write(temporary[path]), "file": os.path.basename(path),
                             "sha256": digest(temporary[path]),
                             "fingerprint": shared["fingerprint"]}
        _write(temporary[run.description], descriptions.to_bytes(dataclasses.replace(
            description, **shared, labelbin=os.path.basename(labelbin_path),
            exports=exported or description.exports, model_sha256=_sha256(temporary[model_path]),
            labelbin_sha256=hashlib.sha256(pickled).hexdigest())))
    return save_id


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest(path):
    """SHA-256 of a file's bytes; of a folder (a SavedModel), of its files' relative names
    and bytes in sorted order."""
    if os.path.isfile(path):
        return _sha256(path)
    sha = hashlib.sha256()
    for name in sorted(os.path.join(folder, name) for folder, _, names in os.walk(path)
                       for name in names):
        sha.update(os.path.relpath(name, path).encode("utf-8") + b"\0")
        sha.update(_sha256(name).encode("ascii"))
    return sha.hexdigest()


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


def set_files(model_path, labelbin_path):
    """{what: path} of every file of a model's set that a script reads: the model, its
    labels, their JSON files, its exports; for outputs.Plan, so that no output replaces
    one. A description that cannot be read lists no exports (loading it says why later)."""
    run = runfiles.RunFiles(model_path, labelbin_path)
    found = {"-m": model_path, "-l": labelbin_path,
             "the model's description": run.description, "the labels' JSON": run.labels}
    try:
        exports = descriptions.read(model_path).exports
    except UserError:
        exports = {}
    for fmt, entry in exports.items():
        if isinstance(entry.get("file"), str):
            found[f"the {fmt} export"] = run.beside(entry["file"])
    return found


def load_artifacts(model_path, labelbin_path, trust_code=False):
    """Load a model and its binarizer, and refuse files that do not belong together."""
    saved_labels, labels = _read_labels(labelbin_path)
    description = descriptions.read(model_path)
    model = load_model(model_path, trust_code)
    check_pair(model.output_shape[-1], labels, description, model_path, labelbin_path)
    _check_set(description, saved_labels, model_path, labelbin_path)
    return model, binarizer_of(labels), description


def load_set(model_path, labelbin_path, need_model=True):
    """(labels, description) of a model's file set, checked as load_artifacts checks them,
    without loading the model: no TensorFlow, no scikit-learn. Without `need_model` the
    Keras file may be absent (a deployment of an export and its description alone)."""
    saved_labels, labels = _read_labels(labelbin_path)
    description = descriptions.read(model_path)
    if need_model and not os.path.isfile(model_path):
        raise UserError(f"model file not found: {model_path}")
    if not description.found and not os.path.isfile(model_path):
        raise UserError(f"model file not found: {model_path}, nor its description "
                        f"{runfiles.RunFiles(model_path).description}")
    # Without the model, the description says how many labels it predicts.
    outputs = len(labels if description.labels is None else description.labels)
    check_pair(outputs, labels, description, model_path, labelbin_path)
    _check_set(description, saved_labels, model_path, labelbin_path)
    return labels, description


def _read_labels(labelbin_path):
    """(contents of `<labelbin>.json` or None, the labels as plain texts)."""
    saved = read_labels_json(labelbin_path)
    return saved, saved["labels"] if saved else labelbin_labels(labelbin_path)


def _check_set(description, saved_labels, model_path, labelbin_path):
    # Another run's label file, named on purpose, needs only the same labels (check_pair).
    own = _own_labels(description, model_path, labelbin_path)
    saved_labels = saved_labels if own else None
    labels_fingerprint = (saved_labels or {}).get("fingerprint")
    if labels_fingerprint and description.fingerprint not in (None, labels_fingerprint):
        raise UserError(f"model {model_path} and labels {runfiles.labels_file(labelbin_path)} have "
                        "different fingerprints (labels, input size or colour order): "
                        "they are not from the same run")
    try:
        mixed = _mixed_set(description, saved_labels, model_path, labelbin_path, own)
    except OSError as error:  # removed or replaced since it was loaded
        raise UserError(f"cannot read {error.filename}: {error.strerror}") from None
    if mixed:
        raise UserError(f"{mixed}: these files come from an interrupted save (or were copied "
                        "from different runs); train again, or copy one run's files together")


def _own_labels(description, model_path, labelbin_path):
    """Whether `labelbin_path` is the label file saved with the model (or the set is too old
    to say which that is), rather than another one the user named, such as the 2018 recipe's
    mlb.pickle of the same labels."""
    named = description.labelbin
    if not named:
        return True
    own = runfiles.RunFiles(model_path).beside(named)
    try:
        return os.path.samefile(own, labelbin_path)
    except OSError:  # the set's own label file is gone: the one given is another
        return os.path.abspath(own) == os.path.abspath(labelbin_path)


def _mixed_set(description, saved_labels, model_path, labelbin_path, own=True):
    """Why the files are not all from one save, or None. Sets saved before save ids
    existed carry none and are taken as they are."""
    save_id, labels_id = description.save_id, (saved_labels or {}).get("save_id")
    run = runfiles.RunFiles(model_path, labelbin_path)
    described, labels_json = run.description, run.labels
    if not save_id:
        named_here = (saved_labels or {}).get("model") == os.path.basename(model_path)
        if labels_id and named_here:
            return (f"{labels_json} was saved with a model {model_path}, but "
                    f"{described} is {'older' if description.found else 'missing'}")
        return None
    if os.path.isfile(model_path) and _sha256(model_path) != description.model_sha256:
        return f"{model_path} is not the model that {described} describes"
    if saved_labels is not None and labels_id != save_id:
        return f"{labels_json} and {described} are from different saves"
    if own and saved_labels is None and \
            _sha256(labelbin_path) != description.labelbin_sha256:
        return f"{labelbin_path} is not the label file saved with {described}"
    return None


def read_labels_json(labelbin_path):
    """The checked contents of `<labelbin>.json`, or None where there is none."""
    path = runfiles.labels_file(labelbin_path)
    if not os.path.isfile(path):
        return None
    try:
        saved = json.loads(_read_small(path).decode("utf-8"))
        saved["labels"] = [str(name) for name in safe_pickle.checked_labels(saved["labels"])]
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        raise UserError(f"cannot read label file {path}: {_one_line(error)}") from None
    return saved


def binarizer_of(labels):
    """A fitted MultiLabelBinarizer whose classes are `labels`, in that order."""
    from sklearn.preprocessing import MultiLabelBinarizer

    return MultiLabelBinarizer(classes=labels).fit([])


def input_size(model):
    """(width, height) the model takes."""
    _, height, width, _ = model.input_shape
    return width, height


def load_model(path, trust_code=False):
    """Load a Keras 3 model saved under any file name, in safe mode unless `trust_code`."""
    import keras  # deferred: costly, and not needed to report a missing file

    from pyimagesearch import custom_objects  # the names our saved models refer to

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
            return keras.saving.load_model(alias, compile=False, safe_mode=not trust_code,
                                           custom_objects=custom_objects.CUSTOM_OBJECTS)
        except Exception as error:  # a damaged file can fail anywhere inside Keras
            if "safe_mode" in str(error):
                raise UserError(f"refused model {path}: it carries Python code (a Lambda "
                                "layer) that would run on loading; if you trust its source, "
                                "pass --trust-model-code") from None
            raise UserError(f"cannot load model {path}: {_one_line(error)}") from None


# A label file holds kilobytes: a larger one is refused unread, far above any real set of
# labels (safe_pickle.py bounds the labels themselves).
MAX_LABEL_FILE_BYTES = 10 << 20


def labelbin_labels(path):
    """Read the labels of a pickled MultiLabelBinarizer, as plain texts (or integers),
    without running the pickle (safe_pickle.py)."""
    data = _read_small(path)
    try:
        return safe_pickle.binarizer_labels(data)
    except safe_pickle.NotABinarizer:
        raise UserError(f"label file {path} does not hold a fitted MultiLabelBinarizer") from None
    except pickle.UnpicklingError as error:
        raise UserError(f"refused label file {path}: {_one_line(error)}") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            MemoryError, RecursionError, OverflowError) as error:
        raise UserError(f"label file {path} is corrupt: {_one_line(error)}") from None


def _read_small(path):
    """The bytes of the label file at `path`, refusing one too large to be labels."""
    if not os.path.isfile(path):
        raise UserError(f"label file not found: {path}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_LABEL_FILE_BYTES + 1)
    except OSError as error:
        raise UserError(f"cannot read label file {path}: {error.strerror or error}") from None
    if len(data) > MAX_LABEL_FILE_BYTES:
        raise UserError(f"refused label file {path}: larger than "
                        f"{MAX_LABEL_FILE_BYTES >> 20} MB, far more than any set of labels")
    return data


def find_description(export_path):
    """(model path, description) of the model whose description lists the file
    `export_path` (a .tflite, say) among its exports; (None, Description()) when none in its folder
    does. The model itself need not be there: the description is what names the export."""
    folder, name = os.path.dirname(export_path), os.path.basename(export_path)
    stem = os.path.splitext(export_path)[0]
    try:
        others = sorted(os.path.join(folder, entry) for entry in os.listdir(folder or ".")
                        if runfiles.described_model(entry) is not None)
    except OSError:
        others = []
    candidates = [runfiles.RunFiles(stem + extension).description
                  for extension in (".keras", ".model")]
    for path in dict.fromkeys(candidates + others):
        model_path = runfiles.described_model(path)
        if not os.path.isfile(path):
            continue
        try:
            description = descriptions.read(model_path)
        except UserError:
            continue  # a report or another tool's JSON: not a description
        if any(entry.get("file") == name for entry in description.exports.values()):
            return model_path, description
    return None, descriptions.Description()


def check_pair(outputs, labels, description, model_path, labelbin_path):
    """Refuse a model (predicting `outputs` labels) and labels from different runs."""
    labels = [str(name) for name in labels]
    if outputs != len(labels):
        raise UserError(f"model {model_path} predicts {outputs} labels but label file "
                        f"{labelbin_path} has {len(labels)}: they are not from the same run")
    if description.found and description.labels != labels:
        raise UserError(f"model {model_path} was trained on labels {description.labels} "
                        f"but label file {labelbin_path} has {labels}: not from the same run")


def _one_line(error):
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__

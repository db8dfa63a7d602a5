"""Saving and loading what training produces: the model, its labels, its description.

Usage:
    save_artifacts(model, binarizer, "output/fashion.keras", "output/mlb.pickle", settings)
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
  order, thresholds) and records the settings and scores of the run that made it.
Model and labels carry one fingerprint of the labels, input size and colour order;
a pair whose fingerprints differ is refused. Each save also gives its files one save
id, and `<model>.json` records the SHA-256 of the model and the pickle: the files are
renamed into place one by one, description last, so a save killed between two renames
leaves a set that `load_artifacts` recognises as mixed and refuses.
"""

import contextlib
import hashlib
import io
import json
import os
import pickle
import pickletools
import re
import sys
import tempfile
import uuid
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


def save_artifacts(model, binarizer, model_path, labelbin_path, description, reports=None,
                   exports=None, extras=None):
    """Write the four files (and `reports`, {kind: dict}, as `<model>.<kind>.json`, and
    `exports`, {path: (format, write)}, each `write(path)` exporting the model to a file and
    returning its entry, and `extras`, {path: write}, other files of the run that `write(path)`
    writes) as one set; return the save's id. `description` is a JSON-able dict;
    the exports are listed in it under "exports", each with its file's SHA-256.

    Each file goes to a temporary file first, and they are renamed into place only once all
    are written, so a full disk or an error mid-save leaves the previous set whole. The
    renames are one by one, so a kill between two leaves a mix: every file carries one save
    id, `<model>.json` records the SHA-256 of the model and the pickle, and it is renamed
    last, so that `load_artifacts` tells a whole set from a mix and refuses the mix.
    """
    labels = [str(name) for name in binarizer.classes_]
    size, save_id, pickled = input_size(model), uuid.uuid4().hex, pickle.dumps(binarizer)
    shared = {"format": FORMAT, "labels": labels, "colour_order": COLOUR_ORDER,
              "input_size": list(size), "fingerprint": fingerprint(labels, size),
              "model": os.path.basename(model_path), "save_id": save_id}
    reports = {report_path(model_path, kind): {**report, "save_id": save_id}
               for kind, report in (reports or {}).items()}
    # The renaming order. The labels' JSON goes first: a kill after it leaves an id that the
    # old description (even one saved before ids existed) lacks. The description goes last.
    exports, extras = exports or {}, extras or {}
    order = [labels_path(labelbin_path), model_path, labelbin_path, *reports, *exports,
             *extras, description_path(model_path)]
    with contextlib.ExitStack() as staged:
        # An ExitStack closes, and so renames, last in first out: enter in reverse order.
        temporary = {path: staged.enter_context(
            temporary_path(path, ".keras" if path == model_path else ".tmp"))
            for path in reversed(order)}
        model.save(temporary[model_path])
        _write(temporary[labelbin_path], pickled)
        _write(temporary[labels_path(labelbin_path)], _json_bytes(shared))
        for path, report in reports.items():
            _write(temporary[path], _json_bytes(report))
        for path, write in extras.items():
            write(temporary[path])
        exported = {}
        for path, (fmt, write) in exports.items():
            exported[fmt] = {**write(temporary[path]), "file": os.path.basename(path),
                             "sha256": digest(temporary[path]),
                             "fingerprint": shared["fingerprint"]}
        _write(temporary[description_path(model_path)], _json_bytes({
            **shared, "labelbin": os.path.basename(labelbin_path), **description,
            **({"exports": exported} if exported else {}),
            "save_id": save_id, "model_sha256": _sha256(temporary[model_path]),
            "labelbin_sha256": hashlib.sha256(pickled).hexdigest()}))
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
    found = {"-m": model_path, "-l": labelbin_path,
             "the model's description": description_path(model_path),
             "the labels' JSON": labels_path(labelbin_path)}
    try:
        exports = load_description(model_path).get("exports") or {}
    except UserError:
        exports = {}
    folder = os.path.dirname(model_path)
    for fmt, entry in exports.items() if isinstance(exports, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            found[f"the {fmt} export"] = os.path.join(folder, entry["file"])
    return found


def load_artifacts(model_path, labelbin_path, trust_code=False):
    """Load a model and its binarizer, and refuse files that do not belong together."""
    saved_labels, labels = _read_labels(labelbin_path)
    description = load_description(model_path)
    model = load_model(model_path, trust_code)
    check_pair(model.output_shape[-1], labels, description, model_path, labelbin_path)
    _check_set(description, saved_labels, model_path, labelbin_path)
    return model, binarizer_of(labels), description


def load_set(model_path, labelbin_path, need_model=True):
    """(labels, description) of a model's file set, checked as load_artifacts checks them,
    without loading the model: no TensorFlow, no scikit-learn. Without `need_model` the
    Keras file may be absent (a deployment of an export and its description alone)."""
    saved_labels, labels = _read_labels(labelbin_path)
    description = load_description(model_path)
    if need_model and not os.path.isfile(model_path):
        raise UserError(f"model file not found: {model_path}")
    if not description and not os.path.isfile(model_path):
        raise UserError(f"model file not found: {model_path}, nor its description "
                        f"{description_path(model_path)}")
    check_pair(len(description.get("labels", labels)), labels, description, model_path,
               labelbin_path)
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
    if labels_fingerprint and description.get("fingerprint") not in (None, labels_fingerprint):
        raise UserError(f"model {model_path} and labels {labels_path(labelbin_path)} have "
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
    named = description.get("labelbin")
    if not named:
        return True
    own = os.path.join(os.path.dirname(model_path), named)
    try:
        return os.path.samefile(own, labelbin_path)
    except OSError:  # the set's own label file is gone: the one given is another
        return os.path.abspath(own) == os.path.abspath(labelbin_path)


def _mixed_set(description, saved_labels, model_path, labelbin_path, own=True):
    """Why the files are not all from one save, or None. Sets saved before save ids
    existed carry none and are taken as they are."""
    save_id, labels_id = description.get("save_id"), (saved_labels or {}).get("save_id")
    described, labels_json = description_path(model_path), labels_path(labelbin_path)
    if not save_id:
        named_here = (saved_labels or {}).get("model") == os.path.basename(model_path)
        if labels_id and named_here:
            return (f"{labels_json} was saved with a model {model_path}, but "
                    f"{described} is {'older' if description else 'missing'}")
        return None
    if os.path.isfile(model_path) and _sha256(model_path) != description.get("model_sha256"):
        return f"{model_path} is not the model that {described} describes"
    if saved_labels is not None and labels_id != save_id:
        return f"{labels_json} and {described} are from different saves"
    if own and saved_labels is None and \
            _sha256(labelbin_path) != description.get("labelbin_sha256"):
        return f"{labelbin_path} is not the label file saved with {described}"
    return None


def load_labels(labelbin_path):
    """(binarizer, fingerprint or None): from `<labelbin>.json` if present, else the pickle."""
    saved, labels = _read_labels(labelbin_path)
    return binarizer_of(labels), (saved or {}).get("fingerprint")


def read_labels_json(labelbin_path):
    """The checked contents of `<labelbin>.json`, or None where there is none."""
    path = labels_path(labelbin_path)
    if not os.path.isfile(path):
        return None
    try:
        saved = json.loads(_read_small(path).decode("utf-8"))
        saved["labels"] = [str(name) for name in checked_labels(saved["labels"])]
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


# A label file holds kilobytes. These bounds keep a crafted one from making the reader
# allocate without limit; they are far above any real set of labels.
MAX_LABEL_FILE_BYTES = 10 << 20
MAX_LABELS = 100_000
MAX_LABEL_CHARACTERS = 1_000


def load_labelbin(path):
    """A fresh MultiLabelBinarizer of the labels a pickled one holds (labelbin_labels)."""
    return binarizer_of(labelbin_labels(path))


def labelbin_labels(path):
    """Read the labels of a pickled MultiLabelBinarizer, as plain texts (or integers).

    The pickle never builds a NumPy or scikit-learn object: the unpickler gives it
    stand-ins that only record what they are given, and the labels are read from those
    as plain values after checks, so a crafted file cannot run code, read memory it does
    not own (a dtype rebuilt under an array's buffer) or allocate without bound.
    """
    data = _read_small(path)
    try:
        _check_instructions(data)
        loaded = _BinarizerUnpickler(io.BytesIO(data)).load()
        if not (isinstance(loaded, _PickledBinarizer) and isinstance(loaded.state, dict)
                and "classes_" in loaded.state):
            raise UserError(f"label file {path} does not hold a fitted MultiLabelBinarizer")
        return checked_labels(_labels_of(loaded.state["classes_"]))
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


# Instructions a pickled binarizer never holds: out-of-band buffers, persistent ids, the
# extension registry, and bytearrays (which CPython allocates at the size declared).
REFUSED_INSTRUCTIONS = {"BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER", "PERSID",
                        "BINPERSID", "EXT1", "EXT2", "EXT4"}


def _check_instructions(data):
    """Read the pickle's instructions without running them, and refuse those that could
    make the unpickler allocate without bound: CPython sizes its memo by the largest slot
    a PUT names (one crafted number asks for gigabytes), and genops checks that every
    counted string is as long as it claims before anything allocates it."""
    for count, (instruction, argument, _) in enumerate(pickletools.genops(data)):
        if instruction.name in REFUSED_INSTRUCTIONS:
            raise pickle.UnpicklingError(
                f"it holds a {instruction.name} instruction, which a label binarizer never does")
        # A pickler numbers its memo slots in order, one per object it builds.
        if instruction.name in ("PUT", "BINPUT", "LONG_BINPUT") and argument > count:
            raise pickle.UnpicklingError(f"it names memo slot {argument} after {count} "
                                         "instructions, as no pickler does")


def checked_labels(labels):
    """`labels` if they are a list of at most MAX_LABELS short texts (or small integers)."""
    if not isinstance(labels, list):
        raise TypeError(f"the labels are a {type(labels).__name__}, not a list")
    if len(labels) > MAX_LABELS:
        raise ValueError(f"{len(labels)} labels, more than {MAX_LABELS}")
    for label in labels:
        if isinstance(label, bool) or not isinstance(label, (str, int)):
            raise TypeError(f"a label is a {type(label).__name__}, not a text")
        if isinstance(label, int) and abs(label) >= 1 << 63:
            raise ValueError("a label is an integer too large for a label")
        if isinstance(label, str) and len(label) > MAX_LABEL_CHARACTERS:
            raise ValueError(f"a label is longer than {MAX_LABEL_CHARACTERS} characters")
    return labels


def _labels_of(classes):
    """The plain values of a pickled `classes_` array, after checking that its declared
    shape, type and data agree."""
    if not isinstance(classes, _PickledArray):
        raise TypeError("its classes_ is not an array")
    state = classes.state
    if isinstance(state, tuple) and len(state) == 5:
        state = state[1:]  # (version, shape, dtype, Fortran order, data); old NumPy: no version
    if not (isinstance(state, tuple) and len(state) == 4):
        raise ValueError("its classes_ array has no contents")
    shape, dtype, _, data = state
    if not (isinstance(shape, tuple) and len(shape) == 1 and isinstance(shape[0], int)
            and 0 <= shape[0] <= MAX_LABELS):
        raise ValueError(f"its classes_ is not a list of at most {MAX_LABELS} labels")
    if not isinstance(dtype, _PickledDType):
        raise TypeError("its classes_ array has no element type")
    if dtype.code.startswith("O"):
        if not (isinstance(data, list) and len(data) == shape[0]):
            raise ValueError("its classes_ array holds another number of labels than it says")
        return data
    return dtype.decode(data, shape[0])


class _Pickled:
    """What the unpickler builds in place of a NumPy or scikit-learn object: it keeps the
    state the pickle gives it (the pickle may give it again) and is read only at the end."""

    state = None

    def __setstate__(self, state):
        self.state = state


class _PickledBinarizer(_Pickled):
    """Stands for sklearn.preprocessing.MultiLabelBinarizer."""


class _PickledArray(_Pickled):
    """Stands for numpy.ndarray; its state is (version, shape, dtype, order, data)."""


class _PickledDType(_Pickled):
    """Stands for numpy.dtype(code, align, copy): object, text or integer labels only."""

    def __init__(self, code, align=False, copy=True):
        if not (isinstance(code, str) and re.fullmatch(r"O[48]|U\d*|[iu][1248]", code)):
            raise pickle.UnpicklingError("its labels have a type labels never have")
        self.code = code

    def decode(self, data, count):
        """The `count` values packed in `data`, once its length is what the type says,
        decoded by Python itself so that no NumPy object is ever built from them."""
        # NumPy's dtype state: (version, byte order, subarray, names, fields, item size, ...).
        state = self.state if isinstance(self.state, tuple) and len(self.state) > 5 else ()
        state = state or (None,) * 6
        order = {"<": "little", ">": "big"}.get(state[1], sys.byteorder)
        text = self.code.startswith("U")
        item_bytes = state[5] if text else int(self.code[1])
        if not (isinstance(item_bytes, int) and 0 < item_bytes <= 4 * MAX_LABEL_CHARACTERS
                and item_bytes % (4 if text else 1) == 0):
            raise ValueError("its labels have an impossible length")
        if not (isinstance(data, bytes) and len(data) == item_bytes * count):
            raise ValueError("its labels' data are not the size their type says")
        items = [data[start:start + item_bytes] for start in range(0, len(data), item_bytes)]
        if text:  # NumPy pads texts with NULs, and drops them on reading
            return [item.decode(f"utf-32-{order[0]}e").rstrip("\0") for item in items]
        return [int.from_bytes(item, order, signed=self.code[0] == "i") for item in items]


def _pickled_array(array_class, shape, typecode):
    """Stands for numpy's _reconstruct: an empty array, filled by the state that follows."""
    if array_class is not _PickledArray:
        raise pickle.UnpicklingError("it rebuilds something other than an array")
    return _PickledArray()


def _pickled_scalar(dtype, data=None):
    """Stands for numpy's scalar(): one value (a NumPy text in an object array)."""
    if not isinstance(dtype, _PickledDType):
        raise pickle.UnpicklingError("it rebuilds a value of no known type")
    return data if dtype.code.startswith("O") else dtype.decode(data, 1)[0]


def _latin1_bytes(text, encoding):
    """Stands for _codecs.encode, which protocol-2 pickles use to spell bytes."""
    if not (isinstance(text, str) and encoding in ("latin1", "latin-1")):
        raise pickle.UnpicklingError("it encodes text other than as protocol 2 spells bytes")
    return text.encode("latin1")


class _BinarizerUnpickler(pickle.Unpickler):
    """Resolve only the globals a pickled MultiLabelBinarizer refers to, each to a stand-in.

    A pickle can name any importable callable and call it; this one can name the
    binarizer class (under its current module or the pre-0.22 one that 2018-era pickles
    use), NumPy's array and dtype rebuilders and _codecs.encode, nothing else.
    """

    STAND_INS = {
        ("sklearn.preprocessing._label", "MultiLabelBinarizer"): _PickledBinarizer,
        ("sklearn.preprocessing.label", "MultiLabelBinarizer"): _PickledBinarizer,
        ("numpy", "ndarray"): _PickledArray, ("numpy", "dtype"): _PickledDType,
        ("numpy.core.multiarray", "_reconstruct"): _pickled_array,
        ("numpy._core.multiarray", "_reconstruct"): _pickled_array,
        ("numpy.core.multiarray", "scalar"): _pickled_scalar,
        ("numpy._core.multiarray", "scalar"): _pickled_scalar,
        ("_codecs", "encode"): _latin1_bytes,
    }

    def find_class(self, module, name):
        if (module, name) not in self.STAND_INS:
            raise pickle.UnpicklingError(
                f"it refers to {module}.{name}, which a label binarizer never contains")
        return self.STAND_INS[(module, name)]


def find_description(export_path):
    """(model path, description) of the model whose description lists the file
    `export_path` (a .tflite, say) among its exports; (None, {}) when none in its folder
    does. The model itself need not be there: the description is what names the export."""
    folder, name = os.path.dirname(export_path), os.path.basename(export_path)
    stem = os.path.splitext(export_path)[0]
    try:
        others = sorted(os.path.join(folder, entry) for entry in os.listdir(folder or ".")
                        if entry.endswith(".json"))
    except OSError:
        others = []
    for path in dict.fromkeys([f"{stem}.keras.json", f"{stem}.model.json"] + others):
        if not os.path.isfile(path):
            continue
        model_path = path[:-len(".json")]
        try:
            exports = load_description(model_path).get("exports") or {}
        except UserError:
            continue  # a report or another tool's JSON: not a description
        if any(isinstance(entry, dict) and entry.get("file") == name
               for entry in (exports.values() if isinstance(exports, dict) else ())):
            return model_path, load_description(model_path)
    return None, {}


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


def check_pair(outputs, labels, description, model_path, labelbin_path):
    """Refuse a model (predicting `outputs` labels) and labels from different runs."""
    labels = [str(name) for name in labels]
    if outputs != len(labels):
        raise UserError(f"model {model_path} predicts {outputs} labels but label file "
                        f"{labelbin_path} has {len(labels)}: they are not from the same run")
    if description and description.get("labels") != labels:
        raise UserError(f"model {model_path} was trained on labels {description.get('labels')} "
                        f"but label file {labelbin_path} has {labels}: not from the same run")


def _one_line(error):
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__

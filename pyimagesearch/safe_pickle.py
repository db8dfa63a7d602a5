"""Reading the labels out of a pickled scikit-learn MultiLabelBinarizer without running it.

Usage:
    labels = binarizer_labels(data)  # the pickle's bytes -> ["blue", "dress", ...]

The 2018 recipe saved its labels as a pickled binarizer, and a pickle can name any
importable callable and call it. Here the pickle never builds a NumPy or scikit-learn
object: the unpickler gives it stand-ins that only record what they are given, and the
labels are read from those as plain values after checks, so a crafted file cannot run
code, read memory it does not own (a dtype rebuilt under an array's buffer) or allocate
without bound. Reading the file, and saying which file failed, is artifacts.py's.
"""

import io
import pickle
import pickletools
import re
import sys

# These bounds keep a crafted label file from making the reader allocate without limit;
# they are far above any real set of labels.
MAX_LABELS = 100_000
MAX_LABEL_CHARACTERS = 1_000


class NotABinarizer(ValueError):
    """A pickle that unpickles safely but holds no fitted MultiLabelBinarizer."""


def binarizer_labels(data):
    """The labels of the MultiLabelBinarizer pickled in `data`, as plain texts (or integers).

    Raises pickle.UnpicklingError for a pickle that refers to, or does, what a binarizer's
    never does; NotABinarizer for one that holds something else; and ValueError, TypeError,
    EOFError and the like for a damaged one.
    """
    _check_instructions(data)
    loaded = _BinarizerUnpickler(io.BytesIO(data)).load()
    if not (isinstance(loaded, _PickledBinarizer) and isinstance(loaded.state, dict)
            and "classes_" in loaded.state):
        raise NotABinarizer("it does not hold a fitted MultiLabelBinarizer")
    return checked_labels(_labels_of(loaded.state["classes_"]))


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

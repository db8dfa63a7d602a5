"""Artifacts are data, not code: crafted label files and models must not run anything."""

import json
import os
import pickle
import shutil
import struct
import subprocess
import sys

import keras
import pytest
from sklearn.preprocessing import MultiLabelBinarizer

import classify
from pyimagesearch import artifacts
from pyimagesearch.errors import UserError
from tests.conftest import ROOT


class _Exploit:
    """Unpickling this calls os.system: what a malicious label file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_crafted_pickle_is_refused_and_runs_nothing(trained, tmp_path, capsys):
    marker = tmp_path / "pwned"
    crafted = tmp_path / "evil.pickle"
    crafted.write_bytes(pickle.dumps(_Exploit(marker)))
    assert not os.path.exists(f"{crafted}.json")  # nothing else to read instead
    code = classify.main(["--model", trained["model"], "--labelbin", str(crafted), "--image",
                          os.path.join(trained["dataset"], "red_dress", "000.png"),
                          "--no-annotate"])
    assert code == 2 and not marker.exists()
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: refused label file") and "posix.system" in error


def test_binarizer_pickled_by_2018_scikit_learn_still_loads(tmp_path):
    """Old pickles name sklearn.preprocessing.label and numpy.core.multiarray."""
    binarizer = MultiLabelBinarizer().fit([["red", "dress"], ["blue", "jeans"]])
    old = pickle.dumps(binarizer, protocol=3)  # Python 3.6's default, as the recipe wrote it
    old = old.replace(b"sklearn.preprocessing._label\n", b"sklearn.preprocessing.label\n")
    old = old.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    assert b"sklearn.preprocessing.label\n" in old
    path = tmp_path / "mlb.pickle"
    path.write_bytes(old)
    assert artifacts.labelbin_labels(str(path)) == ["blue", "dress", "jeans", "red"]
    path.write_bytes(pickle.dumps(binarizer, protocol=2))  # bytes spelled via _codecs.encode
    assert artifacts.labelbin_labels(str(path)) == ["blue", "dress", "jeans", "red"]


def _text(value):
    encoded = value.encode("utf-8")
    return b"X" + struct.pack("<I", len(encoded)) + encoded  # BINUNICODE


def _unicode_dtype_state(item_bytes):
    """The state tuple NumPy pickles for a little-endian str dtype of `item_bytes` bytes."""
    return b"(K\x03" + _text("<") + b"NNNJ" + struct.pack("<i", item_bytes) + b"K\x04K\x08t"


def _binarizer_pickle(classes):
    """A protocol-2 pickle of a MultiLabelBinarizer whose `classes_` the opcodes `classes` build."""
    return (b"\x80\x02csklearn.preprocessing._label\nMultiLabelBinarizer\n)\x81}"
            + _text("classes_") + classes + b"sb.")


def _dtype_grown_over_its_buffer(count, item_bytes):
    """`count` one-letter labels (4 bytes each); then the array's dtype, fetched again from
    the pickle's memo, is rebuilt to `item_bytes` per label over the same small buffer."""
    data = "".join(chr(97 + index) for index in range(count)).encode("utf-32-le")
    return _binarizer_pickle(
        b"cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R"
        b"(K\x01K" + bytes([count]) + b"\x85cnumpy\ndtype\n" + _text("U1") + b"\x89\x88\x87Rq\x01"
        + _unicode_dtype_state(4) + b"b\x89C" + bytes([len(data)]) + data + b"tb"
        + b"h\x01" + _unicode_dtype_state(item_bytes) + b"b0")


def _huge_array():
    """A `classes_` array of 10**13 bytes, allocated by NumPy before any check could run."""
    return _binarizer_pickle(
        b"cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
        b"\x8a\x06" + (10**13).to_bytes(6, "little") + b"\x85C\x01b\x87R")


def test_label_pickle_growing_a_dtype_over_its_buffer_is_refused(trained, tmp_path, capsys):
    """Two labels in 8 bytes, then a dtype claiming 4,096 bytes each: 8 KB read out of bounds."""
    crafted = tmp_path / "grown.pickle"
    crafted.write_bytes(_dtype_grown_over_its_buffer(2, 4096))
    assert len(crafted.read_bytes()) < 600
    with pytest.raises(UserError, match="grown.pickle") as error:
        artifacts.labelbin_labels(str(crafted))
    assert len(str(error.value)) < 400  # no memory dumped into the message
    crafted.write_bytes(_dtype_grown_over_its_buffer(4, 4096))  # as many labels as the model
    code = classify.main(["--model", trained["model"], "--labelbin", str(crafted), "--image",
                          os.path.join(trained["dataset"], "red_dress", "000.png"),
                          "--no-annotate"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "grown.pickle" in lines[0] and len(lines[0]) < 400


@pytest.mark.slow
def test_label_pickle_that_crashed_the_process_is_one_error_line(trained, tmp_path):
    """A dtype grown to a gigabyte per label made classify.py die of a segfault (exit 139)."""
    crafted = tmp_path / "crash.pickle"
    crafted.write_bytes(_dtype_grown_over_its_buffer(4, 1 << 30))
    result = subprocess.run(
        [sys.executable, "classify.py", "--model", trained["model"], "--labelbin", str(crafted),
         "--image", os.path.join(trained["dataset"], "red_dress", "000.png"), "--no-annotate"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": ROOT})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "crash.pickle" in lines[0]


def test_label_pickle_allocating_a_huge_array_is_refused(tmp_path):
    crafted = tmp_path / "huge.pickle"
    crafted.write_bytes(_huge_array())
    with pytest.raises(UserError, match="huge.pickle"):
        artifacts.labelbin_labels(str(crafted))


@pytest.mark.slow
def test_label_pickle_naming_a_far_memo_slot_is_refused_without_allocating(tmp_path):
    """CPython sizes the unpickler's memo by the largest slot a pickle names: slot 2**31
    asks for 32 GB. Read under a 2 GB address-space limit, so nothing large can happen."""
    crafted = tmp_path / "memo.pickle"
    crafted.write_bytes(b"\x80\x02Nr" + struct.pack("<I", 1 << 31) + b".")
    script = ("import resource, sys\n"
              "import sklearn.preprocessing\n"
              "from pyimagesearch import artifacts, errors\n"
              "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
              "try:\n    artifacts.labelbin_labels(sys.argv[1])\n"
              "except errors.UserError as error:\n    sys.exit(f'error: {error}')\n")
    result = subprocess.run([sys.executable, "-c", script, str(crafted)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": ROOT, "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: refused label file") and "memo.pickle" in result.stderr


def test_label_file_too_large_to_be_labels_is_not_read(tmp_path):
    """Labels take kilobytes: a file of more than 10 MB is refused before it is unpickled."""
    crafted = tmp_path / "large.pickle"
    binarizer = MultiLabelBinarizer().fit([["red", "dress"]])
    crafted.write_bytes(pickle.dumps(binarizer) + b"\0" * (11 << 20))  # what follows STOP
    with pytest.raises(UserError, match="large.pickle"):
        artifacts.labelbin_labels(str(crafted))


def test_labels_json_is_preferred_to_the_pickle(trained, tmp_path):
    for name in ("fashion.keras", "fashion.keras.json", "mlb.pickle.json"):
        shutil.copy(os.path.join(trained["output"], name), tmp_path / name)
    (tmp_path / "mlb.pickle").write_bytes(b"garbage that is never unpickled")
    labels, description = artifacts.load_set(str(tmp_path / "fashion.keras"),
                                             str(tmp_path / "mlb.pickle"))
    assert labels == ["blue", "dress", "red", "shirt"] and description.fingerprint


def test_mismatched_fingerprints_are_refused(trained, tmp_path):
    for name in ("fashion.keras", "fashion.keras.json", "mlb.pickle", "mlb.pickle.json"):
        shutil.copy(os.path.join(trained["output"], name), tmp_path / name)
    labels = json.load(open(tmp_path / "mlb.pickle.json"))
    labels["fingerprint"] = artifacts.fingerprint(labels["labels"], [64, 64])  # another size
    (tmp_path / "mlb.pickle.json").write_text(json.dumps(labels))
    with pytest.raises(UserError, match="different fingerprints") as error:
        artifacts.load_artifacts(str(tmp_path / "fashion.keras"), str(tmp_path / "mlb.pickle"))
    assert "fashion.keras" in str(error.value) and "mlb.pickle.json" in str(error.value)


def _model_that_writes(marker):
    inputs = keras.Input(shape=(4,))
    touched = keras.layers.Lambda(lambda x: (open(marker, "w").close(), x)[1])(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, activation="sigmoid")(touched))


def test_model_carrying_code_is_refused_unless_trusted(tmp_path):
    marker = str(tmp_path / "ran")
    path = str(tmp_path / "evil.keras")
    _model_that_writes(marker).save(path)
    os.remove(marker)  # building the model ran the lambda once, here, on purpose
    with pytest.raises(UserError, match="carries Python code"):
        artifacts.load_model(path)
    assert not os.path.exists(marker)
    artifacts.load_model(path, trust_code=True)  # the explicit flag's path
    assert os.path.exists(marker)  # which proves the refused file really held code

"""Artifacts are data, not code: crafted label files and models must not run anything."""

import json
import os
import pickle
import shutil

import keras
import pytest
from sklearn.preprocessing import MultiLabelBinarizer

import classify
from pyimagesearch import artifacts
from pyimagesearch.errors import UserError


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
    loaded = artifacts.load_labelbin(str(path))
    assert list(loaded.classes_) == ["blue", "dress", "jeans", "red"]
    path.write_bytes(pickle.dumps(binarizer, protocol=2))  # bytes spelled via _codecs.encode
    assert list(artifacts.load_labelbin(str(path)).classes_) == ["blue", "dress", "jeans", "red"]


def test_labels_json_is_preferred_to_the_pickle(trained, tmp_path):
    shutil.copy(trained["labelbin"], tmp_path / "mlb.pickle")
    shutil.copy(trained["labelbin"] + ".json", tmp_path / "mlb.pickle.json")
    (tmp_path / "mlb.pickle").write_bytes(b"garbage that is never unpickled")
    binarizer, fingerprint = artifacts.load_labels(str(tmp_path / "mlb.pickle"))
    assert list(binarizer.classes_) == ["blue", "dress", "red", "shirt"] and fingerprint


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

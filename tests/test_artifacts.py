"""The artifact files are one set: a save killed between two renames never loads as a mix."""

import json
import os

import keras
import numpy as np
import pytest
from sklearn.preprocessing import MultiLabelBinarizer

from pyimagesearch import artifacts, descriptions
from pyimagesearch.errors import UserError

LABELS = ["blue", "dress", "red", "shirt"]
SAVE_FIELDS = ("save_id", "model_sha256", "labelbin_sha256")  # what older saves lack


class Killed(BaseException):
    """The process dies here: no handler runs, nothing after it happens."""


def make_run(run):
    """A tiny model whose weights, thresholds and name all differ from one run to another."""
    keras.utils.set_random_seed(run)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(len(LABELS), activation="sigmoid")])
    thresholds = {name: round(0.1 * run + 0.01 * index, 2) for index, name in enumerate(LABELS)}
    return model, descriptions.Description(thresholds=thresholds, extra={"run": run})


def predictions(model):
    return model.predict(np.linspace(0, 1, 192).reshape(1, 8, 8, 3), verbose=0)


def save(folder, model, description, **options):
    binarizer = MultiLabelBinarizer(classes=LABELS).fit([])
    return artifacts.save_artifacts(model, binarizer, str(folder / "fashion.keras"),
                                     str(folder / "mlb.pickle"), description, **options)


def load(folder):
    return artifacts.load_artifacts(str(folder / "fashion.keras"), str(folder / "mlb.pickle"))


def kill_after(monkeypatch, renames, folder):
    """Let `renames` renames into `folder` happen, then kill the saving process."""
    real_replace, done = os.replace, []

    def replace(source, target):
        if os.path.dirname(os.path.abspath(target)) == str(folder):
            if len(done) == renames:
                raise Killed()
            done.append(target)
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)


def strip_save_fields(folder):
    """Make the set in `folder` look as saved before sets carried save ids and hashes."""
    for name in ("fashion.keras.json", "mlb.pickle.json"):
        saved = json.loads((folder / name).read_text())
        (folder / name).write_text(json.dumps(
            {key: value for key, value in saved.items() if key not in SAVE_FIELDS}))


@pytest.mark.parametrize("renames", range(4))
@pytest.mark.parametrize("before", ["nothing", "older set", "set"])
def test_a_save_killed_between_renames_never_loads_as_a_mix(tmp_path, monkeypatch, renames,
                                                            before):
    """Run 2 saves over run 1's set (or into an empty folder) and dies after 0 to 3 of its
    four renames. What loads is run 1 whole or run 2 whole (its thresholds beside its own
    weights), or a UserError; never run 2's description beside run 1's model."""
    runs = {run: make_run(run) for run in (1, 2)}
    if before != "nothing":
        save(tmp_path, *runs[1])
    if before == "older set":
        strip_save_fields(tmp_path)
    kill_after(monkeypatch, renames, tmp_path)
    with pytest.raises(Killed):
        save(tmp_path, *runs[2])
    monkeypatch.undo()
    try:
        model, binarizer, description = load(tmp_path)
    except UserError as error:
        assert "\n" not in str(error)
        if renames and before != "nothing":
            assert "interrupted save" in str(error) and "fashion.keras" in str(error)
        return
    run = description.extra["run"]
    assert list(binarizer.classes_) == LABELS
    assert description.thresholds == runs[run][1].thresholds
    np.testing.assert_allclose(predictions(model), predictions(runs[run][0]), rtol=1e-6)
    assert (renames, run) == (0, 1)  # killed before its first rename: the old set, whole


def test_a_whole_save_loads_and_an_older_set_without_save_ids_still_loads(tmp_path):
    model, description = make_run(3)
    save_id = save(tmp_path, model, description)
    loaded, _, saved = load(tmp_path)
    assert saved.save_id == save_id and saved.extra["run"] == 3
    np.testing.assert_allclose(predictions(loaded), predictions(model), rtol=1e-6)
    strip_save_fields(tmp_path)
    assert load(tmp_path)[2].extra["run"] == 3


def test_a_model_replaced_under_its_description_is_refused(tmp_path):
    """A model from another save beside this description: its thresholds belong elsewhere."""
    (tmp_path / "other").mkdir()
    save(tmp_path / "other", *make_run(4))
    save(tmp_path, *make_run(5))
    os.replace(tmp_path / "other" / "fashion.keras", tmp_path / "fashion.keras")
    with pytest.raises(UserError, match="interrupted save") as error:
        load(tmp_path)
    assert "fashion.keras" in str(error.value) and "\n" not in str(error.value)


def test_reports_saved_with_the_set_carry_its_save_id(tmp_path):
    model, description = make_run(6)
    save_id = save(tmp_path, model, description,
                   reports={"evaluation": {"mean_f1": 0.5}, "audit": {"images": 8}})
    for kind, key in (("evaluation", "mean_f1"), ("audit", "images")):
        report = json.loads((tmp_path / f"fashion.keras.{kind}.json").read_text())
        assert report["save_id"] == save_id and key in report
    assert json.loads((tmp_path / "mlb.pickle.json").read_text())["save_id"] == save_id

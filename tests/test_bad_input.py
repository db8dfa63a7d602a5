"""Bad input ends with one clear line on stderr and a non-zero exit, never a traceback."""

import os
import pickle
import shutil
import stat
import subprocess
import sys

import pytest

import classify
import train
from tests.conftest import ROOT, make_dataset


def run_script(*args, cwd=None):
    """Run a script as a user would: its own process, its real exit code and stderr."""
    return subprocess.run([sys.executable, *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": ROOT})


def assert_clean_failure(result, *words):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


def train_args(dataset, output):
    return ["--dataset", str(dataset), "--output", str(output), "--epochs", "1",
            "--image-size", "16", "--quiet"]


@pytest.mark.slow
def test_missing_dataset_folder(tmp_path):
    result = run_script("train.py", *train_args(tmp_path / "nowhere", tmp_path / "out"))
    assert_clean_failure(result, "not found", "nowhere")
    assert not (tmp_path / "out" / "fashion.keras").exists()


@pytest.mark.parametrize("case", ["empty", "no_readable_image", "one_label_folder"])
def test_unusable_datasets(tmp_path, capsys, case):
    root = tmp_path / "set"
    root.mkdir()
    if case == "no_readable_image":
        (root / "red_dress").mkdir()
        (root / "red_dress" / "a.jpg").write_bytes(b"garbage")
    if case == "one_label_folder":
        make_dataset(root, per_folder=3, folders=("red_dress",))
    assert train.main(train_args(root, tmp_path / "out")) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: ") and str(root) in error
    assert not (tmp_path / "out" / "fashion.keras").exists()


def test_output_folder_not_writable(tmp_path, dataset_dir, capsys):
    if os.geteuid() == 0:
        blocked = tmp_path / "file"  # root writes anywhere: use a path under a plain file
        blocked.write_text("x")
        output = blocked / "out"
    else:
        output = tmp_path / "locked"
        output.mkdir()
        output.chmod(stat.S_IRUSR | stat.S_IXUSR)
    assert train.main(train_args(dataset_dir, output)) == 2
    assert "cannot write to output folder" in capsys.readouterr().err


@pytest.mark.slow
def test_missing_image_is_a_clean_error(trained, tmp_path):
    result = run_script("classify.py", "--model", trained["model"], "--labelbin",
                        trained["labelbin"], "--image", str(tmp_path / "nope.jpg"))
    assert_clean_failure(result, "image not found", "nope.jpg")


@pytest.mark.slow
def test_unreadable_image_is_reported_and_counted(trained, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("this is text")
    result = run_script("classify.py", "--model", trained["model"], "--labelbin",
                        trained["labelbin"], "--image", str(bad), "--no-annotate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bad.png" in result.stdout and "1 of 1 image(s) could not be classified" in result.stderr


def classify_with(trained, model=None, labelbin=None):
    return classify.main(["--model", model or trained["model"], "--labelbin",
                          labelbin or trained["labelbin"], "--image",
                          os.path.join(trained["dataset"], "red_dress", "000.png"), "--no-annotate"])


def last_error(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and lines[-1].startswith("error: ")
    return lines[-1]


def test_missing_model_and_label_files(trained, tmp_path, capsys):
    assert classify_with(trained, model=str(tmp_path / "none.keras")) == 2
    assert "model file not found" in last_error(capsys)
    assert classify_with(trained, labelbin=str(tmp_path / "none.pickle")) == 2
    assert "label file not found" in last_error(capsys)


def test_corrupt_model_and_label_files(trained, tmp_path, capsys):
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"PK\x03\x04 definitely not a zip")
    assert classify_with(trained, model=str(junk)) == 2
    assert "junk.keras" in last_error(capsys)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(open(trained["model"], "rb").read()[:5000])
    assert classify_with(trained, model=str(truncated)) == 2
    assert "truncated.keras" in last_error(capsys)
    broken = tmp_path / "broken.pickle"
    broken.write_bytes(open(trained["labelbin"], "rb").read()[:40])
    assert classify_with(trained, labelbin=str(broken)) == 2
    assert "broken.pickle" in last_error(capsys)


def test_label_file_with_other_labels_is_refused(trained, tmp_path, capsys):
    from sklearn.preprocessing import MultiLabelBinarizer
    for labels in ([["a", "b"], ["c"]], [["black", "dress"], ["jeans", "red"]]):
        other = tmp_path / f"other{len(labels[0])}{labels[0][0]}.pickle"
        other.write_bytes(pickle.dumps(MultiLabelBinarizer().fit(labels)))
        assert classify_with(trained, labelbin=str(other)) == 2
        error = last_error(capsys)
        assert other.name in error and "fashion.keras" in error


def test_model_without_description_still_checks_label_count(trained, tmp_path, capsys):
    model = tmp_path / "bare.keras"
    shutil.copy(trained["model"], model)  # no bare.keras.json beside it
    from sklearn.preprocessing import MultiLabelBinarizer
    three = tmp_path / "three.pickle"
    three.write_bytes(pickle.dumps(MultiLabelBinarizer().fit([["a", "b"], ["c"]])))
    assert classify_with(trained, model=str(model), labelbin=str(three)) == 2
    assert "predicts 4 labels" in last_error(capsys)
    assert classify_with(trained, model=str(model)) == 0


def _tree_digest(root):
    import hashlib
    digest = hashlib.sha256()
    for folder, subfolders, names in sorted(os.walk(root)):
        subfolders.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode())
            digest.update(open(path, "rb").read())
            digest.update(str(os.stat(path).st_mtime_ns).encode())
    return digest.hexdigest()


def test_training_never_touches_the_dataset(tmp_path, capsys):
    root = make_dataset(tmp_path / "set", per_folder=3)
    (tmp_path / "set" / "red_dress" / "broken.jpg").write_bytes(b"not an image")
    before = _tree_digest(root)
    assert train.main(train_args(root, tmp_path / "out")) == 0
    assert _tree_digest(root) == before
    assert train.main(train_args(root, os.path.join(root, "out"))) == 2
    assert "inside the dataset folder" in capsys.readouterr().err
    assert _tree_digest(root) == before


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    from pyimagesearch import files
    from pyimagesearch.errors import UserError
    target = tmp_path / "plot.png"
    target.write_bytes(b"previous")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(UserError, match="No space left on device"):
        with files.atomic_write(str(target)) as handle:
            handle.write(b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["plot.png"]  # no temporary file left behind

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


# The bad-input corpus: every case is one command a careless user might type. Each must end
# with exactly one `error:` line (argparse's too) and a non-zero code, no traceback, and every
# file the user had byte-identical afterwards, no file added, no folder left behind.
# {D} dataset, {I} an image in it, {M} manifest, {K} model, {L} label file, {T} its .tflite,
# {W} the folder holding them all, {O} a folder not yet made (outputs), {F} a foreign .tflite,
# {Q} a manifest with a quote never closed, {E} a manifest whose rows have no labels,
# {U} a dataset of labels the model does not know, {S} a dataset of one label folder.
TRAIN = ["--epochs", "1", "--image-size", "32", "--quiet", "--no-cache"]
CORPUS = [
    # train.py: bounds (argparse) ...
    ("train", ["--epochs", "99999999999999999999"], "--epochs"),
    ("train", ["--epochs", "100001"], "--epochs"),
    ("train", ["--image-size", "100000"], "--image-size"),
    ("train", ["--image-size", "1025"], "--image-size"),
    ("train", ["--learning-rate", "1e308"], "--learning-rate"),
    ("train", ["--learning-rate", "1e10"], "--learning-rate"),
    ("train", ["--batch-size", "10000000"], "--batch-size"),
    ("train", ["--workers", "100000"], "--workers"),
    ("train", ["--patience", "99999999999999999999"], "--patience"),
    ("train", ["--seed", "-1"], "--seed"),
    ("train", ["--validation-split", "1"], "--validation-split"),
    ("train", ["--cluster-timeout", "0"], "--cluster-timeout"),
    # ... outputs against each other and against the inputs ...
    ("train", ["-d", "{D}", "-m", "{O}/same", "-l", "{O}/same"], "same"),
    ("train", ["-d", "{D}", "-m", "{O}/a.keras", "-p", "{O}/a.keras"], "-p"),
    ("train", ["--manifest", "{M}", "-o", "{O}", "-p", "{M}"], "--manifest"),
    ("train", ["--manifest", "{M}", "-d", "{W}", "-o", "{O}", "-p", "{W}/root/red_dress/000.png"],
     "lists"),
    ("train", ["-d", "{D}", "-m", "{D}/red_dress/x.keras"], "inside the dataset"),
    ("train", ["-d", "{D}", "-o", "{O}", "-p", "{I}"], "inside the dataset"),
    ("train", ["-d", "{D}", "-m", "{W}"], "is a folder"),
    ("train", ["-d", "{D}", "-m", "{O}/x.keras", "-p", "{O}/x.keras.json"], "description"),
    ("train", ["-d", "{D}", "-o", "{O}", "-l", "{O}/fashion.keras.json"], "-l"),
    ("train", ["-d", "{D}", "-m", "{O}/x.tflite"], "litert export"),
    ("train", ["-d", "{D}", "-o", "{O}", "-p", "{O}/fashion.keras.checkpoint/p.png"], "checkpoint"),
    ("train", ["-d", "{D}", "-o", "{O}", "--tensorboard", "{D}"], "--tensorboard"),
    ("train", ["-d", "{D}", "-o", "{O}", "--val-dataset", "{S}", "-p", "{S}/p.png"], "--val-dataset"),
    ("train", ["-d", "{D}", "-o", "{M}"], "cannot write"),
    ("train", ["-d", "{D}", "-o", "{O}", "--resume"], "no checkpoint"),
    # ... and data it cannot use.
    ("train", ["-d", "{W}/nowhere", "-o", "{O}"], "not found"),
    ("train", ["--manifest", "{W}/missing.csv", "-o", "{O}"], "manifest not found"),
    ("train", ["--manifest", "{Q}", "-o", "{O}"], "never closed"),
    ("train", ["--manifest", "{E}", "-o", "{O}"], "has labels"),
    ("train", ["-d", "{S}", "-o", "{O}"], "only one label folder"),
    ("train", ["-d", "{W}/empty", "-o", "{O}"], "no images"),
    # evaluate.py: reports written over the inputs ...
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--html", "{I}"], "inside the dataset"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "--manifest", "{M}", "--report", "{M}"], "--manifest"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--report", "{K}"], "-m"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--html", "{L}"], "-l"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--report", "{O}/r.json",
                  "--html", "{O}/r.json"], "same"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--report", "{W}"], "is a folder"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--html", "{K}.json"], "description"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--report", "{T}"], "litert export"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{D}", "--report", "{L}.json"], "labels"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "--manifest", "{M}", "-d", "{W}", "--html",
                  "{W}/root/blue_shirt/001.png"], "lists"),
    # ... flags and data it cannot use.
    ("evaluate", ["-m", "{K}"], "--dataset"),
    ("evaluate", ["-m", "{K}", "-d", "{D}", "--top-k", "0"], "--top-k"),
    ("evaluate", ["-m", "{K}", "-d", "{D}", "--threshold", "2"], "--threshold"),
    ("evaluate", ["-m", "{K}", "-d", "{D}", "--workers", "100000"], "--workers"),
    ("evaluate", ["-m", "{W}/none.keras", "-l", "{L}", "-d", "{D}", "--report", "{O}/r.json"],
     "not found"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "-d", "{U}", "--report", "{O}/r.json"],
     "none of the labels"),
    ("evaluate", ["-m", "{K}", "-l", "{L}", "--manifest", "{Q}", "--report", "{O}/r.json"],
     "never closed"),
    # classify.py
    ("classify", ["-m", "{K}", "-l", "{L}", "-i", "{D}", "--annotated", "{D}"], "--annotated"),
    ("classify", ["-m", "{K}", "-l", "{L}", "-i", "{D}", "--annotated", "{D}/red_dress"],
     "--annotated"),
    ("classify", ["-m", "{K}", "-l", "{L}", "-i", "{I}", "--explain", "{I}"], "is a file"),
    ("classify", ["-m", "{K}", "-l", "{L}", "-i", "{W}/nope.jpg", "--no-annotate"], "not found"),
    ("classify", ["-m", "{F}", "-l", "{L}", "-i", "{I}", "--no-annotate"], "lists it"),
    ("classify", ["-m", "{T}", "-l", "{L}", "-i", "{I}", "--no-annotate", "--backend", "keras"],
     "cannot run it"),
    ("classify", ["-m", "{K}", "-i", "{I}", "--top-k", "0"], "--top-k"),
    ("classify", ["-m", "{K}", "-i", "{I}", "--batch-size", "100000"], "--batch-size"),
    ("classify", ["-m", "{K}", "-l", "{W}/other.pickle", "-i", "{I}", "--no-annotate"],
     "other.pickle"),
    ("classify", ["-m", "{W}/junk.keras", "-l", "{L}", "-i", "{I}", "--no-annotate"],
     "junk.keras"),
    # export.py
    ("export", ["-m", "{W}/none.keras", "-l", "{L}"], "not found"),
    ("export", ["-m", "{T}", "-l", "{L}"], "-m"),
    ("export", ["-m", "{K}", "-l", "{W}/nope.pickle"], "label file not found"),
    ("export", ["-m", "{K}", "-f", "pdf"], "--format"),
    # audit.py
    ("audit", ["-d", "{D}", "--report", "{I}"], "inside the dataset"),
    ("audit", ["--manifest", "{M}", "--report", "{M}"], "--manifest"),
    ("audit", ["--manifest", "{M}", "--report", "{W}/dataset/red_dress/001.png"], "lists"),
    ("audit", ["-d", "{D}", "--report", "{W}"], "is a folder"),
    ("audit", ["-d", "{W}/nowhere", "--report", "{O}/a.json"], "not found"),
    ("audit", ["-d", "{D}", "--validation-split", "0"], "--validation-split"),
    ("audit", ["--manifest", "{E}", "--report", "{O}/a.json"], "has labels"),
]


@pytest.fixture(scope="module")
def corpus_world(trained, tmp_path_factory):
    """A folder of what a user has: a dataset, manifests, a trained model's files."""
    from sklearn.preprocessing import MultiLabelBinarizer
    world = tmp_path_factory.mktemp("world")
    dataset = make_dataset(world / "dataset", per_folder=2)
    model = world / "model"
    model.mkdir()
    for name in os.listdir(trained["output"]):
        if os.path.isfile(os.path.join(trained["output"], name)):
            shutil.copy(os.path.join(trained["output"], name), model / name)
    with open(world / "labels.csv", "w") as handle:
        handle.write("path,labels\n" + "".join(
            f"dataset/{folder}/{index:03d}.png,{folder.replace('_', ' ')}\n"
            for folder in ("red_dress", "blue_shirt") for index in range(2)))
    os.symlink("dataset", world / "root")  # the manifests' images, by their own folder
    (world / "quote.csv").write_text('path,labels\nroot/red_dress/000.png,"red dress\n'
                                     'root/blue_shirt/000.png,blue shirt\n')
    (world / "empty-labels.csv").write_text("path,labels\nroot/red_dress/000.png,\n")
    make_dataset(world / "single", per_folder=2, folders=("red_dress",))
    unknown = make_dataset(world / "unknown", per_folder=2, folders=("red_dress", "blue_shirt"))
    os.rename(os.path.join(unknown, "red_dress"), os.path.join(unknown, "green_hat"))
    os.rename(os.path.join(unknown, "blue_shirt"), os.path.join(unknown, "pink_scarf"))
    (world / "empty").mkdir()
    shutil.copy(model / "fashion.tflite", world / "foreign.tflite")  # listed in no description
    (world / "other.pickle").write_bytes(pickle.dumps(MultiLabelBinarizer().fit([["a", "b"]])))
    (world / "junk.keras").write_bytes(b"PK\x03\x04 not a zip")
    return {"D": dataset, "I": os.path.join(dataset, "red_dress", "000.png"),
            "M": str(world / "labels.csv"), "K": str(model / "fashion.keras"),
            "L": str(model / "mlb.pickle"), "T": str(model / "fashion.tflite"), "W": str(world),
            "F": str(world / "foreign.tflite"), "Q": str(world / "quote.csv"),
            "E": str(world / "empty-labels.csv"), "U": unknown, "S": str(world / "single")}


def snapshot(root):
    """{relative path: bytes} of every file under `root`, and its folders."""
    found, folders = {}, set()
    for folder, subfolders, names in os.walk(root):
        folders.update(os.path.relpath(os.path.join(folder, name), root) for name in subfolders)
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = open(path, "rb").read()
    return found, folders


def main_of(script):
    import audit
    import evaluate
    import export
    return {"train": train, "classify": classify, "evaluate": evaluate, "export": export,
            "audit": audit}[script].main


@pytest.mark.parametrize("number", range(len(CORPUS)),
                         ids=[f"{script}-{index}" for index, (script, _, _) in enumerate(CORPUS)])
def test_bad_input_corpus(corpus_world, number, tmp_path, capsys, monkeypatch):
    script, argv, word = CORPUS[number]
    places = {**corpus_world, "O": str(tmp_path / "out" / "deeper")}
    argv = [part.format(**places) for part in argv] + (TRAIN if script == "train" else [])
    monkeypatch.chdir(tmp_path)  # default outputs (output/...) land here, and must not
    before = snapshot(corpus_world["W"])
    try:
        code = main_of(script)(argv)
    except SystemExit as stopped:  # argparse's errors
        code = stopped.code
    err = capsys.readouterr().err
    assert code not in (0, None), err
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if "error: " in line]
    assert len(errors) == 1, err
    assert word in errors[0], errors[0]
    assert snapshot(corpus_world["W"]) == before  # the user's files, byte for byte
    assert os.listdir(tmp_path) == [], os.listdir(tmp_path)  # no output, no folder left
    assert len(CORPUS) >= 60

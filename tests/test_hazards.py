"""What a careless user meets beyond a bad flag (issue 19): full disks, named pipes, clusters
that never form, diverging runs, two runs into one folder, a resumed run given other flags,
a LiteRT-only deployment. Each ends in one clear line, or works, and leaves the user's files
as they were."""

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import classify
import train
from pyimagesearch import artifacts, checkpoint, descriptions, files, manifest, store
from pyimagesearch import dataset as data
from pyimagesearch.errors import UserError
from tests.conftest import ROOT, make_dataset

QUICK = ["--epochs", "1", "--image-size", "12", "--quiet", "--no-cache"]


def last_error(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in "\n".join(lines), lines
    return errors[0]


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("small") / "dataset", per_folder=3)


# Item 2 and 6: two runs with other models into one output folder share its label file and
# plot; the second is refused at once instead of mixing the two runs' files.
def test_a_second_run_into_the_same_label_file_is_refused(small_dataset, tmp_path, capsys):
    output = tmp_path / "out"
    output.mkdir()
    with files.lock_for(str(output / "mlb.pickle")):  # the first run, still training
        code = train.main(["-d", small_dataset, "-o", str(output), "-m",
                           str(output / "other.keras")] + QUICK)
    assert code == 2
    error = last_error(capsys)
    assert "another run" in error and "mlb.pickle" in error
    assert sorted(os.listdir(output)) == []


# Item 3: a full disk under the scratch store is the disk's fault, not the images'.
def test_a_full_scratch_disk_stops_the_run_naming_it(small_dataset, tmp_path, capsys,
                                                     monkeypatch):
    def disk_full(self, row, image):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data, "IN_MEMORY_LIMIT", 0)  # every image goes to the scratch file
    monkeypatch.setattr(store.RowFile, "__setitem__", disk_full)
    assert train.main(["-d", small_dataset, "-o", str(tmp_path / "out")] + QUICK[:-1] +
                      ["--cache-dir", str(tmp_path / "cache")]) == 2
    error = last_error(capsys)
    assert "No space left on device" in error and str(tmp_path / "cache") in error
    assert "cannot read" not in error


def test_a_cache_that_cannot_be_written_only_warns(small_dataset, tmp_path, capsys,
                                                   monkeypatch):
    from pyimagesearch import cache

    def full(*args, **kwargs):
        raise UserError("cannot write x: No space left on device")

    monkeypatch.setattr(cache.ImageCache, "save", full)
    loaded = data.load_dataset(small_dataset, (12, 12), cache_dir=str(tmp_path / "cache"))
    assert len(loaded.paths) == 12 and not loaded.skipped
    assert "going on without it" in capsys.readouterr().err


# Item 4: a named pipe called .jpg would block open() for ever.
def test_a_fifo_named_like_an_image_is_skipped_and_counted(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=3)
    os.mkfifo(os.path.join(root, "red_dress", "pipe.jpg"))
    loaded = data.load_dataset(root, (12, 12))
    assert len(loaded.paths) == 12
    assert [os.path.basename(path) for path, _ in loaded.skipped] == ["pipe.jpg"]
    assert "named pipe" in loaded.skipped[0][1]


@pytest.mark.slow
def test_classify_answers_a_fifo_at_once(trained, tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "classify.py", "-m", trained["model"], "-l", trained["labelbin"],
         "-i", str(fifo), "--no-annotate"], cwd=ROOT, capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "named pipe" in result.stdout + result.stderr


def start_cluster_member(dataset, output, *extra):
    """train.py as worker 0 of a cluster whose worker 1 never comes."""
    config = {"cluster": {"worker": ["127.0.0.1:0", "127.0.0.1:1"]},
              "task": {"type": "worker", "index": 0}}
    config["cluster"]["worker"][0] = f"127.0.0.1:{free_port()}"
    environment = {**os.environ, "TF_CONFIG": json.dumps(config), "PYTHONPATH": ROOT}
    return subprocess.Popen([sys.executable, "train.py", "-d", dataset, "-o", str(output)] +
                            QUICK + list(extra), cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_cluster_that_never_forms_times_out_with_one_line(small_dataset, tmp_path):
    process = start_cluster_member(small_dataset, tmp_path / "out", "--cluster-timeout", "5")
    _, stderr = process.communicate(timeout=240)
    assert process.returncode != 0 and "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "gave up after 5 s" in errors[0], stderr


@pytest.mark.slow
def test_ctrl_c_ends_the_wait_for_a_cluster(small_dataset, tmp_path):
    process = start_cluster_member(small_dataset, tmp_path / "out")
    deadline = time.monotonic() + 180
    while "dataset audit" not in (process.stdout.readline() or "") and \
            time.monotonic() < deadline:
        pass
    time.sleep(8)  # into the strategy's wait
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert process.returncode != 0 and "stopped: SIGINT" in stderr


# Item 5: a diverging run stops at its first NaN loss, before anything is saved.
def test_a_nan_loss_stops_training_with_one_line():
    import keras

    from pyimagesearch import divergence

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    features = np.array([[1.0, np.nan]] * 8, np.float32)
    with pytest.raises(UserError, match="diverged.*step 1 of epoch 1.*--learning-rate"):
        model.fit(features, np.zeros(8), epochs=2, verbose=0,
                  callbacks=[divergence.StopOnNaN(1e10)])


# Item 6: the last epoch's model goes into place with the set, or not at all.
def test_extra_files_are_saved_with_the_set_or_not_at_all(tmp_path):
    import keras
    from sklearn.preprocessing import MultiLabelBinarizer

    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="sigmoid")])
    binarizer = MultiLabelBinarizer(classes=["a", "b"]).fit([])
    paths = str(tmp_path / "m.keras"), str(tmp_path / "l.pickle")
    last = tmp_path / "m.last.keras"
    artifacts.save_artifacts(model, binarizer, *paths, descriptions.Description(), extras={
        str(last): lambda path: open(path, "wb").write(b"first")})
    assert last.read_bytes() == b"first"

    def fails(path):
        raise OSError(28, "No space left on device")

    with pytest.raises(UserError):
        artifacts.save_artifacts(model, binarizer, *paths, descriptions.Description(), extras={
            str(last): lambda path: open(path, "wb").write(b"second"), paths[0] + ".x": fails})
    assert last.read_bytes() == b"first"


@pytest.mark.slow
def test_a_failed_save_and_no_report_leave_no_mixed_run(small_dataset, tmp_path, capsys,
                                                       monkeypatch):
    """A run whose final save fails leaves the previous run's log and last model; a run
    with --no-report removes the previous model's report rather than leave it beside."""
    output = tmp_path / "out"
    no_export = ["--export", "none"]  # the report is this test's, the export is not
    assert train.main(["-d", small_dataset, "-o", str(output)] + QUICK + no_export) == 0
    assert (output / "fashion.keras.report.html").exists()
    kept = {name: (output / name).read_bytes() for name in
            ("fashion.keras.results.csv", "fashion.last.keras", "fashion.keras")}
    with monkeypatch.context() as patch:
        real_write = artifacts._write

        def disk_full(path, data):  # the description, the last file the save writes
            if os.path.basename(path).startswith(".fashion.keras.json."):
                raise OSError(28, "No space left on device")
            return real_write(path, data)

        patch.setattr(artifacts, "_write", disk_full)
        assert train.main(["-d", small_dataset, "-o", str(output), "--epochs", "2"] +
                          QUICK[2:] + no_export) == 2
    assert "No space left on device" in last_error(capsys)
    for name, data in kept.items():
        assert (output / name).read_bytes() == data, name
    assert train.main(["-d", small_dataset, "-o", str(output), "--no-report"] + QUICK +
                      no_export) == 0
    assert not (output / "fashion.keras.report.html").exists()
    assert "removed" in capsys.readouterr().out


# Item 7: the 2018 recipe's mlb.pickle, of the very labels, named on purpose.
def test_another_label_file_of_the_same_labels_is_accepted(trained, tmp_path, capsys):
    from sklearn.preprocessing import MultiLabelBinarizer

    labels = descriptions.read(trained["model"]).labels
    same = tmp_path / "mlb-2018.pickle"
    same.write_bytes(pickle.dumps(MultiLabelBinarizer().fit([labels])))
    image = os.path.join(trained["dataset"], "red_dress", "000.png")
    for backend in ("keras", "litert"):
        assert classify.main(["-m", trained["model"], "-l", str(same), "-i", image,
                              "--no-annotate", "--backend", backend]) == 0
    other = tmp_path / "other.pickle"
    other.write_bytes(pickle.dumps(MultiLabelBinarizer().fit([labels[:3] + ["hat"]])))
    assert classify.main(["-m", trained["model"], "-l", str(other), "-i", image,
                          "--no-annotate"]) == 2
    assert "labels" in last_error(capsys) and "interrupted" not in capsys.readouterr().err


# Item 8: a LiteRT-only deployment: the .tflite and the descriptions, no .keras.
def litert_only(trained, folder):
    folder.mkdir()
    for name in ("fashion.tflite", "fashion.keras.json", "mlb.pickle", "mlb.pickle.json"):
        shutil.copy(os.path.join(trained["output"], name), folder / name)
    return folder


@pytest.mark.slow
def test_a_litert_only_deployment_classifies_without_tensorflow(trained, tmp_path):
    folder = litert_only(trained, tmp_path / "deploy")
    image = os.path.join(trained["dataset"], "red_dress", "000.png")
    for model in ("fashion.tflite", "fashion.keras"):  # the export, or the absent model
        script = ("import sys, classify; code = classify.main(sys.argv[1:]); "
                  "assert 'tensorflow' not in sys.modules, 'TensorFlow imported'; sys.exit(code)")
        result = subprocess.run(
            [sys.executable, "-c", script, "-m", str(folder / model), "-l",
             str(folder / "mlb.pickle"), "-i", image, "--json", "--no-annotate"], cwd=ROOT,
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ROOT})
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["labels"]


def test_a_foreign_tflite_is_named_with_the_description_that_exists(trained, tmp_path,
                                                                    capsys):
    folder = litert_only(trained, tmp_path / "deploy")
    with open(folder / "fashion.tflite", "ab") as handle:
        handle.write(b"\0")  # another file than the one the description lists
    image = os.path.join(trained["dataset"], "red_dress", "000.png")
    assert classify.main(["-m", str(folder / "fashion.tflite"), "-l",
                          str(folder / "mlb.pickle"), "-i", image, "--no-annotate"]) == 2
    error = last_error(capsys)
    assert "fashion.keras.json" in error and "fashion.tflite.json" not in error


# Item 9: --resume continues a run as it was; other flags are refused, not ignored.
@pytest.mark.slow
def test_resume_refuses_flags_that_contradict_the_run(small_dataset, tmp_path, capsys,
                                                      monkeypatch):
    output = str(tmp_path / "out")
    with monkeypatch.context() as patch:
        patch.setattr(checkpoint, "remove", lambda folder: None)  # as if killed at the end
        assert train.main(["-d", small_dataset, "-o", output] + QUICK) == 0
    assert train.main(["-d", small_dataset, "-o", output, "--resume", "--epochs", "3",
                       "--image-size", "16"] + QUICK[4:]) == 2
    error = last_error(capsys)
    assert "--epochs 3 (the run has 1)" in error and "--image-size 16 (the run has 12)" in error


# Item 10.
def test_macro_f1_leaves_out_labels_no_image_has():
    from pyimagesearch import evaluation

    targets = np.array([[1, 0, 0], [0, 1, 0]])
    report = evaluation.evaluate(targets, targets.astype(float), targets, ["a", "b", "c"])
    assert report["macro_f1"] == 1.0 and report["absent_labels"] == ["c"]
    assert "leave out 1 label(s) no image here has: c" in evaluation.format_report(report)


def test_manifest_rows_without_labels_are_skipped_and_counted(tmp_path):
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "m.csv").write_text("path,labels\na.png,red dress\nb.png,\n")
    entries, skipped = manifest.read_manifest(str(tmp_path / "m.csv"))
    assert [os.path.basename(path) for path, _ in entries] == ["a.png"]
    assert len(skipped) == 1 and "no labels" in skipped[0][1] and "line 3" in skipped[0][1]


def test_the_export_lists_the_tensor_names_its_file_has(trained):
    from ai_edge_litert.interpreter import Interpreter

    entry = descriptions.read(trained["model"]).exports["litert"]
    interpreter = Interpreter(model_path=os.path.join(trained["output"], entry["file"]))
    assert entry["input"]["name"] == interpreter.get_input_details()[0]["name"]
    assert entry["output"]["name"] == interpreter.get_output_details()[0]["name"]


def test_outputs_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        with files.atomic_write(str(tmp_path / "out.json")) as handle:
            handle.write(b"{}")
    finally:
        os.umask(previous)
    assert os.stat(tmp_path / "out.json").st_mode & 0o777 == 0o644


def test_labels_outside_ascii_are_drawn_not_as_question_marks(trained, capsys):
    from pyimagesearch import display

    shown, font = display.drawable_text("ドレス: 90.00% yes")
    assert "?" not in shown and os.path.isfile(font)
    assert shown.startswith("ドレス") or shown.startswith("<U+30C9>")
    image = os.path.join(trained["dataset"], "red_dress", "000.png")
    drawn = display.annotate({"path": image, "probabilities": {"ドレス": 0.9, "red": 0.2},
                              "labels": ["ドレス"]})
    plain = display.annotate({"path": image, "probabilities": {"dress": 0.9, "red": 0.2},
                              "labels": ["dress"]})
    assert drawn.shape == plain.shape and (drawn != plain).any()


def test_outputs_are_compared_however_spelt(tmp_path, monkeypatch):
    from pyimagesearch import outputs

    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.keras").write_bytes(b"model")
    os.link(tmp_path / "model.keras", tmp_path / "hard-link")
    os.symlink("model.keras", tmp_path / "soft-link")
    for other in ("hard-link", "soft-link", str(tmp_path / "model.keras"), "./model.keras"):
        with pytest.raises(UserError, match="same file"):
            outputs.Plan().file("-m", "model.keras").file("-l", other).check()
    # Two folders of named drawings may be one; a folder whose files are all the script's not.
    outputs.Plan().folder("--annotated", "drawn").folder("--explain", "drawn").check()
    with pytest.raises(UserError, match="holds"):
        outputs.Plan().folder("checkpoint", "drawn", exclusive=True).file("-p", "drawn/p.png") \
            .check()


def test_evaluate_names_the_labels_it_leaves_out(trained, tmp_path, capsys):
    import evaluate

    root = make_dataset(tmp_path / "set", per_folder=2, folders=("red_dress", "blue_shirt"))
    os.rename(os.path.join(root, "blue_shirt"), os.path.join(root, "green_hat"))
    assert evaluate.main(["-m", trained["model"], "-l", trained["labelbin"], "-d", root,
                          "--report", str(tmp_path / "r.json"), "--no-html"]) == 0
    captured = capsys.readouterr()
    assert "left out of the scores, labels the model does not know: green, hat" in captured.err
    report = json.loads((tmp_path / "r.json").read_text())
    assert set(report["absent_labels"]) == {"blue", "shirt"}

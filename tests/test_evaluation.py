"""Metrics, thresholds, splits, manifests and the dataset audit."""

import json
import os
import shutil

import numpy as np
import pytest

import audit as audit_script
import classify
import evaluate as evaluate_script
from pyimagesearch import audit, decisions, descriptions, evaluation, manifest, splits
from pyimagesearch import dataset as data
from pyimagesearch.errors import UserError
from tests.conftest import NO_EXTRAS, make_dataset

NAMES = ["a", "b", "c"]


def test_report_matches_hand_computed_scores():
    targets = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    decisions = np.array([[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 0, 1]])
    probabilities = np.array([[.9, .1, .8], [.2, .7, .6], [.8, .4, .3], [.1, .2, .9]])
    report = evaluation.evaluate(targets, probabilities, decisions, NAMES, ["w", "x", "y", "z"])
    assert report["exact_match"] == 0.5  # images w and z
    assert report["hamming_loss"] == pytest.approx(2 / 12)
    assert report["binary_accuracy"] == pytest.approx(10 / 12)
    b = report["per_label"]["b"]  # truth 0 1 1 0, decided 0 1 0 0
    assert (b["precision"], b["recall"], b["support"]) == (1.0, 0.5, 2)
    assert b["f1"] == pytest.approx(2 / 3) and b["binary_accuracy"] == 0.75
    c = report["per_label"]["c"]  # truth 1 0 0 1, decided 1 1 0 1
    assert c["precision"] == pytest.approx(2 / 3) and c["recall"] == 1.0
    assert report["per_label"]["a"]["average_precision"] == 1.0  # positives ranked first
    # label b: scores .1 .7 .4 .2 for truth 0 1 1 0 -> both positives on top: AP 1
    # label c: scores .8 .6 .3 .9 for truth 1 0 0 1 -> AP 1 as well
    assert report["macro_map"] == 1.0
    assert report["micro_f1"] == pytest.approx(2 * 5 / (2 * 5 + 1 + 1))  # 5 TP, 1 FP, 1 FN
    assert [item["path"] for item in report["worst"]] == ["x", "y"]


def test_top_two_decisions():
    decided = decisions.top_k_decisions(np.array([[.1, .5, .4], [.9, .05, .8]]), 2)
    assert decided.tolist() == [[0, 1, 1], [1, 0, 1]]


def test_threshold_tuning_picks_the_f1_optimal_cut():
    # Positives at .35 .6 .9, negatives at .1 .3 .5: cutting at .35 keeps all three
    # positives with one false positive (F1 6/7); .6 loses one positive (F1 4/5);
    # 0.5 would give 3 TP + 1 FP too but .35 is the cut that reaches it.
    truth = np.array([[1], [1], [1], [0], [0], [0]])
    scores = np.array([[.35], [.6], [.9], [.1], [.3], [.5]])
    cut = decisions.tune_thresholds(truth, scores, "f1")[0]
    assert 0.3 < cut <= 0.35  # between the best cut and the next lower score
    decided = decisions.apply_thresholds(scores, [cut])
    assert decided.ravel().tolist() == [1, 1, 1, 0, 0, 1]
    precise = decisions.tune_thresholds(truth, scores, "f0.5")[0]
    assert precise > 0.5  # precision-leaning: drops the negative at .5
    assert decisions.tune_thresholds(truth, scores, "fixed")[0] == 0.5
    assert decisions.tune_thresholds(np.zeros((3, 1)), np.ones((3, 1)), "f1")[0] == 0.5


def test_one_decision_rule_for_classify_evaluate_and_train():
    probabilities = np.array([[.7, .2, .55], [.1, .45, .3]])
    saved = descriptions.Description(thresholds={"a": 0.6, "c": 0.5})
    rule = decisions.DecisionRule.saved(saved, ["a", "b", "c"])
    assert rule.cuts == (0.6, 0.5, 0.5)  # a label saved without a threshold gets 0.5
    older = decisions.DecisionRule.saved(descriptions.Description(), ["a", "b"])
    assert older.decide([[0.5, 0.49]]).tolist() == [[1, 0]]  # models before thresholds: 0.5
    cases = [  # (threshold, top_k): decisions, the report's sentence; top K wins over a threshold
        ((None, None), [[1, 0, 1], [0, 0, 0]], "the thresholds saved with the model"),
        ((0.4, None), [[1, 0, 1], [0, 1, 0]], "threshold 0.4"),
        ((0.4, 1), [[1, 0, 0], [0, 1, 0]], "top 1"),
    ]
    for (threshold, top_k), expected, sentence in cases:
        rule = decisions.DecisionRule.saved(saved, ["a", "b", "c"], (), threshold, top_k)
        assert rule.decide(probabilities).tolist() == expected
        assert rule.describe() == sentence
    assert decisions.DecisionRule(["a"], [0.5], tuned_by="f2").describe() == \
        "per-label thresholds (f2) tuned on these images"


def test_stratified_split_keeps_every_combination_on_both_sides():
    rng = np.random.default_rng(0)
    combos = np.array([[1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]])
    counts = [40, 30, 12, 6, 3]
    targets = np.concatenate([np.repeat(row[np.newaxis], n, axis=0) for row, n in zip(combos, counts)])
    hashes = [f"h{i}" for i in rng.permutation(len(targets))]
    train, validation = splits.split(targets, hashes, 0.2, seed=42)
    assert len(set(train) & set(validation)) == 0 and len(train) + len(validation) == len(targets)
    for row in combos:
        for side in (train, validation):
            assert (targets[side] == row).all(axis=1).any(), row


def test_split_keeps_duplicates_together():
    targets = np.array([[1, 0], [0, 1]] * 20)
    hashes = [f"h{i // 4}" for i in range(40)]  # groups of four identical files
    train, validation = splits.split(targets, hashes, 0.25, seed=1)
    side = {i: "t" for i in train} | {i: "v" for i in validation}
    for group in range(10):
        assert len({side[i] for i in range(group * 4, group * 4 + 4)}) == 1


def test_manifest_parsing(tmp_path):
    images = tmp_path / "images"
    make_dataset(images, per_folder=2, folders=("red_dress", "blue_shirt"))
    rows = ['Image Name , Tags, note',
            '"red_dress/000.png","red, dress",x',
            'red_dress/001, red dress ,y',  # no extension: found as .png
            '"blue_shirt/000.png", "Blue Shirt",z',
            'blue_shirt/gone.png,blue shirt,w']
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(UserError, match="no image path column"):
        manifest.read_manifest(str(tmp_path / "labels.csv"), str(images))
    entries, missing = manifest.read_manifest(str(tmp_path / "labels.csv"), str(images),
                                              path_column="Image Name")
    assert [labels for _, labels in entries] == [["red", "dress"]] * 2 + [["blue", "shirt"]]
    assert entries[1][0].endswith("001.png")
    assert len(missing) == 1 and "gone.png" in missing[0][1] and "line 5" in missing[0][1]
    with pytest.raises(UserError, match="no column 'tags'"):
        manifest.read_manifest(str(tmp_path / "labels.csv"), str(images), "Image Name", "tags")
    with pytest.raises(UserError, match="manifest not found"):
        manifest.read_manifest(str(tmp_path / "none.csv"))


def test_audit_finds_duplicates_conflicts_leakage_and_gaps(tmp_path):
    root = tmp_path / "set"
    make_dataset(root, per_folder=4, folders=("red_dress", "blue_dress", "red_shirt"))
    shutil.copy(root / "red_dress" / "000.png", root / "red_dress" / "copy.png")
    shutil.copy(root / "red_dress" / "001.png", root / "blue_dress" / "conflict.png")
    dataset = data.load_dataset(str(root), (8, 8), progress=False)
    index = {os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p): i
             for i, p in enumerate(dataset.paths)}
    validation = [index["red_dress/copy.png"], index["blue_dress/000.png"]]
    train = [i for i in range(len(dataset.paths)) if i not in validation]
    report = audit.audit_dataset(dataset, train, validation)
    assert len(report["duplicate_groups"]) == 2
    assert report["conflicting_duplicates"][0]["labels"] == ["blue_dress", "red_dress"]
    assert [sorted(map(os.path.basename, group)) for group in report["leaking_duplicates"]] == [
        ["000.png", "copy.png"]]
    assert report["absent_combinations"] == ["blue_shirt"]
    assert report["cooccurrence"]["red"]["dress"] == 5 and report["per_label"]["shirt"] == 4
    text = audit.format_audit(report)
    assert "blue_shirt: the model will predict these combinations poorly" in text
    assert "both sides of the split" in text


def test_audit_command_writes_json(tmp_path, dataset_dir, capsys):
    report = tmp_path / "audit.json"
    assert audit_script.main(["--dataset", dataset_dir, "--report", str(report)]) == 0
    saved = json.loads(report.read_text())
    assert saved["images"] == 40 and saved["absent_combinations"] == []
    assert "co-occurrence" in capsys.readouterr().out


def test_saved_thresholds_drive_classify(trained, tmp_path, capsys):
    model = tmp_path / "m.keras"
    shutil.copy(trained["model"], model)
    shutil.copy(trained["labelbin"], tmp_path / "m.pickle")
    description = json.load(open(trained["model"] + ".json"))
    description["groups"] = []  # per-label thresholds decide only without exclusive groups
    description["thresholds"] = {"blue": 0.0, "dress": 0.0, "red": 1.01, "shirt": 1.01}
    (tmp_path / "m.keras.json").write_text(json.dumps(description))
    image = os.path.join(trained["dataset"], "red_shirt", "002.png")
    args = ["--model", str(model), "--labelbin", str(tmp_path / "m.pickle"), "--image", image,
            "--no-annotate", "--json"]
    assert classify.main(args) == 0
    assert json.loads(capsys.readouterr().out)["labels"] in (["blue", "dress"], ["dress", "blue"])
    assert classify.main(args + ["--top-k", "2"]) == 0
    line = json.loads(capsys.readouterr().out)
    ranked = sorted(line["probabilities"], key=line["probabilities"].get, reverse=True)
    assert line["labels"] == ranked[:2]
    assert classify.main(args + ["--threshold", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == []
    assert classify.main(args[:-1] + ["--threshold", "1"]) == 0
    assert "labels: none (no label reached its threshold)" in capsys.readouterr().out
    del description["thresholds"]  # as saved before thresholds existed: 0.5 each
    (tmp_path / "m.keras.json").write_text(json.dumps(description))
    assert classify.main(args) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["labels"] == sorted((n for n, p in line["probabilities"].items() if p >= 0.5),
                                    key=line["probabilities"].get, reverse=True)


def test_evaluate_command_on_a_folder(trained, tmp_path, capsys):
    report = tmp_path / "evaluation.json"
    assert evaluate_script.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                                 "--dataset", trained["dataset"], "--report", str(report)]) == 0
    saved = json.loads(report.read_text())
    assert saved["images"] == 40 and set(saved["per_label"]) == {"blue", "dress", "red", "shirt"}
    assert "macro mAP" in capsys.readouterr().out


@pytest.mark.slow  # two trainings: over 20 s
def test_train_from_a_manifest_and_with_a_validation_folder(tmp_path, dataset_dir, capsys):
    import train
    rows = ["filename,tags"] + [
        f'"{folder}/{index:03d}.png","{folder.replace("_", " ")}"'
        for folder in ("red_dress", "blue_dress", "red_shirt", "blue_shirt") for index in range(10)]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    common = ["--epochs", "1", "--image-size", "16", "--quiet", "--no-cache", *NO_EXTRAS]
    assert train.main(["--manifest", str(tmp_path / "labels.csv"), "--dataset", dataset_dir,
                       "--output", str(tmp_path / "m")] + common) == 0
    assert "40 images, 4 labels" in capsys.readouterr().out
    validation = make_dataset(tmp_path / "val", per_folder=3, seed=9)
    assert train.main(["--dataset", dataset_dir, "--val-dataset", validation,
                       "--output", str(tmp_path / "v")] + common) == 0
    assert "training on 40 images, validating on 12" in capsys.readouterr().out
    report = json.load(open(tmp_path / "v" / "fashion.keras.evaluation.json"))
    assert report["images"] == 12


def test_drawn_image_marks_accepted_and_rejected_labels(trained):
    from pyimagesearch import display
    image = os.path.join(trained["dataset"], "blue_dress", "003.png")
    result = {"path": image, "labels": ["blue", "red"],
              "probabilities": {"blue": 0.9, "dress": 0.8, "red": 0.3, "shirt": 0.1}}
    drawn = display.annotate(result, width=200)
    assert drawn.shape[1] == 200 and drawn.ndim == 3
    # Three lines of text: blue (yes), dress (no, though second), red (yes, a further label).
    green = (drawn[:, :, 1] > 200) & (drawn[:, :, 0] < 60) & (drawn[:, :, 2] < 60)
    red = (drawn[:, :, 2] > 200) & (drawn[:, :, 0] < 60) & (drawn[:, :, 1] < 60)
    rows_green = np.flatnonzero(green.any(axis=1))
    rows_red = np.flatnonzero(red.any(axis=1))
    assert rows_green.min() < 30 and rows_green.max() > 60  # lines one and three
    assert 30 < rows_red.min() and rows_red.max() < 60  # line two only

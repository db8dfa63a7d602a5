"""Label groups: inferred from folder names, declared by flag, one value per exclusive group in
the decisions, scored per group, saved with the model, and judged by the audit."""

import json
import os

import numpy as np
import pytest

import audit as audit_script
import classify
import evaluate as evaluate_script
import train
from pyimagesearch import audit, decisions, descriptions, evaluation, groups
from pyimagesearch import dataset as data
from pyimagesearch.errors import UserError
from tests.conftest import make_dataset

CLASSES = ["blue", "dress", "red", "shirt"]
COLOUR = groups.Group("colour", ("blue", "red"), True)
ITEM = groups.Group("item", ("dress", "shirt"), True)


def parts(*folders):
    return groups.folder_parts([os.path.join("data", folder, "1.png") for folder in folders])


def test_folder_names_of_one_shape_make_one_group_per_position():
    assert groups.infer(parts("red_dress", "blue_shirt", "Red_Shirt")) == [COLOUR, ITEM]
    # A position of colour names is "colour" wherever it stands; "item" is the other one.
    assert groups.infer(parts("dress_red", "shirt_blue")) == [
        groups.Group("item", ("dress", "shirt")), groups.Group("colour", ("blue", "red"))]
    assert groups.infer(parts("small_dress_red", "large_shirt_blue")) == [
        groups.Group("group1", ("large", "small")), groups.Group("group2", ("dress", "shirt")),
        groups.Group("colour", ("blue", "red"))]
    # No colour position: numbered; two colour positions: neither is "the" colour.
    assert [g.name for g in groups.infer(parts("s_dress", "m_shirt"))] == ["group1", "group2"]
    assert [g.name for g in groups.infer(parts("red_blue", "green_black"))] == [
        "group1", "group2"]


@pytest.mark.parametrize("folders", [
    ("red_dress", "blue_shirt", "jeans"),  # parts of different numbers
    ("dress", "shirt"),  # one part: no groups to speak of
    ("red_dress", "blue_shirt", "red_red"),  # red in both positions (its labels are just red)
    ("red_dress", "red_shirt"),  # one colour only: nothing to choose between
])
def test_folder_names_without_a_consistent_shape_make_no_groups(folders):
    assert groups.infer(parts(*folders)) == []


def test_repeated_parts_count_as_written_not_as_labels():
    assert parts("Red_red", "red__dress") == [["red", "red"], ["red", "dress"]]
    paths = [os.path.join("d", folder, "1.png") for folder in ("red_red", "blue_blue")]
    # As labels these are [red] and [blue], one part each; as folder names, two positions
    # sharing their labels: no groups.
    assert groups.resolve("auto", ["blue", "red"], paths) == []


def test_auto_infers_for_folders_only_and_none_means_none():
    paths = [os.path.join("d", folder, "1.png") for folder in ("red_dress", "blue_shirt")]
    assert groups.resolve("auto", CLASSES, paths) == [COLOUR, ITEM]
    assert groups.resolve("auto", CLASSES, paths, from_folders=False) == []  # a manifest
    assert groups.resolve("none", CLASSES, paths) == []
    assert train.parse_args(["--recipe"]).groups == "none"
    assert train.parse_args([]).groups == "auto"


def test_declared_groups_with_non_exclusive_ones_and_the_rest_in_other():
    declared = groups.resolve(" colour = red, BLUE ; tags+=shirt", CLASSES + ["new"],
                              image_labels=[["red", "dress"], ["blue", "shirt"]])
    assert declared == [groups.Group("colour", ("blue", "red"), True),
                        groups.Group("tags", ("shirt",), False),
                        groups.Group("other", ("dress", "new"), False)]
    assert groups.resolve("colour=red,blue;item=dress,shirt", CLASSES) == [COLOUR, ITEM]
    assert groups.describe([COLOUR, groups.Group("tags", ("x",), False)]) == \
        "label groups: colour (one of blue, red), tags (any of x)"


@pytest.mark.parametrize("declaration, words", [
    ("colour=red,blue;item=red,dress", "label red is in two groups: colour and item"),
    ("colour=red,black", "names black, not among the dataset's labels"),
    ("colour=", "label group colour lists no labels"),
    ("colour=red", "needs at least two labels"),
    ("colour", "expected NAME=label,label"),
    ("=red,blue", "expected NAME=label,label"),
    ("c=red,blue;c=dress,shirt", "declared twice"),
    (";", "no label groups"),
    ("other=red,blue", "are in no group"),
])
def test_bad_declarations_are_one_line_errors(declaration, words):
    with pytest.raises(UserError, match=words):
        groups.resolve(declaration, CLASSES)


def test_a_bad_declaration_stops_train_at_the_flag(capsys):
    with pytest.raises(SystemExit) as stopped:
        train.parse_args(["--groups", "colour="])
    assert stopped.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--groups" in errors[0] and "lists no labels" in errors[0]


def test_declared_exclusive_groups_are_checked_against_the_images():
    with pytest.raises(UserError, match="1 image.* more than one label of the exclusive group"):
        groups.resolve("colour=red,blue", CLASSES, ["a.png", "b.png"],
                       [["red", "dress"], ["red", "blue", "shirt"]])
    with pytest.raises(UserError, match=r"no label of the exclusive group colour \(e.g. b.png\)"):
        groups.resolve("colour=red,blue", CLASSES, ["a.png", "b.png"], [["red"], ["shirt"]])
    assert groups.resolve("colour+=red,blue", CLASSES, ["a.png"], [["red", "blue"]])[0] == \
        groups.Group("colour", ("blue", "red"), False)


def test_exclusive_groups_give_exactly_one_value_each():
    model_groups = [COLOUR, groups.Group("item", ("dress", "shirt", "tag"), False)]
    names = CLASSES + ["tag"]
    probabilities = np.random.default_rng(0).random((50, 5))
    probabilities[0] = [0.01, 0.9, 0.02, 0.9, 0.9]  # a colour far below any threshold
    thresholds = [None, 0.5, None, 0.5, 0.95]  # as saved: None for exclusive labels
    chosen = decisions.DecisionRule(names, thresholds, model_groups).decide(probabilities)
    colour = chosen[:, [0, 2]]
    assert (colour.sum(axis=1) == 1).all()
    assert (colour.argmax(axis=1) == probabilities[:, [0, 2]].argmax(axis=1)).all()
    # The non-exclusive group's labels follow their thresholds, several or none.
    assert (chosen[:, [1, 3, 4]] == (probabilities[:, [1, 3, 4]] >= [0.5, 0.5, 0.95])).all()
    assert chosen[0].tolist() == [0, 1, 1, 1, 0]
    # A threshold or top K given by the user overrides the groups.
    assert decisions.DecisionRule(names, thresholds, model_groups, threshold=0.99).decide(
        probabilities[:1]).tolist() == [[0, 0, 0, 0, 0]]
    assert decisions.DecisionRule(names, groups=model_groups, tuned_by="f1").describe() == (
        "one label per exclusive group (colour), thresholds for the rest "
        "(f1, tuned on these images)")
    assert decisions.DecisionRule(names, groups=[COLOUR, ITEM]).describe() == \
        "one label per exclusive group (colour, item)"
    assert decisions.DecisionRule(names, groups=[COLOUR], threshold=0.5).describe() == \
        "threshold 0.5"


def test_exclusive_labels_are_not_tuned_and_save_no_threshold():
    targets = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 1, 0]])
    probabilities = targets * 0.8 + 0.1
    cuts = decisions.tune_thresholds(targets, probabilities, "f1", [COLOUR], CLASSES)
    assert np.isnan(cuts[[0, 2]]).all() and np.isfinite(cuts[[1, 3]]).all()
    saved = decisions.DecisionRule(CLASSES, cuts, [COLOUR]).thresholds_by_label()
    assert saved["blue"] is None and saved["red"] is None and isinstance(saved["dress"], float)
    json.dumps(saved, allow_nan=False)  # valid JSON: no NaN
    loaded = decisions.DecisionRule.saved(descriptions.Description(thresholds=saved), CLASSES)
    assert loaded.cuts[0] == 0.5


def test_evaluation_scores_each_group_and_counts_true_against_predicted():
    # Images: red dress, blue dress, blue shirt, red shirt; the colour of the third is wrong.
    targets = np.array([[0, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 1]])
    chosen = np.array([[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 1, 0]])
    report = evaluation.evaluate(targets, chosen * 0.9, chosen, CLASSES, groups=[COLOUR, ITEM])
    assert report["groups"]["colour"]["accuracy"] == 0.75
    assert report["groups"]["item"]["accuracy"] == 0.75
    assert report["groups"]["item"]["confusion"] == {"dress": {"dress": 2, "shirt": 0},
                                                     "shirt": {"dress": 1, "shirt": 1}}
    assert report["groups"]["colour"]["confusion"]["blue"] == {"blue": 1, "red": 1}
    text = evaluation.format_report(report)
    assert "per group (images whose value in the group is right): colour 0.750, item 0.750" in text
    assert "item: true (rows) against predicted (columns)" in text
    # An image with no value, or two, of a group is counted as such.
    none = evaluation.confusion(np.array([[0, 0], [1, 1]]), np.array([[1, 0], [1, 0]]), ("a", "b"))
    assert none["none"]["a"] == 1 and none["a+b"]["a"] == 1
    assert "groups" not in evaluation.evaluate(targets, chosen, chosen, CLASSES)


def test_groups_saved_by_training_drive_classify_and_evaluate(trained, tmp_path, capsys):
    """conftest's `trained`: train.main on red/blue dresses and shirts, --groups auto."""
    description = json.load(open(trained["model"] + ".json"))
    expected = [{"name": "colour", "labels": ["blue", "red"], "exclusive": True},
                {"name": "item", "labels": ["dress", "shirt"], "exclusive": True}]
    assert description["groups"] == expected
    assert description["settings"]["groups"] == "auto"
    assert description["settings"]["groups_resolved"] == expected
    assert description["thresholds"] == dict.fromkeys(CLASSES)  # every label in a group
    assert description["evaluation"]["groups"]["colour"]["confusion"]
    common = ["--model", trained["model"], "--labelbin", trained["labelbin"]]
    image = os.path.join(trained["dataset"], "blue_shirt", "001.png")
    assert classify.main(common + ["--image", image, "--no-annotate", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    colour, item = result["groups"]["colour"], result["groups"]["item"]
    assert len(colour) == 1 and len(item) == 1 and sorted(result["labels"]) == sorted(colour + item)
    assert classify.main(common + ["--image", image, "--no-annotate"]) == 0
    text = capsys.readouterr().out
    assert any(line.split()[0] == "blue" and "colour" in line for line in text.splitlines()[1:])
    report = tmp_path / "evaluation.json"
    assert evaluate_script.main(common + ["--dataset", trained["dataset"],
                                          "--report", str(report)]) == 0
    saved = json.loads(report.read_text())
    assert saved["decision_rule"] == "one label per exclusive group (colour, item)"
    counts = saved["groups"]["item"]["confusion"]
    assert sum(count for row in counts.values() for count in row.values()) == 40
    assert "per group" in capsys.readouterr().out


def test_a_description_with_malformed_groups_is_refused():
    with pytest.raises(UserError, match="not a model label"):
        groups.from_json([{"name": "c", "labels": ["black"]}], CLASSES)
    with pytest.raises(UserError, match="malformed"):
        groups.from_json([{"name": "c", "labels": "red"}], CLASSES)
    saved_before_groups = descriptions.Description()
    assert groups.from_json(saved_before_groups.groups, CLASSES) == []


def test_audit_says_which_absent_combinations_the_design_can_handle():
    training = [["red", "dress"], ["blue", "dress"], ["red", "shirt"]]
    handled = audit.unseen_combinations(training, groups=[COLOUR, ITEM])
    assert [(item["combination"], item["handled"]) for item in handled] == [("blue_shirt", True)]
    assert "blue in blue_dress" in handled[0]["reason"]
    # A catalogue declaring black, which no folder shows: every black combination is beyond
    # the design, and a held-out black dress is named as held out.
    with_black = [groups.Group("colour", ("black", "blue", "red")), ITEM]
    judged = {item["combination"]: item for item in audit.unseen_combinations(
        training, [["black", "dress"]], with_black)}
    assert set(judged) == {"black_dress", "black_shirt", "blue_shirt"}
    assert not judged["black_dress"]["handled"] and judged["black_dress"]["held_out"]
    assert judged["black_shirt"]["unseen_parts"] == ["black"]
    assert judged["black_shirt"]["reason"] == "black never seen in training"
    assert judged["blue_shirt"]["handled"] and not judged["blue_shirt"]["held_out"]
    # One sigmoid per label: every part seen is not enough.
    single = audit.unseen_combinations(training, groups=[])
    assert [(item["combination"], item["handled"]) for item in single] == [("blue_shirt", False)]


def test_audit_report_and_text_with_groups(tmp_path, capsys):
    root = make_dataset(tmp_path / "set", per_folder=4,
                        folders=("red_dress", "blue_dress", "red_shirt"))
    dataset = data.load_dataset(root, (8, 8), progress=False)
    design = groups.resolve("auto", CLASSES, dataset.paths)
    report = audit.audit_dataset(dataset, groups=design)
    assert report["groups"] == groups.to_json([COLOUR, ITEM])
    text = audit.format_audit(report)
    assert "expected to work (every part seen, label groups compose them): blue_shirt" in text
    assert "predict these combinations poorly" not in text
    saved = tmp_path / "audit.json"
    assert audit_script.main(["--dataset", root, "--report", str(saved), "--groups",
                              "colour=black,blue,red;item=dress,shirt"]) == 0
    judged = {item["combination"]: item["handled"]
              for item in json.loads(saved.read_text())["unseen_combinations"]}
    assert judged == {"black_dress": False, "black_shirt": False, "blue_shirt": True}
    assert "not expected to work: black_dress (black never seen in training)" in \
        capsys.readouterr().out

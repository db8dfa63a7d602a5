"""Every flag of every script is checked by argparse: a bad value ends in one usage line and
one error line (exit 2) before anything runs, never a traceback later; values at the edges
of a range are taken. One table, checked against each script's build_parser() directly."""

import argparse

import pytest

import audit
import classify
import evaluate
import export
import train

from pyimagesearch import flags

SCRIPTS = {"train": train, "classify": classify, "evaluate": evaluate, "audit": audit,
           "export": export}
# What a script's parser needs besides the flags under test.
REQUIRED = {"classify": ["--image", "x.jpg"]}


def rejected(script, flag, message, values):
    """Rows: `flag` with each of `values` ends in `argument FLAG: MESSAGE...` and exit 2."""
    return [(script, [flag, value], 2, f"argument {flag}: {message}") for value in values]


def accepted(script, argv):
    """A row: `argv` parses, each flag's value read back as given."""
    return (script, argv, 0, {flag[2:].replace("-", "_"): float(value)
                              for flag, value in zip(argv[::2], argv[1::2])})


WHOLE, FINITE = "expected a whole number", "expected a finite number"
BETWEEN_1_AND_MAX = "must be between 1 and 2147483647"
# (script, argv, exit code, expected): for exit 2 a fragment of the one error line, for
# exit 0 the parsed values. Every flag with a type has its rejected values here.
CASES = [
    *rejected("train", "--epochs", "must be between 1 and 100000",
              ["0", "-1", "100001", "99999999999999999999"]),
    *rejected("train", "--epochs", WHOLE, ["1.5", "many"]),
    *rejected("train", "--batch-size", "must be between 1 and 65536", ["0", "-4", "65537"]),
    *rejected("train", "--learning-rate", "must be above 0 and at most 10",
              ["0", "-0.1", "10.5", "1e308"]),
    *rejected("train", "--learning-rate", FINITE, ["nan", "inf"]),
    *rejected("train", "--image-size", "must be between 12 and 1024",
              ["11", "0", "1025", "100000"]),
    *rejected("train", "--validation-split", "must be above 0 and below 1",
              ["0", "1", "1.5", "-0.2"]),
    *rejected("train", "--validation-split", FINITE, ["nan"]),
    *rejected("train", "--seed", "must be between 0 and 4294967295", ["-1", str(2 ** 32)]),
    *rejected("train", "--rotation", "must be between 0 and 180", ["-1", "181"]),
    *rejected("train", "--rotation", FINITE, ["inf"]),
    *rejected("train", "--shift", "must be between 0 and 1", ["-0.1", "1.5"]),
    *rejected("train", "--shear", "must be at least 0 and below 90", ["-1", "90"]),
    *rejected("train", "--zoom", "must be at least 0 and below 1", ["-0.1", "1"]),
    *rejected("train", "--patience", BETWEEN_1_AND_MAX, ["0", "-2", str(2 ** 31)]),
    *rejected("train", "--bn-momentum", "must be at least 0 and below 1", ["1", "-0.1"]),
    *rejected("train", "--workers", "must be between 1 and 256", ["0", "-1", "257"]),
    *rejected("train", "--cluster-timeout", "must be between 1 and 86400", ["0", "86401"]),
    *rejected("train", "--recolour", "must be between 0 and 1", ["-0.1", "1.5"]),
    *rejected("train", "--recolour", FINITE, ["nan"]),
    *rejected("train", "--tint", "must be between 0 and 1", ["-1", "2"]),
    *rejected("train", "--groups", "label group colour lists no labels", ["colour="]),
    *rejected("train", "--groups", "exclusive label group colour needs at least two labels",
              ["colour=red;colour=blue"]),
    *rejected("classify", "--threshold", "must be between 0 and 1", ["-0.1", "1.1"]),
    *rejected("classify", "--threshold", FINITE, ["nan"]),
    *rejected("classify", "--top-k", BETWEEN_1_AND_MAX, ["0", "-1"]),
    *rejected("classify", "--batch-size", "must be between 1 and 65536", ["0", "-1"]),
    *rejected("classify", "--workers", "must be between 1 and 256", ["0", "-3"]),
    *rejected("evaluate", "--threshold", "must be between 0 and 1", ["-0.1", "2"]),
    *rejected("evaluate", "--top-k", BETWEEN_1_AND_MAX, ["0", "-1"]),
    *rejected("evaluate", "--workers", "must be between 1 and 256", ["0", "-1"]),
    *rejected("audit", "--groups", "cannot read label group '=red,blue'", ["=red,blue"]),
    *rejected("audit", "--validation-split", "must be above 0 and below 1", ["0", "1"]),
    *rejected("audit", "--seed", "must be between 0 and 4294967295", ["-1"]),
    *rejected("audit", "--workers", "must be between 1 and 256", ["0", "-1"]),
    *rejected("audit", "--folds", "must be between 2 and 2147483647", ["1", "0"]),
    *rejected("audit", "--epochs", BETWEEN_1_AND_MAX, ["0", "99999999999999999999"]),
    *rejected("audit", "--image-size", "must be between 12 and 2147483647", ["11"]),
    *rejected("audit", "--top", BETWEEN_1_AND_MAX, ["0"]),
    *rejected("audit", "--repeats", BETWEEN_1_AND_MAX, ["0"]),
    # The shared flags' choices and exclusions (pyimagesearch/flags.py), as each script has them.
    *rejected("classify", "--backend", "invalid choice: 'tf'", ["tf"]),
    *rejected("evaluate", "--backend", "invalid choice: 'tf'", ["tf"]),
    *rejected("train", "--export", "invalid choice: 'savedmodel'", ["savedmodel"]),
    ("export", ["--format", "tar"], 2, "argument -f/--format: invalid choice: 'tar'"),
    ("classify", ["--threshold", "0.5", "--top-k", "2"], 2,
     "argument --top-k: not allowed with argument --threshold"),
    ("evaluate", ["--top-k", "2", "--threshold", "0.5"], 2,
     "argument --threshold: not allowed with argument --top-k"),
    accepted("train", ["--epochs", "1", "--batch-size", "1", "--learning-rate", "0.5",
                       "--image-size", "12", "--validation-split", "0.5", "--seed", "0",
                       "--rotation", "0", "--shift", "0", "--shear", "0", "--zoom", "0",
                       "--patience", "1", "--bn-momentum", "0", "--workers", "1"]),
    accepted("classify", ["--threshold", "0", "--batch-size", "1", "--workers", "1"]),
    accepted("classify", ["--threshold", "1"]),
    accepted("classify", ["--top-k", "1"]),
    accepted("evaluate", ["--top-k", "1", "--workers", "1"]),
    accepted("audit", ["--validation-split", "0.1", "--seed", "0", "--workers", "1"]),
]


def case_id(case):
    script, argv, code, _ = case
    return f"{script} {' '.join(argv)} -> {code}"


@pytest.mark.parametrize("script, argv, code, expected", CASES, ids=map(case_id, CASES))
def test_flags(script, argv, code, expected, capsys):
    parser = SCRIPTS[script].build_parser()
    if code == 0:
        args = parser.parse_args(REQUIRED.get(script, []) + argv)
        assert {dest: getattr(args, dest) for dest in expected} == expected
        return
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(REQUIRED.get(script, []) + argv)
    assert stopped.value.code == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and expected in errors[0], err
    assert err.splitlines()[-1] == errors[0]  # the usage first, the one error line last


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_typed_flag_is_in_the_table(script):
    """A flag added later with a type but no range check is caught here."""
    parser = SCRIPTS[script].build_parser()
    typed = {action.option_strings[-1] for action in parser._actions
             if action.type is not None and not isinstance(action, argparse._HelpAction)}
    tested = {argv[0] for name, argv, code, _ in CASES if name == script and code == 2}
    assert typed <= tested, f"no rejected values for {sorted(typed - tested)}"


def test_evaluate_needs_data_after_parsing(capsys):
    """Checked in parse_args, after argparse: neither --dataset nor --manifest."""
    with pytest.raises(SystemExit) as stopped:
        evaluate.parse_args([])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: give --dataset, --manifest, or both")


def test_recipe_sets_its_values_whatever_is_given():
    """--recipe's values are declared with each flag (pyimagesearch/flags.py) and win over
    the same flags given on the command line."""
    given = ["--split", "random", "--groups", "auto", "--tint", "0.3",
             "--backbone", "mobilenetv3small", "--weights", "imagenet"]
    args = train.parse_args(["--recipe"] + given)
    recipe = {"split": "recipe", "keep": "last", "schedule": "recipe", "threshold_rule": "fixed",
              "bn_momentum": 0.99, "groups": "none", "recolour": 0.0, "tint": 0.0,
              "flip_average": False, "backbone": "smallervggnet", "head": "flatten",
              "weights": "none", "loss": "bce"}
    assert {key: getattr(args, key) for key in recipe} == recipe
    assert flags.recipe_values(train.build_parser()) == recipe  # and it sets nothing else
    without = train.parse_args(given)
    assert (without.split, without.groups, without.tint, without.backbone, without.weights) \
        == ("random", "auto", 0.3, "mobilenetv3small", "imagenet")

"""Every numeric flag of every script is range-checked by argparse: a bad value ends in one
usage line and one error line (exit 2) before anything runs, never a traceback later."""

import argparse

import pytest

import audit
import classify
import evaluate
import train

SCRIPTS = {"train": train, "classify": classify, "evaluate": evaluate, "audit": audit}
# What each script needs besides the flag under test to get past argparse.
REQUIRED = {"train": [], "classify": ["--image", "x.jpg"], "evaluate": ["--dataset", "d"],
            "audit": []}

# (script, flag, bad values): every numeric flag, each with values just outside its range.
BAD = [
    ("train", "--epochs", ["0", "-1", "1.5", "many", "100001", "99999999999999999999"]),
    ("train", "--batch-size", ["0", "-4", "65537"]),
    ("train", "--learning-rate", ["0", "-0.1", "nan", "inf", "10.5", "1e308"]),
    ("train", "--image-size", ["11", "0", "1025", "100000"]),
    ("train", "--validation-split", ["0", "1", "1.5", "-0.2", "nan"]),
    ("train", "--seed", ["-1", str(2 ** 32)]),
    ("train", "--rotation", ["-1", "181", "inf"]),
    ("train", "--shift", ["-0.1", "1.5"]),
    ("train", "--shear", ["-1", "90"]),
    ("train", "--zoom", ["-0.1", "1"]),
    ("train", "--patience", ["0", "-2", str(2 ** 31)]),
    ("train", "--bn-momentum", ["1", "-0.1"]),
    ("train", "--workers", ["0", "-1", "257"]),
    ("train", "--cluster-timeout", ["0", "86401"]),
    ("train", "--recolour", ["-0.1", "1.5", "nan"]),
    ("train", "--tint", ["-1", "2"]),
    ("train", "--groups", ["colour=", "colour=red;colour=blue"]),
    ("classify", "--threshold", ["-0.1", "1.1", "nan"]),
    ("classify", "--top-k", ["0", "-1"]),
    ("classify", "--batch-size", ["0", "-1"]),
    ("classify", "--workers", ["0", "-3"]),
    ("evaluate", "--threshold", ["-0.1", "2"]),
    ("evaluate", "--top-k", ["0", "-1"]),
    ("evaluate", "--workers", ["0", "-1"]),
    ("audit", "--groups", ["=red,blue"]),
    ("audit", "--validation-split", ["0", "1"]),
    ("audit", "--seed", ["-1"]),
    ("audit", "--workers", ["0", "-1"]),
    ("audit", "--folds", ["1", "0"]),
    ("audit", "--epochs", ["0", "99999999999999999999"]),
    ("audit", "--image-size", ["11"]),
    ("audit", "--top", ["0"]),
    ("audit", "--repeats", ["0"]),
]
CASES = [(script, flag, value) for script, flag, values in BAD for value in values]


@pytest.mark.parametrize("script, flag, value", CASES)
def test_numeric_flag_out_of_range_is_one_line(script, flag, value, capsys):
    with pytest.raises(SystemExit) as stopped:
        SCRIPTS[script].parse_args(REQUIRED[script] + [flag, value])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and flag in errors[0], err
    assert err.splitlines()[-1] == errors[0]  # the usage first, the one error line last


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_numeric_flag_is_covered(script):
    """A flag added later with a type but no range check is caught here."""
    parser = SCRIPTS[script].build_parser()
    typed = {action.option_strings[-1] for action in parser._actions
             if action.type is not None and not isinstance(action, argparse._HelpAction)}
    assert typed == {flag for name, flag, _ in BAD if name == script}


@pytest.mark.parametrize("script, argv", [
    ("train", ["--epochs", "1", "--batch-size", "1", "--learning-rate", "0.5",
               "--image-size", "12", "--validation-split", "0.5", "--seed", "0",
               "--rotation", "0", "--shift", "0", "--shear", "0", "--zoom", "0",
               "--patience", "1", "--bn-momentum", "0", "--workers", "1"]),
    ("classify", ["--threshold", "0", "--batch-size", "1", "--workers", "1"]),
    ("classify", ["--threshold", "1"]),
    ("classify", ["--top-k", "1"]),
    ("evaluate", ["--top-k", "1", "--workers", "1"]),
    ("audit", ["--validation-split", "0.1", "--seed", "0", "--workers", "1"]),
])
def test_values_at_the_edges_are_accepted(script, argv):
    args = SCRIPTS[script].parse_args(REQUIRED[script] + argv)
    for flag, value in zip(argv[::2], argv[1::2]):
        assert getattr(args, flag[2:].replace("-", "_")) == float(value)

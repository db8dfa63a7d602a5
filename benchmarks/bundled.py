"""The defaults on the bundled dataset: one training run, its scores, and the seven examples.

Usage:
    python benchmarks/bundled.py                       # about 3 minutes on 2 cores
    python benchmarks/bundled.py --output /tmp/bundled --epochs 5
    python benchmarks/bundled.py --extra --groups none   # the recipe's network

Trains `python train.py` with its defaults on dataset/ (900 generated images, 180 held out,
stratified) into --output, then prints the wall time, the kept epoch, the headline scores
on the validation images (the thresholds are tuned on those same images, so these lean
optimistic) and what the model says of each of examples/example_01.jpg ... example_07.jpg,
the last a black dress: a combination absent from dataset/.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import time

import root_scripts
from pyimagesearch import runfiles

ROOT = root_scripts.ROOT
classify, train = root_scripts.load("classify"), root_scripts.load("train")

HEADLINE = ("exact_match", "exact_match_top2", "binary_accuracy", "macro_f1", "macro_map")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "dataset"))
    parser.add_argument("--examples", default=os.path.join(ROOT, "examples"))
    parser.add_argument("--output", default=os.path.join(ROOT, "output", "benchmark-bundled"))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                        help="further train.py flags, e.g. --extra --groups none")
    return parser.parse_args(argv)


def train_once(args):
    """Train with the defaults; (seconds, the model's description)."""
    started = time.perf_counter()
    code = train.main(["--dataset", args.dataset, "--output", args.output, "--quiet",
                       "--epochs", str(args.epochs), *args.extra])
    seconds = time.perf_counter() - started
    if code:
        sys.exit(f"error: training failed with exit code {code}")
    described = runfiles.RunFiles(os.path.join(args.output, "fashion.keras")).description
    with open(described, encoding="utf-8") as handle:
        return seconds, json.load(handle)


def classify_examples(args):
    """classify.py's JSON answer for every example, in file order."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        classify.main(["--model", os.path.join(args.output, "fashion.keras"),
                       "--labelbin", os.path.join(args.output, "mlb.pickle"),
                       "--image", args.examples, "--json", "--no-annotate"])
    return [json.loads(line) for line in printed.getvalue().splitlines() if line.startswith("{")]


def main(argv=None):
    args = parse_args(argv)
    seconds, description = train_once(args)
    evaluation, settings = description["evaluation"], description["settings"]
    print(f"python train.py on {args.dataset}: {description['images']} images, "
          f"{evaluation['images']} validated, {settings['precision']}, {seconds:.0f} s, "
          f"kept epoch {description['best_epoch']} of {args.epochs}")
    for name in HEADLINE:
        print(f"  {name:<18} {evaluation[name]:.3f}")
    for result in classify_examples(args):
        ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])[:3]
        shown = ", ".join(f"{name} {probability:.0%}" for name, probability in ranked)
        print(f"  {os.path.basename(result['path'])}: {', '.join(result['labels']) or 'none'} "
              f"({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

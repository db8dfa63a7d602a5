"""The 2018 recipe against the project's defaults on any multi-label manifest, end to end.

Usage:
    python benchmarks/generic.py                           # ../shared/data/ucm-multilabel, seed 42
    python benchmarks/generic.py --seeds 42 43 44 --epochs 30
    python benchmarks/generic.py --manifest labels.csv --dataset images_root/
    python benchmarks/generic.py --config recipe=--recipe --config big="--image-size 128"

The manifest's images are split 80/20 once per seed, stratified by label set (every label
combination in the same proportion on both sides; a combination seen once trains), and
every held-out image with a byte-identical copy on the training side is dropped. Each
configuration is a set of train.py flags: it trains with `train.py` on the training
side's manifest (which carves its own validation split out of it, as a user's run does)
and is scored with `evaluate.py` on the held-out manifest, both in this process, so the
figures are those a user gets from the two commands. Prints, per configuration, mean ± sd
over seeds of exact match, macro mAP and training seconds per epoch and in all, then per-label
average precision, then each configuration against the first as differences and a ratio of
training time. The JSON (--json) keeps every run's figures and the held-out files.
"""

import argparse
import csv
import json
import os
import shlex
import sys
import tempfile

import numpy as np

from pyimagesearch import cli, files, labels, manifest, runfiles, splits
from pyimagesearch import dataset as data

UCM = os.path.join("..", "shared", "data", "ucm-multilabel")
CONFIGS = ("recipe=--recipe", "defaults=")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", default=os.path.join(UCM, "labels.csv"))
    parser.add_argument("--dataset", help="image root of the manifest (default: its folder)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--epochs", type=int, default=30, help="passed to every configuration")
    parser.add_argument("--config", action="append", metavar="NAME=FLAGS",
                        help="a configuration: a name and the train.py flags it adds "
                             f"(default: {' and '.join(CONFIGS)})")
    parser.add_argument("--work", help="folder for models and manifests (default: temporary)")
    parser.add_argument("--json", default=os.path.join("output", "benchmark-generic.json"))
    args = parser.parse_args(argv)
    args.configs = dict(_config(text) for text in (args.config or CONFIGS))
    return args


def _config(text):
    name, _, flags = text.partition("=")
    return name, shlex.split(flags)


def benchmark(args):
    root = args.dataset or os.path.dirname(os.path.abspath(args.manifest))
    entries, _ = manifest.read_manifest(args.manifest, root)
    paths, label_sets = [path for path, _ in entries], [sorted(tags) for _, tags in entries]
    hashes = [data.file_digest(path) for path in paths]
    _, targets = labels.binarize(label_sets)
    print(f"{len(paths)} images, {targets.shape[1]} labels, "
          f"{targets.sum(axis=1).mean():.2f} per image, from {args.manifest}", flush=True)
    results = {name: [] for name in args.configs}
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        for seed in args.seeds:
            train_side, held_out, dropped = held_out_split(targets, hashes, seed)
            print(f"seed {seed}: training on {len(train_side)}, scoring {len(held_out)} "
                  f"({len(dropped)} copies of training images dropped)", flush=True)
            sides = {side: write_manifest(os.path.join(work, f"{side}-{seed}.csv"),
                                          [paths[i] for i in index], [label_sets[i] for i in index])
                     for side, index in (("train", train_side), ("test", held_out))}
            for name, flags in args.configs.items():
                run = run_once(os.path.join(work, f"{name}-{seed}"), sides, flags, seed,
                               args.epochs)
                results[name].append(run)
                print(f"  {name}: exact match {run['exact_match']:.3f}, macro mAP "
                      f"{run['macro_map']:.3f}, {run['seconds_per_epoch']:.1f} s per epoch",
                      flush=True)
    print(summarise(results, args.epochs, args.seeds))
    write_json(args.json, {"manifest": args.manifest, "epochs": args.epochs,
                           "configs": {name: shlex.join(flags) for name, flags in args.configs.items()},
                           "results": results})
    return 0


def held_out_split(targets, hashes, seed):
    """(training side, held-out indices, dropped indices): 80/20 stratified by label set,
    less the held-out images whose exact copy is on the training side."""
    train_side, held_out = splits.split(targets, hashes, 0.2, seed, method="stratified")
    trained = {hashes[i] for i in train_side}
    copied = np.array([hashes[i] in trained for i in held_out], dtype=bool)
    return np.sort(train_side), np.sort(held_out[~copied]), np.sort(held_out[copied])


def write_manifest(path, image_paths, label_sets):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "labels"])
        writer.writerows([os.path.abspath(p), " ".join(labels)] for p, labels in zip(image_paths, label_sets))
    return path


def run_once(folder, sides, flags, seed, epochs):
    """Train one configuration with train.py, score it with evaluate.py; its figures."""
    import keras

    import root_scripts

    evaluate, train = root_scripts.load("evaluate"), root_scripts.load("train")

    model = os.path.join(folder, "model.keras")
    common = ["--manifest", sides["train"], "--output", folder, "--model", model,
              "--seed", str(seed), "--epochs", str(epochs), "--quiet", "--no-report",
              "--export", "none"]
    with _silenced():
        code = train.main(common + flags)
        keras.backend.clear_session()
        report_path = os.path.join(folder, "evaluation.json")
        code = code or evaluate.main(["--model", model, "--labelbin", os.path.join(folder, "mlb.pickle"),
                                      "--manifest", sides["test"],
                                      "--report", report_path, "--no-html", "--backend", "keras"])
    if code:
        raise SystemExit(f"error: {shlex.join(flags)} failed with exit code {code}")
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    epochs_run = _epoch_seconds(runfiles.RunFiles(model).run_log)
    keras.backend.clear_session()
    return {"seed": seed, "exact_match": report["exact_match"], "macro_map": report["macro_map"],
            "macro_f1": report["macro_f1"],
            "per_label_ap": {name: values["average_precision"]
                             for name, values in report["per_label"].items()},
            "seconds_per_epoch": float(np.median(epochs_run)), "train_seconds": float(sum(epochs_run)),
            "scored": report["images"]}


def _epoch_seconds(results_csv):
    with open(results_csv, encoding="utf-8") as handle:
        return [float(row["epoch_seconds"]) for row in csv.DictReader(handle)]


class _silenced:
    """Training and evaluation print a page each; the benchmark prints one line per run."""

    def __enter__(self):
        self.saved, sys.stdout = sys.stdout, open(os.devnull, "w")

    def __exit__(self, *exc):
        sys.stdout.close()
        sys.stdout = self.saved


def summarise(results, epochs, seeds):
    first = next(iter(results))
    lines = [f"{epochs} epochs, seeds {seeds}; mean ± sd over seeds",
             f"{'configuration':<14}{'exact match':>16}{'macro mAP':>16}{'s/epoch':>12}{'train s':>12}"]
    for name, runs in results.items():
        lines.append(f"{name:<14}" + "".join(
            f"{_mean_sd(runs, key, digits):>{width}}" for key, digits, width in
            (("exact_match", 3, 16), ("macro_map", 3, 16), ("seconds_per_epoch", 1, 12),
             ("train_seconds", 0, 12))))
    names = list(results[first][0]["per_label_ap"])
    lines.append("per-label average precision (mean over seeds)")
    lines.append(f"{'label':<14}" + "".join(f"{name:>12}" for name in results))
    for label in names:
        lines.append(f"{label:<14}" + "".join(
            f"{np.mean([_number(run['per_label_ap'][label]) for run in runs]):>12.3f}"
            for runs in results.values()))
    for name, runs in list(results.items())[1:]:
        lines.append(f"{name} against {first}: exact match "
                     f"{_difference(runs, results[first], 'exact_match'):+.3f}, macro mAP "
                     f"{_difference(runs, results[first], 'macro_map'):+.3f}, time per epoch "
                     f"{_ratio(runs, results[first]):.2f}x")
    return "\n".join(lines)


def _mean_sd(runs, key, digits):
    values = np.array([run[key] for run in runs], dtype=float)
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {spread:.{digits}f}"


def _difference(runs, baseline, key):
    return np.mean([run[key] for run in runs]) - np.mean([run[key] for run in baseline])


def _ratio(runs, baseline):
    return np.mean([run["seconds_per_epoch"] for run in runs]) / np.mean(
        [run["seconds_per_epoch"] for run in baseline])


def _number(value):
    return np.nan if value is None else value


def write_json(path, report):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with files.atomic_write(path) as handle:
        handle.write(json.dumps(report, indent=2).encode("utf-8"))


def main(argv=None):
    return cli.run(benchmark, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

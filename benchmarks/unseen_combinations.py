"""Leave one label combination out: can a model name a combination it never saw?

Usage:
    python benchmarks/unseen_combinations.py                      # ../shared/data/fashion
    python benchmarks/unseen_combinations.py --dataset /tmp/catalogue --epochs 15 --image-size 64
    python benchmarks/unseen_combinations.py --designs none auto --folds red_shirt blue_dress
    python benchmarks/unseen_combinations.py --dataset catalogue --unseen catalogue_absent

With --unseen, no folder is left out: each design trains once on all of --dataset and is
scored on each label folder of --unseen, combinations the dataset lacks (the generated
catalogue's absent pairs: `python tools/synthetic.py --catalogue catalogue
--catalogue-absent catalogue_absent`).

For every label folder whose labels all appear in other folders (on the recipe's six folders:
all but black_jeans, whose "black" appears nowhere else), train without that folder and
score exact match (every label of an image right) on its images. Each design is trained by
`python train.py` itself (on a folder of links to the other label folders, so nothing is
copied) and scored by `python evaluate.py` on the left-out folder, so the figures are what a
user gets. Designs are values of train.py's --groups: `none` is the recipe's network (one
sigmoid per label on one trunk), `auto` the project's default. Prints a table and writes JSON.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time

import root_scripts
from pyimagesearch import files, labels

ROOT = root_scripts.ROOT
evaluate, train = root_scripts.load("evaluate"), root_scripts.load("train")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "..", "shared", "data", "fashion"))
    parser.add_argument("--designs", nargs="+", default=["none", "auto"],
                        help="train.py --groups values to compare (default: none auto)")
    parser.add_argument("--folds", nargs="+", help="only these left-out folders")
    parser.add_argument("--unseen", help="score on these label folders, absent from --dataset, "
                        "instead of leaving folders out")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                        help="further train.py flags, e.g. --extra --no-flip")
    parser.add_argument("--json", default=os.path.join(ROOT, "output", "benchmark-unseen.json"))
    return parser.parse_args(argv)


def label_folders(root):
    """{folder name: labels} of the label folders directly under `root`."""
    return {name: labels.from_folder_name(name) for name in sorted(os.listdir(root))
            if os.path.isdir(os.path.join(root, name)) and not name.startswith(".")}


def folds(folders):
    """The folders whose every label appears in some other folder: those a model could
    name without having seen them together."""
    return [name for name, own in folders.items()
            if all(any(label in other for key, other in folders.items() if key != name)
                   for label in own)]


def linked_tree(root, names, work):
    """A folder of links to `names` under `root`: a dataset of just those label folders."""
    os.makedirs(work)
    for name in names:
        os.symlink(os.path.abspath(os.path.join(root, name)), os.path.join(work, name))
    return work


def run_fold(args, design, left_out, folders, work):
    """Train without `left_out`, score on it; (exact match, train seconds, images scored)."""
    keep = [name for name in folders if name != left_out]
    training_set = linked_tree(args.dataset, keep, os.path.join(work, "train"))
    output = os.path.join(work, "output")
    seconds = train_design(args, design, training_set, output)
    scored_set = linked_tree(args.dataset, [left_out], os.path.join(work, "scored"))
    return {**score(output, scored_set, os.path.join(work, "scored.json")),
            "train_seconds": seconds}


def train_design(args, design, training_set, output):
    """Train one design with train.py; its wall time in seconds."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = train.main(["--dataset", training_set, "--output", output, "--quiet",
                           "--epochs", str(args.epochs), "--image-size", str(args.image_size),
                           "--seed", str(args.seed), "--groups", design, *args.extra])
    seconds = time.perf_counter() - started
    if code:
        sys.exit(f"error: training {design} on {training_set} failed (exit {code})")
    return seconds


def score(output, scored_set, report_path):
    """evaluate.py's exact match for the model in `output` on the folders of `scored_set`."""
    with contextlib.redirect_stdout(io.StringIO()):
        code = evaluate.main(["--dataset", scored_set, "--model",
                              os.path.join(output, "fashion.keras"), "--labelbin",
                              os.path.join(output, "mlb.pickle"), "--report", report_path])
    if code:
        sys.exit(f"error: scoring {output} on {scored_set} failed (exit {code})")
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    return {"exact_match": report["exact_match"], "images": report["images"],
            "worst": report["worst"][:3]}


def run_unseen(args, design, folders, work):
    """Train on all of --dataset, score each folder of --unseen: {folder: result}."""
    output = os.path.join(work, "output")
    seconds = train_design(args, design, linked_tree(args.dataset, list(folders),
                                                     os.path.join(work, "train")), output)
    results = {}
    for name in label_folders(args.unseen):
        scored_set = linked_tree(args.unseen, [name], os.path.join(work, f"scored-{name}"))
        results[name] = {**score(output, scored_set, os.path.join(work, f"{name}.json")),
                         "train_seconds": seconds}
    return results


def table(results, designs, heading="left out"):
    lines = [f"{heading:<16}" + "".join(f"{design:>22}" for design in designs)]
    for fold, by_design in results.items():
        lines.append(f"{fold:<16}" + "".join(
            f"{by_design[d]['exact_match']:>12.3f} ({by_design[d]['train_seconds']:4.0f} s)"
            for d in designs))
    means = [sum(results[f][d]["exact_match"] for f in results) / len(results) for d in designs]
    lowest = [min(results[f][d]["exact_match"] for f in results) for d in designs]
    lines.append(f"{'mean':<16}" + "".join(f"{value:>22.3f}" for value in means))
    lines.append(f"{'lowest':<16}" + "".join(f"{value:>22.3f}" for value in lowest))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    folders = label_folders(args.dataset)
    results = unseen_folders(args, folders) if args.unseen else leave_one_out(args, folders)
    print(table(results, args.designs, "unseen pair" if args.unseen else "left out"))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with files.atomic_write(args.json) as handle:
        handle.write(json.dumps({"dataset": args.dataset, "unseen": args.unseen,
                                 "epochs": args.epochs, "image_size": args.image_size,
                                 "seed": args.seed, "extra": args.extra, "results": results},
                                indent=2).encode())
    return 0


def unseen_folders(args, folders):
    print(f"{args.dataset}: {len(folders)} label folders; scored on the folders of "
          f"{args.unseen}; {args.epochs} epochs at {args.image_size} px, seed {args.seed}",
          flush=True)
    results = {}
    for design in args.designs:
        with tempfile.TemporaryDirectory() as work:
            for name, run in run_unseen(args, design, folders, work).items():
                results.setdefault(name, {})[design] = run
                print(f"  {name}, --groups {design}: exact match {run['exact_match']:.3f} on "
                      f"{run['images']} images", flush=True)
    return results


def leave_one_out(args, folders):
    chosen = [name for name in folds(folders) if not args.folds or name in args.folds]
    print(f"{args.dataset}: {len(folders)} label folders; left out in turn: {', '.join(chosen)}; "
          f"{args.epochs} epochs at {args.image_size} px, seed {args.seed}", flush=True)
    results = {}
    for left_out in chosen:
        results[left_out] = {}
        for design in args.designs:
            with tempfile.TemporaryDirectory() as work:
                run = run_fold(args, design, left_out, folders, work)
            results[left_out][design] = run
            print(f"  without {left_out}, --groups {design}: exact match {run['exact_match']:.3f} "
                  f"on {run['images']} images, trained in {run['train_seconds']:.0f} s", flush=True)
    return results


if __name__ == "__main__":
    sys.exit(main())

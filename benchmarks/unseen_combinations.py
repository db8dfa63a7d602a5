"""Leave one label combination out: can a model name a combination it never saw?

Usage:
    python benchmarks/unseen_combinations.py                      # ../shared/data/fashion
    python benchmarks/unseen_combinations.py --dataset /tmp/catalogue --epochs 15 --image-size 64
    python benchmarks/unseen_combinations.py --designs none auto --folds red_shirt blue_dress

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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import evaluate  # noqa: E402
import train  # noqa: E402
from pyimagesearch import files, labels  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "..", "shared", "data", "fashion"))
    parser.add_argument("--designs", nargs="+", default=["none", "auto"],
                        help="train.py --groups values to compare (default: none auto)")
    parser.add_argument("--folds", nargs="+", help="only these left-out folders")
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
    scored_set = linked_tree(args.dataset, [left_out], os.path.join(work, "scored"))
    output = os.path.join(work, "output")
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = train.main(["--dataset", training_set, "--output", output, "--quiet",
                           "--epochs", str(args.epochs), "--image-size", str(args.image_size),
                           "--seed", str(args.seed), "--groups", design, *args.extra])
    seconds = time.perf_counter() - started
    if code:
        sys.exit(f"error: training {design} without {left_out} failed (exit {code})")
    report_path = os.path.join(work, "scored.json")
    with contextlib.redirect_stdout(io.StringIO()):
        code = evaluate.main(["--dataset", scored_set, "--model",
                              os.path.join(output, "fashion.keras"), "--labelbin",
                              os.path.join(output, "mlb.pickle"), "--report", report_path])
    if code:
        sys.exit(f"error: scoring {design} on {left_out} failed (exit {code})")
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    return {"exact_match": report["exact_match"], "train_seconds": seconds,
            "images": report["images"], "worst": report["worst"][:3]}


def table(results, designs):
    lines = [f"{'left out':<16}" + "".join(f"{design:>22}" for design in designs)]
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
    print(table(results, args.designs))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with files.atomic_write(args.json) as handle:
        handle.write(json.dumps({"dataset": args.dataset, "epochs": args.epochs,
                                 "image_size": args.image_size, "seed": args.seed,
                                 "extra": args.extra, "results": results}, indent=2).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How many deliberately wrong labels does `audit.py --label-errors` find?

Usage:
    python benchmarks/label_errors.py                     # both sets, the finder's defaults
    python benchmarks/label_errors.py --sets fashion --epochs 12 --image-size 96

Copies ../shared/data/fashion (label folders) and ../shared/data/ucm-multilabel (labels.csv
manifest + images/) to a temporary folder, never into the project, and gives 40 random photos
of each a wrong label: a fashion photo moves to another label folder, chosen at random; a ucm
row takes the label set of another photo, chosen at random among the rows whose set differs
(the mistake of a labeller who typed the previous photo's tags). It then runs the finder
(pyimagesearch/label_errors.py, as audit.py does) on the copy and prints, for the flipped
photos, recall in the top 80 suspects and precision in the top 40, and the time taken. The
same out-of-fold probabilities are also ranked by cleanlab's other scoring methods, which costs
no training, to compare them. The copies are deleted afterwards.
"""

import argparse
import csv
import json
import os
import shutil
import tempfile
import time

import numpy as np

from pyimagesearch import cli, groups, label_errors, labels
from pyimagesearch import dataset as data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SHARED = os.path.join(ROOT, "..", "shared", "data")
METHODS = (  # (name, cleanlab options): the default first
    ("self_confidence", {}),
    ("normalized_margin", {"method": "normalized_margin"}),
    ("confidence_weighted_entropy", {"method": "confidence_weighted_entropy"}),
    ("self_confidence, softmin", {"aggregator_kwargs": {"method": "softmin"}}),
    ("self_confidence, adjusted", {"adjust_pred_probs": True}),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--sets", nargs="+", choices=("fashion", "ucm"), default=["fashion", "ucm"])
    add("--flips", type=int, default=40, help="photos given a wrong label (default: 40)")
    add("--seed", type=int, default=0, help="which photos are flipped (default: 0)")
    add("--folds", type=int, default=label_errors.Settings.folds)
    add("--repeats", type=int, default=label_errors.Settings.repeats)
    add("--epochs", type=int, default=label_errors.Settings.epochs)
    add("--image-size", type=int, default=label_errors.Settings.image_size)
    add("--save", help="folder to save each set's out-of-fold probabilities in (NPZ)")
    add("--json", default=os.path.join(ROOT, "output", "benchmark-label-errors.json"))
    return parser.parse_args(argv)


def flip_fashion(source, copy, count, rng):
    """Copy the label folders, then move `count` random photos to another folder; the moved
    photos' new paths."""
    shutil.copytree(source, copy)
    folders = sorted(name for name in os.listdir(copy) if os.path.isdir(os.path.join(copy, name)))
    photos = sorted(os.path.relpath(path, copy) for path in data.find_images(copy))
    flipped = []
    for photo in rng.choice(photos, count, replace=False):
        folder = os.path.dirname(photo)
        target = rng.choice([name for name in folders if name != folder])
        name = f"flipped-{os.path.basename(photo)}"  # two folders may hold the same file name
        os.rename(os.path.join(copy, photo), os.path.join(copy, target, name))
        flipped.append(os.path.join(copy, target, name))
    return {"dataset": copy, "manifest": None}, flipped


def flip_ucm(source, copy, count, rng):
    """Copy the images and the manifest; `count` random rows take another row's different
    label set. The flipped photos' paths as the finder sees them."""
    shutil.copytree(source, copy)
    manifest = os.path.join(copy, "labels.csv")
    with open(manifest, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    original = [row["labels"] for row in rows]
    flipped = []
    for index in rng.choice(len(rows), count, replace=False):
        others = [text for text in original if set(text.split()) != set(original[index].split())]
        rows[index]["labels"] = str(rng.choice(others))
        flipped.append(os.path.join(copy, rows[index]["path"]))
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "labels"])
        writer.writeheader()
        writer.writerows(rows)
    return {"dataset": copy, "manifest": manifest}, flipped


def run_finder(source, settings, scratch):
    """The finder as audit.py --label-errors runs it: (Found, seconds from loading to ranking)."""
    start = time.perf_counter()
    dataset, _ = data.load_training_data(source["dataset"], source["manifest"], None,
                                         (settings.image_size,) * 2, progress=cli.progress_bar,
                                         cache_dir=os.path.join(scratch, "cache"))
    binarizer, _ = labels.binarize(dataset.labels)
    design = groups.resolve(groups.AUTO, list(binarizer.classes_), dataset.paths,
                            dataset.labels, from_folders=source["manifest"] is None)
    print(label_errors.describe_plan(len(dataset.paths), list(binarizer.classes_), design,
                                     settings), flush=True)
    found = label_errors.find(dataset, design, settings, cli.progress_bar)
    return found, time.perf_counter() - start


def scores(found, flipped):
    """{method: (recall in the top 80, precision in the top 40)} of the flipped photos."""
    wanted = {os.path.realpath(path) for path in flipped}
    is_flipped = np.array([os.path.realpath(path) in wanted for path in found.paths])
    assert is_flipped.sum() == len(flipped), "every flipped photo is among the images"
    results = {}
    for name, options in METHODS:
        order = np.argsort(label_errors.quality_scores(found.given, found.probabilities,
                                                       **options), kind="stable")
        results[name] = (is_flipped[order[:80]].sum() / len(flipped),
                         is_flipped[order[:40]].sum() / 40)
    return results


def mean_average_precision(found):
    """The out-of-fold probabilities' macro average precision against the given labels: how
    well the short trainings learnt, whatever the ranking does with them."""
    from sklearn import metrics

    present = found.given.any(axis=0) & ~found.given.all(axis=0)
    return float(metrics.average_precision_score(found.given[:, present],
                                                 found.probabilities[:, present],
                                                 average="macro"))


def main(argv=None):
    args = parse_args(argv)
    settings = label_errors.Settings(folds=args.folds, repeats=args.repeats,
                                     epochs=args.epochs, image_size=args.image_size)
    flippers = {"fashion": (flip_fashion, "fashion"), "ucm": (flip_ucm, "ucm-multilabel")}
    report = {"settings": vars(args)}
    scratch = tempfile.mkdtemp(prefix="label-errors-bench-")
    try:
        for name in args.sets:
            flip, folder = flippers[name]
            rng = np.random.default_rng(args.seed)
            source, flipped = flip(os.path.join(SHARED, folder), os.path.join(scratch, name),
                                   args.flips, rng)
            found, seconds = run_finder(source, settings, scratch)
            results = scores(found, flipped)
            if args.save:  # the out-of-fold probabilities, to try other rankings without training
                np.savez(os.path.join(args.save, f"{name}.npz"), given=found.given,
                         probabilities=found.probabilities, paths=np.array(found.paths),
                         flipped=np.array([os.path.realpath(path) for path in flipped]))
            report[name] = {"seconds": seconds, "images": len(found.paths),
                            "map": mean_average_precision(found),
                            "methods": {method: {"recall@80": recall, "precision@40": precision}
                                        for method, (recall, precision) in results.items()}}
            print(f"\n{name}: {len(found.paths)} images, {len(flipped)} flipped, "
                  f"{seconds / 60:.1f} min; out-of-fold mAP against the given labels "
                  f"{report[name]['map']:.3f}")
            for method, (recall, precision) in results.items():
                print(f"  {method:30s} recall@80 {recall:.3f}  precision@40 {precision:.3f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    print(f"saved {args.json}")


if __name__ == "__main__":
    main()

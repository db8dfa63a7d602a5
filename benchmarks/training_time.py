"""Training time of the grouped network against the recipe's single network, interleaved.

Usage:
    python benchmarks/training_time.py                    # dataset/, 96 px, 6 epochs each
    python benchmarks/training_time.py --dataset ../shared/data/fashion --epochs 4

Builds both networks as train.py does by default (`--groups auto`: a branch per label
group, recolouring and tinting in the input pipeline; and `--groups none`: one sigmoid per
label on one network, no recolouring) and trains them one epoch at a time in turn, A B A B,
in one process, so that whatever else the machine does slows both alike. The first epoch of
each (tracing, warm-up) is not counted. Prints the median seconds per epoch of each and
their ratio, and writes them as JSON.
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from pyimagesearch import artifacts, cli, defaults, groups, labels  # noqa: E402
from pyimagesearch import dataset as data  # noqa: E402

DESIGNS = ("none", "auto")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "dataset"))
    parser.add_argument("--epochs", type=int, default=6, help="timed epochs of each, plus one")
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--json", default=os.path.join(ROOT, "output", "benchmark-training-time.json"))
    return parser.parse_args(argv)


def benchmark(args):
    from pyimagesearch import augment, recolour, training

    size = (args.image_size, args.image_size)
    dataset = data.load_dataset(args.dataset, size, progress=False)
    binarizer, targets = labels.binarize(dataset.labels)
    names = [str(name) for name in binarizer.classes_]
    runs = {}
    for design in DESIGNS:
        model_groups = groups.resolve(design, names, dataset.paths, dataset.labels)
        model = training.new_model(
            size, names, model_groups, training.choose_precision("auto"), defaults.BN_MOMENTUM,
            (1e-3, args.epochs + 1, "cosine", training.steps_per_epoch(len(targets), 32)))
        runs[design] = {"model": model, "seconds": [], "recolouring": recolour.for_groups(
            names, model_groups, defaults.RECOLOUR, defaults.TINT)}
    validation = (dataset.images[:64], targets[:64])
    for epoch in range(args.epochs + 1):
        for design in DESIGNS:
            run = runs[design]
            started = time.perf_counter()
            training.fit(run["model"], (dataset.images, targets), validation, epoch + 1, 32,
                         augment.Augmentation(), 42, verbose=0, initial_epoch=epoch,
                         recolouring=run["recolouring"])
            run["seconds"].append(time.perf_counter() - started)
    result = summarise({design: run["seconds"] for design, run in runs.items()})
    result.update(dataset=os.path.abspath(args.dataset), images=len(dataset.paths),
                  image_size=args.image_size, machine={"cpus": os.cpu_count()})
    print(f"{len(dataset.paths)} images from {args.dataset} at {args.image_size} px, "
          f"{args.epochs} timed epochs each, interleaved")
    for design in DESIGNS:
        print(f"--groups {design:<5} {result[design]['median_seconds']:6.2f} s per epoch")
    print(f"grouped / single: {result['ratio']:.2f}x")
    artifacts.write_json(args.json, result)
    return 0


def summarise(seconds):
    """{design: {seconds, median_seconds}, ratio}: the first epoch of each left out."""
    result = {design: {"seconds": [round(s, 3) for s in values],
                       "median_seconds": statistics.median(values[1:])}
              for design, values in seconds.items()}
    result["ratio"] = result["auto"]["median_seconds"] / result["none"]["median_seconds"]
    return result


def main(argv=None):
    return cli.run(benchmark, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

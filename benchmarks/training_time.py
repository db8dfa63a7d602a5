"""Training time of the grouped network against the recipe's single network, interleaved.

Usage:
    python benchmarks/training_time.py                    # dataset/, 96 px, about 2 minutes
    python benchmarks/training_time.py --dataset ../shared/data/fashion --rounds 2

Builds both networks as train.py does by default (`--groups auto`: a branch per label
group, recolouring and tinting in the input pipeline; and `--groups none`: one sigmoid per
label on one network, no recolouring) and trains them in turn, A B A B, --rounds times
--epochs epochs each, in one process, so that whatever else the machine does slows both
alike. Each epoch is timed from its start to its end, validation included; the first epoch
of each turn (tracing, a new input pipeline) is not counted. Prints the median seconds per
epoch of each and their ratio, and writes them as JSON.
"""

import argparse
import os
import statistics
import sys
import time

from pyimagesearch import artifacts, cli, defaults, groups, labels
from pyimagesearch import dataset as data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DESIGNS = ("none", "auto")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "dataset"))
    parser.add_argument("--epochs", type=int, default=3, help="epochs per turn, the first not timed")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each network")
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--json", default=os.path.join(ROOT, "output", "benchmark-training-time.json"))
    return parser.parse_args(argv)


def benchmark(args):
    from pyimagesearch import augment, models, recolour, training

    size = (args.image_size, args.image_size)
    dataset = data.load_dataset(args.dataset, size, progress=False)
    binarizer, targets = labels.binarize(dataset.labels)
    names = [str(name) for name in binarizer.classes_]
    runs = {}
    for design in DESIGNS:
        model_groups = groups.resolve(design, names, dataset.paths, dataset.labels)
        model = models.new_model(
            size, names, model_groups, models.choose_precision("auto"), defaults.BN_MOMENTUM,
            (1e-3, args.rounds * args.epochs, "cosine",
             training.steps_per_epoch(len(targets), 32)))
        runs[design] = {"model": model, "seconds": [], "recolouring": recolour.for_groups(
            names, model_groups, defaults.RECOLOUR, defaults.TINT)}
    validation = (dataset.images[:64], targets[:64])
    for turn in range(args.rounds):
        for design in DESIGNS:
            run = runs[design]
            timer = epoch_timer()
            training.fit(run["model"], (dataset.images, targets), validation,
                         (turn + 1) * args.epochs, 32, augment.Augmentation(), 42, verbose=0,
                         initial_epoch=turn * args.epochs, callbacks=[timer],
                         recolouring=run["recolouring"])
            run["seconds"].extend(timer.seconds[1:])
    result = summarise({design: run["seconds"] for design, run in runs.items()})
    result.update(dataset=os.path.abspath(args.dataset), images=len(dataset.paths),
                  image_size=args.image_size, machine={"cpus": os.cpu_count()})
    print(f"{len(dataset.paths)} images from {args.dataset} at {args.image_size} px, "
          f"{args.rounds} turns of {args.epochs} epochs each, interleaved")
    for design in DESIGNS:
        print(f"--groups {design:<5} {result[design]['median_seconds']:6.2f} s per epoch")
    print(f"grouped / single: {result['ratio']:.2f}x")
    artifacts.write_json(args.json, result)
    return 0


def epoch_timer():
    """A Keras callback that keeps each epoch's wall seconds (validation included) in
    `.seconds`."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self.started = [], None

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.started)

    return EpochTimer()


def summarise(seconds):
    """{design: {seconds, median_seconds}, ratio} of the timed epochs."""
    result = {design: {"seconds": [round(s, 3) for s in values],
                       "median_seconds": statistics.median(values)}
              for design, values in seconds.items()}
    result["ratio"] = result["auto"]["median_seconds"] / result["none"]["median_seconds"]
    return result


def main(argv=None):
    return cli.run(benchmark, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

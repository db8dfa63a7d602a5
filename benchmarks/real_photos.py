"""The recipe's settings against the project's defaults on real photos, same held-out images.

Usage:
    python benchmarks/real_photos.py                     # ../shared/data/fashion, 3 seeds, 30 epochs
    python benchmarks/real_photos.py --seeds 42 --epochs 2 --json results.json
    python benchmarks/real_photos.py --configs project   # only the project's defaults

Both configurations are evaluated on one held-out set: the recipe's random 20% split
(scikit-learn, random_state=42). The recipe trains on the other 80% with its decay, keeps the
last epoch and predicts the top two labels, with batch normalisation's momentum at Keras's
0.99. The project carves a stratified validation split
out of that 80% (for the best epoch and the per-label thresholds), trains with a cosine
schedule, keeps the best epoch by validation loss and predicts with tuned thresholds.
Prints mean ± sd over seeds of exact match, binary accuracy, macro F1 and macro mAP,
plus training time.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pyimagesearch import cli  # noqa: E402
from pyimagesearch import dataset as data  # noqa: E402
from pyimagesearch import splits  # noqa: E402

METRICS = ("exact_match", "binary_accuracy", "macro_f1", "macro_map")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join("..", "shared", "data", "fashion"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--configs", nargs="+", choices=("recipe", "project"),
                        default=["recipe", "project"])
    parser.add_argument("--json", default=os.path.join("output", "benchmark-real-photos.json"))
    return parser.parse_args(argv)


def run_once(config, dataset, targets, held_out, seed, epochs, size):
    """Train one configuration; its scores on the held-out images and its wall time."""
    from pyimagesearch import augment, evaluation, thresholds, training

    pool = np.setdiff1d(np.arange(len(targets)), held_out)
    if config == "recipe":
        train_index, validation_index = pool, held_out  # the recipe validates on its test split
    else:
        inner_train, inner_validation = splits.split(
            targets[pool], [dataset.hashes[i] for i in pool], 0.2, seed)
        train_index, validation_index = pool[inner_train], pool[inner_validation]
    policy = training.choose_precision("auto")
    model = training.build_model(size, targets.shape[1], policy=policy,
                                 bn_momentum=0.99 if config == "recipe" else training.BN_MOMENTUM)
    training.compile_model(model, 1e-3, epochs, "recipe" if config == "recipe" else "cosine",
                           training.steps_per_epoch(len(train_index), 32))
    callbacks = [] if config == "recipe" else [training.KeepBest("val_loss")]
    started = time.perf_counter()
    training.fit(model, (dataset.images[train_index], targets[train_index]),
                 (dataset.images[validation_index], targets[validation_index]), epochs, 32,
                 augment.Augmentation(), seed, verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - started
    test_probabilities = model.predict(dataset.images[held_out], verbose=0)
    if config == "recipe":
        decisions = evaluation.top_k_decisions(test_probabilities, 2)
    else:
        validation_probabilities = model.predict(dataset.images[validation_index], verbose=0)
        cuts = thresholds.tune_thresholds(targets[validation_index], validation_probabilities)
        decisions = thresholds.apply_thresholds(test_probabilities, cuts)
    report = evaluation.evaluate(targets[held_out], test_probabilities, decisions,
                                 [str(i) for i in range(targets.shape[1])])
    return {**{name: report[name] for name in METRICS}, "train_seconds": seconds,
            "best_epoch": callbacks[0].best_epoch if callbacks else epochs}


def summarise(results):
    lines = [f"{'configuration':<16}" + "".join(f"{name:>20}" for name in METRICS + ("train_seconds",))]
    for config, runs in results.items():
        cells = []
        for name in METRICS + ("train_seconds",):
            values = np.array([run[name] for run in runs])
            digits = 0 if name == "train_seconds" else 3
            cells.append(f"{values.mean():.{digits}f} ± {values.std(ddof=1) if len(values) > 1 else 0:.{digits}f}")
        lines.append(f"{config:<16}" + "".join(f"{cell:>20}" for cell in cells))
    if len(results) == 2:
        recipe, project = (np.mean([run["train_seconds"] for run in results[c]]) for c in results)
        lines.append(f"training time, project / recipe: {project / recipe:.2f}x")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    size = (args.image_size, args.image_size)
    dataset = data.load_dataset(args.dataset, size, progress=False)
    binarizer, targets = data.binarize(dataset.labels)
    _, held_out = splits.split(targets, dataset.hashes, 0.2, 42, method="random")
    cli.quiet_tensorflow()
    results = {config: [] for config in args.configs}
    for seed in args.seeds:
        for config in results:
            run = run_once(config, dataset, targets, held_out, seed, args.epochs, size)
            results[config].append({"seed": seed, **run})
            print(f"{config} seed {seed}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in run.items() if isinstance(v, float)), flush=True)
    print(f"{len(dataset.paths)} images from {args.dataset}, {len(held_out)} held out, "
          f"{args.epochs} epochs, seeds {args.seeds}")
    print(summarise(results))
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump({"labels": list(binarizer.classes_), "results": results}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

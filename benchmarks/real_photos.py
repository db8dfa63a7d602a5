"""The recipe's settings against the project's defaults on real photos, same held-out images.

Usage:
    python benchmarks/real_photos.py                     # ../shared/data/fashion, 3 seeds, 30 epochs
    python benchmarks/real_photos.py --seeds 42 --epochs 2 --json results.json
    python benchmarks/real_photos.py --configs project   # only the project's defaults

Both configurations are evaluated on one held-out set: the 2018 script's own 20%
(`splits.split(method="recipe")`: the files imutils lists, sorted, shuffled with
random.seed(42), train_test_split with random_state=42), less every image with a
byte-identical copy on the training side, which would be scored on what was trained on;
the count dropped is printed and recorded. Neither configuration trains on the dropped ones.
The recipe trains on the training side with its decay, keeps the last epoch and predicts
the top two labels, with batch normalisation's momentum at Keras's 0.99 (it monitors the
held-out loss, as it did in 2018, but chooses nothing by it). The project carves a stratified
validation split out of the training side (for the best epoch and any thresholds) and trains
as train.py does by default: label groups from the folder names (colour, item), one branch
per group, recolouring and background tinting, a cosine schedule, the best epoch by
validation loss, flip-averaged prediction, one label per exclusive group. Prints mean ± sd over seeds of exact match, binary accuracy, macro F1 and
macro mAP, plus training time; the JSON also lists the held-out files, the dropped ones and,
per run, the images scored and those its choices were tuned on.
"""

import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np

from pyimagesearch import backbones, cli, defaults, files, labels, splits
from pyimagesearch import dataset as data

METRICS = ("exact_match", "binary_accuracy", "macro_f1", "macro_map")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join("..", "shared", "data", "fashion"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--configs", nargs="+", choices=("recipe", "project"),
                        default=["recipe", "project"])
    parser.add_argument("--head", choices=defaults.HEADS, default=defaults.HEAD,
                        help="the project's SmallerVGGNet head (default: %(default)s)")
    parser.add_argument("--backbone", choices=defaults.BACKBONES, default=defaults.BACKBONE,
                        help="the project's network, from random weights (default: %(default)s)")
    parser.add_argument("--json", default=os.path.join("output", "benchmark-real-photos.json"))
    return parser.parse_args(argv)


def held_out_images(dataset, targets):
    """(training side, held-out indices, dropped indices): the recipe's split, less the
    held-out images whose exact copy (same SHA-256) is on the training side."""
    train_side, held_out = splits.split(targets, dataset.hashes, 0.2, 42, method="recipe",
                                        paths=dataset.paths)
    trained_hashes = {dataset.hashes[i] for i in train_side}
    copied = np.array([dataset.hashes[i] in trained_hashes for i in held_out], dtype=bool)
    return np.sort(train_side), np.sort(held_out[~copied]), np.sort(held_out[copied])


def run_once(config, dataset, targets, pool, held_out, seed, epochs, size, class_names,
             network=None):
    """Train one configuration on `pool`; its scores on the held-out images, its wall time
    and the images it was scored on and chose its epoch and thresholds by."""
    from pyimagesearch import (augment, colours, decisions, evaluation, groups, models,
                               recolour, training)

    if config == "recipe":
        # The recipe validates on its test split, as in 2018, but keeps the last epoch and
        # the top two labels: the held-out loss is printed, never used.
        train_index, validation_index = pool, held_out
    else:
        inner_train, inner_validation = splits.split(
            targets[pool], [dataset.hashes[i] for i in pool], 0.2, seed)
        train_index, validation_index = pool[inner_train], pool[inner_validation]
    # The project's defaults, as train.py applies them: label groups from the folder names
    # (one branch each), recolouring and tinting, flip-averaged prediction.
    model_groups = [] if config == "recipe" else groups.resolve(
        groups.AUTO, class_names, dataset.paths, dataset.labels)
    if network is not None and network.backbone == "auto":
        network = dataclasses.replace(network, backbone=backbones.choose(
            "auto", size[0], colours.colour_group(model_groups) is not None)[0])
    model = models.new_model(
        size, class_names, model_groups, models.choose_precision("auto"),
        defaults.RECIPE_BN_MOMENTUM if config == "recipe" else defaults.BN_MOMENTUM,
        (1e-3, epochs, "recipe" if config == "recipe" else "cosine",
         training.steps_per_epoch(len(train_index), 32)),
        network=backbones.Network() if config == "recipe" or network is None else network)
    callbacks = [] if config == "recipe" else [training.KeepBest("val_loss")]
    started = time.perf_counter()
    training.fit(model, (dataset.images[train_index], targets[train_index]),
                 (dataset.images[validation_index], targets[validation_index]), epochs, 32,
                 augment.Augmentation(), seed, verbose=0, callbacks=callbacks,
                 recolouring=recolour.for_groups(class_names, model_groups,
                                                 defaults.RECOLOUR, defaults.TINT)
                 if config != "recipe" else None)
    seconds = time.perf_counter() - started
    if config != "recipe" and defaults.FLIP_AVERAGE:
        model = models.flip_averaged(model)
    test_probabilities = model.predict(dataset.images[held_out], verbose=0)
    if config == "recipe":
        chosen = decisions.top_k_decisions(test_probabilities, 2)
    else:
        validation_probabilities = model.predict(dataset.images[validation_index], verbose=0)
        cuts = decisions.tune_thresholds(targets[validation_index], validation_probabilities,
                                         groups=model_groups, class_names=class_names)
        rule = decisions.DecisionRule(class_names, cuts, model_groups)
        chosen = rule.decide(test_probabilities)
    report = evaluation.evaluate(targets[held_out], test_probabilities, chosen,
                                 [str(i) for i in range(targets.shape[1])])
    tuned_on = [] if config == "recipe" else [dataset.paths[i] for i in validation_index]
    return {**{name: report[name] for name in METRICS}, "train_seconds": seconds,
            "best_epoch": callbacks[0].best_epoch if callbacks else epochs,
            "trained_on": len(train_index), "tuned_on": tuned_on,
            "scored_on": [dataset.paths[i] for i in held_out]}


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
    return cli.run(benchmark, parse_args(argv))


def benchmark(args):
    size = (args.image_size, args.image_size)
    dataset = data.load_dataset(args.dataset, size, progress=False)
    binarizer, targets = labels.binarize(dataset.labels)
    pool, held_out, dropped = held_out_images(dataset, targets)
    print(f"{len(dataset.paths)} images from {args.dataset}: the recipe holds out "
          f"{len(held_out) + len(dropped)}, {len(dropped)} dropped for an identical file on "
          f"the training side, {len(held_out)} scored; {len(pool)} on the training side",
          flush=True)
    cli.quiet_tensorflow()
    results = {config: [] for config in args.configs}
    for seed in args.seeds:
        for config in results:
            run = run_once(config, dataset, targets, pool, held_out, seed, args.epochs, size,
                           [str(name) for name in binarizer.classes_],
                           backbones.Network(args.backbone, args.head))
            results[config].append({"seed": seed, **run})
            print(f"{config} seed {seed}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in run.items() if isinstance(v, float)), flush=True)
    print(f"{len(held_out)} held out ({len(dropped)} duplicates of training images dropped), "
          f"{args.epochs} epochs, seeds {args.seeds}")
    print(summarise(results))
    write_json(args.json, {
        "labels": list(binarizer.classes_), "dataset": args.dataset, "epochs": args.epochs,
        "image_size": args.image_size, "training_side": len(pool),
        "held_out": [dataset.paths[i] for i in held_out], "dropped_duplicates": len(dropped),
        "dropped": [dataset.paths[i] for i in dropped], "results": results})
    return 0


def write_json(path, report):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with files.atomic_write(path) as handle:
        handle.write(json.dumps(report, indent=2).encode("utf-8"))


if __name__ == "__main__":
    sys.exit(main())

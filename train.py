"""Train a multi-label image classifier on folders of photos.

Usage:
    python train.py                      # bundled dataset/ -> output/
    python train.py --dataset dataset --model fashion.model --labelbin mlb.pickle --plot plot.png

Each folder's name lists its images' labels, joined by "_" (red_dress -> red, dress).
"""

import argparse
import os
import sys

from pyimagesearch import cli
from pyimagesearch import dataset as data
from pyimagesearch import files

DEFAULTS = dict(
    dataset="dataset",  # label folders of images
    output="output",  # where the model, label file and plot go unless named
    model_name="fashion.keras",  # model file name inside --output
    labelbin_name="mlb.pickle",  # pickled MultiLabelBinarizer inside --output
    plot_name="plot.png",  # loss/accuracy curves inside --output
    epochs=30,  # the recipe's
    batch_size=32,  # the recipe's
    learning_rate=1e-3,  # Adam's, decayed by learning_rate / epochs per step as in the recipe
    image_size=96,  # pixels, square, the recipe's 96x96
    validation_split=0.2,  # held out for evaluation, the recipe's 80/20
    seed=42,  # the recipe's random_state
    rotation=25.0, shift=0.1, shear=0.2, zoom=0.2,  # the recipe's augmentation strengths
    precision="auto",  # 16-bit arithmetic where the hardware has it: faster, same accuracy
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.set_defaults(**DEFAULTS)
    add = parser.add_argument
    add("-d", "--dataset", help="folder of label folders (default: %(default)s)")
    add("-o", "--output", help="folder for the outputs not named below (default: %(default)s)")
    add("-m", "--model", help="model file to write (default: OUTPUT/fashion.keras)")
    add("-l", "--labelbin", help="label binarizer file to write (default: OUTPUT/mlb.pickle)")
    add("-p", "--plot", help="training curves PNG to write (default: OUTPUT/plot.png)")
    add("--epochs", type=int, help="passes over the training images (default: %(default)s)")
    add("--batch-size", type=int, help="images per step (default: %(default)s)")
    add("--learning-rate", type=float, help="Adam's initial rate (default: %(default)s)")
    add("--image-size", type=int, help="model input width and height (default: %(default)s)")
    add("--validation-split", type=float, help="fraction held out (default: %(default)s)")
    add("--seed", type=int, help="split, shuffle and initialisation seed (default: %(default)s)")
    add("--rotation", type=float, help="max rotation, degrees (default: %(default)s)")
    add("--shift", type=float, help="max shift, fraction of size (default: %(default)s)")
    add("--shear", type=float, help="max shear, degrees as in Keras 2 (default: %(default)s)")
    add("--zoom", type=float, help="zoom range around 1 (default: %(default)s)")
    add("--no-flip", dest="flip", action="store_false", help="no horizontal flips")
    add("--precision", choices=("auto", "float32", "bfloat16", "float16"),
        help="arithmetic: auto = bfloat16 on CPUs with native support, float16 on GPUs, "
             "else float32 (default: %(default)s)")
    add("--workers", type=int, default=None, help="image decoding threads (default: cores)")
    add("-q", "--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    args.model = args.model or os.path.join(args.output, args.model_name)
    args.labelbin = args.labelbin or os.path.join(args.output, args.labelbin_name)
    args.plot = args.plot or os.path.join(args.output, args.plot_name)
    _check_numbers(parser, args)
    return args


def _check_numbers(parser, args):
    if args.epochs < 1 or args.batch_size < 1 or args.image_size < 8:
        parser.error("--epochs and --batch-size must be at least 1, --image-size at least 8")
    if not 0 < args.validation_split < 1:
        parser.error("--validation-split must be between 0 and 1")


def train(args):
    for path in (args.model, args.labelbin, args.plot):
        files.ensure_writable_folder(os.path.dirname(path))
    size = (args.image_size, args.image_size)
    dataset = data.load_dataset(args.dataset, size, args.workers, progress=not args.quiet)
    if dataset.skipped:
        print(data.describe_skipped(dataset.skipped), file=sys.stderr)
    binarizer, targets = data.binarize(dataset.labels)
    print(data.describe(dataset, binarizer, targets))
    train_index, validation_index = data.split_indices(len(targets), args.validation_split, args.seed)

    cli.quiet_tensorflow()
    from pyimagesearch import artifacts, augment, evaluation, plot, training

    args.precision = training.choose_precision(args.precision)
    print(f"arithmetic: {args.precision}")
    model = training.build_model(size, len(binarizer.classes_), policy=args.precision)
    training.compile_model(model, args.learning_rate, args.epochs)
    history = training.fit(
        model, (dataset.images[train_index], targets[train_index]),
        (dataset.images[validation_index], targets[validation_index]),
        args.epochs, args.batch_size, augment.Augmentation(
            args.rotation, args.shift, args.shear, args.zoom, args.flip),
        args.seed, verbose=0 if args.quiet else 1)
    probabilities = model.predict(dataset.images[validation_index], verbose=0)
    report = evaluation.evaluate(targets[validation_index], probabilities, binarizer.classes_)
    artifacts.save_artifacts(model, binarizer, args.model, args.labelbin, {
        "settings": _settings(args), "evaluation": report,
        "images": len(dataset.paths), "skipped": len(dataset.skipped)})
    plot.save_history_plot(history.history, args.plot)
    print(evaluation.format_report(report))
    print(f"saved {args.model}, {args.labelbin}, {args.plot}")
    return 0


def _settings(args):
    """The resolved settings, so that a run can be repeated."""
    return {key: value for key, value in vars(args).items() if not key.endswith("_name")}


def main(argv=None):
    return cli.run(train, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

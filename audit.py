"""Audit a dataset before training: counts, co-occurrence, unreadable files, duplicates.

Usage:
    python audit.py --dataset dataset
    python audit.py --manifest labels.csv --report audit.json
    python audit.py --groups "colour=black,blue,red;item=dress,jeans,shirt"
    python audit.py --label-errors --dataset dataset  # the images whose labels look wrong

Reports images per folder and per label, the label co-occurrence table, unreadable files,
exact duplicates (by content hash) with conflicting labels or falling on both sides of the
split, and label combinations that are rare or absent from training, saying for each absent
one whether the design (label groups, as train.py's --groups) can be expected to predict it:
every part seen in some folder, or a part never seen. Declared groups may name labels the
data lacks (black, above, with no black folder), to ask about a whole catalogue. Saves it all
as JSON.

With --label-errors it looks for wrong labels instead: k short trainings, each predicting the
images it did not learn from, ranked by cleanlab's label-quality score; it writes a CSV of
every image, the most suspect first, and an HTML gallery of the top ones with their given and
likely labels (see pyimagesearch/label_errors.py).
"""

import argparse
import sys

import numpy as np

from pyimagesearch import cli, defaults, flags, groups


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--dataset", help="folder of label folders (default: dataset), "
                        "or the image root of --manifest")
    flags.add_manifest_flags(parser)
    flags.add_split_flags(parser)
    flags.add_groups_flag(parser, "label groups to judge absent combinations by, as train.py's")
    parser.add_argument("--report", default=defaults.AUDIT_REPORT,
                        help="JSON file to write (default: %(default)s)")
    flags.add_workers_flag(parser)
    _add_label_error_flags(parser)
    return parser


def _add_label_error_flags(parser):
    from pyimagesearch.label_errors import GALLERY, Settings

    add, count = parser.add_argument, cli.integer(minimum=1)
    add("--label-errors", action="store_true",
        help="find images whose labels look wrong (k trainings; minutes) instead of the audit")
    add("--folds", type=cli.integer(minimum=2), default=Settings.folds,
        help="--label-errors: trainings, each predicting the images it did not learn from "
             "(default: %(default)s)")
    add("--repeats", type=count, default=Settings.repeats,
        help="--label-errors: k-fold runs with other folds, their probabilities averaged: "
             "steadier, at that many times the time (default: %(default)s)")
    add("--epochs", type=count, default=Settings.epochs,
        help="--label-errors: epochs per training (default: %(default)s)")
    add("--image-size", type=cli.integer(minimum=12), default=Settings.image_size,
        help="--label-errors: model input width and height (default: %(default)s)")
    add("--suspects", default=defaults.SUSPECTS,
        help="--label-errors: CSV of every image, the most suspect first (default: %(default)s)")
    add("--gallery", default=defaults.GALLERY,
        help="--label-errors: HTML page of the top suspects (default: %(default)s)")
    add("--top", type=count, default=GALLERY,
        help="--label-errors: suspects shown in the gallery (default: %(default)s)")
    flags.add_cache_flags(parser, scope="--label-errors: ")
    add("-q", "--quiet", action="store_true", help="--label-errors: no progress bars")


def parse_args(argv=None):
    return build_parser().parse_args(argv)


def run_audit(args):
    from pyimagesearch import outputs

    plan = outputs.Plan().file("--report", args.report).manifest(
        "--manifest", args.manifest, args.dataset, (args.path_column, args.labels_column))
    with plan.data("--dataset", None if args.manifest else args.dataset or "dataset").checked():
        return _audit(args)


def _audit(args):
    from pyimagesearch import artifacts, audit, labels, splits
    from pyimagesearch import dataset as data

    # Small images: the audit needs the files' bytes and labels, not pixels for a model.
    dataset, _ = data.load_training_data(args.dataset, args.manifest, None, (8, 8),
                                         args.workers, cli.progress_bar,
                                         columns=(args.path_column, args.labels_column))
    binarizer, targets = labels.binarize(dataset.labels)
    design = groups.resolve(args.groups, list(binarizer.classes_), dataset.paths,
                            from_folders=not args.manifest, allow_unknown=True)
    train_index, validation_index = splits.split(
        targets, dataset.hashes, args.validation_split, args.seed, args.split,
        multilabel=args.manifest is not None, paths=dataset.paths)
    report = audit.audit_dataset(dataset, train_index, validation_index, design)
    report["split"] = {"method": args.split, "train": len(train_index),
                       "validation": len(np.asarray(validation_index))}
    artifacts.write_json(args.report, report)
    print(audit.format_audit(report))
    print(f"saved {args.report}")
    return 0


def run_label_errors(args):
    from pyimagesearch import outputs

    plan = outputs.Plan().file("--suspects", args.suspects).file("--gallery", args.gallery)
    # The outputs never go among the images, a manifest's as well as label folders.
    plan.reads("--manifest", args.manifest)
    with plan.data("--dataset", args.dataset if args.manifest else args.dataset or "dataset"
                   ).checked():
        return _label_errors(args)


def _label_errors(args):
    from pyimagesearch import cache, label_errors, labels
    from pyimagesearch import dataset as data

    settings = label_errors.Settings(folds=args.folds, repeats=args.repeats,
                                     epochs=args.epochs, image_size=args.image_size,
                                     seed=args.seed)
    progress = None if args.quiet else cli.progress_bar
    dataset, _ = data.load_training_data(
        args.dataset, args.manifest, None, (args.image_size, args.image_size), args.workers,
        progress, columns=(args.path_column, args.labels_column),
        cache_dir=None if args.no_cache else args.cache_dir or cache.default_dir())
    binarizer, targets = labels.binarize(dataset.labels)
    print(data.describe(dataset, binarizer, targets))
    design = groups.resolve(args.groups, list(binarizer.classes_), dataset.paths,
                            dataset.labels, from_folders=not args.manifest)
    cli.quiet_tensorflow()  # its start-up lines are noise between the plan and the bar
    print(label_errors.describe_plan(len(dataset.paths), list(binarizer.classes_), design,
                                     settings))
    found = label_errors.find(dataset, design, settings, progress)
    label_errors.write_csv(args.suspects, found)
    label_errors.write_gallery(args.gallery, found, args.top)
    print(label_errors.format_top(found))
    print(f"saved {args.suspects}, {args.gallery}")
    return 0


def main(argv=None):
    args = parse_args(argv)
    return cli.run(run_label_errors if args.label_errors else run_audit, args)


if __name__ == "__main__":
    sys.exit(main())

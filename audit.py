"""Audit a dataset before training: counts, co-occurrence, unreadable files, duplicates.

Usage:
    python audit.py --dataset dataset
    python audit.py --manifest labels.csv --report audit.json
    python audit.py --groups "colour=black,blue,red;item=dress,jeans,shirt"

Reports images per folder and per label, the label co-occurrence table, unreadable files,
exact duplicates (by content hash) with conflicting labels or falling on both sides of the
split, and label combinations that are rare or absent from training, saying for each absent
one whether the design (label groups, as train.py's --groups) can be expected to predict it:
every part seen in some folder, or a part never seen. Declared groups may name labels the
data lacks (black, above, with no black folder), to ask about a whole catalogue. Saves it all
as JSON.
"""

import argparse
import os
import sys

import numpy as np

from pyimagesearch import cli, defaults, groups


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("-d", "--dataset", help="folder of label folders (default: dataset), or the image "
        "root of --manifest")
    add("--manifest", help="CSV of image paths and labels (see train.py)")
    add("--path-column", help="manifest column with the image paths (default: guessed)")
    add("--labels-column", help="manifest column with the labels (default: guessed)")
    add("--split", choices=defaults.SPLITS, default=defaults.SPLITS[0],
        help="the split to check for leaking duplicates (default: %(default)s)")
    add("--validation-split", type=cli.number(0, 1, above=True, below=True), default=0.2,
        help="fraction held out (default: %(default)s)")
    add("--seed", type=cli.integer(0, 2 ** 32 - 1), default=42,
        help="split seed (default: %(default)s)")
    add("--groups", type=groups.flag, default=defaults.GROUPS,
        help="label groups to judge absent combinations by, as train.py's --groups: auto, "
             "none, or NAME=label,...;NAME+=label,... (default: %(default)s)")
    add("--report", default=os.path.join("output", "audit.json"),
        help="JSON file to write (default: %(default)s)")
    add("--workers", type=cli.integer(minimum=1), default=None,
        help="image decoding threads (default: one per core, at most 8)")
    return parser


def parse_args(argv=None):
    return build_parser().parse_args(argv)


def run_audit(args):
    from pyimagesearch import artifacts, audit, files, labels, splits
    from pyimagesearch import dataset as data

    files.ensure_writable_folder(os.path.dirname(args.report))
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


def main(argv=None):
    return cli.run(run_audit, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""A look at a dataset before training on it: counts, co-occurrence, duplicates, gaps.

Usage:
    report = audit_dataset(dataset, train_index, validation_index)
    print(format_audit(report))

Exact duplicates are files with the same bytes (SHA-256). Duplicates with different labels
contradict each other; duplicates on both sides of a split leak training images into the
evaluation. Combinations absent from training are predicted poorly: a model trained on
black jeans and red dresses has never seen a black dress.
"""

import collections
import itertools
import os

from pyimagesearch.splits import duplicate_groups

RARE = 5  # a label combination with fewer images than this is called rare


def audit_dataset(dataset, train_index=None, validation_index=None):
    """The audit as a JSON-able dict; the split, when given, is checked for leakage."""
    combinations = collections.Counter("_".join(labels) for labels in dataset.labels)
    duplicates = [{"paths": [dataset.paths[i] for i in members],
                   "labels": sorted({"_".join(dataset.labels[i]) for i in members})}
                  for members in duplicate_groups(dataset.hashes).values()]
    leaks = _leaks(dataset, train_index, validation_index)
    absent = absent_combinations(dataset.labels)
    return {
        "images": len(dataset.paths),
        "per_folder": dict(sorted(collections.Counter(
            os.path.basename(os.path.dirname(path)) for path in dataset.paths).items())),
        "per_label": dict(sorted(collections.Counter(
            label for labels in dataset.labels for label in labels).items())),
        "cooccurrence": cooccurrence(dataset.labels),
        "combinations": dict(sorted(combinations.items())),
        "rare_combinations": sorted(name for name, count in combinations.items() if count < RARE),
        "absent_combinations": absent,
        "unreadable": [reason for _, reason in dataset.skipped],
        "duplicate_groups": duplicates,
        "conflicting_duplicates": [group for group in duplicates if len(group["labels"]) > 1],
        "leaking_duplicates": leaks,
    }


def cooccurrence(labels):
    """{a: {b: images carrying both a and b}}, the diagonal being each label's count."""
    names = sorted({label for row in labels for label in row})
    table = {a: {b: 0 for b in names} for a in names}
    for row in labels:
        for a, b in itertools.product(row, row):
            table[a][b] += 1
    return table


def absent_combinations(labels):
    """Combinations the naming scheme allows but the data lacks.

    With folder names of a fixed shape (colour_item), each position is a slot and any
    product of slot values is a plausible combination; otherwise pairs of labels that
    never occur together are reported.
    """
    present = {tuple(row) for row in labels}
    lengths = {len(row) for row in labels}
    if len(lengths) == 1 and lengths != {1}:
        slots = [sorted({row[i] for row in labels}) for i in range(lengths.pop())]
        return ["_".join(combo) for combo in itertools.product(*slots) if combo not in present]
    table = cooccurrence(labels)
    return [f"{a}+{b}" for a, b in itertools.combinations(sorted(table), 2) if not table[a][b]]


def _leaks(dataset, train_index, validation_index):
    if train_index is None or validation_index is None:
        return []
    side = {int(i): "train" for i in train_index} | {int(i): "validation" for i in validation_index}
    return [[dataset.paths[i] for i in members]
            for members in duplicate_groups(dataset.hashes).values()
            if len({side.get(i) for i in members}) > 1]


def format_audit(report):
    """The audit in plain words, warnings last."""
    lines = [f"dataset audit: {report['images']} readable images, "
             f"{len(report['unreadable'])} unreadable"]
    lines.append("  per folder: " + ", ".join(f"{k} {v}" for k, v in report["per_folder"].items()))
    lines.append("  per label:  " + ", ".join(f"{k} {v}" for k, v in report["per_label"].items()))
    names = list(report["cooccurrence"])
    lines.append("  co-occurrence (images with both labels):")
    lines.append(f"  {'':>13}  " + " ".join(f"{name:>7}" for name in names))
    for a in names:
        lines.append(f"  {a:>13}: " + " ".join(f"{report['cooccurrence'][a][b]:>7}" for b in names))
    lines += [f"  warning: {text}" for text in audit_warnings(report)]
    return "\n".join(lines)


def audit_warnings(report):
    warnings = []
    if report["absent_combinations"]:
        warnings.append("no training images of " + ", ".join(report["absent_combinations"])
                        + ": the model will predict these combinations poorly")
    if report["rare_combinations"]:
        warnings.append(f"fewer than {RARE} images of " + ", ".join(report["rare_combinations"]))
    if report["duplicate_groups"]:
        warnings.append(f"{len(report['duplicate_groups'])} groups of identical files "
                        f"({sum(len(g['paths']) for g in report['duplicate_groups'])} files)")
    for group in report["conflicting_duplicates"]:
        warnings.append(f"identical files with different labels ({', '.join(group['labels'])}): "
                        + ", ".join(group["paths"][:3]))
    if report["leaking_duplicates"]:
        warnings.append(f"{len(report['leaking_duplicates'])} duplicate groups fall on both "
                        "sides of the split: the evaluation is inflated")
    return warnings

"""A look at a dataset before training on it: counts, co-occurrence, duplicates, gaps.

Usage:
    report = audit_dataset(dataset, train_index, validation_index, model_groups)
    print(format_audit(report))

Exact duplicates are files with the same bytes (SHA-256). Duplicates with different labels
contradict each other; duplicates on both sides of a split leak training images into the
evaluation. A combination absent from training (a black dress, when training has black
jeans and red dresses) is named with what can be expected of it: with exclusive label
groups (pyimagesearch/groups.py) a model picks each part separately and can compose parts
seen in different folders, but not a part it never saw; one sigmoid per label on one trunk
(the 2018 recipe) learns the combinations it sees and guesses the item from the colour.
"""

import collections
import itertools
import math
import os

from pyimagesearch import groups as label_groups
from pyimagesearch.splits import duplicate_groups

RARE = 5  # a label combination with fewer images than this is called rare
MAX_COMBINATIONS = 10000  # products of groups' labels beyond this are not enumerated
SHOWN = 10  # combinations named per line of the printed audit


def audit_dataset(dataset, train_index=None, validation_index=None, groups=None):
    """The audit as a JSON-able dict; the split, when given, is checked for leakage, and
    combinations absent from its training side are judged for the design `groups` (a list
    of groups.Group; None or [] for one sigmoid per label)."""
    combinations = collections.Counter("_".join(labels) for labels in dataset.labels)
    duplicates = [{"paths": [dataset.paths[i] for i in members],
                   "labels": sorted({"_".join(dataset.labels[i]) for i in members})}
                  for members in duplicate_groups(dataset.hashes).values()]
    leaks = _leaks(dataset, train_index, validation_index)
    absent = absent_combinations(dataset.labels)
    training = dataset.labels if train_index is None else [dataset.labels[i] for i in train_index]
    held_out = [] if validation_index is None else [dataset.labels[i] for i in validation_index]
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
        "groups": label_groups.to_json(groups or []),
        "unseen_combinations": unseen_combinations(training, held_out, groups),
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


def unseen_combinations(training, held_out=(), groups=None):
    """Combinations absent from the `training` label lists, each judged: handled when every
    part was seen in some training image and the design has exclusive groups to compose them.

    Candidates are every product of the exclusive groups' labels (with declared groups, also
    labels the data lacks), or without groups the products of the folder-name positions, and
    every combination of the `held_out` images. Returns [{combination, labels, held_out,
    handled, unseen_parts, reason}].
    """
    exclusive = [group for group in groups or () if group.exclusive]
    key = _projection(exclusive)
    seen = {frozenset(key(row)) for row in training}
    held = {frozenset(key(row)) for row in held_out}
    candidates = [key(row) for row in held_out] + _products(exclusive, training)
    first_seen = {}  # label -> a training combination showing it
    for row in sorted(training):
        for label in row:
            first_seen.setdefault(label, "_".join(row))
    judged = []
    for combination in dict.fromkeys(candidates):
        if frozenset(combination) in seen or not combination:
            continue
        handled, reason = _judge(combination, exclusive, first_seen)
        judged.append({"combination": "_".join(combination), "labels": list(combination),
                       "held_out": frozenset(combination) in held, "handled": handled,
                       "unseen_parts": [label for label in combination if label not in first_seen],
                       "reason": reason})
    return judged


def _projection(exclusive):
    """A label list as a combination: its exclusive groups' labels in group order, or
    (without groups) the list itself."""
    if not exclusive:
        return tuple
    order = {label: index for index, label in enumerate(
        label for group in exclusive for label in group.labels)}
    return lambda row: tuple(sorted((label for label in row if label in order), key=order.get))


def _products(exclusive, training):
    if exclusive:
        values = [group.labels for group in exclusive]
    else:  # folder names of one shape: each position a slot, as absent_combinations
        lengths = {len(row) for row in training}
        if len(lengths) != 1 or lengths in ({0}, {1}):
            return []
        values = [sorted({row[i] for row in training}) for i in range(lengths.pop())]
    if math.prod(map(len, values)) > MAX_COMBINATIONS:
        return []
    return list(itertools.product(*values))


def _judge(combination, exclusive, first_seen):
    """(handled, why) for one combination absent from training."""
    unseen = [label for label in combination if label not in first_seen]
    if unseen:
        return False, f"{', '.join(unseen)} never seen in training"
    for group in exclusive:
        both = [label for label in combination if label in group.labels]
        if len(both) > 1:
            return False, f"{' and '.join(both)} are both in the exclusive group {group.name}"
    if not exclusive:
        return False, ("every part seen in training, but one sigmoid per label learns the "
                       "combinations it sees; label groups (--groups) can compose them")
    return True, "every part seen in training: " + ", ".join(
        f"{label} in {first_seen[label]}" for label in combination)


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
    lines.append(f"  {label_groups.describe(_groups_of(report))}")
    handled = [item["combination"] for item in report.get("unseen_combinations", [])
               if item["handled"]]
    if handled:
        lines.append("  absent from training, expected to work (every part seen, label groups "
                     f"compose them): {_listed(handled)}")
    lines += [f"  warning: {text}" for text in audit_warnings(report)]
    return "\n".join(lines)


def _groups_of(report):
    return [label_groups.Group.from_json(entry) for entry in report.get("groups", [])]


def _listed(names):
    more = f", and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def audit_warnings(report):
    warnings = []
    grouped = any(group.exclusive for group in _groups_of(report))
    unhandled = [f"{item['combination']} ({item['reason']})"
                 for item in report.get("unseen_combinations", []) if not item["handled"]
                 and (grouped or item["unseen_parts"])]
    if unhandled:
        warnings.append(f"absent from training and not expected to work: {_listed(unhandled)}")
    if report["absent_combinations"] and not grouped:
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

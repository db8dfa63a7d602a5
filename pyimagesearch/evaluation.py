"""Honest multi-label scores: what fraction of images got every label right.

Usage:
    report = evaluate(targets, probabilities, decisions, class_names, paths, groups=groups)
    print(format_report(report))

Keras' "accuracy" on a sigmoid model is per-label binary accuracy: it counts
each (image, label) pair, so a model that says "no" to everything scores about
67% on six labels with two positives each. The headline here is exact match
(scikit-learn's subset accuracy), and binary accuracy is named as what it is.
Every number comes from scikit-learn's metrics. With label groups (pyimagesearch/groups.py)
the report adds each group's accuracy (images whose value in the group is right: their
colour, say, whatever their item) and, for an exclusive group, the count of each true value
against each predicted one, which shows what a black dress is taken for.
"""

import warnings

import numpy as np
from sklearn import metrics

from pyimagesearch import decisions as decision_rule  # `decisions` here names 0/1 arrays
from pyimagesearch import groups as label_groups

WORST = 10  # images listed as the worst classified


def evaluate(targets, probabilities, decisions, class_names, paths=None, rule="", groups=None):
    """The full report for 0/1 `decisions` made from `probabilities` against `targets`;
    `groups`, when given, adds the per-group scores."""
    targets = np.asarray(targets, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    decisions = np.asarray(decisions, dtype=np.int64)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        targets, decisions, average=None, zero_division=0)
    average_precision = _average_precision(targets, probabilities)
    per_label = {
        name: {"binary_accuracy": float(metrics.accuracy_score(targets[:, i], decisions[:, i])),
               "precision": float(precision[i]), "recall": float(recall[i]),
               "f1": float(f1[i]), "support": int(support[i]),
               "average_precision": _or_none(average_precision[i])}
        for i, name in enumerate(class_names)}
    report = {
        "images": int(len(targets)),
        "decision_rule": rule,
        "exact_match": float(metrics.accuracy_score(targets, decisions)),
        "exact_match_top2": float(metrics.accuracy_score(
            targets, decision_rule.top_k_decisions(probabilities, 2))),
        "hamming_loss": float(metrics.hamming_loss(targets, decisions)),
        "binary_accuracy": float(1 - metrics.hamming_loss(targets, decisions)),
        "micro_f1": float(metrics.f1_score(targets, decisions, average="micro", zero_division=0)),
        # Over the labels these images have: a label absent from them has no F1 to speak of
        # (scikit-learn counts it as 0, which says nothing of the model), as mAP does.
        "macro_f1": _or_none(np.mean(f1[support > 0]) if (support > 0).any() else np.nan),
        "absent_labels": [name for name, count in zip(class_names, support) if not count],
        "macro_map": _or_none(np.nanmean(average_precision) if np.isfinite(average_precision).any()
                              else np.nan),
        "per_label": per_label,
        "worst": worst_images(targets, probabilities, decisions, class_names, paths),
    }
    if groups:
        report["groups"] = group_scores(targets, decisions, class_names, groups)
    return report


def group_scores(targets, decisions, class_names, groups):
    """{group: labels, exclusive, accuracy and, for an exclusive group, the confusion
    counts {true value: {predicted value: images}}}."""
    scores = {}
    for group in groups:
        columns = label_groups.columns(group, class_names)
        truth, chosen = targets[:, columns], decisions[:, columns]
        entry = {"labels": list(group.labels), "exclusive": group.exclusive,
                 "accuracy": float((truth == chosen).all(axis=1).mean()) if len(truth) else None}
        if group.exclusive:
            entry["confusion"] = confusion(truth, chosen, group.labels)
        scores[group.name] = entry
    return scores


def confusion(truth, chosen, names):
    """{true value: {predicted value: count}} over every value of the group, plus "none"
    (no label of the group) or "a+b" (several) where images have them."""
    def value(row):
        return "+".join(name for name, flag in zip(names, row) if flag) or "none"

    pairs = [(value(t), value(c)) for t, c in zip(truth, chosen)]
    extra = sorted({v for pair in pairs for v in pair} - set(names))
    values = list(names) + extra
    table = {true: {predicted: 0 for predicted in values} for true in values}
    for true, predicted in pairs:
        table[true][predicted] += 1
    return table


def _average_precision(targets, probabilities):
    """Per-label average precision; NaN for a label with no positive image to rank."""
    scores = np.full(targets.shape[1], np.nan)
    for i in range(targets.shape[1]):
        if targets[:, i].any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores[i] = metrics.average_precision_score(targets[:, i], probabilities[:, i])
    return scores


def _or_none(value):
    return None if value is None or not np.isfinite(value) else float(value)


def worst_images(targets, probabilities, decisions, class_names, paths, count=WORST):
    """The images with the highest cross-entropy, wrong decisions first."""
    if paths is None or not len(targets):
        return []
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    loss = -(targets * np.log(clipped) + (1 - targets) * np.log(1 - clipped)).sum(axis=1)
    wrong = (decisions != targets).any(axis=1)
    order = np.lexsort((-loss, ~wrong))[:count]
    return [{"path": str(paths[i]), "loss": round(float(loss[i]), 4),
             "labels": [n for n, t in zip(class_names, targets[i]) if t],
             "predicted": [n for n, d in zip(class_names, decisions[i]) if d],
             "probabilities": {n: round(float(p), 4) for n, p in zip(class_names, probabilities[i])}}
            for i in order if wrong[i]]


def format_report(report, title="held-out split"):
    """The report as a table a person reads."""
    rule = f" (labels decided by {report['decision_rule']})" if report["decision_rule"] else ""
    lines = [f"evaluation on the {title}, {report['images']} images{rule}:"]
    rows = [("exact match (all labels of an image right)", report["exact_match"]),
            ("exact match with the recipe's top-two rule", report["exact_match_top2"]),
            ("binary accuracy (per image and label)", report["binary_accuracy"]),
            ("Hamming loss", report["hamming_loss"]),
            ("micro F1", report["micro_f1"]), ("macro F1", report["macro_f1"]),
            ("macro mAP (average precision)", report["macro_map"])]
    lines += [f"  {name:<44} {_number(value)}" for name, value in rows]
    if report.get("absent_labels"):
        lines.append(f"  (macro F1 and mAP leave out {len(report['absent_labels'])} label(s) "
                     f"no image here has: {', '.join(report['absent_labels'])})")
    lines.append(f"  {'label':<12} {'bin.acc':>8} {'precision':>9} {'recall':>7} {'F1':>6} "
                 f"{'AP':>6} {'support':>7}")
    for name, row in report["per_label"].items():
        lines.append(f"  {name:<12} {_number(row['binary_accuracy']):>8} "
                     f"{_number(row['precision']):>9} {_number(row['recall']):>7} "
                     f"{_number(row['f1']):>6} {_number(row['average_precision']):>6} "
                     f"{row['support']:>7}")
    lines += _group_lines(report.get("groups") or {})
    if report["worst"]:
        lines.append(f"  worst classified ({len(report['worst'])} shown):")
        lines += [f"    {item['path']}: is {'+'.join(item['labels']) or 'nothing'}, "
                  f"predicted {'+'.join(item['predicted']) or 'nothing'}"
                  for item in report["worst"]]
    return "\n".join(lines)


def _group_lines(groups):
    """Each group's accuracy, then each exclusive group's true-vs-predicted counts."""
    if not groups:
        return []
    lines = ["  per group (images whose value in the group is right): " + ", ".join(
        f"{name} {_number(entry['accuracy'])}" for name, entry in groups.items())]
    for name, entry in groups.items():
        table = entry.get("confusion")
        if not table:
            continue
        values = list(table)
        width = max(8, *map(len, values)) + 1
        lines.append(f"  {name}: true (rows) against predicted (columns)")
        lines.append(f"    {'':<{width}}" + "".join(f"{value:>{width}}" for value in values))
        lines += [f"    {true:<{width}}" + "".join(f"{table[true][value]:>{width}}"
                                               for value in values) for true in values]
    return lines


def _number(value):
    return "n/a" if value is None else f"{value:.3f}"

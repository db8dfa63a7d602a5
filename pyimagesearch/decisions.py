"""How a multi-label model's probabilities become yes/no labels, and the words for the rule.

Usage:
    cuts = tune_thresholds(targets, probabilities, rule="f1")  # training, on held-out images
    decide = make_decider(saved_thresholds(description, class_names), threshold, top_k,
                          groups=model_groups, class_names=class_names)
    chosen = decide(probabilities)  # 0/1, one column per label
    print(describe(threshold=threshold, top_k=top_k))  # "the thresholds saved with the model"

Three rules: the K most probable labels (the 2018 recipe's top two), one threshold for
every label, or one threshold per label. A sigmoid's 0.5 is rarely the best cut for every
label: a rare label or a hard one is better served by its own threshold, tuned on held-out
images to maximise an F-score; the tuning rule says which. A model with exclusive label
groups (pyimagesearch/groups.py) takes the most probable label of each such group, exactly
one per image, and thresholds only the labels outside them; their labels are not tuned and
save no threshold (None). A --threshold or --top-k given by the user overrides the groups.

Cheap to import (numpy only; scikit-learn loads when tuning), so argparse can offer RULES.
"""

import numpy as np

from pyimagesearch import groups as label_groups

RULES = {  # name -> beta of the F-score it maximises, or None for a fixed 0.5
    "f1": 1.0,  # precision and recall weigh the same
    "f2": 2.0,  # recall weighs more: miss fewer labels
    "f0.5": 0.5,  # precision weighs more: claim fewer wrong labels
    "fixed": None,  # 0.5 for every label, no tuning
}
DEFAULT_THRESHOLD = 0.5  # for a label that cannot be tuned, and for models saved without thresholds


def tune_thresholds(targets, probabilities, rule="f1", groups=None, class_names=None):
    """One threshold per label maximising the rule's F-score on these images; NaN for the
    labels of exclusive groups, which the most probable of their group decides."""
    targets, probabilities = np.asarray(targets), np.asarray(probabilities, dtype=np.float64)
    beta = RULES[rule]
    if beta is None:
        cuts = np.full(targets.shape[1], DEFAULT_THRESHOLD)
    else:
        cuts = np.array([_best_cut(targets[:, i], probabilities[:, i], beta)
                         for i in range(targets.shape[1])])
    for group_columns in _exclusive_columns(groups, class_names):
        cuts[group_columns] = np.nan
    return cuts


def _best_cut(truth, scores, beta):
    from sklearn import metrics  # deferred: costly, and only training tunes

    if not truth.any() or truth.all():
        return DEFAULT_THRESHOLD
    precision, recall, cuts = metrics.precision_recall_curve(truth, scores)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    denominator = beta ** 2 * precision + recall
    f_scores = np.divide((1 + beta ** 2) * precision * recall, denominator,
                         out=np.zeros_like(denominator), where=denominator > 0)
    best = int(np.argmax(f_scores))
    # Halfway down to the next lower score keeps the same decisions on these images
    # and leaves a margin for new ones.
    lower = scores[scores < cuts[best]]
    return float((cuts[best] + lower.max()) / 2 if lower.size else cuts[best])


def apply_thresholds(probabilities, thresholds):
    """0/1 decisions accepting each label whose probability reaches its own threshold."""
    return (np.asarray(probabilities) >= np.asarray(thresholds)[np.newaxis, :]).astype(np.int64)


def top_k_decisions(probabilities, k=2):
    """0/1 decisions accepting the k most probable labels of each image (the recipe's rule)."""
    probabilities = np.asarray(probabilities)
    decisions = np.zeros(probabilities.shape, dtype=np.int64)
    if probabilities.size:
        top = np.argsort(-probabilities, axis=1)[:, :k]
        np.put_along_axis(decisions, top, 1, axis=1)
    return decisions


def one_per_group(decisions, probabilities, groups, class_names):
    """`decisions` with each exclusive group's columns replaced by its most probable label."""
    decisions = np.array(decisions, dtype=np.int64)
    probabilities = np.asarray(probabilities)
    rows = np.arange(len(probabilities))
    for group_columns in _exclusive_columns(groups, class_names):
        decisions[:, group_columns] = 0
        if len(rows):
            best = np.argmax(probabilities[:, group_columns], axis=1)
            decisions[rows, np.asarray(group_columns)[best]] = 1
    return decisions


def _exclusive_columns(groups, class_names):
    return [label_groups.columns(group, class_names) for group in groups or () if group.exclusive]


def saved_thresholds(description, class_names):
    """Per-label thresholds saved with the model; the default for models saved without them
    and for the labels of exclusive groups (saved as None)."""
    saved = description.get("thresholds") or {}
    return [DEFAULT_THRESHOLD if saved.get(name) is None else float(saved[name])
            for name in class_names]


def thresholds_to_save(class_names, cuts):
    """{label: threshold} for the model's description; None where the group decides."""
    return {str(name): None if not np.isfinite(cut) else float(cut)
            for name, cut in zip(class_names, np.asarray(cuts, dtype=np.float64))}


def make_decider(thresholds=None, threshold=None, top_k=None, groups=None, class_names=None):
    """A function from probabilities to 0/1 decisions: top K, else one threshold, else per
    label, the labels of each exclusive group (`groups`, over `class_names`) replaced by the
    group's most probable."""
    if top_k is not None:
        return lambda probabilities: top_k_decisions(probabilities, top_k)
    if threshold is not None:
        return lambda probabilities: (np.asarray(probabilities) >= threshold).astype(np.int64)
    # None and NaN (an exclusive label's) compare false; one_per_group sets those columns.
    cuts = np.asarray(thresholds, dtype=np.float64)
    if not _exclusive_columns(groups, class_names):
        return lambda probabilities: apply_thresholds(probabilities, cuts)
    return lambda probabilities: one_per_group(
        apply_thresholds(probabilities, cuts), probabilities, groups, class_names)


def describe(threshold=None, top_k=None, tuned_by=None, groups=None):
    """The rule in words, for reports: the same precedence as make_decider.

    `tuned_by` names the tuning rule when the per-label thresholds were tuned on the
    images being scored (training's validation split) rather than loaded with the model.
    """
    if top_k is not None:
        return f"top {top_k}"
    if threshold is not None:
        return f"threshold {threshold}"
    exclusive = [group.name for group in groups or () if group.exclusive]
    if exclusive:
        rule = f"one label per exclusive group ({', '.join(exclusive)})"
        if any(not group.exclusive for group in groups):
            rule += ", thresholds for the rest" + (
                f" ({tuned_by}, tuned on these images)" if tuned_by is not None else "")
        return rule
    if tuned_by is not None:
        return f"per-label thresholds ({tuned_by}) tuned on these images"
    return "the thresholds saved with the model"

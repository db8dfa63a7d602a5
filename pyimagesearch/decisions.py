"""How a multi-label model's probabilities become yes/no labels, and the words for the rule.

Usage:
    cuts = tune_thresholds(targets, probabilities, rule="f1")  # training, on held-out images
    decide = make_decider(saved_thresholds(description, class_names), threshold, top_k)
    chosen = decide(probabilities)  # 0/1, one column per label
    print(describe(threshold=threshold, top_k=top_k))  # "the thresholds saved with the model"

Three rules: the K most probable labels (the 2018 recipe's top two), one threshold for
every label, or one threshold per label. A sigmoid's 0.5 is rarely the best cut for every
label: a rare label or a hard one is better served by its own threshold, tuned on held-out
images to maximise an F-score; the tuning rule says which.

Cheap to import (numpy only; scikit-learn loads when tuning), so argparse can offer RULES.
"""

import numpy as np

RULES = {  # name -> beta of the F-score it maximises, or None for a fixed 0.5
    "f1": 1.0,  # precision and recall weigh the same
    "f2": 2.0,  # recall weighs more: miss fewer labels
    "f0.5": 0.5,  # precision weighs more: claim fewer wrong labels
    "fixed": None,  # 0.5 for every label, no tuning
}
DEFAULT_THRESHOLD = 0.5  # for a label that cannot be tuned, and for models saved without thresholds


def tune_thresholds(targets, probabilities, rule="f1"):
    """One threshold per label maximising the rule's F-score on these images."""
    targets, probabilities = np.asarray(targets), np.asarray(probabilities, dtype=np.float64)
    beta = RULES[rule]
    if beta is None:
        return np.full(targets.shape[1], DEFAULT_THRESHOLD)
    return np.array([_best_cut(targets[:, i], probabilities[:, i], beta)
                     for i in range(targets.shape[1])])


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


def saved_thresholds(description, class_names):
    """Per-label thresholds saved with the model; the default for models saved without them."""
    saved = description.get("thresholds") or {}
    return [float(saved.get(name, DEFAULT_THRESHOLD)) for name in class_names]


def make_decider(thresholds=None, threshold=None, top_k=None):
    """A function from probabilities to 0/1 decisions: top K, else one threshold, else per label."""
    if top_k is not None:
        return lambda probabilities: top_k_decisions(probabilities, top_k)
    if threshold is not None:
        return lambda probabilities: (np.asarray(probabilities) >= threshold).astype(np.int64)
    return lambda probabilities: apply_thresholds(probabilities, thresholds)


def describe(threshold=None, top_k=None, tuned_by=None):
    """The rule in words, for reports: the same precedence as make_decider.

    `tuned_by` names the tuning rule when the per-label thresholds were tuned on the
    images being scored (training's validation split) rather than loaded with the model.
    """
    if top_k is not None:
        return f"top {top_k}"
    if threshold is not None:
        return f"threshold {threshold}"
    if tuned_by is not None:
        return f"per-label thresholds ({tuned_by}) tuned on these images"
    return "the thresholds saved with the model"

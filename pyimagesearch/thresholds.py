"""Per-label decision thresholds, tuned on held-out images.

Usage:
    thresholds = tune_thresholds(targets, probabilities, rule="f1")
    decisions = apply_thresholds(probabilities, thresholds)

A sigmoid's 0.5 is rarely the best cut for every label: a rare label or a
hard one is better served by its own threshold. The rule says what "best" is.
"""

import numpy as np
from sklearn import metrics

RULES = {  # name -> beta of the F-score it maximises, or None for a fixed 0.5
    "f1": 1.0,  # precision and recall weigh the same
    "f2": 2.0,  # recall weighs more: miss fewer labels
    "f0.5": 0.5,  # precision weighs more: claim fewer wrong labels
    "fixed": None,  # 0.5 for every label, no tuning
}
DEFAULT = 0.5  # for a label that cannot be tuned (no positive held-out image) or older models


def tune_thresholds(targets, probabilities, rule="f1"):
    """One threshold per label maximising the rule's F-score on these images."""
    targets, probabilities = np.asarray(targets), np.asarray(probabilities, dtype=np.float64)
    beta = RULES[rule]
    if beta is None:
        return np.full(targets.shape[1], DEFAULT)
    return np.array([_best_cut(targets[:, i], probabilities[:, i], beta)
                     for i in range(targets.shape[1])])


def _best_cut(truth, scores, beta):
    if not truth.any() or truth.all():
        return DEFAULT
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
    return (np.asarray(probabilities) >= np.asarray(thresholds)[np.newaxis, :]).astype(np.int64)

"""How a multi-label model's probabilities become yes/no labels, and the words for the rule.

Usage:
    cuts = tune_thresholds(targets, probabilities, rule="f1")  # training, on held-out images
    rule = DecisionRule.saved(description, class_names, model_groups, threshold, top_k)
    chosen = rule.decide(probabilities)  # 0/1, one column per label
    print(rule.describe())  # "the thresholds saved with the model"

Three rules: the K most probable labels (the 2018 recipe's top two), one threshold for
every label, or one threshold per label. A sigmoid's 0.5 is rarely the best cut for every
label: a rare label or a hard one is better served by its own threshold, tuned on held-out
images to maximise an F-score; the tuning rule says which. A model with exclusive label
groups (pyimagesearch/groups.py) takes the most probable label of each such group, exactly
one per image, and thresholds only the labels outside them; their labels are not tuned and
save no threshold (None). A --threshold or --top-k given by the user overrides the groups.

Cheap to import (numpy only; scikit-learn loads when tuning), so argparse can offer RULES.
"""

import dataclasses

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


@dataclasses.dataclass(frozen=True)
class DecisionRule:
    """How a model's probabilities become 0/1 labels, and the sentence that says how.

    The K most probable labels (`top_k`), else one `threshold` for every label, else one cut
    per label (`cuts`: NaN or None where an exclusive group decides; no cuts at all, a model
    saved without thresholds, is 0.5 each), the labels of each exclusive group (`groups`,
    over `class_names`) replaced by the group's most probable. A threshold or top K given
    by the user overrides the groups. `tuned_by` names the tuning rule when the cuts were
    tuned on the images being scored (training's validation split), not loaded with the model.
    """

    class_names: tuple
    cuts: tuple | None = None
    groups: tuple = ()
    threshold: float | None = None
    top_k: int | None = None
    tuned_by: str | None = None

    def __post_init__(self):
        # Tuples, so that a rule built from lists or arrays (or groups=None) is one value.
        fixed = {"class_names": tuple(self.class_names), "groups": tuple(self.groups or ()),
                 "cuts": None if self.cuts is None else tuple(self.cuts)}
        for name, value in fixed.items():
            object.__setattr__(self, name, value)

    @classmethod
    def saved(cls, description, class_names, groups=(), threshold=None, top_k=None):
        """The rule saved with a model (a descriptions.Description, its `groups` read by
        groups.from_json), unless the user gives a `threshold` or `top_k`. A label saved
        without a threshold, or with None (its exclusive group decides), gets the default."""
        saved = description.thresholds
        cuts = tuple(DEFAULT_THRESHOLD if saved.get(name) is None else float(saved[name])
                     for name in class_names) if saved else None
        return cls(class_names, cuts, groups, threshold, top_k)

    def decide(self, probabilities):
        """0/1 decisions (int64), one row per image and one column per label."""
        if self.top_k is not None:
            return top_k_decisions(probabilities, self.top_k)
        if self.threshold is not None:
            return (np.asarray(probabilities) >= self.threshold).astype(np.int64)
        # None and NaN (an exclusive label's) compare false; one_per_group sets those columns.
        cuts = np.full(len(self.class_names), DEFAULT_THRESHOLD) if self.cuts is None \
            else np.asarray(self.cuts, dtype=np.float64)
        return one_per_group(apply_thresholds(probabilities, cuts), probabilities,
                             self.groups, self.class_names)

    def describe(self):
        """The rule in words, for reports."""
        if self.top_k is not None:
            return f"top {self.top_k}"
        if self.threshold is not None:
            return f"threshold {self.threshold}"
        tuned = self.tuned_by is not None
        exclusive = [group.name for group in self.groups if group.exclusive]
        if exclusive:
            rule = f"one label per exclusive group ({', '.join(exclusive)})"
            if any(not group.exclusive for group in self.groups):
                rule += ", thresholds for the rest" + (
                    f" ({self.tuned_by}, tuned on these images)" if tuned else "")
            return rule
        if tuned:
            return f"per-label thresholds ({self.tuned_by}) tuned on these images"
        return "the thresholds saved with the model"

    def thresholds_by_label(self):
        """{label: the cut its decisions use, None where its exclusive group decides}, as
        the description saves them and the report shows them; None where no cut per label
        applies (top K, or a model saved without thresholds)."""
        if self.top_k is not None or self.threshold is None and self.cuts is None:
            return None
        if self.threshold is not None:
            return dict.fromkeys(map(str, self.class_names), self.threshold)
        grouped = {label for group in self.groups if group.exclusive for label in group.labels}
        return {str(name): None if name in grouped or not np.isfinite(cut) else float(cut)
                for name, cut in zip(self.class_names, np.asarray(self.cuts, np.float64))}

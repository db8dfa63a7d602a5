"""Honest multi-label scores: what fraction of images got every label right.

Usage:
    report = evaluate(targets, probabilities, class_names)
    print(format_report(report))

Keras' "accuracy" on a sigmoid model is per-label binary accuracy: it counts
each (image, label) pair, so a model that says "no" to everything scores about
67% on six labels with two positives each. The headline here is exact match
(scikit-learn's subset accuracy), and binary accuracy is named as what it is.
"""

import numpy as np
from sklearn import metrics


def top_k_decisions(probabilities, k=2):
    """0/1 decisions accepting the k most probable labels of each image (the recipe's rule)."""
    decisions = np.zeros_like(probabilities, dtype=np.int64)
    top = np.argsort(-probabilities, axis=1)[:, :k]
    np.put_along_axis(decisions, top, 1, axis=1)
    return decisions


def evaluate(targets, probabilities, class_names, threshold=0.5):
    """Scores of 0/1 `targets` against `probabilities` for the decisions the tool makes."""
    targets = np.asarray(targets, dtype=np.int64)
    at_threshold = (np.asarray(probabilities) >= threshold).astype(np.int64)
    top_two = top_k_decisions(np.asarray(probabilities), k=2)
    return {
        "images": int(len(targets)),
        "exact_match_top2": float(metrics.accuracy_score(targets, top_two)),
        "exact_match_at_threshold": float(metrics.accuracy_score(targets, at_threshold)),
        "threshold": threshold,
        "hamming_loss_top2": float(metrics.hamming_loss(targets, top_two)),
        "binary_accuracy_top2": float(1 - metrics.hamming_loss(targets, top_two)),
        "per_label_binary_accuracy_top2": {
            name: float(metrics.accuracy_score(targets[:, index], top_two[:, index]))
            for index, name in enumerate(class_names)},
    }


def format_report(report, title="held-out split"):
    rows = [
        ("exact-match accuracy, top two labels (the recipe's rule)", report["exact_match_top2"]),
        (f"exact-match accuracy, labels with p >= {report['threshold']}",
         report["exact_match_at_threshold"]),
        ("binary accuracy per label, top two (mean over labels)", report["binary_accuracy_top2"]),
    ]
    rows += [(f"  {name}", value) for name, value in report["per_label_binary_accuracy_top2"].items()]
    width = max(len(name) for name, _ in rows)
    lines = [f"evaluation on the {title} ({report['images']} images):"]
    lines += [f"  {name:<{width}}  {value:.3f}" for name, value in rows]
    return "\n".join(lines)

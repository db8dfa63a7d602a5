"""The training curves, saved as a PNG.

Usage:
    save_history_plot(history.history, "output/plot.png")
"""

import matplotlib

matplotlib.use("Agg")  # files only: never needs a display
import matplotlib.pyplot as plt  # noqa: E402

from pyimagesearch.files import atomic_write  # noqa: E402

CURVES = (  # (history key, what it honestly is)
    ("loss", "binary cross-entropy loss"),
    ("binary_accuracy", "per-label binary accuracy"),
    ("exact_match", "exact match (all labels right, p >= 0.5)"),
    ("map", "mAP estimate (area under precision-recall)"),
)


def save_history_plot(history, path, best_epoch=None):
    """One panel per measure, training and validation per epoch; the kept epoch marked."""
    curves = [(key, title) for key, title in CURVES if key in history]
    figure, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 4.5), squeeze=False)
    epochs = range(1, len(history["loss"]) + 1)
    for axis, (key, title) in zip(axes[0], curves):
        axis.plot(epochs, history[key], label="training")
        if f"val_{key}" in history:
            axis.plot(epochs, history[f"val_{key}"], label="validation")
        if best_epoch:
            axis.axvline(best_epoch, color="grey", linestyle="--", label=f"kept: epoch {best_epoch}")
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)

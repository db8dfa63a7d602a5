"""Labels: reading them from folder names and manifests, and turning them into 0/1 targets.

Usage:
    from_folder_name("Red_Dress")             # ["red", "dress"]
    from_text("partly_cloudy, primary")        # ["partly_cloudy", "primary"]
    binarizer, targets = binarize([["red", "dress"], ["blue", "shirt"]])
    targets = targets_for(labels, binarizer.classes_)

Labels are lower-cased, stripped, and each counts once per image. A folder's name is its
labels joined by "_"; in a manifest a label is exactly what the separators (commas and
spaces) delimit, so Planet's `partly_cloudy` stays one label.
"""

import re

from pyimagesearch.errors import UserError


def from_folder_name(folder_name):
    """`red_dress` -> ["red", "dress"]: lower-case, no empties, no repeats, in order."""
    return _normalised(folder_name.split("_"))


def from_text(text):
    """`"partly_cloudy, Primary"` -> ["partly_cloudy", "primary"]: split at commas and
    spaces only, lower-case, no empties, no repeats, in order."""
    return _normalised(re.split(r"[,\s]+", text))


def _normalised(parts):
    labels = (part.strip().lower() for part in parts)
    return list(dict.fromkeys(label for label in labels if label))


def binarize(labels):
    """Fit scikit-learn's MultiLabelBinarizer: (binarizer, N x labels 0/1 array)."""
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    return binarizer, binarizer.fit_transform(labels)


def check_known(labels, class_names, source):
    """The labels of `labels` (lists of names) that `class_names` lacks, sorted; a UserError
    when no image has a single known label: there would be nothing to score."""
    seen = {label for row in labels for label in row}
    if not seen & set(class_names):
        shown = ", ".join(sorted(seen)[:8]) + (", ..." if len(seen) > 8 else "")
        raise UserError(f"none of the labels in {source} ({shown or 'none'}) is one the model "
                        f"was trained on ({', '.join(map(str, class_names))}): nothing to "
                        "score")
    return sorted(seen - set(class_names))


def targets_for(labels, class_names):
    """0/1 targets in a trained model's label order; labels it does not know are dropped."""
    from sklearn.preprocessing import MultiLabelBinarizer

    known = set(class_names)
    return MultiLabelBinarizer(classes=list(class_names)).fit_transform(
        [[label for label in row if label in known] for row in labels])

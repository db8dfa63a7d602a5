"""Labels from a CSV manifest instead of folder names (fastai / Kaggle Planet style).

Usage:
    entries, missing = read_manifest("labels.csv", image_root="images")

A manifest has a header, one column naming the image file and one listing its labels,
separated by spaces or commas ("haze primary", "red,dress"); quoting follows the CSV
rules. Paths are relative to `image_root` (default: the manifest's folder); a name without
an extension is tried with each image extension, as Planet's `train_0` -> `train_0.jpg`.
A label is exactly what the separators delimit, lower-cased and each once; an underscore
stays inside its label (Planet's `partly_cloudy` is one label, unlike a folder name's `_`).
"""

import csv
import os

from pyimagesearch import labels
from pyimagesearch.errors import UserError
from pyimagesearch.images import IMAGE_EXTENSIONS

PATH_COLUMNS = ("path", "image", "image_path", "file", "filename", "file_name", "image_name",
                "image_id", "id", "name", "fname")
LABEL_COLUMNS = ("labels", "label", "tags", "classes", "categories")


def read_manifest(path, image_root=None, path_column=None, labels_column=None):
    """(entries, missing): [(image path, labels)] and [(path, reason)] for absent files and
    rows without labels."""
    rows, header = _read_rows(path)
    path_column = _pick(header, path_column, PATH_COLUMNS, "image path", path)
    labels_column = _pick(header, labels_column, LABEL_COLUMNS, "labels", path)
    root = image_root or os.path.dirname(os.path.abspath(path))
    entries, missing, unlabelled = [], [], 0
    for line, row in rows:
        name = (row.get(path_column) or "").strip()
        if not name:
            raise UserError(f"{path}, line {line}: empty {path_column!r}")
        image = _resolve(root, name)
        image_labels = labels.from_text(row.get(labels_column) or "")
        if not image_labels:  # skipped and counted, as an unreadable image is
            unlabelled += 1
            missing.append((os.path.join(root, name), f"{os.path.join(root, name)}: no labels "
                                                      f"(listed in {path}, line {line})"))
        elif image is None:
            missing.append((os.path.join(root, name), f"{os.path.join(root, name)}: file not found "
                                                      f"(listed in {path}, line {line})"))
        else:
            entries.append((image, image_labels))
    if not entries and unlabelled == len(rows):
        raise UserError(f"no row of manifest {path} has labels in its {labels_column!r} column")
    if not entries:
        raise UserError(f"none of the images listed in {path} exist under {root}")
    return entries, missing


def _read_rows(path):
    reader = None
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            # Strict: a quote opened and never closed is an error, not the rest of the file
            # swallowed into one row's labels.
            reader = csv.DictReader(handle, skipinitialspace=True, strict=True)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise UserError(f"manifest not found: {path}") from None
    except csv.Error as error:
        line = reader.reader.line_num if reader else "?"
        raise UserError(f"cannot read manifest {path}, line {line}: {error} (a quote opened "
                        "and never closed?)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read manifest {path}: {error}") from None
    if not header or not rows:
        raise UserError(f"manifest {path} has no header or no rows")
    return rows, header


def _pick(header, requested, known, what, path):
    if requested:
        if requested not in header:
            raise UserError(f"manifest {path} has no column {requested!r}; its columns: "
                            f"{', '.join(header)}")
        return requested
    by_lower = {name.lower(): name for name in header}
    for name in known:
        if name in by_lower:
            return by_lower[name]
    raise UserError(f"manifest {path}: no {what} column among {', '.join(header)} "
                    f"(expected one of {', '.join(known)}, or name it with a flag)")


def _resolve(root, name):
    candidate = os.path.join(root, name)
    if os.path.isfile(candidate):
        return candidate
    if not os.path.splitext(name)[1]:
        for extension in IMAGE_EXTENSIONS:
            if os.path.isfile(candidate + extension):
                return candidate + extension
    return None

"""Finding labelled images in folders and loading them as one uint8 array.

Usage:
    dataset = load_dataset("dataset", size=(96, 96))
    dataset.images  # (N, 96, 96, 3) uint8, RGB
    dataset.labels  # [["red", "dress"], ...]

A folder's name is its images' labels joined by "_": `red_dress` -> red, dress.
Labels are lower-cased and a repeated label counts once (`Red_red` -> red), so
`Red_Dress` and `red_dress` are the same labels. Files that cannot be decoded
are skipped and listed, never fatal.
"""

import concurrent.futures
import dataclasses
import os

import numpy as np

from pyimagesearch import cli
from pyimagesearch import images as image_io
from pyimagesearch.errors import ImageError, UserError


@dataclasses.dataclass
class Dataset:
    images: np.ndarray  # (N, height, width, 3) uint8
    labels: list  # N lists of label names
    paths: list  # N paths, in the order of images
    skipped: list  # (path, reason) for every file that could not be read


def parse_labels(folder_name):
    """`red_dress` -> ["red", "dress"]: lower-case, no empties, no repeats, in order."""
    labels = [part.strip().lower() for part in folder_name.split("_")]
    return list(dict.fromkeys(label for label in labels if label))


def find_images(root):
    """Every image file under `root` (sorted, hidden files and folders left out)."""
    if not os.path.isdir(root):
        raise UserError(f"dataset folder not found: {root}")
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        if os.path.samefile(folder, root):
            continue  # images need a label folder; the dataset root has no labels
        found.extend(os.path.join(folder, name) for name in sorted(files)
                     if image_io.is_image_file(name))
    return found


def load_dataset(root, size, workers=None, progress=True):
    """Decode every image under `root` in parallel, resized to `size` = (width, height)."""
    paths = find_images(root)
    if not paths:
        raise UserError(f"no images found in {root}: expected label folders such as "
                        f"{os.path.join(root, 'red_dress')} holding JPEG or PNG files")
    loaded, skipped = _decode_all(paths, size, workers, progress)
    if not loaded:
        raise UserError(f"none of the {len(paths)} image files in {root} could be read")
    kept = [path for path in paths if path in loaded]
    labels = [parse_labels(os.path.basename(os.path.dirname(path))) for path in kept]
    _check_label_folders(root, labels)
    return Dataset(images=np.stack([loaded[path] for path in kept]), labels=labels,
                   paths=kept, skipped=skipped)


def _decode_all(paths, size, workers, progress):
    cli.quiet_tensorflow()
    import keras  # deferred: only a real load needs it, for the progress bar

    bar = keras.utils.Progbar(len(paths), unit_name="image") if progress else None
    loaded, skipped = {}, []

    def decode(path):
        try:
            return path, image_io.load_image(path, size), None
        except ImageError as error:
            return path, None, str(error)

    workers = workers or min(8, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        for done, (path, image, error) in enumerate(executor.map(decode, paths), 1):
            if image is None:
                skipped.append((path, error))
            else:
                loaded[path] = image
            if bar and (done % 64 == 0 or done == len(paths)):
                bar.update(done)
    return loaded, skipped


def _check_label_folders(root, labels):
    combinations = {tuple(sorted(image_labels)) for image_labels in labels}
    if len(combinations) < 2:
        only = "_".join(next(iter(combinations))) or "(no labels)"
        raise UserError(f"only one label folder ({only}) in {root}: multi-label training "
                        "needs at least two folders with different labels")


def describe_skipped(skipped, limit=10):
    """A warning listing unreadable files, or "" when there are none."""
    if not skipped:
        return ""
    lines = [f"warning: skipped {len(skipped)} unreadable file(s):"]
    lines += [f"  {reason}" for _, reason in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"  ... and {len(skipped) - limit} more")
    return "\n".join(lines)


def binarize(labels):
    """Fit scikit-learn's MultiLabelBinarizer: (binarizer, N x labels 0/1 array)."""
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    return binarizer, binarizer.fit_transform(labels)


def split_indices(count, validation_fraction, seed):
    """The recipe's plain random split (scikit-learn, random_state=seed): train, validation."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(count)
    if round(count * validation_fraction) < 1 or round(count * (1 - validation_fraction)) < 1:
        raise UserError(f"{count} images are too few to hold out {validation_fraction:.0%} "
                        "for validation and still train")
    return train_test_split(indices, test_size=validation_fraction, random_state=seed)


def describe(dataset, binarizer, targets):
    """Images per label, for the user to check before waiting on training."""
    counts = ", ".join(f"{name} {int(total)}"
                       for name, total in zip(binarizer.classes_, targets.sum(axis=0)))
    return f"{len(dataset.paths)} images, {len(binarizer.classes_)} labels: {counts}"

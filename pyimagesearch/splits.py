"""Holding images out for validation without leaking duplicates across the split.

Usage:
    train_index, validation_index = split(targets, hashes, 0.2, seed=42, method="stratified")

"stratified" (the default) keeps each label combination in the same proportion on both
sides, so every combination seen in training is also evaluated; exact duplicate files
(same bytes) always land on the same side. For manifests, where combinations are many,
multi-label iterative stratification (the iterative-stratification package) is used.
"recipe" is the 2018 script's split, file for file: the files imutils lists, sorted as
strings, shuffled by `random.seed(seed)`, then scikit-learn's train_test_split with
random_state=seed (seed 42 is the recipe's); files imutils does not list train.
"random" is a plain train_test_split over the images in the project's order.
The last two keep duplicates wherever they fall.

`k_folds` deals every image into one of k folds the same way (multi-label stratified,
duplicates together), for out-of-fold predictions (pyimagesearch/label_errors.py).
"""

import os
import random

import numpy as np
from sklearn.model_selection import train_test_split

from pyimagesearch import defaults
from pyimagesearch.errors import UserError

METHODS = defaults.SPLITS
# imutils.paths.image_types, which the 2018 script listed its dataset with; the project reads
# more formats (.gif, .webp), which the recipe never saw.
RECIPE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


def split(targets, hashes, fraction, seed, method="stratified", multilabel=False, paths=None):
    """(train indices, validation indices) into the images; "recipe" needs their `paths`."""
    targets = np.asarray(targets)
    count = len(targets)
    _check_size(count, fraction)
    if method == "recipe":
        if paths is None:
            raise ValueError("the recipe split needs the images' paths")
        return _recipe(paths, fraction, seed)
    if method == "random":
        return train_test_split(np.arange(count), test_size=fraction, random_state=seed)
    group_of_image, first_image = _duplicate_groups(hashes)
    group_targets = targets[first_image]
    if multilabel:
        train_groups, validation_groups = _iterative(group_targets, fraction, seed)
    else:
        train_groups, validation_groups = _by_combination(group_targets, fraction, seed)
    in_validation = np.isin(group_of_image, validation_groups)
    return np.flatnonzero(~in_validation), np.flatnonzero(in_validation)


def k_folds(targets, hashes, folds, seed):
    """The fold (0 .. folds - 1) of each image: label frequencies alike in every fold
    (iterative stratification) and exact duplicates in one fold, so that no image is
    predicted by a model trained on its copy."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    group_of_image, first_image = _duplicate_groups(hashes)
    if len(first_image) < folds:
        raise UserError(f"{len(first_image)} distinct images are too few for {folds} folds")
    fold_of_group = np.empty(len(first_image), np.int64)
    splitter = MultilabelStratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    group_targets = np.asarray(targets)[first_image]
    for fold, (_, held_out) in enumerate(splitter.split(group_targets, group_targets)):
        fold_of_group[held_out] = fold
    return fold_of_group[group_of_image]


def _check_size(count, fraction, what="images"):
    if round(count * fraction) < 1 or round(count * (1 - fraction)) < 1:
        raise UserError(f"{count} {what} are too few to hold out {fraction:.0%} "
                        "for validation and still train")


def _recipe(paths, fraction, seed):
    """The 2018 script's held-out files, as indices into `paths`.

    Its order is independent of ours: the paths as strings, sorted, then shuffled by
    Python's generator seeded as `random.seed(seed)` seeds it.
    """
    listed = sorted((str(path), index) for index, path in enumerate(paths)
                    if _recipe_lists(str(path)))
    if not listed:
        raise UserError(f"none of the {len(paths)} images is a file the recipe's imutils "
                        f"lists ({', '.join(RECIPE_EXTENSIONS)}): use another --split")
    _check_size(len(listed), fraction, "images the recipe lists")
    order = [index for _, index in listed]
    random.Random(seed).shuffle(order)
    train, validation = train_test_split(np.array(order), test_size=fraction, random_state=seed)
    unlisted = np.setdiff1d(np.arange(len(paths)), order)
    return np.concatenate([train, unlisted]), validation


def _recipe_lists(path):
    """imutils.paths.list_files' test: the name from its last dot, lower-cased."""
    name = os.path.basename(path)
    return name[name.rfind("."):].lower().endswith(RECIPE_EXTENSIONS)


def duplicate_groups(hashes):
    """{digest: [image indices]} for every digest shared by more than one image."""
    groups = {}
    for index, digest in enumerate(hashes):
        groups.setdefault(digest, []).append(index)
    return {digest: members for digest, members in groups.items() if len(members) > 1}


def _duplicate_groups(hashes):
    _, first_image, group_of_image = np.unique(np.asarray(hashes), return_index=True,
                                               return_inverse=True)
    return group_of_image.ravel(), first_image


def _by_combination(group_targets, fraction, seed):
    """Stratify groups by label combination; a combination seen once can only train."""
    keys = np.array(["".join(map(str, row)) for row in group_targets.astype(int)])
    values, counts = np.unique(keys, return_counts=True)
    single = np.isin(keys, values[counts < 2])
    groups = np.arange(len(keys))
    try:
        train, validation = train_test_split(groups[~single], test_size=fraction,
                                             random_state=seed, stratify=keys[~single])
    except ValueError:  # too many combinations for the held-out size: stratify per label
        return _iterative(group_targets, fraction, seed)
    return np.concatenate([train, groups[single]]), validation


def _iterative(group_targets, fraction, seed):
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    train, validation = next(splitter.split(np.zeros(len(group_targets)), group_targets))
    return train, validation

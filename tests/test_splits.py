"""The recipe split holds out the very files the 2018 script held out."""

import os
import random

import cv2
import numpy as np
import pytest

from pyimagesearch import dataset as data
from pyimagesearch import splits
from pyimagesearch.errors import UserError

# Folder names chosen so that the project's walk order (folder by folder) differs from the
# recipe's sorted string order ("red-dress/..." sorts before "red/..."), upper-case
# extensions that imutils accepts, and formats only the project reads.
FILES = {
    "red": ["a.png", "B.png", "c.JPG", "10.jpeg", "9.png", "d.png", "e.png"],
    "red-dress": ["a.png", "b.png", "c.png", "d.tif", "e.png", "f.gif", "g.png"],
    "blue_shirt": ["a.png", "b.bmp", "c.png", "d.png", "e.webp", "f.png", "g.png", "h.png"],
    "Blue_dress": ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png", "g.png"],
    "blue_shirt/worn": ["a.png", "b.png", "c.png"],
}


def make_tree(root):
    pixels = cv2.imencode(".png", np.zeros((2, 2, 3), np.uint8))[1].tobytes()
    for folder, names in FILES.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for name in names:
            with open(os.path.join(root, folder, name), "wb") as handle:
                handle.write(pixels)  # the split reads names, not pixels
    return str(root)


def held_out_by_the_2018_script(root):
    """The 2018 train.py's own lines, keeping the paths instead of the decoded images."""
    from imutils import paths
    from sklearn.model_selection import train_test_split

    imagePaths = sorted(list(paths.list_images(root)))
    random.seed(42)
    random.shuffle(imagePaths)
    labels = [path.split(os.path.sep)[-2].split("_") for path in imagePaths]
    (trainX, testX, trainY, testY) = train_test_split(imagePaths, labels, test_size=0.2,
                                                      random_state=42)
    return testX


def recipe_split(image_paths, seed=42):
    targets = np.eye(2, dtype=int)[np.arange(len(image_paths)) % 2]
    return splits.split(targets, list(image_paths), 0.2, seed, method="recipe",
                        paths=list(image_paths))


def test_recipe_split_holds_out_the_2018_scripts_files(tmp_path):
    root = make_tree(tmp_path / "dataset")
    image_paths = data.find_images(root)
    train, validation = recipe_split(image_paths)
    expected = held_out_by_the_2018_script(root)
    assert sorted(image_paths[i] for i in validation) == sorted(expected)
    assert sorted(np.concatenate([train, validation])) == list(range(len(image_paths)))
    only_the_project_reads = [i for i, path in enumerate(image_paths)
                              if path.endswith((".gif", ".webp"))]
    assert len(only_the_project_reads) == 2 and set(only_the_project_reads) <= set(train)


def test_recipe_split_does_not_depend_on_the_projects_order(tmp_path):
    root = make_tree(tmp_path / "dataset")
    image_paths = data.find_images(root)
    reordered = image_paths[::-1]
    _, validation = recipe_split(reordered)
    assert sorted(reordered[i] for i in validation) == sorted(held_out_by_the_2018_script(root))


def test_recipe_split_of_a_manifest_uses_its_paths_as_written():
    image_paths = [f"img/{index}.jpg" for index in range(30)] + ["img/30.webp"]
    shuffled = sorted(image_paths[:30])
    random.Random(7).shuffle(shuffled)
    from sklearn.model_selection import train_test_split

    expected = train_test_split(shuffled, test_size=0.2, random_state=7)[1]
    _, validation = recipe_split(image_paths, seed=7)
    assert sorted(image_paths[i] for i in validation) == sorted(expected)


def test_recipe_split_needs_images_the_recipe_can_list():
    with pytest.raises(UserError, match="recipe"):
        recipe_split([f"img/{index}.webp" for index in range(30)])
    with pytest.raises(ValueError, match="paths"):
        splits.split(np.eye(2, dtype=int)[np.arange(10) % 2], list(range(10)), 0.2, 42,
                     method="recipe")


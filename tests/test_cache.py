"""The decoded-image cache: hits, misses after changes, and damaged cache files."""

import os
import time

import numpy as np

from pyimagesearch import cache as image_cache
from pyimagesearch import dataset as data
from tests.conftest import make_dataset

SIZE = (16, 16)


def load(root, cache_dir):
    return data.load_dataset(str(root), SIZE, progress=False, cache_dir=str(cache_dir))


def test_second_load_decodes_nothing_and_gives_the_same_arrays(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=3)
    first = load(root, tmp_path / "cache")
    second = load(root, tmp_path / "cache")
    assert first.decoded == 12 and second.decoded == 0
    np.testing.assert_array_equal(first.images, second.images)
    assert first.paths == second.paths and first.hashes == second.hashes
    assert first.labels == second.labels


def test_touched_added_and_removed_files_are_noticed(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=3)
    load(root, tmp_path / "cache")
    touched = os.path.join(root, "red_dress", "000.png")
    later = time.time() + 10
    os.utime(touched, (later, later))
    assert load(root, tmp_path / "cache").decoded == 1
    make_dataset(tmp_path / "extra", per_folder=1, folders=("blue_shirt",), seed=5)
    os.replace(tmp_path / "extra" / "blue_shirt" / "000.png",
               os.path.join(root, "blue_shirt", "new.png"))
    added = load(root, tmp_path / "cache")
    assert added.decoded == 1 and len(added.paths) == 13
    os.remove(os.path.join(root, "red_shirt", "001.png"))
    removed = load(root, tmp_path / "cache")
    assert removed.decoded == 0 and len(removed.paths) == 12


def test_unreadable_files_are_remembered_until_they_change(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=2)
    broken = os.path.join(root, "red_dress", "broken.jpg")
    open(broken, "wb").write(b"nope")
    assert load(root, tmp_path / "cache").decoded == 9
    again = load(root, tmp_path / "cache")
    assert again.decoded == 0 and [p for p, _ in again.skipped] == [broken]


def test_a_damaged_cache_file_is_ignored_and_rebuilt(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=2)
    first = load(root, tmp_path / "cache")
    (cache_file,) = [tmp_path / "cache" / name for name in os.listdir(tmp_path / "cache")]
    cache_file.write_bytes(cache_file.read_bytes()[:200])  # torn half-way
    rebuilt = load(root, tmp_path / "cache")
    assert rebuilt.decoded == 8
    np.testing.assert_array_equal(first.images, rebuilt.images)
    assert load(root, tmp_path / "cache").decoded == 0
    assert not [name for name in os.listdir(tmp_path / "cache") if name.startswith(".")]


def test_each_size_has_its_own_cache(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=2)
    load(root, tmp_path / "cache")
    other = data.load_dataset(root, (8, 8), progress=False, cache_dir=str(tmp_path / "cache"))
    assert other.decoded == 8 and other.images.shape[1:3] == (8, 8)
    assert len(os.listdir(tmp_path / "cache")) == 2
    assert image_cache.default_dir().endswith("pyimagesearch-multilabel")

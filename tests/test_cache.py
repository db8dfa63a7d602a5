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


def write_bmp(path, value):
    """A BMP of one grey level: uncompressed, so every such file has the same size."""
    import cv2

    assert cv2.imwrite(str(path), np.full((20, 20, 3), value, np.uint8))


def test_content_replaced_with_the_same_size_and_mtime_is_decoded_again(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=2)
    path = os.path.join(root, "red_dress", "a.bmp")
    write_bmp(path, 10)
    first = load(root, tmp_path / "cache")
    row = first.paths.index(path)
    before = os.stat(path)
    time.sleep(0.05)  # past the clock tick of the first write, as any real copy would be
    write_bmp(path, 200)  # rewritten in place, as `cp -p` or `rsync -t` onto it would
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    second = load(root, tmp_path / "cache")
    assert second.decoded == 1
    assert second.images[row].min() == second.images[row].max() == 200
    assert second.hashes[row] != first.hashes[row]
    assert second.hashes[row] == data.file_digest(path)
    # A copy of another file (a new inode) with the old size and mtime: seen too.
    copy = tmp_path / "copy.bmp"
    write_bmp(copy, 90)
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(copy, path)
    third = load(root, tmp_path / "cache")
    assert third.decoded == 1 and third.images[row].max() == 90


def test_cache_entries_are_the_resolved_image_paths(tmp_path, monkeypatch):
    """A relative folder from another working directory never hits the first one's
    entries, and the same images through a manifest share them."""
    for place in ("one", "two"):
        make_dataset(tmp_path / place / "set", per_folder=2, seed=len(place) + ord(place[0]))
    cache_dir = tmp_path / "cache"
    monkeypatch.chdir(tmp_path / "one")
    first = load("set", cache_dir)
    monkeypatch.chdir(tmp_path / "two")
    other = load("set", cache_dir)
    assert other.decoded == 8
    assert not np.array_equal(first.images, other.images)
    entries = [(path, labels) for path, labels in data.labelled_images("set")]
    again = data.load_dataset(entries, SIZE, progress=False, cache_dir=str(cache_dir),
                              origin="labels.csv")
    assert again.decoded == 0
    np.testing.assert_array_equal(again.images, other.images)
    absolute = data.load_dataset(str(tmp_path / "two" / "set"), SIZE, progress=False,
                                 cache_dir=str(cache_dir))
    assert absolute.decoded == 0

"""Datasets larger than memory: images in a file, read a batch at a time, same results."""

import os

import numpy as np
import pytest

import train
from pyimagesearch import dataset as data
from pyimagesearch import models, training
from pyimagesearch.cache import ImageCache
from pyimagesearch.store import RowFile
from tests.conftest import NO_EXTRAS, make_dataset


def test_row_file_reads_what_was_written(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 4, 3, 3), dtype=np.uint8)
    rows = RowFile.create(images.shape, tmp_path)
    for row, image in enumerate(images):
        rows[row] = image
    assert len(rows) == 5 and rows.shape == images.shape and rows.nbytes == images.nbytes
    np.testing.assert_array_equal(rows[3], images[3])
    np.testing.assert_array_equal(rows[[4, 0, 4]], images[[4, 0, 4]])
    np.testing.assert_array_equal(rows[1:3], images[1:3])
    np.testing.assert_array_equal(np.asarray(rows.truncated(2)), images[:2])
    with pytest.raises(IndexError):
        rows[5]
    rows[1:4] = images[::-1][1:4]  # consecutive rows in one write
    np.testing.assert_array_equal(rows[1:4], images[::-1][1:4])
    with pytest.raises(ValueError):
        rows[0:4:2] = images[:2]
    assert os.listdir(tmp_path) == []  # a private file, unlinked from the start


@pytest.fixture
def no_memory(monkeypatch):
    monkeypatch.setattr(data, "IN_MEMORY_LIMIT", 0)


def test_large_dataset_loads_into_a_file_with_the_same_images(dataset_dir, tmp_path, no_memory,
                                                              monkeypatch):
    in_file = data.load_dataset(dataset_dir, (16, 16), progress=False, cache_dir=tmp_path)
    assert isinstance(in_file.images, RowFile)
    warm = data.load_dataset(dataset_dir, (16, 16), progress=False, cache_dir=tmp_path)
    assert warm.decoded == 0 and isinstance(warm.images, RowFile)
    monkeypatch.setattr(data, "IN_MEMORY_LIMIT", 1 << 30)
    in_memory = data.load_dataset(dataset_dir, (16, 16), progress=False)
    assert isinstance(in_memory.images, np.ndarray)
    for loaded in (in_file, warm):
        np.testing.assert_array_equal(np.asarray(loaded.images), in_memory.images)
    cached = ImageCache.open(tmp_path, dataset_dir, (16, 16))
    np.testing.assert_array_equal(np.asarray(cached.rows), in_memory.images)


def test_a_validation_folder_joins_the_file_without_reading_it_whole(dataset_dir, tmp_path,
                                                                      no_memory, monkeypatch):
    validation = make_dataset(tmp_path / "val", per_folder=2, seed=9)
    merged, validation_index = data.load_training_data(
        dataset_dir, None, validation, (16, 16), progress=False, scratch_dir=tmp_path)
    assert isinstance(merged.images, RowFile)
    assert len(merged.images) == 40 + len(validation_index) == 48
    monkeypatch.setattr(data, "IN_MEMORY_LIMIT", 1 << 30)
    in_memory, _ = data.load_training_data(dataset_dir, None, validation, (16, 16),
                                           progress=False)
    np.testing.assert_array_equal(np.asarray(merged.images), in_memory.images)
    np.testing.assert_array_equal(in_memory.images[validation_index],
                                  data.load_dataset(validation, (16, 16), progress=False).images)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
def test_without_a_cache_the_file_goes_to_the_scratch_folder(dataset_dir, tmp_path, no_memory):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    loaded = data.load_dataset(dataset_dir, (16, 16), progress=False, scratch_dir=scratch)
    where = os.readlink(f"/proc/self/fd/{loaded.images.descriptor}")
    assert where.startswith(str(scratch) + os.sep) and where.endswith("(deleted)")
    assert os.listdir(scratch) == []


def test_unreadable_files_are_compacted_out_of_the_file(dataset_dir, tmp_path, no_memory,
                                                         monkeypatch):
    import shutil

    root = shutil.copytree(dataset_dir, tmp_path / "set")
    (root / "red_dress" / "000.png").write_bytes(b"broken")
    loaded = data.load_dataset(str(root), (16, 16), progress=False)
    monkeypatch.setattr(data, "IN_MEMORY_LIMIT", 1 << 30)
    in_memory = data.load_dataset(str(root), (16, 16), progress=False)
    assert len(loaded.images) == len(loaded.paths) == 39 and len(loaded.skipped) == 1
    np.testing.assert_array_equal(np.asarray(loaded.images), in_memory.images)


def test_batches_and_predictions_from_a_file_equal_those_from_memory(tmp_path):
    images = np.random.default_rng(1).integers(0, 256, (10, 16, 16, 3), dtype=np.uint8)
    rows = RowFile.create(images.shape, tmp_path)
    for row, image in enumerate(images):
        rows[row] = image
    targets = np.eye(10, 2, dtype=np.float32)
    index = np.array([7, 2, 5])
    from_file = list(training.make_batches(rows, targets, 2, index=index))
    from_memory = list(training.make_batches(images, targets, 2, index=index))
    for (a, b), (c, d) in zip(from_file, from_memory):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    model = models.build_model((16, 16), 2)
    np.testing.assert_allclose(training.predict(model, rows, index),
                               model.predict(images[index], verbose=0), rtol=1e-5, atol=1e-6)


def test_training_end_to_end_from_a_file(dataset_dir, tmp_path, no_memory):
    code = train.main(["--dataset", dataset_dir, "--output", str(tmp_path / "out"),
                       "--epochs", "1", "--image-size", "16", "--quiet", *NO_EXTRAS,
                       "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    assert os.path.getsize(tmp_path / "out" / "fashion.keras") > 0

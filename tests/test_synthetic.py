"""Tests for the synthetic fashion generator: reproducible, well-formed, colour-true images.

Usage: .venv/bin/python -m pytest tests/test_synthetic.py  (the generator is tools/synthetic.py)
"""

import itertools
import os

import cv2
import numpy as np
import pytest

from tools import synthetic


def render(seed, colour, item, size=64):
    """One rendered scene and its garment coverage from a fresh generator."""
    return synthetic.render_scene(np.random.default_rng(seed), colour, item, size)


def relative_files(directory):
    """Every file under directory, as sorted "/"-separated relative paths."""
    return sorted(os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
                  for root, _, names in os.walk(directory) for name in names)


def test_same_seed_gives_identical_images_and_different_seeds_do_not():
    first = synthetic.render_garment(np.random.default_rng(7), "red", "dress", 96)
    second = synthetic.render_garment(np.random.default_rng(7), "red", "dress", 96)
    other = synthetic.render_garment(np.random.default_rng(8), "red", "dress", 96)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("colour, item", list(itertools.product(synthetic.COLOURS, synthetic.ITEMS)))
def test_every_colour_and_item_renders_a_visible_garment(colour, item):
    image, coverage = render(3, colour, item)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert coverage.shape == (64, 64)
    # The garment must fill a real part of the frame, and the picture must not be a flat field.
    assert 0.05 < coverage.mean() < 0.8
    assert image.std() > 5


def test_default_size_is_128_rgb():
    image = synthetic.render_garment(np.random.default_rng(0), "blue", "jeans")
    assert image.shape == (128, 128, 3) and image.dtype == np.uint8


def test_unknown_garment_is_rejected():
    with pytest.raises(ValueError):
        synthetic.render_garment(np.random.default_rng(0), "green", "dress")
    with pytest.raises(ValueError):
        synthetic.render_garment(np.random.default_rng(0), "red", "hat")


def mean_garment_colour(colour, item, count=6):
    """Mean RGB (0-255) over the fully covered garment pixels of several renders."""
    pixels = []
    for seed in range(count):
        image, coverage = render(100 + seed, colour, item)
        pixels.append(image[coverage > 0.99].astype(np.float64))
    return np.concatenate(pixels).mean(axis=0)


@pytest.mark.parametrize("item", synthetic.ITEMS)
def test_colour_families_differ_on_the_garment(item):
    red, green, blue = 0, 1, 2
    red_mean = mean_garment_colour("red", item)
    blue_mean = mean_garment_colour("blue", item)
    black_mean = mean_garment_colour("black", item)
    assert red_mean[red] > red_mean[blue] + 40 and red_mean[red] > red_mean[green] + 40
    assert blue_mean[blue] > blue_mean[red] + 40
    # Black is dark and nearly grey: darker than both other families, with little colour.
    assert black_mean.mean() + 30 < min(red_mean.mean(), blue_mean.mean())
    assert black_mean.max() - black_mean.min() < 15


def test_generate_dataset_is_byte_for_byte_reproducible(tmp_path):
    first_count = synthetic.generate_dataset(tmp_path / "first", per_class=2, size=64)
    second_count = synthetic.generate_dataset(tmp_path / "second", per_class=2, size=64)
    expected = sorted(f"{name}/{name}_{index:04d}.jpg" for name in synthetic.CLASSES for index in range(2))
    assert first_count == second_count == 12
    assert relative_files(tmp_path / "first") == relative_files(tmp_path / "second") == expected
    for name in expected:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    image = cv2.imread(str(tmp_path / "first" / expected[0]))
    assert image.shape == (64, 64, 3)


def test_examples_are_not_copies_of_training_images(tmp_path):
    synthetic.generate_dataset(tmp_path / "dataset", per_class=2)
    assert synthetic.generate_examples(tmp_path / "examples", size=128) == 7
    training = {(tmp_path / "dataset" / name).read_bytes() for name in relative_files(tmp_path / "dataset")}
    for name in relative_files(tmp_path / "examples"):
        assert (tmp_path / "examples" / name).read_bytes() not in training


def test_cli_writes_expected_files_and_one_summary_line(tmp_path, capsys):
    dataset, examples = tmp_path / "dataset", tmp_path / "examples"
    synthetic.main(["--dataset", str(dataset), "--examples", str(examples), "--per-class", "1"])
    assert relative_files(dataset) == sorted(f"{name}/{name}_0000.jpg" for name in synthetic.CLASSES)
    assert relative_files(examples) == [f"example_{index:02d}.jpg" for index in range(1, 8)]
    assert cv2.imread(str(dataset / "red_dress" / "red_dress_0000.jpg")).shape == (128, 128, 3)
    assert cv2.imread(str(examples / "example_07.jpg")).shape == (256, 256, 3)
    output_lines = capsys.readouterr().out.strip().splitlines()
    assert len(output_lines) == 1 and output_lines[0].startswith("wrote 13 files")
    # Running again over its own files is allowed and gives the same bytes.
    before = (dataset / "blue_shirt" / "blue_shirt_0000.jpg").read_bytes()
    synthetic.main(["--dataset", str(dataset), "--examples", str(examples), "--per-class", "1"])
    assert (dataset / "blue_shirt" / "blue_shirt_0000.jpg").read_bytes() == before


def test_cli_refuses_a_folder_holding_someone_elses_files(tmp_path):
    dataset = tmp_path / "dataset"
    (dataset / "red_dress").mkdir(parents=True)
    holiday = dataset / "red_dress" / "holiday.jpg"
    holiday.write_bytes(b"not ours")
    with pytest.raises(SystemExit) as exit_info:
        synthetic.main(["--dataset", str(dataset), "--examples", str(tmp_path / "examples"), "--per-class", "1"])
    assert "holiday.jpg" in str(exit_info.value)
    assert holiday.read_bytes() == b"not ours"
    assert relative_files(dataset) == ["red_dress/holiday.jpg"]
    assert not (tmp_path / "examples").exists()

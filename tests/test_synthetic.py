"""Tests for the synthetic fashion generator: reproducible, well-formed, colour-true images,
and catalogues with absent colour-item pairs.

Usage: .venv/bin/python -m pytest tests/test_synthetic.py  (the generator is tools/synthetic.py,
drawing with tools/renderer/)
"""

import colorsys
import itertools
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from pyimagesearch import dataset
from tests.conftest import ROOT
from tools import renderer, synthetic


def render(seed, colour, item, size=64):
    """One rendered scene and its garment coverage from a fresh generator."""
    return renderer.render_scene(np.random.default_rng(seed), colour, item, size)


def relative_files(directory):
    """Every file under directory, as sorted "/"-separated relative paths."""
    return sorted(os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
                  for root, _, names in os.walk(directory) for name in names)


def test_same_seed_gives_identical_images_and_different_seeds_do_not():
    first = renderer.render_garment(np.random.default_rng(7), "red", "dress", 96)
    second = renderer.render_garment(np.random.default_rng(7), "red", "dress", 96)
    other = renderer.render_garment(np.random.default_rng(8), "red", "dress", 96)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("colour, item", list(itertools.product(renderer.COLOURS, renderer.ITEMS)))
def test_every_colour_and_item_renders_a_visible_garment(colour, item):
    image, coverage = render(3, colour, item)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert coverage.shape == (64, 64)
    # The garment must fill a real part of the frame, and the picture must not be a flat field.
    assert 0.05 < coverage.mean() < 0.8
    assert image.std() > 5


def test_default_size_is_128_rgb():
    image = renderer.render_garment(np.random.default_rng(0), "blue", "jeans")
    assert image.shape == (128, 128, 3) and image.dtype == np.uint8


def test_unknown_garment_is_rejected():
    with pytest.raises(ValueError):
        renderer.render_garment(np.random.default_rng(0), "purple", "dress")
    with pytest.raises(ValueError):
        renderer.render_garment(np.random.default_rng(0), "red", "hat")


def mean_garment_colour(colour, item, count=6):
    """Mean RGB (0-255) over the fully covered garment pixels of several renders."""
    pixels = []
    for seed in range(count):
        image, coverage = render(100 + seed, colour, item)
        pixels.append(image[coverage > 0.99].astype(np.float64))
    return np.concatenate(pixels).mean(axis=0)


@pytest.mark.parametrize("item", renderer.ITEMS)
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


def mean_garment_hsv(colour, item):
    """Hue in degrees, saturation and value (0 to 1) of the mean garment colour of renders."""
    hue, saturation, value = colorsys.rgb_to_hsv(*(mean_garment_colour(colour, item) / 255))
    return hue * 360, saturation, value


@pytest.mark.parametrize("item", renderer.ITEMS)
def test_new_colour_families_are_colour_true_on_the_garment(item):
    hue, saturation, value = mean_garment_hsv("white", item)
    assert saturation < 0.12 and value > 0.7
    hue, saturation, value = mean_garment_hsv("brown", item)
    # Brown: orange hues, clear of red's (around 0) and darker than most reds.
    assert 15 < hue < 45 and saturation > 0.4 and 0.2 < value < 0.5
    hue, saturation, value = mean_garment_hsv("green", item)
    assert 100 < hue < 160 and saturation > 0.4 and 0.25 < value < 0.7


def garment_box(colour, item, seed):
    """Height and width, as fractions of the frame, of a rendered garment's covered area."""
    coverage = render(seed, colour, item)[1]
    rows, columns = np.nonzero(coverage > 0.5)
    return (np.ptp(rows) + 1) / coverage.shape[0], (np.ptp(columns) + 1) / coverage.shape[1]


def test_shoes_are_a_wide_pair_and_shorts_are_shorter_than_jeans():
    for seed in range(6):
        height, width = garment_box("brown", "shoes", seed)
        assert height < 0.7 * width, f"seed {seed}: shoes {height:.2f} high, {width:.2f} wide"
    shorts = np.mean([garment_box("green", "shorts", seed)[0] for seed in range(6)])
    jeans = np.mean([garment_box("green", "jeans", seed)[0] for seed in range(6)])
    assert shorts < 0.7 * jeans


def edge_strength(image, coverage):
    """Mean gradient magnitude on the garment's outline and on the backdrop well away from it."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    magnitude = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    outline = (coverage > 0.2) & (coverage < 0.8)
    away = cv2.dilate((coverage > 0.01).astype(np.uint8), np.ones((9, 9), np.uint8)) == 0
    return magnitude[outline].mean(), magnitude[away].mean()


@pytest.mark.parametrize("item", renderer.ITEMS)
def test_white_garments_stand_out_from_a_white_backdrop(monkeypatch, item):
    # The hardest case: every backdrop a studio white, as nearly half of all backdrops are.
    monkeypatch.setattr(renderer.colours, "sample_background_colour",
                        lambda rng: renderer.colours.hsv_colour(40, 0.04, 0.96))
    strengths = np.array([edge_strength(*render(seed, "white", item)) for seed in range(5)])
    outline, backdrop = strengths.mean(axis=0)
    assert outline > 2 * backdrop


def light_backdrop_share(colour, count=60):
    """Share of small renders whose four corners show a light, nearly grey backdrop."""
    shares = []
    for seed in range(count):
        image = renderer.render_garment(np.random.default_rng(500 + seed), colour, "dress", 32)
        corners = image[[0, 0, -1, -1], [0, -1, 0, -1]].astype(np.float64) / 255
        hsv = [colorsys.rgb_to_hsv(*corner) for corner in corners]
        shares.append(np.mean([value > 0.65 and saturation < 0.2 for _, saturation, value in hsv]))
    return float(np.mean(shares))


def test_white_garments_get_the_backdrops_every_colour_gets():
    # Backdrops must not tell the colour: white garments are not kept off white backdrops.
    white, blue = light_backdrop_share("white"), light_backdrop_share("blue")
    assert white > 0.25 and abs(white - blue) < 0.2


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


def test_runs_as_a_script_from_another_folder(tmp_path):
    # As documented, `python tools/synthetic.py`: the renderer is found beside the script.
    script = os.path.join(ROOT, "tools", "synthetic.py")
    result = subprocess.run([sys.executable, script, "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--catalogue" in result.stdout


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


def pair_names(pairs):
    return [synthetic.pair_name(pair) for pair in pairs]


def test_catalogue_pairs_leave_six_out_and_keep_every_colour_and_item_in_three_folders():
    all_pairs = set(itertools.product(renderer.COLOURS, renderer.ITEMS))
    assert {"white", "brown", "green"} <= set(renderer.COLOURS) and len(renderer.COLOURS) == 6
    assert {"shoes", "shorts"} <= set(renderer.ITEMS) and len(renderer.ITEMS) == 5
    absent_sets = set()
    for seed in range(20):
        present, absent = synthetic.catalogue_pairs(seed)
        assert (present, absent) == synthetic.catalogue_pairs(seed)  # the seed decides
        assert len(present) == 24 and len(absent) == 6 and set(present) | set(absent) == all_pairs
        for colour in renderer.COLOURS:
            assert sum(pair_colour == colour for pair_colour, _ in present) >= 3
        for item in renderer.ITEMS:
            assert sum(pair_item == item for _, pair_item in present) >= 3
        absent_sets.add(tuple(absent))
    assert len(absent_sets) > 10  # not one fixed choice


def test_generate_catalogue_writes_present_folders_and_the_absent_list(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    present, absent = synthetic.generate_catalogue(first, per_class=1, size=32, seed=5)
    assert (present, absent) == synthetic.catalogue_pairs(5)
    expected = sorted([f"{name}/{name}_0000.jpg" for name in pair_names(present)] + ["absent.txt"])
    assert relative_files(first) == expected
    assert (first / "absent.txt").read_text().splitlines() == pair_names(absent)
    synthetic.generate_catalogue(second, per_class=1, size=32, seed=5)
    for name in expected:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    # The tool sees the 24 label folders and not the list; every colour and item is a label.
    found = dataset.labelled_images(str(first))
    assert len(found) == 24
    labels_found = {label for _, labels in found for label in labels}
    assert labels_found == set(renderer.COLOURS + renderer.ITEMS)
    image = cv2.imread(str(first / expected[-1]))
    assert image.shape == (32, 32, 3)


def test_an_image_depends_on_its_pair_not_on_the_others(tmp_path):
    present, _ = synthetic.generate_catalogue(tmp_path / "catalogue", per_class=1, size=32, seed=5)
    synthetic.generate_pairs(tmp_path / "alone", present[-1:], per_class=1, size=32, seed=5)
    name = f"{synthetic.pair_name(present[-1])}/{synthetic.pair_name(present[-1])}_0000.jpg"
    assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "catalogue" / name).read_bytes()


def test_catalogue_refuses_a_folder_holding_a_pair_its_seed_leaves_out(tmp_path):
    absent = synthetic.catalogue_pairs(5)[1]
    folder = tmp_path / "catalogue"
    synthetic.generate_pairs(folder, absent[:1], per_class=1, size=32, seed=7)  # another seed's
    before = relative_files(folder)
    with pytest.raises(ValueError, match=synthetic.pair_name(absent[0])):
        synthetic.generate_catalogue(folder, per_class=1, size=32, seed=5)
    assert relative_files(folder) == before


def test_catalogue_cli_writes_the_catalogue_and_its_absent_pairs(tmp_path, capsys):
    catalogue, unseen = tmp_path / "catalogue", tmp_path / "unseen"
    synthetic.main(["--catalogue", str(catalogue), "--catalogue-absent", str(unseen),
                    "--per-class", "1", "--absent-per-class", "2", "--seed", "3"])
    present, absent = synthetic.catalogue_pairs(3)
    assert relative_files(catalogue) == sorted(
        [f"{name}/{name}_0000.jpg" for name in pair_names(present)] + ["absent.txt"])
    assert relative_files(unseen) == sorted(
        f"{name}/{name}_{index:04d}.jpg" for name in pair_names(absent) for index in range(2))
    assert cv2.imread(str(unseen / relative_files(unseen)[0])).shape == (128, 128, 3)
    # Unseen-pair images come from their own stream: none repeats a catalogue image.
    catalogue_bytes = {(catalogue / name).read_bytes() for name in relative_files(catalogue)}
    unseen_bytes = [(unseen / name).read_bytes() for name in relative_files(unseen)]
    assert not any(image in catalogue_bytes for image in unseen_bytes)
    output_lines = capsys.readouterr().out.strip().splitlines()
    assert len(output_lines) == 1 and output_lines[0].startswith("wrote 36 images")
    assert all(name in output_lines[0] for name in pair_names(absent))
    assert not os.path.exists("dataset/absent.txt")


@pytest.mark.parametrize("arguments", [["--catalogue-absent", "unseen"],
                                       ["--catalogue", "catalogue", "--dataset", "dataset"]])
def test_catalogue_flags_misused_are_refused(tmp_path, arguments):
    with pytest.raises(SystemExit):
        synthetic.main([value if value.startswith("--") else str(tmp_path / value)
                        for value in arguments])
    assert not any(tmp_path.iterdir())

"""audit.py --label-errors: out-of-fold probabilities, cleanlab's ranking, the CSV and gallery.

The fixture is trivially separable: every red_dress photo is a red square, every blue_shirt a
blue one, so a model that saw a few epochs tells them apart, and one red photo filed under
blue_shirt must be the first suspect. Ranking at random would put it first one time in 48.
"""

import csv
import os

import cv2
import numpy as np
import pytest

import audit
from pyimagesearch import label_errors, splits
from pyimagesearch import dataset as data

SIZE = 16  # pixels of the fixture's photos and of the models
PER_FOLDER = 24
QUICK = ["--folds", "2", "--epochs", "1", "--image-size", str(SIZE), "-q"]


def colour_photo(colour, rng):
    """A photo of one colour with a little noise, as uint8 BGR for OpenCV."""
    rgb = {"red": (210, 30, 30), "blue": (30, 40, 210)}[colour]
    noise = rng.integers(-25, 25, (SIZE, SIZE, 3))
    return np.clip(np.array(rgb)[::-1] + noise, 0, 255).astype(np.uint8)


def make_photos(root, rng, flipped_name="flipped.png"):
    """red_dress/ and blue_shirt/ of one-colour photos, plus one red photo under blue_shirt/;
    the flipped photo's path."""
    for folder, colour in (("red_dress", "red"), ("blue_shirt", "blue")):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for index in range(PER_FOLDER):
            cv2.imwrite(os.path.join(root, folder, f"{index:02d}.png"), colour_photo(colour, rng))
    flipped = os.path.join(root, "blue_shirt", flipped_name)
    cv2.imwrite(flipped, colour_photo("red", rng))
    return flipped


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = tmp_path_factory.mktemp("label-errors") / "photos"
    flipped = make_photos(str(root), np.random.default_rng(0))
    return str(root), flipped


@pytest.fixture(scope="module")
def found(photos):
    """The finder's result on the fixture: 2 folds of 10 short epochs."""
    dataset, _ = data.load_training_data(photos[0], None, None, (SIZE, SIZE))
    settings = label_errors.Settings(folds=2, epochs=10, image_size=SIZE, batch_size=4)
    return label_errors.find(dataset, [], settings)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow  # trains models: 20-120 s on 2 shared cores
def test_the_flipped_photo_ranks_first(found, photos):
    first = found.order[0]
    assert found.paths[first] == photos[1]
    names = found.class_names
    assert [names[i] for i in np.flatnonzero(found.given[first])] == ["blue", "shirt"]
    assert [names[i] for i in np.flatnonzero(found.likely[first])] == ["dress", "red"]
    # Far below every honest label, not merely first by a hair.
    assert found.scores[first] < 0.5 * np.sort(found.scores)[1]


@pytest.mark.slow  # trains models: 20-120 s on 2 shared cores
def test_every_image_is_predicted_by_the_training_without_it(found):
    assert found.probabilities.shape == found.given.shape
    assert np.isfinite(found.probabilities).all()
    assert ((found.probabilities >= 0) & (found.probabilities <= 1)).all()


@pytest.mark.slow  # trains models: 20-120 s on 2 shared cores
def test_csv_lists_every_image_most_suspect_first(found, tmp_path):
    path = label_errors.write_csv(str(tmp_path / "suspects.csv"), found)
    rows = read_csv(path)
    assert list(rows[0]) == list(label_errors.COLUMNS)
    assert len(rows) == len(found.paths) == 2 * PER_FOLDER + 1
    assert [int(row["rank"]) for row in rows] == list(range(1, len(rows) + 1))
    assert sorted(row["path"] for row in rows) == sorted(found.paths)
    scores = [float(row["score"]) for row in rows]
    assert scores == sorted(scores)
    assert rows[0]["given_labels"] == "blue+shirt" and rows[0]["likely_labels"] == "dress+red"
    assert [name for name in os.listdir(tmp_path)] == ["suspects.csv"]  # no temporary left


@pytest.mark.slow  # trains models: 20-120 s on 2 shared cores
def test_gallery_is_one_file_naming_the_top_suspects(found, tmp_path):
    path = label_errors.write_gallery(str(tmp_path / "suspects.html"), found, top=5)
    page = open(path, encoding="utf-8").read()
    assert os.listdir(tmp_path) == ["suspects.html"]
    for row in found.order[:5]:
        assert found.paths[row] in page
    assert found.paths[found.order[5]] not in page
    assert page.count("src='data:image/jpeg;base64,") == 5  # inlined: nothing to fetch
    assert "src='http" not in page and "src='/" not in page
    assert "given <b>blue+shirt</b>" in page and "likely <b>dress+red</b>" in page


def test_k_folds_keep_duplicates_together_and_use_every_fold():
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 2, (40, 3))
    hashes = [f"file{index % 30}" for index in range(40)]  # images 30..39 copy 0..9
    folds = splits.k_folds(targets, hashes, 4, seed=3)
    assert sorted(set(folds)) == [0, 1, 2, 3]
    assert all(folds[index] == folds[index + 30] for index in range(10))
    assert np.array_equal(folds, splits.k_folds(targets, hashes, 4, seed=3))


@pytest.mark.slow  # trains models: 20-120 s on 2 shared cores
def test_audit_label_errors_with_folders(photos, tmp_path, capsys):
    outputs = ["--suspects", str(tmp_path / "s.csv"), "--gallery", str(tmp_path / "g.html")]
    assert audit.main(["--label-errors", "--dataset", photos[0], "--no-cache",
                       "--top", "3"] + QUICK + outputs) == 0
    printed = capsys.readouterr().out
    assert "2 trainings of 1 epochs" in printed and "on this machine" in printed
    assert len(read_csv(tmp_path / "s.csv")) == 2 * PER_FOLDER + 1
    assert open(tmp_path / "g.html", encoding="utf-8").read().count("<figure class='card'>") == 3


@pytest.mark.slow  # trains models: 20-120 s on 2 shared cores
def test_audit_label_errors_with_a_manifest(tmp_path, capsys):
    """A manifest's labels, not folder names: the photos sit in one folder."""
    rng = np.random.default_rng(2)
    root = tmp_path / "images"
    root.mkdir()
    lines = ["path,labels"]
    for index in range(16):
        colour = ("red", "blue")[index % 2]
        cv2.imwrite(str(root / f"{index:02d}.png"), colour_photo(colour, rng))
        lines.append(f"{index:02d}.png,{colour} {'sea' if index % 4 < 2 else 'sand'}")
    manifest = tmp_path / "labels.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    suspects = tmp_path / "out" / "s.csv"
    assert audit.main(["--label-errors", "--manifest", str(manifest), "--dataset", str(root),
                       "--suspects", str(suspects), "--gallery", str(tmp_path / "out" / "g.html"),
                       "--cache-dir", str(tmp_path / "cache")] + QUICK) == 0
    rows = read_csv(suspects)
    assert len(rows) == 16
    given = {os.path.basename(row["path"]): row["given_labels"] for row in rows}
    assert given["00.png"] == "red+sea" and given["03.png"] == "blue+sand"
    assert sorted(os.listdir(root)) == [f"{index:02d}.png" for index in range(16)]


def test_bad_input_is_one_line_and_writes_nothing(photos, tmp_path, capsys):
    missing = str(tmp_path / "nowhere")
    outputs = ["--suspects", str(tmp_path / "s.csv"), "--gallery", str(tmp_path / "g.html")]
    assert audit.main(["--label-errors", "--dataset", missing] + outputs + QUICK) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "\n" not in error and missing in error
    before = sorted(os.listdir(photos[0]))
    inside = os.path.join(photos[0], "suspects.csv")
    assert audit.main(["--label-errors", "--dataset", photos[0], "--suspects", inside,
                       "--gallery", str(tmp_path / "g.html")] + QUICK) == 2
    assert "inside the dataset" in capsys.readouterr().err
    assert sorted(os.listdir(photos[0])) == before
    assert not os.path.exists(tmp_path / "s.csv") and not os.path.exists(tmp_path / "g.html")
    with pytest.raises(SystemExit):  # argparse's own one-line error
        audit.main(["--label-errors", "--dataset", photos[0], "--folds", "1"])

"""Loading data: one-folder evaluation, validation copies of training files, folder links."""

import os
import shutil

import pytest

import evaluate as evaluate_script
from pyimagesearch import dataset as data
from pyimagesearch import images as image_io
from pyimagesearch.errors import UserError
from tests.conftest import make_dataset

SIZE = (16, 16)


def test_evaluate_scores_a_folder_of_one_combination(trained, tmp_path):
    folder = make_dataset(tmp_path / "only", per_folder=3, folders=("red_dress",), seed=4)
    report = tmp_path / "report.json"
    assert evaluate_script.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                                 "--dataset", folder, "--report", str(report)]) == 0
    assert report.is_file()


def test_training_still_needs_two_label_folders(tmp_path):
    one = make_dataset(tmp_path / "one", per_folder=2, folders=("red_dress",))
    with pytest.raises(UserError, match="only one label folder"):
        data.load_training_data(one, None, None, SIZE, progress=False)


def test_validation_copies_of_training_files_are_dropped(tmp_path, capsys):
    train_folder = make_dataset(tmp_path / "train", per_folder=3)
    validation_folder = make_dataset(tmp_path / "val", per_folder=2, seed=7)
    copy = os.path.join(validation_folder, "red_dress", "copy.png")
    shutil.copyfile(os.path.join(train_folder, "blue_shirt", "001.png"), copy)
    merged, validation_index = data.load_training_data(train_folder, None, validation_folder,
                                                       SIZE, progress=False)
    validation_paths = [merged.paths[row] for row in validation_index]
    assert len(validation_paths) == 8 and copy not in validation_paths
    assert copy not in merged.paths and len(merged.paths) == len(merged.images) == 20
    assert "dropped 1 validation image(s) identical to training images" in capsys.readouterr().out


def test_a_validation_folder_of_training_copies_only_is_refused(tmp_path):
    train_folder = make_dataset(tmp_path / "train", per_folder=2)
    with pytest.raises(UserError, match="identical"):
        data.load_training_data(train_folder, None, train_folder, SIZE, progress=False)


def test_label_folders_that_are_links_are_followed(tmp_path):
    real = make_dataset(tmp_path / "elsewhere", per_folder=2)
    (tmp_path / "dataset").mkdir()
    for index, folder in enumerate(sorted(os.listdir(real))):
        # The real folders have other names: labels come from the link's name.
        os.rename(os.path.join(real, folder), os.path.join(real, f"batch{index}"))
        os.symlink(os.path.join(real, f"batch{index}"), tmp_path / "dataset" / folder)
    dataset, _ = data.load_training_data(str(tmp_path / "dataset"), None, None, SIZE,
                                         progress=False)
    assert len(dataset.paths) == 8
    assert sorted(map(sorted, dataset.labels))[:2] == [["blue", "dress"]] * 2


def test_a_folder_link_loop_is_skipped_with_a_warning(tmp_path, capsys):
    root = make_dataset(tmp_path / "dataset", per_folder=2, folders=("red_dress", "blue_shirt"))
    loop = os.path.join(root, "red_dress", "loop")
    os.symlink("..", loop)
    found = image_io.list_images(root, skip_root_files=True)
    assert len(found) == 4
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("warning:") and loop in warnings[0]


def test_two_links_to_one_folder_give_its_images_once(tmp_path, capsys):
    real = make_dataset(tmp_path / "elsewhere", per_folder=2, folders=("red_dress",))
    root = make_dataset(tmp_path / "dataset", per_folder=2, folders=("blue_shirt",))
    os.symlink(os.path.join(real, "red_dress"), os.path.join(root, "red_dress"))
    os.symlink(os.path.join(real, "red_dress"), os.path.join(root, "dress_red"))
    found = image_io.list_images(root, skip_root_files=True)
    assert len(found) == 4 and len(set(map(os.path.realpath, found))) == 4
    # The first name in sorted order is read; the other link is named in a warning.
    assert sum("/dress_red/" in path for path in found) == 2
    skipped = os.path.join(root, "red_dress")
    assert f"skipped folder link {skipped}:" in capsys.readouterr().err

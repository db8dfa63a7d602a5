"""classify.py never draws over the images it reads: a drawings folder that overlaps an input
is refused before anything loads, and drawings of earlier runs are not read as inputs."""

import json
import os
import shutil

import classify
from tests.conftest import draw, write_rgb


def photos(folder, count=2):
    """`count` JPEG photos in `folder`; returns {path: bytes} to check they stay untouched."""
    import numpy as np

    rng = np.random.default_rng(3)
    for index in range(count):
        write_rgb(os.path.join(folder, f"x{index}.jpg"), draw("red", "dress", rng))
    return {os.path.join(folder, name): open(os.path.join(folder, name), "rb").read()
            for name in os.listdir(folder) if name.endswith(".jpg")}


def run(trained, *argv):
    return classify.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          *argv])


def assert_refused(capsys, *words):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0], lines[0]


def assert_untouched(before):
    for path, data in before.items():
        assert open(path, "rb").read() == data, f"{path} was overwritten"


def test_annotated_pointing_at_an_input_folder_is_refused(trained, tmp_path, capsys):
    folder = str(tmp_path / "photos")
    before = photos(folder)
    assert run(trained, "--image", folder, "--annotated", folder) == 2
    assert_refused(capsys, "--annotated", folder)
    assert_untouched(before)
    assert sorted(os.listdir(folder)) == ["x0.jpg", "x1.jpg"]


def test_image_output_folder_with_default_drawings_inside_is_refused(
        trained, tmp_path, capsys, monkeypatch):
    """`classify.py --image output/`: the default drawings folder output/classified lies
    inside the input; it would read and rewrite its own drawings."""
    monkeypatch.chdir(tmp_path)
    before = photos("output")
    before.update(photos(os.path.join("output", "classified"), count=1))  # an earlier run's
    assert run(trained, "--image", "output/") == 2
    assert_refused(capsys, os.path.join("output", "classified"))
    assert_untouched(before)


def test_annotated_folder_holding_an_input_file_is_refused(trained, tmp_path, capsys):
    folder = str(tmp_path / "photos")
    before = photos(folder)
    assert run(trained, "--image", os.path.join(folder, "x0.jpg"), "--annotated", folder) == 2
    assert_refused(capsys, "x0.jpg")
    assert_untouched(before)


def test_annotated_link_to_an_input_folder_is_refused(trained, tmp_path, capsys):
    folder = str(tmp_path / "photos")
    before = photos(folder)
    os.symlink(folder, tmp_path / "drawings")
    assert run(trained, "--image", folder, "--annotated", str(tmp_path / "drawings")) == 2
    assert_refused(capsys, "--annotated")
    assert_untouched(before)


def test_refused_before_the_model_is_loaded(tmp_path, capsys):
    folder = str(tmp_path / "photos")
    photos(folder)
    code = classify.main(["--model", str(tmp_path / "none.keras"), "--labelbin",
                          str(tmp_path / "none.pickle"), "--image", folder, "--annotated", folder])
    assert code == 2
    assert_refused(capsys, "--annotated")  # not "model file not found"


def test_walking_inputs_skips_the_drawings_folder(trained, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    photos("output")
    drawings = os.path.join("output", "classified")
    photos(drawings, count=1)
    assert run(trained, "--image", "output", "--no-annotate", "--json") == 0
    read = [json.loads(line)["path"] for line in capsys.readouterr().out.splitlines()]
    assert sorted(read) == [os.path.join("output", "x0.jpg"), os.path.join("output", "x1.jpg")]


def test_drawings_outside_the_inputs_are_written(trained, tmp_path, capsys):
    folder = str(tmp_path / "photos")
    before = photos(folder)
    drawings = tmp_path / "drawn"
    assert run(trained, "--image", folder, "--annotated", str(drawings)) == 0
    assert sorted(os.listdir(drawings)) == ["x0.jpg", "x1.jpg"]
    assert_untouched(before)
    shutil.rmtree(drawings)

"""Shared fixtures: a tiny labelled dataset drawn here, and one model trained on it once."""

import contextlib
import fcntl
import io
import os
import tempfile

import cv2
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Training caches decoded images under $XDG_CACHE_HOME: keep the tests' caches out of ~.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="test-cache-")

import train  # noqa: E402


COLOURS = {"red": (200, 30, 30), "blue": (30, 40, 200)}  # RGB
IMAGE_SIZE = 32  # pixels: tiny, so a training epoch takes a second
# train.py flags for a run whose LiteRT file and HTML report a test does not look at: together
# about a third of a one-epoch run's time.
NO_EXTRAS = ["--export", "none", "--no-report"]


def draw(colour, item, rng, size=48):
    """An RGB picture: a disc for a dress, a square for a shirt, in the colour's hue."""
    image = rng.integers(200, 256, (size, size, 3), dtype=np.uint8)
    fill = tuple(int(c) for c in np.clip(np.array(COLOURS[colour]) + rng.integers(-20, 20, 3), 0, 255))
    centre = tuple(int(c) for c in rng.integers(size // 3, 2 * size // 3, 2))
    if item == "dress":
        cv2.circle(image, centre, size // 4, fill, -1)
    else:
        cv2.rectangle(image, (centre[0] - size // 5, centre[1] - size // 5),
                      (centre[0] + size // 5, centre[1] + size // 5), fill, -1)
    return image


def write_rgb(path, image):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


def make_dataset(root, per_folder=10, seed=0,
                 folders=("red_dress", "blue_dress", "red_shirt", "blue_shirt")):
    rng = np.random.default_rng(seed)
    for folder in folders:
        colour, item = folder.split("_")
        for index in range(per_folder):
            write_rgb(os.path.join(root, folder, f"{index:03d}.png"), draw(colour, item, rng))
    return str(root)


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("data") / "dataset")


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Train one epoch once for the whole run, pytest-xdist's workers included (the first
    trains, the others wait for it); tests that only read the outputs share it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    output, dataset = shared / "trained", shared / "trained-dataset"
    printed = shared / "trained.stdout"  # what the training printed
    cache = shared / "trained-cache"  # its decoded images: each worker has its own default
    with open(shared / "trained.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not printed.exists():
            make_dataset(dataset)
            with contextlib.redirect_stdout(io.StringIO()) as stdout:
                code = train.main(["--dataset", str(dataset), "--output", str(output),
                                   "--epochs", "1", "--image-size", str(IMAGE_SIZE), "--quiet",
                                   "--cache-dir", str(cache)])
            assert code == 0
            printed.write_text(stdout.getvalue(), encoding="utf-8")
    return {"output": str(output), "model": str(output / "fashion.keras"),
            "labelbin": str(output / "mlb.pickle"), "plot": str(output / "plot.png"),
            "dataset": str(dataset), "cache": str(cache),
            "stdout": printed.read_text(encoding="utf-8")}

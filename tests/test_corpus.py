"""A corpus of malformed and unusual inputs, fed to training and to classification.

Every case is built here. Training gets them all inside one dataset folder and must
finish, skip (and name) exactly the unreadable files and use every readable one;
classification gets every file case in one call and must answer each: labels for a
readable image, an `error` entry for the rest, exit code 1. No traceback anywhere.
"""

import io
import json
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from tests.conftest import NO_EXTRAS, ROOT

# Each test runs train.py or classify.py as a separate process.
pytestmark = pytest.mark.slow

USED, SKIPPED, IGNORED = "used", "skipped", "ignored"
AS_ROOT = os.geteuid() == 0  # root reads files whatever their permissions


def picture(seed=0, size=(24, 24)):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)


def save(path, image, **options):
    Image.fromarray(image).save(path, **options)


def jpeg_bytes(image=None, **options):
    buffer = io.BytesIO()
    Image.fromarray(picture() if image is None else image).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width, height, pixels=b"\x00" * 16):
    """A PNG whose header declares `width` x `height`, followed by `pixels` of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(pixels)) + png_chunk(b"IEND", b""))


def write(data):
    return lambda path: open(path, "wb").write(data)


def animated_gif(path):
    frames = [Image.fromarray(picture(seed)).convert("P") for seed in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)


def exif_rotated(path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees on display
    save(path, picture(size=(32, 16)), format="JPEG", exif=exif)


def transparent(alpha):
    def make(path):
        rgba = np.dstack([picture(), np.full((24, 24), alpha, np.uint8)])
        Image.fromarray(rgba, "RGBA").save(path)
    return make


def unreadable(path):
    save(path, picture(), format="PNG")
    os.chmod(path, 0)


def symlink_loop(path):
    other = path.replace(".jpg", "-partner.jpg")  # unreadable too: counted as LOOP_PARTNERS
    os.symlink(os.path.basename(other), path)
    os.symlink(os.path.basename(path), other)


# name (inside red_dress/ unless it names a folder): (how to make it, training, classify)
FILE_CASES = {
    "zero-byte.jpg": (write(b""), SKIPPED),
    "truncated.jpg": (write(jpeg_bytes()[:300]), SKIPPED),
    "random-bytes.jpg": (write(np.random.default_rng(1).bytes(4000)), SKIPPED),
    "text.png": (write(b"this is not an image\n"), SKIPPED),
    "corrupt-data.png": (write(png_declaring(24, 24, b"\x01" * 5)[:-30] + b"\x00" * 30), SKIPPED),
    "bomb.png": (write(png_declaring(70000, 70000)), SKIPPED),
    "dangling-link.jpg": (lambda path: os.symlink("nowhere.jpg", path), SKIPPED),
    "symlink-loop.jpg": (symlink_loop, SKIPPED),
    "named-pipe.jpg": (os.mkfifo, SKIPPED),  # opening it would wait for a writer for ever
    "no-permission.png": (unreadable, USED if AS_ROOT else SKIPPED),
    "sixteen-bit.png": (lambda path: Image.fromarray(
        (picture()[..., 0].astype(np.uint16) * 257)).save(path), USED),
    "alpha.png": (transparent(128), USED),
    "fully-transparent.png": (transparent(0), USED),
    "palette.png": (lambda path: Image.fromarray(picture()).convert("P").save(path), USED),
    "grayscale.png": (lambda path: Image.fromarray(picture()[..., 0]).save(path), USED),
    "grayscale.jpg": (lambda path: Image.fromarray(picture()[..., 0]).save(path), USED),
    "cmyk.jpg": (lambda path: Image.fromarray(picture()).convert("CMYK").save(path), USED),
    "animated.gif": (animated_gif, USED),
    "image.webp": (lambda path: save(path, picture()), USED),
    "image.tiff": (lambda path: save(path, picture()), USED),
    "image.bmp": (lambda path: save(path, picture()), USED),
    "one-pixel.png": (lambda path: save(path, picture(size=(1, 1))), USED),
    "very-wide.png": (lambda path: save(path, picture(size=(20000, 2))), USED),
    "very-tall.png": (lambda path: save(path, picture(size=(2, 8000))), USED),
    "exif-rotated.jpg": (exif_rotated, USED),
    "a jpeg really.png": (write(jpeg_bytes()), USED),
    "a png really.jpg": (lambda path: save(path, picture(), format="PNG"), USED),
    "UPPER CASE.JPG": (write(jpeg_bytes()), USED),
    "unicode-ドレス-é.jpg": (write(jpeg_bytes()), USED),
    "-leading-dash.jpg": (write(jpeg_bytes()), USED),
    b"not-utf8-\xff\xfe.jpg": (write(jpeg_bytes()), USED),
    ".DS_Store": (write(b"\x00\x00\x00\x01Bud1"), IGNORED),
    ".hidden.jpg": (write(jpeg_bytes()), IGNORED),
    "notes.txt": (write(b"labels are folder names\n"), IGNORED),
}
FOLDER_CASES = {  # folder: (images in it, the labels they must get)
    "hats": (2, ["hats"]),  # a folder name without "_": one label
    "Red_Dress": (2, ["dress", "red"]),  # case folds into red_dress
    "red_red": (2, ["red"]),  # a repeated label counts once
    "empty_folder": (0, None),
}
LOOP_PARTNERS = 1  # the second link of the loop is a skipped image file too
GOOD = ("red_dress", "blue_dress", "red_shirt", "blue_jeans")


def path_of(root, name):
    folder = os.path.join(root, "red_dress")
    if isinstance(name, bytes):
        return os.fsdecode(os.path.join(os.fsencode(folder), name))
    return os.path.join(folder, name)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("corpus") / "dataset")
    for number, folder in enumerate(GOOD):
        os.makedirs(os.path.join(root, folder))
        for index in range(6):
            save(os.path.join(root, folder, f"good{index}.png"), picture(number * 10 + index))
    for folder, (count, _) in FOLDER_CASES.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for index in range(count):
            save(os.path.join(root, folder, f"{index}.png"), picture(100 + index))
    os.makedirs(os.path.join(root, "red_dress", "folder.jpg"))  # a directory named like an image
    os.makedirs(os.path.join(root, ".thumbnails"))
    save(os.path.join(root, ".thumbnails", "x.png"), picture())
    for name, (make, _) in FILE_CASES.items():
        make(path_of(root, name))
    return root


def run(script, *args):
    result = subprocess.run([sys.executable, os.path.join(ROOT, script), *args], cwd=ROOT,
                            capture_output=True, timeout=600)
    stdout = result.stdout.decode("utf-8", "surrogateescape")
    stderr = result.stderr.decode("utf-8", "surrogateescape")
    assert "Traceback" not in stderr + stdout, stderr
    return result.returncode, stdout, stderr


@pytest.fixture(scope="module")
def trained_on_corpus(corpus, tmp_path_factory):
    output = str(tmp_path_factory.mktemp("corpus-output"))
    code, stdout, stderr = run("train.py", "--dataset", corpus, "--output", output,
                               "--epochs", "1", "--image-size", "16", "--quiet",
                               *NO_EXTRAS)
    assert code == 0, stderr
    with open(os.path.join(output, "fashion.keras.audit.json"), encoding="utf-8") as handle:
        audit = json.load(handle)
    return output, audit, stdout


def test_training_skips_and_names_exactly_the_unreadable_files(trained_on_corpus, corpus):
    _, audit, stdout = trained_on_corpus
    unreadable = "\n".join(audit["unreadable"])
    for name, (_, outcome) in FILE_CASES.items():
        shown = os.path.basename(path_of(corpus, name))
        assert (shown in unreadable) == (outcome == SKIPPED), (name, unreadable)
    skipped = sum(outcome == SKIPPED for _, outcome in FILE_CASES.values()) + LOOP_PARTNERS
    assert len(audit["unreadable"]) == skipped
    assert f"{skipped} " in stdout  # the count is reported


def test_training_uses_every_readable_image(trained_on_corpus):
    _, audit, _ = trained_on_corpus
    used_cases = sum(outcome == USED for _, outcome in FILE_CASES.values())
    extra = sum(count for count, _ in FOLDER_CASES.values())
    assert audit["images"] == 6 * len(GOOD) + used_cases + extra


def test_label_folders_are_normalised(trained_on_corpus):
    _, audit, _ = trained_on_corpus
    combinations = audit["combinations"]
    assert combinations["hats"] == 2
    assert combinations["red"] == 2  # red_red
    used_in_red_dress = sum(outcome == USED for _, outcome in FILE_CASES.values())
    assert combinations["red_dress"] == 6 + used_in_red_dress + 2  # + Red_Dress
    assert "empty" not in audit["per_label"] and "folder" not in audit["per_label"]


def test_classify_answers_every_file(trained_on_corpus, corpus):
    output, _, _ = trained_on_corpus
    inputs = [os.fsencode(path_of(corpus, name)) for name in FILE_CASES
              if FILE_CASES[name][1] != IGNORED]
    code, stdout, stderr = run(
        "classify.py", "--model", os.path.join(output, "fashion.keras"), "--labelbin",
        os.path.join(output, "mlb.pickle"), "--json", "--annotated",
        os.path.join(output, "drawn"), "--image", *inputs)
    results = {entry["path"]: entry for entry in map(json.loads, stdout.splitlines())}
    for name, (_, outcome) in FILE_CASES.items():
        if outcome == IGNORED:
            continue
        entry = results[path_of(corpus, name)]
        if outcome == USED:
            assert "error" not in entry and len(entry["probabilities"]) == 6, (name, entry)
        else:
            assert entry["error"] and os.path.basename(path_of(corpus, name)) in entry["error"]
    failures = sum(outcome == SKIPPED for _, outcome in FILE_CASES.values())
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        f"error: {failures} of {len(inputs)} image(s) could not be classified")


def test_classify_text_output_survives_odd_names(trained_on_corpus, corpus):
    output, _, _ = trained_on_corpus
    odd = [os.fsencode(path_of(corpus, name)) for name in
           (b"not-utf8-\xff\xfe.jpg", "unicode-ドレス-é.jpg", "-leading-dash.jpg", "bomb.png")]
    code, stdout, stderr = run(
        "classify.py", "--model", os.path.join(output, "fashion.keras"), "--labelbin",
        os.path.join(output, "mlb.pickle"), "--no-annotate", "--image", *odd)
    assert code == 1
    assert stdout.count("labels:") == 3 and "not-utf8-\udcff\udcfe.jpg" in stdout
    assert "bomb.png" in stdout + stderr and "refused" in stdout + stderr

"""Reading images of every common format, and labels from folder names."""

import os

import cv2
import numpy as np
import pytest
from PIL import Image

from pyimagesearch import dataset as data
from pyimagesearch import images as image_io
from pyimagesearch import labels
from pyimagesearch.errors import ImageError, UserError
from tests.conftest import make_dataset

RED = (204, 0, 51)  # far from its BGR mirror, and in the web palette GIFs use


def solid(height=12, width=20, colour=RED):
    return np.full((height, width, 3), colour, dtype=np.uint8)


def save_with_pillow(path, image, mode=None, **options):
    picture = Image.fromarray(image)
    picture = picture.convert(mode) if mode else picture
    picture.save(path, **options)
    return str(path)


@pytest.mark.parametrize("name,mode,options", [
    ("plain.png", None, {}), ("plain.bmp", None, {}), ("plain.tiff", None, {}),
    ("lossless.webp", None, {"lossless": True}), ("palette.png", "P", {}),
    ("palette.gif", "P", {}), ("alpha.png", "RGBA", {}),
])
def test_lossless_formats_decode_to_the_same_rgb(tmp_path, name, mode, options):
    path = save_with_pillow(tmp_path / name, solid(), mode, **options)
    image = image_io.decode_image(path)
    assert image.dtype == np.uint8 and image.shape == (12, 20, 3)
    assert np.abs(image.astype(int) - RED).max() <= 3  # palette quantisation at most


def test_jpeg_and_cmyk_jpeg_decode_in_rgb_order(tmp_path):
    for name, mode in (("rgb.jpg", None), ("cmyk.jpg", "CMYK")):
        path = save_with_pillow(tmp_path / name, solid(), mode, quality=95)
        image = image_io.decode_image(path)
        assert image.shape == (12, 20, 3)
        assert np.abs(image.mean(axis=(0, 1)) - RED).max() < 12, name


def test_grayscale_and_16_bit_images_become_8_bit_rgb(tmp_path):
    gray_path = save_with_pillow(tmp_path / "gray.png", solid(), "L")
    gray = image_io.decode_image(gray_path)
    assert gray.shape == (12, 20, 3) and (gray[..., 0] == gray[..., 2]).all()

    deep_gray = tmp_path / "gray16.png"
    Image.fromarray(np.full((8, 8), 40000, dtype=np.uint16)).save(deep_gray)
    assert image_io.decode_image(str(deep_gray))[0, 0].tolist() == [156, 156, 156]  # 40000/257

    deep_colour = tmp_path / "colour16.png"
    cv2.imwrite(str(deep_colour), solid().astype(np.uint16)[..., ::-1] * 257)
    assert np.abs(image_io.decode_image(str(deep_colour)).astype(int) - RED).max() <= 1


def test_transparent_pixels_become_white(tmp_path):
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)  # fully transparent black
    path = tmp_path / "clear.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert (image_io.decode_image(str(path)) == 255).all()


def test_animated_gif_gives_its_first_frame(tmp_path):
    frames = [Image.fromarray(solid(colour=colour)) for colour in (RED, (10, 10, 220))]
    path = tmp_path / "animated.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert np.abs(image_io.decode_image(str(path)).astype(int) - RED).max() <= 3


def test_exif_orientation_is_applied(tmp_path):
    image = solid(height=10, width=30)
    image[:, :10] = (0, 255, 0)  # green on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / "rotated.jpg"
    Image.fromarray(image).save(path, exif=exif, quality=95)
    upright = image_io.decode_image(str(path))
    assert upright.shape == (30, 10, 3)
    assert upright[2, 5, 1] > 200 and upright[-2, 5, 1] < 100  # green now at the top


def test_load_image_resizes_and_keeps_uint8(tmp_path):
    path = save_with_pillow(tmp_path / "big.png", solid(height=200, width=100))
    image = image_io.load_image(path, (32, 24))
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\0" * 30])
def test_undecodable_files_raise_image_error(tmp_path, content):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match="broken.jpg"):
        image_io.decode_image(str(path))


def test_truncated_jpeg_is_refused(tmp_path):
    path = save_with_pillow(tmp_path / "whole.jpg", np.random.default_rng(0).integers(
        0, 256, (64, 64, 3), dtype=np.uint8), quality=90)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(open(path, "rb").read()[:400])
    with pytest.raises(ImageError):
        image_io.decode_image(str(truncated))


@pytest.mark.parametrize("folder,expected", [
    ("red_dress", ["red", "dress"]), ("Red_Dress", ["red", "dress"]), ("red_red", ["red"]),
    ("shoes", ["shoes"]), ("light_blue_jeans", ["light", "blue", "jeans"]), ("_red__x_", ["red", "x"]),
])
def test_labels_come_from_the_folder_name(folder, expected):
    assert labels.from_folder_name(folder) == expected


def test_dataset_skips_and_lists_unreadable_files(tmp_path):
    root = make_dataset(tmp_path / "set", per_folder=3)
    (tmp_path / "set" / "red_dress" / "broken.jpg").write_bytes(b"nope")
    (tmp_path / "set" / "red_dress" / ".DS_Store").write_bytes(b"junk")
    (tmp_path / "set" / "red_dress" / "notes.txt").write_text("ignored")
    dataset = data.load_dataset(root, (16, 16), progress=False)
    assert dataset.images.shape == (12, 16, 16, 3) and dataset.images.dtype == np.uint8
    assert [os.path.basename(path) for path, _ in dataset.skipped] == ["broken.jpg"]
    assert sorted(map(tuple, dataset.labels))[0] == ("blue", "dress")
    assert "broken.jpg" in data.describe_skipped(dataset.skipped)


def test_dataset_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        data.load_dataset(str(tmp_path / "missing"), (16, 16), progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no images"):
        data.load_dataset(str(tmp_path / "empty"), (16, 16), progress=False)
    one = make_dataset(tmp_path / "one", per_folder=2, folders=("red_dress",))
    with pytest.raises(UserError, match="only one label folder"):
        data.load_training_data(one, None, None, (16, 16), progress=False)
    assert len(data.load_dataset(one, (16, 16), progress=False).paths) == 2  # can be scored
    (tmp_path / "bad" / "red_dress").mkdir(parents=True)
    (tmp_path / "bad" / "red_dress" / "a.jpg").write_bytes(b"x")
    with pytest.raises(UserError, match="could be read"):
        data.load_dataset(str(tmp_path / "bad"), (16, 16), progress=False)


def test_reduced_scale_jpeg_decoding_matches_full_decoding(tmp_path):
    """Large JPEGs are decoded at 1/8 scale or so; after the resize the pixels agree."""
    height, width = 1500, 2000
    y, x = np.mgrid[0:height, 0:width]
    photo = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)],
                     axis=2).astype(np.uint8)
    cv2.circle(photo, (800, 700), 400, (200, 30, 40), -1)
    cv2.rectangle(photo, (1300, 200), (1800, 1300), (20, 40, 200), -1)
    path = save_with_pillow(tmp_path / "large.jpg", photo, quality=92)
    with Image.open(path) as image:
        image.draft("RGB", (192, 192))
        assert image.size[0] < width  # Pillow really decodes at a reduced scale here
    reduced = image_io.load_image(path, (96, 96))
    full = image_io.resize(image_io.decode_image(path), (96, 96))
    assert reduced.shape == full.shape == (96, 96, 3)
    difference = np.abs(reduced.astype(int) - full.astype(int))
    assert difference.mean() < 2.0 and difference.max() < 40

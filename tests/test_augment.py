"""Augmentation geometry: a known rotation, shear, zoom, shift and flip each moves a marked
pixel where the transform says.

The random draws are pinned by replacing TensorFlow's stateless uniform sampler (the one
a seeded augmenter uses) with one that returns the top, or the bottom, of each range.
With the strengths given, every parameter is then known exactly; the expected positions
are worked out here from the geometry, not read back from `augment.py`.
"""

import math

import numpy as np
import pytest
import tensorflow as tf

from pyimagesearch import augment

SIZE = 32  # pixels; the centre is (15.5, 15.5)
CENTRE = (SIZE - 1) / 2
MARK = (22, 9)  # (x, y) = (column, row): off-centre, so every transform moves it


def marked_image():
    image = np.zeros((1, SIZE, SIZE, 3), dtype=np.uint8)
    image[0, MARK[1], MARK[0]] = 255
    return image


def pin_draws(monkeypatch, end):
    """Every uniform draw returns the `end` ("top" or "bottom") of its range."""

    def pinned(shape, seed, minval=0.0, maxval=1.0, dtype=tf.float32, **_):
        return tf.fill(shape, tf.cast(maxval if end == "top" else minval, dtype))

    monkeypatch.setattr(tf.random, "stateless_uniform", pinned)


def where_the_mark_lands(augmenter):
    """(x, y) of the marked pixel in the output: the brightness-weighted centroid, since
    bilinear resampling may spread it over neighbouring pixels."""
    output = augmenter(marked_image(), seed=np.array([1, 2])).numpy()[0, ..., 0]
    assert output.sum() > 0, "the marked pixel left the image"
    rows, columns = np.indices(output.shape)
    return (float((columns * output).sum() / output.sum()),
            float((rows * output).sum() / output.sum()))


def still(**strengths):
    """An augmenter that does nothing but the transform named in `strengths`."""
    return augment.Augmentation(**{"rotation": 0, "shift": 0, "shear": 0, "zoom": 0,
                                   "flip": False, **strengths})


def assert_near(got, expected):
    assert math.dist(got, expected) <= 1.0, (got, expected)


def test_nothing_drawn_leaves_the_mark_in_place(monkeypatch):
    pin_draws(monkeypatch, "top")
    assert_near(where_the_mark_lands(still()), MARK)


def test_rotation_by_ninety_degrees_turns_the_mark_about_the_centre(monkeypatch):
    # The output pixel (x, y) samples the input rotated by +90 degrees about the centre,
    # so the input's top-right mark (22, 9) is shown at the top left, (9, 9); rotating
    # the other way (-90 degrees) shows it at the bottom right, (22, 22).
    pin_draws(monkeypatch, "top")
    assert_near(where_the_mark_lands(still(rotation=90)), (9, 9))
    pin_draws(monkeypatch, "bottom")
    assert_near(where_the_mark_lands(still(rotation=90)), (22, 22))


def test_shear_slides_rows_by_their_height(monkeypatch):
    # A 45-degree shear samples input (x - sin45 * y, cos45 * y) about the centre:
    # the mark at (+6.5, -6.5) from the centre is shown at (6.5 - 6.5, -6.5 / cos45).
    pin_draws(monkeypatch, "top")
    offset_y = -6.5 / math.cos(math.radians(45))
    assert_near(where_the_mark_lands(still(shear=45)), (CENTRE, CENTRE + offset_y))


@pytest.mark.parametrize("end, scale", [("top", 1.5), ("bottom", 0.5)])
def test_zoom_scales_distances_from_the_centre(monkeypatch, end, scale):
    # Zoom `scale` samples the input `scale` times farther out, so the mark is shown
    # at 1 / scale of its distance from the centre: nearer above 1, farther below.
    pin_draws(monkeypatch, end)
    shown = tuple(CENTRE + (coordinate - CENTRE) / scale for coordinate in MARK)
    assert_near(where_the_mark_lands(still(zoom=0.5)), shown)


def test_shift_moves_the_mark_by_a_fraction_of_the_size(monkeypatch):
    pin_draws(monkeypatch, "top")  # +0.25 of 32 pixels: the input is sampled 8 px on
    assert_near(where_the_mark_lands(still(shift=0.25)), (MARK[0] - 8, MARK[1] - 8))


def test_flip_mirrors_the_mark_left_to_right(monkeypatch):
    pin_draws(monkeypatch, "bottom")  # a draw under 0.5 flips
    assert_near(where_the_mark_lands(still(flip=True)), (SIZE - 1 - MARK[0], MARK[1]))
    pin_draws(monkeypatch, "top")
    assert_near(where_the_mark_lands(still(flip=True)), MARK)


def test_all_at_once_compose_as_rotation_shear_zoom_flip_then_shift(monkeypatch):
    """ImageDataGenerator's order: the output pixel p samples the input at
    centre + rotation @ shear @ zoom @ flip @ (p - centre) + shift."""
    pin_draws(monkeypatch, "bottom")  # -30 deg, -20 deg shear, zoom 0.8, flip, -0.1 shift
    theta, shear = math.radians(-30), math.radians(-20)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    shearing = np.array([[1, -math.sin(shear)], [0, math.cos(shear)]])
    zooming, flipping = np.diag([0.8, 0.8]), np.diag([-1, 1])
    linear = rotation @ shearing @ zooming @ flipping
    shift = np.array([-0.1 * SIZE, -0.1 * SIZE])
    shown = np.linalg.solve(linear, np.array(MARK) - CENTRE - shift) + CENTRE
    augmenter = augment.Augmentation(rotation=30, shift=0.1, shear=20, zoom=0.2, flip=True)
    assert_near(where_the_mark_lands(augmenter), tuple(shown))

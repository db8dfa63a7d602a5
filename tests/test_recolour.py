"""Recolouring: a garment painted another colour lands in that colour's range and is
relabelled; an image whose colour cannot be found is left alone; tinting touches the
background only; the draws are repeatable and run in a graph, as tf.data runs them.

Colours are measured here with OpenCV's HSV conversion, not read back from recolour.py.
"""

import cv2
import numpy as np
import pytest
import tensorflow as tf

from pyimagesearch import colours, recolour

SIZE = 32  # pixels
RADIUS = 10  # pixels: the garment covers about 30% of the image
CLASSES = ["black", "blue", "dress", "red", "shirt"]  # colour columns not in the table's order
RGB = {"red": (200, 30, 30), "blue": (30, 40, 200), "black": (25, 22, 28)}


def garment(colour, seed=0):
    """A disc of `colour` with a little noise on a light grey background, uint8 RGB."""
    rng = np.random.default_rng(seed)
    image = np.repeat(rng.integers(190, 230, (SIZE, SIZE, 1)), 3, axis=2).astype(np.uint8)
    fill = np.clip(np.array(RGB[colour]) + rng.integers(-12, 12, (SIZE, SIZE, 3)), 0, 255)
    image[disc()] = fill[disc()]
    return image


def disc(radius=RADIUS):
    rows, columns = np.indices((SIZE, SIZE))
    return (rows - SIZE / 2) ** 2 + (columns - SIZE / 2) ** 2 <= radius ** 2


def targets_of(*labels):
    return np.array([[float(name in labels) for name in CLASSES]], np.float32)


def hsv_inside(image):
    """Circular-mean hue (degrees), mean saturation and value of the disc's inner pixels."""
    hsv = cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)[disc(RADIUS - 2)]
    angles = np.radians(hsv[:, 0])
    hue = np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean())) % 360
    return hue, float(hsv[:, 1].mean()), float(hsv[:, 2].mean())


def run(recolouring, image, targets, seed=(1, 2)):
    images, targets = recolouring(image[None], targets, tf.constant(seed))
    return images.numpy()[0], targets.numpy()


def test_a_red_garment_painted_blue_is_blue_and_labelled_blue():
    recolouring = recolour.Recolouring(CLASSES, ["red", "blue"], recolour=1.0, tint=0.0)
    image = garment("red")
    output, targets = run(recolouring, image, targets_of("red", "dress"))
    hue, saturation, value = hsv_inside(output)
    assert 170 <= hue <= 255 and saturation >= 0.2 and value >= 0.25, (hue, saturation, value)
    np.testing.assert_array_equal(targets, targets_of("blue", "dress"))
    background = ~disc(RADIUS + 2)
    np.testing.assert_array_equal(output[background], image[background])


def test_a_red_garment_painted_black_is_dark():
    recolouring = recolour.Recolouring(CLASSES, ["red", "black"], recolour=1.0, tint=0.0)
    output, targets = run(recolouring, garment("red"), targets_of("red", "shirt"))
    _, saturation, value = hsv_inside(output)
    assert value <= 0.25 and saturation <= 0.2, (saturation, value)
    np.testing.assert_array_equal(targets, targets_of("black", "shirt"))


def test_a_black_garment_painted_red_takes_red_hue():
    recolouring = recolour.Recolouring(CLASSES, ["black", "red"], recolour=1.0, tint=0.0)
    output, targets = run(recolouring, garment("black"), targets_of("black", "dress"))
    hue, saturation, _ = hsv_inside(output)
    assert (hue >= 340 or hue <= 10) and saturation >= 0.4, (hue, saturation)
    np.testing.assert_array_equal(targets, targets_of("red", "dress"))


@pytest.mark.parametrize("image, labels", [
    (garment("red"), ("dress",)),  # no colour marked
    (garment("blue"), ("red", "dress")),  # marked red, but no red pixels
    (garment("red"), ("red", "blue", "dress")),  # two colours marked: which one to paint?
], ids=["no colour", "colour absent", "two colours"])
def test_an_image_whose_colour_is_not_found_is_left_alone(image, labels):
    recolouring = recolour.Recolouring(CLASSES, ["black", "blue", "red"], recolour=1.0, tint=1.0)
    output, targets = run(recolouring, image, targets_of(*labels))
    np.testing.assert_array_equal(output, image)
    np.testing.assert_array_equal(targets, targets_of(*labels))


def test_unknown_colours_are_named_and_filtered():
    assert colours.known_colours(["navy", "red", "dress", "white"]) == ["red", "white"]
    with pytest.raises(ValueError, match="navy"):
        recolour.Recolouring(CLASSES + ["navy"], ["navy", "red"])
    with pytest.raises(ValueError, match="green"):
        recolour.Recolouring(CLASSES, ["green", "red"])  # known colour, but not a class


def test_no_colour_group_changes_nothing():
    image, labels = garment("red"), targets_of("red", "dress")
    output, targets = run(recolour.Recolouring(CLASSES, [], recolour=1.0, tint=1.0), image, labels)
    np.testing.assert_array_equal(output, image)
    np.testing.assert_array_equal(targets, labels)


def test_tint_changes_the_background_not_the_garment_or_its_labels():
    recolouring = recolour.Recolouring(CLASSES, ["red", "blue"], recolour=0.0, tint=1.0)
    image, labels = garment("red"), targets_of("red", "dress")
    background = ~disc(RADIUS + 2)
    for seed in range(5):  # the tint's colour and strength are drawn: try a few
        output, targets = run(recolouring, image, labels, seed=(seed, 0))
        assert np.abs(output[background].astype(int) - image[background]).mean() > 2
        hue, saturation, _ = hsv_inside(output)
        assert (hue >= 340 or hue <= 10) and saturation >= 0.4, (hue, saturation)
        np.testing.assert_array_equal(targets, labels)


def test_mask_finds_the_garment_and_drops_specks():
    image = garment("red")
    image[2, 2] = RGB["red"]  # one stray red pixel, far from the garment
    found = recolour.mask(image[None], "red").numpy()[0]
    assert not found[2, 2]
    assert (found & disc()).sum() / (found | disc()).sum() > 0.9
    with pytest.raises(ValueError, match="navy"):
        recolour.mask(image[None], "navy")


def mixed_batch():
    colours = ["red", "blue", "black", "red", "blue", "black", "red", "blue"]
    images = np.stack([garment(colour, seed) for seed, colour in enumerate(colours)])
    targets = np.concatenate([targets_of(colour, "dress") for colour in colours])
    return images, targets


def test_same_seed_same_output_in_eager_graph_and_tf_data():
    recolouring = recolour.Recolouring(CLASSES, ["black", "blue", "red"], recolour=0.5, tint=0.5)
    images, targets = mixed_batch()
    first = recolouring(images, targets, tf.constant([7, 8]))
    again = recolouring(images, targets, tf.constant([7, 8]))
    graph = tf.function(recolouring)(images, targets, tf.constant([7, 8], tf.int64))
    other = recolouring(images, targets, tf.constant([9, 10]))
    dataset = tf.data.Dataset.from_tensors((images, targets, tf.constant([7, 8], tf.int64)))
    from_data = next(iter(dataset.map(recolouring)))
    np.testing.assert_array_equal(again[0].numpy(), first[0].numpy())
    # A graph may fuse the float arithmetic differently: a pixel may round one level apart.
    for same in (again, graph, from_data):
        difference = same[0].numpy().astype(int) - first[0].numpy()
        assert np.abs(difference).max() <= 1
        np.testing.assert_array_equal(same[1].numpy(), first[1].numpy())
    assert not np.array_equal(other[0].numpy(), first[0].numpy())
    assert not np.array_equal(first[0].numpy(), images)  # something was drawn at 0.5
    assert not np.array_equal(first[1].numpy(), targets)  # and something relabelled

"""The scene around the garment (backdrop, distractors, placement, shadow, lighting, lens and
sensor) and the renderer's entry points, render_scene and render_garment.

Usage: scene.render_garment(np.random.default_rng(0), "red", "dress", size=128)
"""

import cv2
import numpy as np

from . import colours, drawing, painting


SIZE = 128  # default width and height of an image, the bundled dataset's
SUPERSAMPLE = 2  # draw at twice the size and shrink: smooth edges without per-shape antialiasing


def backdrop_blend(rng, canvas_size):
    """Where a backdrop's second colour shows: nowhere (flat), a gradient, a vignette, mottled
    patches, a floor below a wall, or stripes."""
    x, y = drawing.unit_grid(canvas_size)
    style = rng.integers(6)
    if style == 0:
        return np.zeros_like(x)
    if style == 1:
        angle = rng.uniform(0, 2 * np.pi)
        return np.clip(0.5 + np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5), 0, 1)
    if style == 2:
        centre_x, centre_y = rng.uniform(0.3, 0.7, 2)
        return np.clip(np.hypot(x - centre_x, y - centre_y) * 1.4, 0, 1)
    if style == 3:
        noise = drawing.smooth_noise(rng, canvas_size, rng.integers(3, 12))
        return np.clip(0.5 + 0.25 * noise, 0, 1)
    if style == 4:
        return np.clip((y - rng.uniform(0.55, 0.85)) / 0.02 + 0.5, 0, 1)
    angle, period = rng.uniform(0, np.pi), rng.uniform(0.04, 0.15)
    stripes = np.sin(2 * np.pi * (np.cos(angle) * x + np.sin(angle) * y) / period)
    return (stripes > rng.uniform(-0.5, 0.5)).astype(np.float32) * rng.uniform(0.3, 1.0)


def background(rng, garment_colour, canvas_size, contrasting=True):
    """A backdrop in two related colours with some grain.

    Its first colour is redrawn when too close to the garment's (contrasting_background_colour),
    unless contrasting is false. It is drawn at half the canvas size and enlarged, which is
    cheaper and looks the same once the whole scene is shrunk to the output size.
    """
    half_size = canvas_size // 2
    if contrasting:
        first = colours.contrasting_background_colour(rng, garment_colour)
    else:
        first = colours.sample_background_colour(rng)
    second = np.clip(first * rng.uniform(0.6, 1.3) + rng.uniform(-0.12, 0.12, 3), 0, 1)
    blend = backdrop_blend(rng, half_size)[..., None]
    image = first * (1 - blend) + second.astype(np.float32) * blend
    grain = rng.uniform(0.0, 0.06) * drawing.smooth_noise(rng, half_size,
                                                          half_size // rng.integers(2, 6))
    image = np.clip(image * (1 + grain[..., None]), 0, 1).astype(np.float32)
    return cv2.resize(image, (canvas_size, canvas_size), interpolation=cv2.INTER_LINEAR)


def distractor_shape(rng, centre, radius):
    """A ball, box, triangular tag or stick around centre, about radius in size."""
    kind = rng.integers(4)
    if kind == 0:
        axes = (radius, radius * rng.uniform(0.6, 1))
        return ("ellipse", tuple(centre), axes, rng.uniform(0, 180))
    if kind == 1:
        sides = (radius * 2, radius * rng.uniform(0.8, 2))
        box = ((centre[0], centre[1]), sides, rng.uniform(0, 90))
        return ("polygon", [tuple(corner) for corner in cv2.boxPoints(box)])
    if kind == 2:
        angles = rng.uniform(0, 2 * np.pi) + np.array([0, 2.1, 4.2])
        corners = [tuple(centre + radius * np.array([np.cos(a), np.sin(a)])) for a in angles]
        return ("polygon", corners)
    end = centre + rng.uniform(-3, 3, 2) * radius
    return ("line", [tuple(centre), tuple(end)], radius * 0.3)


def distractors(rng, image, count):
    """Draw count small objects of any colour, in place: shapes from distractor_shape, or rings."""
    canvas_size = image.shape[0]
    for _ in range(count):
        colour = colours.hsv_colour(rng.uniform(0, 360), rng.uniform(0, 1), rng.uniform(0.1, 1))
        centre, radius = rng.uniform(0.05, 0.95, 2), rng.uniform(0.025, 0.07)
        if rng.uniform() < 0.2:
            ring = [("ellipse", tuple(centre), (radius * scale,) * 2, 0) for scale in (1, 0.6)]
            outer, inner = (drawing.shape_mask([disc], canvas_size) for disc in ring)
            drawing.paint(image, np.clip(outer - inner, 0, 1), colour)
            continue
        mask = drawing.shape_mask([distractor_shape(rng, centre, radius)], canvas_size)
        shade = 0.8 + 0.2 * drawing.roundness(mask, canvas_size, 0.02)
        drawing.paint(image, mask, colour * shade[..., None])
    return image


def placement(rng, canvas_size):
    """A random affine map: the garment shifted, scaled and turned a little about the centre."""
    angle, scale = rng.uniform(-10, 10), rng.uniform(0.8, 1.1)
    matrix = cv2.getRotationMatrix2D((canvas_size / 2, canvas_size / 2), angle, scale)
    matrix[:, 2] += rng.uniform(-0.09, 0.09, 2) * canvas_size
    return matrix


def place(layer, alpha, garment_mask, matrix, flip):
    """Warp the figure into the scene. Colour is premultiplied so its edges do not darken."""
    canvas_size = layer.shape[0]
    stacked = np.dstack([layer * alpha[..., None], alpha, garment_mask])
    if flip:
        stacked = stacked[:, ::-1]
    warped = cv2.warpAffine(np.ascontiguousarray(stacked), matrix, (canvas_size, canvas_size),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped[..., :3], warped[..., 3], warped[..., 4]


def drop_shadow(rng, image, alpha):
    """Darken the backdrop under a soft, offset copy of the figure's outline."""
    canvas_size = image.shape[0]
    shift_x, shift_y = rng.uniform(-0.03, 0.03) * canvas_size, rng.uniform(0, 0.04) * canvas_size
    offset = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
    shadow = cv2.warpAffine(alpha, offset, (canvas_size, canvas_size))
    shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(0.01, 0.04) * canvas_size)
    return image * (1 - rng.uniform(0.0, 0.35) * shadow[..., None])


def lighting(rng, image):
    """Exposure, contrast, gamma, a slight white-balance cast and uneven light across the frame."""
    x, y = drawing.unit_grid(image.shape[0])
    angle = rng.uniform(0, 2 * np.pi)
    falloff = 1 + rng.uniform(0, 0.25) * (np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5))
    balance = (1 + rng.uniform(-0.05, 0.05, 3)).astype(np.float32)
    mean = float(image.mean())
    image = (image - mean) * rng.uniform(0.8, 1.15) + mean
    image = image * rng.uniform(0.8, 1.15) * balance * falloff[..., None]
    return np.clip(image, 0, 1) ** rng.uniform(0.85, 1.15)


def finish(rng, image, size):
    """Shrink to the output size, light it, soften like a real lens, add sensor noise, quantise."""
    image = cv2.resize(image.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    image = lighting(rng, image)  # after shrinking: the same look for a quarter of the work
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 0.7) * size / 128)
    noise = rng.standard_normal(image.shape).astype(np.float32)
    image = image + rng.uniform(0.003, 0.012) * noise
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def check_garment(colour, item):
    """Refuse (ValueError) a colour or item the renderer cannot draw."""
    if colour not in colours.COLOURS or item not in painting.ITEMS:
        raise ValueError(f"unknown garment {colour} {item}: colour must be one of "
                         f"{colours.COLOURS}, item one of {painting.ITEMS}")


def render_scene(rng, colour, item, size=SIZE):
    """A synthetic photograph of one garment (uint8, size x size x 3, RGB) and the garment's
    coverage in it (float32, size x size, 0 to 1), useful for measuring the garment's colour."""
    check_garment(colour, item)
    if size < 32:
        raise ValueError(f"image size {size} is too small to draw a garment; use at least 32")
    canvas_size = size * SUPERSAMPLE
    garment_colour = colours.sample_garment_colour(rng, colour, item)
    layer, alpha, garment_mask = painting.paint_figure(rng, garment_colour, item, canvas_size, size)
    # Nearly half of all backdrops are studio whites: redrawing those for white garments would
    # teach that a white backdrop means "not white". White garments take backdrops as drawn and
    # stand out by their shading, edges and shadow instead.
    scene = background(rng, garment_colour, canvas_size, contrasting=colour != "white")
    distractors(rng, scene, rng.choice(4, p=[0.55, 0.25, 0.12, 0.08]))
    matrix, flip = placement(rng, canvas_size), rng.uniform() < 0.5
    layer, alpha, garment_mask = place(layer, alpha, garment_mask, matrix, flip)
    scene = layer + drop_shadow(rng, scene, alpha) * (1 - alpha[..., None])
    if rng.uniform() < 0.12:  # now and then a small object sits in front of the garment
        distractors(rng, scene, 1)
    image = finish(rng, scene, size)
    coverage = cv2.resize(garment_mask, (size, size), interpolation=cv2.INTER_AREA)
    return image, coverage


def render_garment(rng, colour, item, size=SIZE):
    """A synthetic photograph of a garment: uint8, size x size x 3, RGB order.

    colour is one of COLOURS (black, blue, red, white, brown, green) and item one of ITEMS
    (dress, shirt, jeans, shoes, shorts), in any combination. All randomness comes from rng, a
    numpy.random.Generator.
    """
    return render_scene(rng, colour, item, size)[0]

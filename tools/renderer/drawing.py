"""Drawing primitives: shapes in unit coordinates ((0, 0) top left, (1, 1) bottom right) drawn
antialiased with OpenCV, masks, and layers painted over one another.

Usage: drawing.shape_mask([("polygon", drawing.rectangle(0.2, 0.2, 0.8, 0.8))], 256)
"""

import cv2
import numpy as np


SUBPIXEL_BITS = 4  # fixed-point bits for OpenCV drawing calls, so shapes sit between pixels


def to_pixels(points, canvas_size):
    """Unit coordinates as OpenCV fixed-point integer pixel coordinates."""
    scale = canvas_size * (1 << SUBPIXEL_BITS)
    return np.round(np.asarray(points, np.float64) * scale).astype(np.int32)


def mirror(points, centre=0.5):
    """The same points reflected about the vertical line x = centre."""
    return [(2 * centre - x, y) for x, y in points]


def symmetric_outline(left_half, centre=0.5):
    """A closed outline from its left half (top centre round to bottom centre) and its mirror."""
    return list(left_half) + list(reversed(mirror(left_half, centre)))


def curve(start, end, bulge=0.0, count=6):
    """Points from start to end along a gentle arc pushed sideways (in x) by bulge."""
    steps = np.linspace(0, 1, count)
    xs = start[0] + (end[0] - start[0]) * steps + bulge * np.sin(np.pi * steps)
    ys = start[1] + (end[1] - start[1]) * steps
    return [(float(x), float(y)) for x, y in zip(xs, ys)]


def rectangle(left, top, right, bottom):
    """A rectangle's four corners, clockwise from the top left."""
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def draw_shapes(target, shapes, value):
    """Draw shapes into a uint8 image with one value, antialiased (OpenCV only smooths 8-bit).

    Each shape is ("polygon", points), ("line", points, width) or ("ellipse", centre, axes, angle),
    all in unit coordinates. Antialiased edges blend value with what the target already holds.
    """
    canvas_size = target.shape[0]
    for shape in shapes:
        kind = shape[0]
        if kind == "polygon":
            points = to_pixels(shape[1], canvas_size)
            cv2.fillPoly(target, [points], value, cv2.LINE_AA, SUBPIXEL_BITS)
        elif kind == "line":
            thickness = max(1, int(round(shape[2] * canvas_size)))
            points = [tuple(map(int, point)) for point in to_pixels(shape[1], canvas_size)]
            for start, end in zip(points[:-1], points[1:]):
                cv2.line(target, start, end, value, thickness, cv2.LINE_AA, SUBPIXEL_BITS)
        else:
            centre = tuple(map(int, to_pixels(shape[1], canvas_size)))
            axes = tuple(max(1, int(axis)) for axis in to_pixels(shape[2], canvas_size))
            cv2.ellipse(target, centre, axes, float(shape[3]), 0, 360, value, -1, cv2.LINE_AA,
                        SUBPIXEL_BITS)
    return target


def shape_mask(shapes, canvas_size):
    """A float mask in [0, 1] covering the union of shapes (see draw_shapes)."""
    mask = draw_shapes(np.zeros((canvas_size, canvas_size), np.uint8), shapes, 255)
    return mask.astype(np.float32) / 255.0


def paint(image, mask, colour):
    """Lay a colour (an RGB triple or a full image) over image, in place, wherever mask is set.

    Only the mask's bounding box is touched: most masks cover a small part of the canvas.
    """
    left, top, width, height = cv2.boundingRect((mask > 0).astype(np.uint8))
    if width == 0:
        return image
    region = (slice(top, top + height), slice(left, left + width))
    coverage = mask[region][..., None]
    colour = np.asarray(colour, np.float32)
    if colour.ndim == 3:
        colour = colour[region]
    image[region] = image[region] * (1 - coverage) + colour * coverage
    return image


def unit_grid(canvas_size):
    """Pixel-centre coordinates in unit space, as two (size, size) arrays: x and y."""
    centres = (np.arange(canvas_size, dtype=np.float32) + 0.5) / canvas_size
    return np.meshgrid(centres, centres)


def smooth_noise(rng, canvas_size, rows, columns=None):
    """Zero-mean noise of unit spread, enlarged from rows x columns cells to the whole canvas."""
    noise = rng.standard_normal((rows, columns or rows)).astype(np.float32)
    noise = cv2.resize(noise, (canvas_size, canvas_size), interpolation=cv2.INTER_CUBIC)
    return noise / max(float(noise.std()), 1e-6)


def roundness(mask, canvas_size, depth):
    """1 deep inside a mask, falling to 0 at its edge: cloth and limbs turn away from the light."""
    inside = (mask > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    return np.sqrt(np.clip(distance / (depth * canvas_size), 0, 1))


def over(front, front_alpha, back, back_alpha):
    """One RGB layer over another, and the coverage of both together."""
    coverage = front_alpha[..., None]
    return front * coverage + back * (1 - coverage), front_alpha + back_alpha * (1 - front_alpha)

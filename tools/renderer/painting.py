"""Painting a garment (shading, folds, fabric, stitches, buttons) and whoever or whatever holds
it (a figure, a hanger, shoe soles) into one RGB layer with its coverage.

Usage: painting.paint_figure(rng, garment_colour, "dress", canvas_size=256, size=128)
"""

import cv2
import numpy as np

from . import clothes, colours, drawing, shoes, trousers


# Every item the renderer draws. The recipe's three come first, so that a catalogue's indices
# never move when another is appended.
ITEMS = ("dress", "shirt", "jeans", "shoes", "shorts")
GEOMETRY = {"dress": clothes.dress_geometry, "shirt": clothes.shirt_geometry,
            "jeans": trousers.jeans_geometry, "shoes": shoes.shoes_geometry,
            "shorts": trousers.shorts_geometry}


def fold_map(folds, canvas_size):
    """Soft light and dark streaks from (start, end, strength) fold segments."""
    streaks = np.zeros((canvas_size, canvas_size), np.float32)
    thickness = max(1, int(round(0.012 * canvas_size)))
    for start, end, strength in folds:
        pixels = drawing.to_pixels([start, end], canvas_size)
        start_pixel, end_pixel = tuple(map(int, pixels[0])), tuple(map(int, pixels[1]))
        cv2.line(streaks, start_pixel, end_pixel, float(strength), thickness, cv2.LINE_8,
                 drawing.SUBPIXEL_BITS)
    return cv2.GaussianBlur(streaks, (0, 0), 0.012 * canvas_size)


def fabric_texture(rng, denim, canvas_size, size):
    """Multiplicative texture: fine weave noise, plus twill lines and slubs for denim."""
    texture = 1 + rng.uniform(0.02, 0.05) * drawing.smooth_noise(rng, canvas_size, canvas_size // 2)
    if denim:
        x, y = (grid * canvas_size for grid in drawing.unit_grid(canvas_size))
        period = 2.5 * canvas_size / size  # a twill line every 2.5 output pixels at any size
        texture *= 1 + rng.uniform(0.05, 0.09) * np.sin(2 * np.pi * (0.6 * x + y) / period)
        # Denim yarn is unevenly dyed: noise stretched vertically gives its long vertical slubs.
        slubs = drawing.smooth_noise(rng, canvas_size, canvas_size // 16, canvas_size // 2)
        texture *= 1 + rng.uniform(0.03, 0.07) * slubs
    return texture


def shading(rng, mask, geometry, item, canvas_size, size):
    """Brightness of each garment pixel: rounded edges, light from one side, folds, fades, weave."""
    x, y = drawing.unit_grid(canvas_size)
    angle, strength = rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 0.35)
    light = 1 + strength * (np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5))
    depth = geometry.get("depth", 0.05)  # how far in from the edge the cloth stops turning
    shade = (0.68 + 0.32 * drawing.roundness(mask, canvas_size, depth)) * light
    shade *= 1 + fold_map(geometry["folds"], canvas_size)
    for (centre_x, centre_y), (radius_x, radius_y) in geometry["fades"]:
        blob = np.exp(-(((x - centre_x) / radius_x) ** 2 + ((y - centre_y) / radius_y) ** 2))
        shade *= 1 + rng.uniform(0.1, 0.3) * blob
    # Trims and seams each go into one shared map: far cheaper than a mask apiece.
    trims = np.full((canvas_size, canvas_size), 100, np.uint8)
    for shape, brightness in geometry["trims"]:
        drawing.draw_shapes(trims, [shape], int(round(100 * brightness)))
    seams = np.zeros((canvas_size, canvas_size), np.uint8)
    for points, width, darkening in geometry["lines"]:
        drawing.draw_shapes(seams, [("line", points, width)], int(round(255 * darkening)))
    shade *= (trims.astype(np.float32) / 100) * (1 - seams.astype(np.float32) / 255)
    denim = geometry.get("denim", item == "jeans")  # jeans always, shorts when the geometry says
    return shade * fabric_texture(rng, denim, canvas_size, size)


def paint_garment(rng, geometry, colour, item, canvas_size, size):
    """The garment's RGB layer and coverage mask, with topstitching and buttons on top."""
    mask = drawing.shape_mask(geometry["outline"], canvas_size)
    shade = shading(rng, mask, geometry, item, canvas_size, size)
    # Where the shade goes above 1 a little white is added too, like a sheen on the cloth.
    image = colour * shade[..., None] + 0.12 * np.maximum(shade - 1, 0)[..., None]
    if geometry["stitches"]:
        thread = colours.GOLD_THREAD if geometry["gold_thread"] else colour * 1.6 + 0.1
        stitches = [("line", points, 0.002) for points in geometry["stitches"]]
        drawing.paint(image, drawing.shape_mask(stitches, canvas_size) * 0.35, thread)
    if geometry["buttons"]:
        centres, radius, button_colour = geometry["buttons"]
        buttons = [("ellipse", centre, (radius, radius), 0) for centre in centres]
        drawing.paint(image, drawing.shape_mask(buttons, canvas_size), button_colour)
    return np.clip(image, 0, 1).astype(np.float32), mask


def paint_person(rng, person, canvas_size):
    """RGB layer and coverage of the figure: shaded skin, hair and shoes, back to front."""
    hair_colour, skin = colours.pick(rng, colours.HAIR_COLOURS), colours.sample_skin_tone(rng)
    image = np.zeros((canvas_size, canvas_size, 3), np.float32)
    alpha = np.zeros((canvas_size, canvas_size), np.float32)
    for part in ("hair_back", "skin", "hair_cap", "face", "shoes"):
        mask = drawing.shape_mask(person[part], canvas_size)
        if part in ("skin", "face"):
            colour = skin * (0.72 + 0.28 * drawing.roundness(mask, canvas_size, 0.02))[..., None]
        elif part == "shoes":
            colour = colours.pick(rng, colours.SHOE_COLOURS)
        else:
            colour = hair_colour
        drawing.paint(image, mask, colour)
        alpha = np.maximum(alpha, mask)
    return image, alpha


def paint_rounded(rng, shapes, palette, edge, canvas_size):
    """RGB layer and coverage of a hanger or shoe soles: one colour of palette (never the label's),
    rounded from edge brightness at the rim to full a little way in."""
    mask = drawing.shape_mask(shapes, canvas_size)
    shade = edge + (1 - edge) * drawing.roundness(mask, canvas_size, 0.006)
    return colours.pick(rng, palette) * shade[..., None], mask


def paint_figure(rng, colour, item, canvas_size, size):
    """The garment, worn by a figure about half the time and otherwise sometimes on a hanger, as an
    RGB layer, its coverage, and the garment's own coverage (without figure, hanger or soles)."""
    with_person = rng.uniform() < 0.45
    geometry = GEOMETRY[item](rng, with_person)
    image, garment_mask = paint_garment(rng, geometry, colour, item, canvas_size, size)
    alpha = garment_mask
    if geometry.get("soles"):
        soles = paint_rounded(rng, geometry["soles"], colours.SOLE_COLOURS, 0.8, canvas_size)
        image, alpha = drawing.over(image, alpha, *soles)
    if with_person:
        behind, behind_mask = paint_person(rng, geometry["person"], canvas_size)
    elif geometry["hanger"] and rng.uniform() < 0.3:  # a product shot on a hanger
        behind, behind_mask = paint_rounded(rng, geometry["hanger"], colours.HANGER_COLOURS, 0.75,
                                            canvas_size)
    else:
        return image, alpha, garment_mask
    image, alpha = drawing.over(image, alpha, behind, behind_mask)
    return image, alpha, garment_mask

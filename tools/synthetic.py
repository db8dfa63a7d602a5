"""Synthetic fashion photographs: the project's bundled training data and examples, and larger
catalogues with absent colour-item pairs.

Each image shows one garment (a dress, a shirt, a pair of jeans, shorts or shoes) in one colour
family (black, blue, red, white, brown or green), drawn with OpenCV and NumPy on a varied
background, sometimes worn by a plain mannequin-like figure or hung on a hanger, sometimes next
to small unrelated objects. The item can only be told from its shape and the colour only from
the garment itself: backgrounds, figures and distractors are drawn from the same distribution
for every class. Every image comes from its own seeded generator, so the same code and library
versions always write the same bytes.

The bundled dataset is the 2018 recipe's six folders (three colours, three items). A catalogue
(--catalogue) is the shape real shops have: 6 colours x 5 items with 24 of the 30 pairs present,
the 6 absent pairs drawn from the seed so that every colour and every item still appears in at
least 3 folders; DIR/absent.txt names them, and --catalogue-absent writes images of them for
scoring unseen combinations.

It is data preparation, run by hand, never by the tool itself, so it lives outside the
library package (as nanoGPT's data/*/prepare.py do).

Usage:
    python tools/synthetic.py --dataset dataset --examples examples --per-class 150
    (--seed, 2018 by default, picks a different but equally reproducible set)
    python tools/synthetic.py --catalogue catalogue --catalogue-absent catalogue_absent \
        --per-class 60 --absent-per-class 30
"""

import argparse
import colorsys
import itertools
import os
import re
import sys

import cv2
import numpy as np

from pyimagesearch import cli, files  # the project's flag types, atomic writes

CLASSES = ("black_jeans", "blue_dress", "blue_jeans", "blue_shirt", "red_dress", "red_shirt")
# Every colour and item the generator draws; the catalogue is their product. The recipe's three
# of each come first, so catalogue indices never move when another is appended.
COLOURS = ("black", "blue", "red", "white", "brown", "green")
ITEMS = ("dress", "shirt", "jeans", "shoes", "shorts")
EXAMPLES = (("red", "dress"), ("blue", "dress"), ("red", "shirt"), ("blue", "shirt"),
            ("blue", "jeans"), ("black", "jeans"), ("black", "dress"))

DATASET_QUALITY = 95  # JPEG quality: about 6 KB per 128x128 image, 5.3 MB for 6 x 150
EXAMPLES_QUALITY = 95  # the examples are few, so they get the same quality
EXAMPLES_SIZE = 256  # large enough to look good with a prediction written on top
SUPERSAMPLE = 2  # draw at twice the size and shrink: smooth edges without per-shape antialiasing
DATASET_STREAM = 0  # seed-sequence tags: the examples never share a seed with a training image
EXAMPLES_STREAM = 1
CATALOGUE_STREAM = 2  # images of a catalogue's present pairs
CATALOGUE_ABSENT_STREAM = 3  # images of its absent pairs, for scoring unseen combinations
ABSENT_CHOICE_STREAM = 4  # which pairs a catalogue leaves out
CATALOGUE_ABSENT = 6  # pairs left out of the 30: 24 folders remain
CATALOGUE_MINIMUM = 3  # every colour and every item keeps at least this many present folders
CATALOGUE_ABSENT_PER_CLASS = 30  # default images per absent pair under --catalogue-absent
ABSENT_LIST = "absent.txt"  # the catalogue's absent pairs, one folder name a line
SUBPIXEL_BITS = 4  # fixed-point bits for OpenCV drawing calls, so shapes sit between pixels

SKIN_TONES = np.array([(0.98, 0.87, 0.78), (0.93, 0.76, 0.64), (0.80, 0.60, 0.45),
                       (0.67, 0.48, 0.33), (0.50, 0.33, 0.22), (0.33, 0.21, 0.15)], np.float32)
HAIR_COLOURS = np.array([(0.06, 0.05, 0.05), (0.20, 0.13, 0.08), (0.36, 0.23, 0.13),
                         (0.76, 0.62, 0.38), (0.45, 0.20, 0.10), (0.62, 0.62, 0.60)], np.float32)
SHOE_COLOURS = np.array([(0.93, 0.93, 0.91), (0.08, 0.08, 0.08), (0.35, 0.22, 0.12),
                         (0.72, 0.56, 0.38), (0.55, 0.55, 0.55)], np.float32)
HANGER_COLOURS = np.array([(0.55, 0.36, 0.20), (0.08, 0.08, 0.08), (0.75, 0.76, 0.78),
                           (0.94, 0.94, 0.92)], np.float32)  # wood, black, chrome, white
BUTTON_COLOURS = np.array([(0.92, 0.91, 0.88), (0.10, 0.10, 0.10), (0.45, 0.33, 0.22)],
                          np.float32)  # pearl, dark, horn
RIVET_COLOURS = np.array([(0.78, 0.60, 0.30), (0.75, 0.75, 0.75)], np.float32)  # brass, steel
GOLD_THREAD = np.array([0.85, 0.60, 0.25], np.float32)
SOLE_COLOURS = np.array([(0.93, 0.92, 0.88), (0.09, 0.09, 0.09), (0.62, 0.45, 0.27),
                         (0.33, 0.21, 0.12)], np.float32)  # white rubber, black, gum, leather
EYELET_COLOURS = np.array([(0.75, 0.75, 0.75), (0.10, 0.10, 0.10), (0.78, 0.60, 0.30)],
                          np.float32)  # steel, black, brass


# ---------------------------------------------------------------------------------------------
# Colours


def hsv_colour(hue_degrees, saturation, value):
    """An RGB colour in [0, 1] from a hue in degrees (any range) and saturation/value in [0, 1]."""
    rgb = colorsys.hsv_to_rgb((hue_degrees / 360.0) % 1.0, saturation, value)
    return np.array(rgb, np.float32)


def sample_garment_colour(rng, colour, item):
    """One shade of a colour family: red runs crimson to scarlet to maroon, blue navy to sky blue,
    black charcoal to jet, white snow to ivory, brown chocolate to chestnut to tan, green forest
    to emerald to mint. Jeans get denim's narrower band of indigo blues."""
    if colour == "white":  # nearly unsaturated and bright; any faint tint, warm or cool
        return hsv_colour(rng.uniform(0, 360), rng.uniform(0.0, 0.07), rng.uniform(0.86, 0.98))
    if colour == "brown":  # orange hues, darker and less saturated than red
        return hsv_colour(rng.uniform(16, 36), rng.uniform(0.45, 0.8), rng.uniform(0.2, 0.58))
    if colour == "green":  # olive's yellow-greens are left out: too close to brown
        return hsv_colour(rng.uniform(95, 160), rng.uniform(0.4, 0.9), rng.uniform(0.25, 0.8))
    if colour == "red":
        return hsv_colour(rng.uniform(-10, 6), rng.uniform(0.78, 0.98), rng.uniform(0.38, 0.92))
    if colour == "blue" and item == "jeans":
        return hsv_colour(rng.uniform(206, 228), rng.uniform(0.45, 0.85), rng.uniform(0.3, 0.78))
    if colour == "blue":
        return hsv_colour(rng.uniform(206, 238), rng.uniform(0.45, 0.95), rng.uniform(0.32, 0.92))
    return hsv_colour(rng.uniform(0, 360), rng.uniform(0.0, 0.2), rng.uniform(0.05, 0.2))


def sample_background_colour(rng):
    """A backdrop colour drawn the same way for every class: mostly studio whites and greys, some
    dark neutrals, and some of any hue (reds and blues included) so colour never gives the label."""
    kind = rng.uniform()
    if kind < 0.45:
        return hsv_colour(rng.uniform(20, 60), rng.uniform(0.0, 0.15), rng.uniform(0.72, 0.98))
    if kind < 0.6:
        return hsv_colour(rng.uniform(0, 360), rng.uniform(0.0, 0.12), rng.uniform(0.2, 0.7))
    return hsv_colour(rng.uniform(0, 360), rng.uniform(0.12, 0.6), rng.uniform(0.3, 0.95))


def contrasting_background_colour(rng, garment_colour):
    """A backdrop colour far enough from the garment's that the garment stays visible."""
    for _ in range(8):
        candidate = sample_background_colour(rng)
        if np.abs(candidate - garment_colour).sum() > 0.45:
            return candidate
    # Eight near misses in a row: a light grey stands apart from every garment colour we draw.
    return hsv_colour(0, 0, rng.uniform(0.8, 0.95))


def sample_skin_tone(rng):
    """A skin colour anywhere between very light and very dark, blended between reference tones."""
    position = rng.uniform(0, len(SKIN_TONES) - 1)
    lower = int(position)
    upper = min(lower + 1, len(SKIN_TONES) - 1)
    blend = position - lower
    tone = SKIN_TONES[lower] * (1 - blend) + SKIN_TONES[upper] * blend
    return np.clip(tone * rng.uniform(0.92, 1.05), 0, 1).astype(np.float32)


def pick(rng, palette):
    """One colour of a palette, chosen at random."""
    return palette[rng.integers(len(palette))]


# ---------------------------------------------------------------------------------------------
# Drawing primitives. Geometry is in unit coordinates: (0, 0) top left, (1, 1) bottom right.


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


# ---------------------------------------------------------------------------------------------
# Garment geometry. Each *_geometry function returns a dict:
#   outline   shapes that together make the garment's silhouette
#   trims     (shape, brightness factor): collars, waistbands, belts, cuffs
#   lines     (points, width, darkening): seams and edges
#   stitches  polylines topstitched in a visible thread (jeans), and "gold_thread"
#   buttons   (centres, radius, colour) or None: buttons, rivets, a shoe's eyelets
#   folds     (start, end, strength): soft light ridges (+) and dark valleys (-)
#   fades     (centre, radii): worn, lighter patches of denim
#   hanger    shapes of a hanger that would hold it (none for shoes)
#   person    skin, face, hair and shoe shapes, when someone wears it
# and optionally
#   denim     whether the cloth has denim's twill (default: only jeans)
#   soles     shapes of shoe soles, painted in a sole colour rather than the garment's
#   depth     how far (unit coordinates) the shading's edge darkening reaches in (default 0.05)


def new_geometry(outline, hanger, folds):
    """A geometry dict with the required parts and empty optional ones."""
    return {"outline": outline, "hanger": hanger, "folds": folds, "trims": [], "lines": [],
            "stitches": [], "gold_thread": False, "buttons": None, "fades": []}


def sleeve(shoulder, armpit, angle_degrees, length, cuff_half_width):
    """A left sleeve polygon hanging from the shoulder-armpit seam, plus its cuff centre and the
    direction it points in (so an arm or hand can continue from the cuff)."""
    angle = np.radians(angle_degrees)
    direction = np.array([-np.sin(angle), np.cos(angle)])
    across = np.array([np.cos(angle), np.sin(angle)])
    cuff_centre = (np.asarray(shoulder) + np.asarray(armpit)) / 2 + direction * length
    cuff_outer = cuff_centre - across * cuff_half_width
    cuff_inner = cuff_centre + across * cuff_half_width
    polygon = [tuple(shoulder), tuple(cuff_outer), tuple(cuff_inner), tuple(armpit)]
    return polygon, cuff_centre, direction


def sleeves_and_arms(rng, shoulder, armpit, style, hand_y):
    """Sleeve shapes for a style ("straps", "sleeveless", "short" or "long") and the visible
    (skin) arm segments on either side; a short sleeve's forearm hangs down to about hand_y."""
    if style in ("straps", "sleeveless"):
        angle, length = np.radians(rng.uniform(6, 14)), rng.uniform(0.36, 0.42)
        start = np.array([shoulder[0] + 0.016, shoulder[1] + 0.015])
        end = start + length * np.array([-np.sin(angle), np.cos(angle)])
        left_arm = (tuple(start), tuple(end))
        return [], [left_arm, tuple(mirror(left_arm))]
    if style == "short":
        angle, length = rng.uniform(20, 35), rng.uniform(0.09, 0.15)
        cuff_half_width = rng.uniform(0.045, 0.06)
    else:
        angle, length = rng.uniform(8, 18), rng.uniform(0.38, 0.46)
        cuff_half_width = rng.uniform(0.028, 0.038)
    polygon, cuff_centre, direction = sleeve(shoulder, armpit, angle, length, cuff_half_width)
    # Below a short sleeve the forearm hangs nearly straight; a long sleeve only shows the hand.
    if style == "short":
        reach, bend = max(hand_y - cuff_centre[1], 0.08), np.array([direction[0] * 0.4, 1.0])
    else:
        reach, bend = 0.05, direction
    end = cuff_centre + reach * bend / np.linalg.norm(bend)
    left_arm = (tuple(cuff_centre - direction * 0.01), tuple(end))
    sleeves = [("polygon", polygon), ("polygon", mirror(polygon))]
    return sleeves, [left_arm, tuple(mirror(left_arm))]


def neckline(rng, centre, shoulder_y):
    """Left half of a round, V or boat neckline, from the centre front up to the shoulder seam."""
    style = rng.integers(3)
    if style == 0:
        depth, half_width = rng.uniform(0.04, 0.09), rng.uniform(0.04, 0.06)
        angles = np.linspace(0, np.pi / 2, 5)
        return [(centre - half_width * np.sin(a), shoulder_y + depth * np.cos(a)) for a in angles]
    if style == 1:
        depth, half_width = rng.uniform(0.08, 0.14), rng.uniform(0.04, 0.06)
        return [(centre, shoulder_y + depth), (centre - half_width, shoulder_y)]
    half_width = rng.uniform(0.07, 0.09)
    return [(centre, shoulder_y + 0.025), (centre - half_width * 0.7, shoulder_y + 0.015),
            (centre - half_width, shoulder_y)]


def dress_bodice(rng, centre, shoulder_y, waist_y, waist_half, style):
    """Left half of a dress bodice outline from the centre front down to the waist, the left
    strap (or None), and the shoulder and armpit points where sleeves or arms attach."""
    shoulder = (centre - rng.uniform(0.11, 0.14), shoulder_y + 0.012)
    armpit = (centre - waist_half - rng.uniform(0.035, 0.05), shoulder_y + 0.1)
    side = curve(armpit, (centre - waist_half, waist_y), -0.01)
    if style == "straps":
        bust_y = shoulder_y + rng.uniform(0.06, 0.08)
        top = [(centre, bust_y + 0.02), (centre - 0.04, bust_y - 0.006),
               (centre - 0.085, bust_y + 0.004)]
        strap_x = centre - rng.uniform(0.06, 0.08)
        strap = ("line", [(strap_x, bust_y), (strap_x - 0.005, shoulder_y + 0.005)], 0.014)
        return top + side, strap, shoulder, armpit
    armhole = (shoulder[0] + 0.014, shoulder_y + 0.055)
    return neckline(rng, centre, shoulder_y) + [shoulder, armhole] + side, None, shoulder, armpit


def dress_skirt(rng, centre, waist_y, waist_half, hem_y, hem_half):
    """Left half of a skirt, from the waist down the side and along the hem to the centre front,
    and the x positions of the hem's troughs (where the skirt's folds fall)."""
    power = rng.uniform(0.6, 1.3)  # below 1 it flares early like a bell, above 1 like an A-line
    steps = np.linspace(0, 1, 8)[1:]
    side = [(centre - waist_half - (hem_half - waist_half) * step ** power,
             waist_y + (hem_y - waist_y) * step) for step in steps]
    waves, phase = rng.integers(2, 5), rng.uniform(0, np.pi)
    amplitude, sag = rng.uniform(0.004, 0.014), rng.uniform(0.01, 0.03)
    along = np.linspace(0, 1, 13)[1:]
    ripple = np.sin(waves * np.pi * along + phase)
    hem = [(centre - hem_half * (1 - step),
            hem_y + sag * np.sin(np.pi / 2 * step) + amplitude * wave)
           for step, wave in zip(along, ripple)]
    troughs = [centre - hem_half * (1 - step) for step, wave in zip(along, ripple) if wave > 0.9]
    return side + hem, troughs


def skirt_folds(rng, centre, waist_y, waist_half, hem_y, hem_half, troughs):
    """Folds fanning out from the waist to the hem's troughs: a dark valley beside a light ridge."""
    folds = []
    extra = rng.uniform(centre - hem_half * 0.8, centre + hem_half * 0.8, 2)
    for trough_x in troughs + list(extra):
        top_x = centre + (trough_x - centre) * waist_half / hem_half * rng.uniform(0.7, 1.0)
        top_y = waist_y + rng.uniform(0.03, 0.12)
        folds.append(((top_x, top_y), (trough_x, hem_y), -rng.uniform(0.25, 0.4)))
        offset = rng.choice([-1, 1]) * rng.uniform(0.012, 0.02)
        ridge = ((top_x + offset * 0.4, top_y + 0.02), (trough_x + offset, hem_y))
        folds.append((*ridge, rng.uniform(0.1, 0.2)))
    return folds


def dress_geometry(rng, with_person):
    """A dress: fitted bodice (straps, sleeveless, short or long sleeves) over a flared skirt."""
    centre, shoulder_y = 0.5, rng.uniform(0.14, 0.2)
    waist_y, waist_half = shoulder_y + rng.uniform(0.2, 0.25), rng.uniform(0.068, 0.088)
    hem_y, hem_half = min(waist_y + rng.uniform(0.28, 0.5), 0.93), rng.uniform(0.16, 0.31)
    style = ("straps", "sleeveless", "short", "long")[rng.integers(4)]
    bodice, strap, shoulder, armpit = dress_bodice(rng, centre, shoulder_y, waist_y, waist_half,
                                                   style)
    skirt, troughs = dress_skirt(rng, centre, waist_y, waist_half, hem_y, hem_half)
    outline = [("polygon", symmetric_outline(bodice + skirt))]
    if strap is not None:
        outline += [strap, ("line", mirror(strap[1]), strap[2])]
    sleeves, arms = sleeves_and_arms(rng, shoulder, armpit, style, waist_y + 0.12)
    hanger = hanger_shapes(centre, shoulder_y - 0.005, shoulder[0] + 0.015, shoulder_y + 0.03)
    folds = skirt_folds(rng, centre, waist_y, waist_half, hem_y, hem_half, troughs)
    geometry = new_geometry(outline + sleeves, hanger, folds)
    if rng.uniform() < 0.35:  # a belt, darker than the dress
        belt = rectangle(centre - waist_half - 0.004, waist_y - 0.012,
                         centre + waist_half + 0.004, waist_y + 0.01)
        geometry["trims"].append((("polygon", belt), rng.uniform(0.55, 0.8)))
    else:  # or just the seam between bodice and skirt
        seam = [(centre - waist_half, waist_y), (centre + waist_half, waist_y)]
        geometry["lines"].append((seam, 0.004, 0.3))
    if with_person:
        legs = [((x, hem_y - 0.03), (x + 0.3 * (x - centre), hem_y + 0.32))
                for x in (centre - 0.045, centre + 0.045)]
        geometry["person"] = person_shapes(rng, (centre, shoulder_y), centre - shoulder[0], arms,
                                           legs, 0.043)
    return geometry


def shirt_collar(rng, centre, neck_y, neck_half):
    """Trims and edge lines of a shirt collar: the dark inside of the neck and two pointed flaps."""
    inside = [(centre - neck_half, neck_y), (centre + neck_half, neck_y), (centre, neck_y + 0.05)]
    spread = rng.uniform(0.0, 0.02)  # from a narrow point collar to a spread collar
    tip = (centre - neck_half - 0.012 - spread, neck_y + rng.uniform(0.065, 0.085))
    flap = [(centre - neck_half - 0.004, neck_y - 0.014), (centre - 0.003, neck_y + 0.05), tip,
            (centre - neck_half - 0.03, neck_y + 0.012)]
    trims = [(("polygon", inside), 0.4), (("polygon", flap), 1.08),
             (("polygon", mirror(flap)), 1.08)]
    lines = [(flap + flap[:1], 0.004, 0.45), (mirror(flap + flap[:1]), 0.004, 0.45)]
    return trims, lines


def shirt_front(rng, centre, top_y, hem_y, pocket_y):
    """The placket's edges and buttons, and maybe a chest pocket on the wearer's left."""
    lines = [([(centre - 0.012, top_y), (centre - 0.012, hem_y)], 0.003, 0.35),
             ([(centre + 0.012, top_y), (centre + 0.012, hem_y)], 0.003, 0.25)]
    count = rng.integers(4, 7)
    centres = [(centre, y) for y in np.linspace(top_y + 0.02, hem_y - 0.06, count)]
    buttons = (centres, 0.008, pick(rng, BUTTON_COLOURS))
    if rng.uniform() < 0.5:
        x, width = centre + rng.uniform(0.05, 0.07), rng.uniform(0.06, 0.075)
        pocket = [(x, pocket_y), (x, pocket_y + width * 1.15),
                  (x + width / 2, pocket_y + width * 1.3),  # a pointed bottom
                  (x + width, pocket_y + width * 1.15), (x + width, pocket_y)]
        lines.append((pocket, 0.004, 0.4))
    return lines, buttons


def shirt_folds(rng, centre, armpit, hem_y, body_half):
    """Pull lines running from the armpits towards the middle, and a few soft creases lower down."""
    folds = []
    for side in (-1, 1):
        start = (centre + side * (body_half - 0.01), armpit[1] + 0.01)
        end = (centre + side * rng.uniform(0.02, 0.08), armpit[1] + rng.uniform(0.1, 0.2))
        folds.append((start, end, -rng.uniform(0.15, 0.3)))
        ridge = ((start[0], start[1] + 0.02), (end[0], end[1] + 0.02))
        folds.append((*ridge, rng.uniform(0.08, 0.15)))
    for _ in range(rng.integers(1, 4)):
        x = centre + rng.uniform(-body_half, body_half) * 0.8
        y = rng.uniform(armpit[1] + 0.1, hem_y - 0.05)
        length, tilt = rng.uniform(0.05, 0.12), rng.uniform(-0.04, 0.04)
        crease = ((x - length / 2, y - tilt), (x + length / 2, y + tilt))
        folds.append((*crease, -rng.uniform(0.12, 0.25)))
    return folds


def shirt_geometry(rng, with_person):
    """A button-up shirt: collar, placket and buttons, short or long sleeves, maybe a pocket."""
    centre, neck_y, neck_half = 0.5, rng.uniform(0.12, 0.18), rng.uniform(0.04, 0.05)
    shoulder_y, shoulder_half = neck_y + 0.03, rng.uniform(0.155, 0.19)
    body_half = shoulder_half - rng.uniform(0.0, 0.02)
    armpit = (centre - body_half, shoulder_y + rng.uniform(0.12, 0.15))
    hem_y, tail = min(shoulder_y + rng.uniform(0.5, 0.62), 0.93), rng.uniform(0.0, 0.05)
    shoulder = (centre - shoulder_half, shoulder_y)
    left = [(centre, neck_y), (centre - neck_half, neck_y - 0.005), shoulder, armpit]
    side_end = (centre - body_half - 0.005, hem_y - tail)
    left += curve(armpit, side_end, rng.uniform(-0.01, 0.01), 4)[1:]
    # A shirttail hem: the sides ride higher than the centre front.
    left += [(centre - body_half * (1 - step), hem_y - tail * np.cos(np.pi / 2 * step))
             for step in np.linspace(0, 1, 6)[1:]]
    style = "long" if rng.uniform() < 0.5 else "short"
    sleeves, arms = sleeves_and_arms(rng, shoulder, armpit, style, shoulder_y + 0.26)
    hanger = hanger_shapes(centre, neck_y - 0.005, shoulder[0] + 0.015, shoulder_y + 0.03)
    folds = shirt_folds(rng, centre, armpit, hem_y, body_half)
    geometry = new_geometry([("polygon", symmetric_outline(left))] + sleeves, hanger, folds)
    geometry["trims"], geometry["lines"] = shirt_collar(rng, centre, neck_y, neck_half)
    front_lines, geometry["buttons"] = shirt_front(rng, centre, neck_y + 0.05, hem_y,
                                                   armpit[1] - 0.02)
    geometry["lines"] += front_lines
    if with_person:
        geometry["person"] = person_shapes(rng, (centre, neck_y + 0.01), shoulder_half, arms, [],
                                           0.0)
    return geometry


def jeans_details(rng, centre, waist_y, band, waist_half, hip_y, crotch_y):
    """Waistband, belt loops, fly, pockets and rivet button of a pair of jeans: trims, seam
    lines, topstitched polylines and the button."""
    top_of_seat = waist_y + band
    trims = [(("polygon", rectangle(centre - waist_half, waist_y, centre + waist_half,
                                    top_of_seat)), 0.9)]
    fly = curve((centre + 0.03, top_of_seat), (centre, crotch_y - 0.015), 0.012, 5)
    coin_pocket = [(centre + waist_half - 0.085, top_of_seat + 0.012),
                   (centre + waist_half - 0.055, top_of_seat + 0.012)]
    band_edge = [(centre - waist_half, top_of_seat), (centre + waist_half, top_of_seat)]
    lines = [(band_edge, 0.004, 0.45),
             ([(centre, top_of_seat), (centre, crotch_y - 0.01)], 0.003, 0.5),
             (fly, 0.003, 0.35), (coin_pocket, 0.003, 0.35)]
    stitches = [fly, coin_pocket]
    for side in (-1, 1):  # front pockets curve from the waistband down to the side seam
        start = (centre + side * (waist_half - 0.055), top_of_seat)
        end = (centre + side * (waist_half + 0.005), hip_y - rng.uniform(0.0, 0.03))
        pocket = curve(start, end, side * -0.025, 5)
        loop_x = centre + side * (waist_half - 0.035)
        lines += [(pocket, 0.004, 0.5), ([(loop_x, waist_y - 0.003), (loop_x, top_of_seat + 0.006)],
                                         0.008, 0.3)]
        stitches.append(pocket)
    button = ([(centre, waist_y + band / 2)], 0.011, pick(rng, RIVET_COLOURS))
    return trims, lines, stitches, button


def whiskers(rng, centre, crotch_y, side, count_range, strength_range):
    """Creases fanning from the crotch toward one hip (`side` -1 or 1): jeans' and shorts'."""
    folds = []
    for index in range(rng.integers(*count_range)):
        start = (centre + side * 0.015, crotch_y - 0.02 + 0.018 * index)
        end = (centre + side * rng.uniform(0.07, 0.12), crotch_y - 0.05 + 0.03 * index)
        folds.append((start, end, rng.uniform(*strength_range)))
    return folds


def jeans_folds(rng, centre, crotch_y, knee_y, hem_y, leg_centres, hem_width):
    """Whiskers fanning from the crotch, creases behind the knees, and bunching above the hem."""
    folds = []
    for side, leg_x in zip((-1, 1), leg_centres):
        folds += whiskers(rng, centre, crotch_y, side, (2, 5), (0.15, 0.3))
        for _ in range(rng.integers(1, 4)):
            y = knee_y + rng.uniform(-0.04, 0.04)
            crease = ((leg_x - 0.04, y), (leg_x + 0.04, y + rng.uniform(-0.02, 0.02)))
            folds.append((*crease, -rng.uniform(0.15, 0.3)))
        for _ in range(rng.integers(1, 3)):
            y = hem_y - rng.uniform(0.03, 0.1)
            tilt = rng.uniform(-0.03, 0.03)
            bunch = ((leg_x - hem_width / 2, y), (leg_x + hem_width / 2, y + tilt))
            folds.append((*bunch, -0.25))
    return folds


def jeans_outline(centre, waist_y, waist_half, hip_y, hip_half, crotch_y, knee_y, hem_y, gap,
                  knee_width, hem_width):
    """Left half of a pair of jeans: waist, hip, outer leg, hem, inner leg up to the crotch."""
    inner_x = centre - gap / 2
    return [(centre, waist_y), (centre - waist_half, waist_y), (centre - hip_half, hip_y),
            (inner_x - knee_width - 0.01, knee_y), (inner_x - hem_width, hem_y),
            (inner_x, hem_y + 0.003), (inner_x + 0.005, knee_y), (centre, crotch_y)]


def jeans_geometry(rng, with_person):
    """Jeans: waistband, two legs (skinny to bootcut), pockets, fly, seams, whiskers and fades."""
    centre, waist_y, band = 0.5, rng.uniform(0.08, 0.15), rng.uniform(0.03, 0.04)
    waist_half = rng.uniform(0.13, 0.16)
    hip_y, hip_half = waist_y + rng.uniform(0.1, 0.13), waist_half + rng.uniform(0.01, 0.025)
    crotch_y, hem_y = waist_y + rng.uniform(0.22, 0.26), rng.uniform(0.82, 0.93)
    gap = rng.uniform(0.015, 0.07)  # between the legs at the hem
    knee_y = (crotch_y + hem_y) / 2
    knee_width, hem_width = rng.uniform(0.085, 0.11), rng.uniform(0.075, 0.13)
    left = jeans_outline(centre, waist_y, waist_half, hip_y, hip_half, crotch_y, knee_y, hem_y, gap,
                         knee_width, hem_width)
    leg_centres = [centre + side * (gap / 2 + hem_width / 2) for side in (-1, 1)]
    hanger = hanger_shapes(centre, waist_y - 0.05, centre - waist_half - 0.01, waist_y - 0.025,
                           clips=True)
    folds = jeans_folds(rng, centre, crotch_y, knee_y, hem_y, leg_centres, hem_width)
    geometry = new_geometry([("polygon", symmetric_outline(left))], hanger, folds)
    trims, lines, stitches, geometry["buttons"] = jeans_details(rng, centre, waist_y, band,
                                                                waist_half, hip_y, crotch_y)
    for side in (-1, 1):  # the outseam runs just inside each leg's outer edge
        outseam = [(centre + side * (abs(centre - x) - 0.012), y) for x, y in left[2:5]]
        lines.append((outseam, 0.003, 0.3))
        stitches.append(outseam)
    geometry.update(trims=trims, lines=lines, stitches=stitches, gold_thread=rng.uniform() < 0.5)
    geometry["fades"] = [((centre + side * hip_half * 0.5, (hip_y + knee_y) / 2), (0.05, 0.12))
                         for side in (-1, 1)]
    geometry["fades"] += [((centre + side * (gap / 2 + knee_width / 2), knee_y), (0.035, 0.04))
                          for side in (-1, 1)]
    if rng.uniform() < 0.3:  # rolled cuffs show the lighter inside of the denim
        for x in leg_centres:
            half = hem_width / 2 + 0.004
            cuff = rectangle(x - half, hem_y - 0.045, x + half, hem_y)
            geometry["trims"].append((("polygon", cuff), 1.35))
    if with_person:
        feet = [((x, hem_y - 0.01), (x, hem_y + 0.02)) for x in leg_centres]
        geometry["person"] = person_shapes(rng, None, 0.0, [], feet, hem_width * 0.4)
    return geometry


def shorts_outline(rng, centre, waist_y, waist_half, hip_y, hip_half, crotch_y, hem_y):
    """Left half of a pair of shorts (waist, hip, flared outer leg, hem, inner leg up to the
    crotch) and the hem's outer and inner corners."""
    outer = (centre - hip_half - rng.uniform(0.0, 0.04), hem_y - rng.uniform(0.0, 0.03))
    inner = (centre - rng.uniform(0.01, 0.04), hem_y)
    left = [(centre, waist_y), (centre - waist_half, waist_y), (centre - hip_half, hip_y), outer,
            inner, (centre, crotch_y)]
    return left, outer, inner


def shorts_folds(rng, centre, crotch_y, hem_y, leg_centres, hem_width):
    """Whiskers fanning from the crotch and a few creases across the legs above the hem."""
    folds = []
    for side, leg_x in zip((-1, 1), leg_centres):
        folds += whiskers(rng, centre, crotch_y, side, (1, 4), (0.1, 0.25))
        for _ in range(rng.integers(1, 3)):
            y = hem_y - rng.uniform(0.02, 0.06)
            tilt = rng.uniform(-0.02, 0.02)
            crease = ((leg_x - hem_width * 0.4, y), (leg_x + hem_width * 0.4, y + tilt))
            folds.append((*crease, -rng.uniform(0.15, 0.25)))
    return folds


def shorts_geometry(rng, with_person):
    """Shorts: waistband, fly and pockets like jeans', and two short, wide legs; denim or chino."""
    centre, waist_y, band = 0.5, rng.uniform(0.16, 0.26), rng.uniform(0.03, 0.045)
    waist_half = rng.uniform(0.14, 0.18)
    hip_y, hip_half = waist_y + rng.uniform(0.1, 0.13), waist_half + rng.uniform(0.015, 0.03)
    crotch_y = waist_y + rng.uniform(0.22, 0.27)
    hem_y = crotch_y + rng.uniform(0.06, 0.18)  # a short inseam: the legs end mid-thigh
    left, outer, inner = shorts_outline(rng, centre, waist_y, waist_half, hip_y, hip_half,
                                        crotch_y, hem_y)
    hem_width = inner[0] - outer[0]
    leg_centres = [centre + side * (centre - (outer[0] + inner[0]) / 2) for side in (-1, 1)]
    hanger = hanger_shapes(centre, waist_y - 0.05, centre - waist_half - 0.01, waist_y - 0.025,
                           clips=True)
    folds = shorts_folds(rng, centre, crotch_y, hem_y, leg_centres, hem_width)
    geometry = new_geometry([("polygon", symmetric_outline(left))], hanger, folds)
    trims, lines, stitches, geometry["buttons"] = jeans_details(rng, centre, waist_y, band,
                                                                waist_half, hip_y, crotch_y)
    denim = rng.uniform() < 0.5  # denim shorts are topstitched and faded; chinos are plain
    hem = [outer, inner]
    if rng.uniform() < 0.4:  # a rolled cuff: denim shows its lighter inside, chino a fold
        cuff = [outer, inner, (inner[0], inner[1] - 0.04), (outer[0], outer[1] - 0.04)]
        trims += [(("polygon", cuff), 1.35 if denim else 0.85),
                  (("polygon", mirror(cuff)), 1.35 if denim else 0.85)]
    else:
        hem = [(x, y - 0.015) for x, y in hem]
        lines += [(hem, 0.003, 0.35), (mirror(hem), 0.003, 0.35)]
    geometry.update(trims=trims, lines=lines, denim=denim, stitches=stitches if denim else [],
                    gold_thread=denim and rng.uniform() < 0.5)
    if denim:
        geometry["fades"] = [((centre + side * hip_half * 0.5, (hip_y + hem_y) / 2), (0.05, 0.08))
                             for side in (-1, 1)]
    if with_person:
        legs = [((x, hem_y - 0.03), (x + 0.15 * (x - centre), hem_y + rng.uniform(0.28, 0.4)))
                for x in leg_centres]
        geometry["person"] = person_shapes(rng, None, 0.0, [], legs, rng.uniform(0.06, 0.075))
    return geometry


# Shoes are drawn from the side, toe to the right, in shoe units: x runs from the heel (0) to the
# toe (1) and y is the height above the ground. Each *_profile function returns a dict:
#   upper    outline of the upper, painted in the garment's colour (heels of pumps included)
#   extra    further outline polygons in the garment's colour, or []
#   sole     outline of the sole
#   trims, lines   as in a garment geometry, in shoe units (line widths stay in canvas units)
#   eyelets  points where laces pass, or []
#   creases  (start, end) where the upper bends
#   opening  where an ankle enters the shoe


def flat_sole(thickness):
    """A flat sole of the given thickness whose toe curls up a little."""
    return [(-0.015, 0.0), (0.96, 0.0), (1.015, 0.5 * thickness), (1.0, thickness + 0.012),
            (0.0, thickness + 0.012), (-0.025, 0.5 * thickness)]


def laces(start, end, count):
    """Eyelets spaced from start to end and the lace segments that cross from each."""
    eyelets = [tuple(np.asarray(start) + (np.asarray(end) - np.asarray(start)) * step)
               for step in np.linspace(0, 1, count)]
    crossings = [([point, (point[0] + 0.035, point[1] + 0.03)], 0.005, 0.45) for point in eyelets]
    return eyelets, crossings


def sneaker_profile(rng):
    """A low lace-up sneaker on a thick sole, with a heel counter and a toe cap."""
    sole, top = rng.uniform(0.07, 0.1), rng.uniform(0.26, 0.32)
    upper = [(0.03, sole), (-0.01, sole + 0.4 * top), (0.02, sole + top), (0.1, sole + 0.95 * top),
             (0.25, sole + 0.75 * top), (0.34, sole + 0.85 * top), (0.38, sole + 1.05 * top),
             (0.43, sole + 0.95 * top), (0.63, sole + 0.6 * top), (0.82, sole + 0.4 * top),
             (0.95, sole + 0.28 * top), (1.0, sole + 0.1 * top), (0.97, sole)]
    eyelets, crossings = laces((0.43, sole + 0.8 * top), (0.6, sole + 0.52 * top),
                               rng.integers(4, 6))
    counter = [(0.0, sole), (-0.01, sole + 0.4 * top), (0.02, sole + top),
               (0.1, sole + 0.95 * top), (0.14, sole)]
    toe_cap = curve((0.76, sole), (0.86, sole + 0.37 * top), -0.02, 4)
    return {"upper": upper, "extra": [], "sole": flat_sole(sole), "eyelets": eyelets,
            "trims": [(counter, rng.uniform(0.75, 0.9))],
            "lines": crossings + [(toe_cap, 0.004, 0.4)],
            "creases": [((0.56, sole + 0.55 * top), (0.62, sole + 0.15 * top))],
            "opening": (0.16, sole + 0.8 * top)}


def boot_profile(rng):
    """An ankle or calf boot: laced up the front, or a Chelsea boot's elastic side panel."""
    sole, top, front = rng.uniform(0.05, 0.08), rng.uniform(0.5, 0.72), rng.uniform(0.28, 0.34)
    instep = sole + max(0.55 * top, 0.32)
    upper = [(0.02, sole), (-0.02, sole + 0.2), (0.0, sole + 0.7 * top), (0.02, sole + top),
             (front, sole + top), (front + 0.02, instep), (front + 0.08, sole + 0.26),
             (0.5, sole + 0.22), (0.7, sole + 0.17), (0.88, sole + 0.12), (1.0, sole + 0.05),
             (0.97, sole)]
    profile = {"upper": upper, "extra": [], "sole": flat_sole(sole), "eyelets": [], "trims": [],
               "lines": [], "creases": [((0.18, sole + 0.3), (0.4, sole + 0.24))],
               "opening": (front / 2, sole + top)}
    if rng.uniform() < 0.5:
        profile["eyelets"], profile["lines"] = laces((front - 0.02, sole + 0.92 * top),
                                                     (front + 0.05, sole + 0.3),
                                                     rng.integers(5, 8))
    else:
        panel = [(0.09, sole + top), (0.21, sole + top), (0.15, sole + 0.4 * top)]
        profile["trims"] = [(panel, rng.uniform(0.55, 0.7))]
    return profile


def loafer_profile(rng):
    """A loafer: low sides, a moccasin seam round the vamp and a strap across it."""
    sole = rng.uniform(0.03, 0.045)
    upper = [(0.02, sole), (-0.01, sole + 0.08), (0.03, sole + 0.17), (0.1, sole + 0.165),
             (0.3, sole + 0.135), (0.45, sole + 0.17), (0.62, sole + 0.16), (0.8, sole + 0.115),
             (0.95, sole + 0.07), (1.0, sole + 0.03), (0.98, sole)]
    seam = [(0.46, sole + 0.15), (0.52, sole + 0.11), (0.7, sole + 0.1), (0.86, sole + 0.08)]
    strap = [(0.42, sole + 0.125), (0.6, sole + 0.14)]
    return {"upper": upper, "extra": [], "sole": flat_sole(sole), "eyelets": [], "trims": [],
            "lines": [(seam, 0.004, 0.4), (strap, 0.007, 0.3)],
            "creases": [((0.55, sole + 0.15), (0.6, sole + 0.04))],
            "opening": (0.18, sole + 0.14)}


def pump_profile(rng):
    """A court shoe: a pointed toe, a low-cut upper and a stiletto or block heel."""
    height, thickness = rng.uniform(0.2, 0.3), 0.015

    def ground(x):  # the underside of the sole: up at the heel, down on the ball of the foot
        return height * np.clip((0.7 - x) / 0.68, 0, 1) ** 0.8

    def seat(x):  # the top of the sole, where the upper sits
        return ground(x) + thickness

    top = [(0.0, seat(0.0) + 0.1), (0.03, seat(0.03) + 0.2), (0.2, seat(0.2) + 0.14),
           (0.42, seat(0.42) + 0.1), (0.55, seat(0.55) + 0.12), (0.75, seat(0.75) + 0.1),
           (0.92, seat(0.92) + 0.06), (1.04, seat(1.0) + 0.015)]
    along = (1.0, 0.85, 0.7, 0.55, 0.4, 0.25, 0.1, 0.02)
    upper = [(0.02, seat(0.02))] + top + [(x, seat(x)) for x in along]
    sole = [(x, ground(x)) for x in reversed(along)] + [(1.03, thickness / 2)]
    sole += [(x, seat(x) + 0.005) for x in along]
    heel_width = rng.uniform(0.02, 0.07)
    heel = [(0.0, ground(0.0) + 0.005), (0.16, ground(0.16) + 0.005),
            (0.06 + heel_width, 0.0), (0.06, 0.0)]
    return {"upper": upper, "extra": [heel], "sole": sole, "eyelets": [], "trims": [],
            "lines": [], "creases": [], "opening": (0.2, seat(0.2) + 0.1)}


SHOE_PROFILES = (sneaker_profile, boot_profile, loafer_profile, pump_profile)


def shoe_to_scene(points, origin, length):
    """Shoe-unit points (see the profiles) as unit scene coordinates for a shoe whose heel
    stands at origin (x, ground y) and which is length long."""
    return [(origin[0] + x * length, origin[1] - y * length) for x, y in points]


def shoe_origins(rng):
    """How long each shoe is, where the pair stands ((heel x, ground y) of each shoe, the back one
    first) and whether one stands in front of the other."""
    ground = rng.uniform(0.62, 0.8)
    if rng.uniform() < 0.5:  # side by side
        length, gap = rng.uniform(0.4, 0.45), rng.uniform(0.02, 0.06)
        left = 0.5 - length - gap / 2
        origins = [(left, ground), (left + length + gap, ground - rng.uniform(0, 0.02))]
        return length, origins, False
    length = rng.uniform(0.5, 0.62)
    shift, lift = rng.uniform(0.22, 0.4) * length, rng.uniform(0.04, 0.09)
    left = 0.5 - (length + shift) / 2
    return length, [(left + shift, ground - lift), (left, ground)], True


def place_shoe(rng, profile, origin, length):
    """One shoe of a profile (see the profiles) standing at origin, in scene coordinates: a dict
    of outline, soles, trims, lines, folds, eyelets and legs (the ankle rising out of it)."""
    def scene(points):
        return shoe_to_scene(points, origin, length)
    ankle = scene([profile["opening"]])[0]
    return {"outline": [("polygon", scene(polygon))
                        for polygon in [profile["upper"]] + profile["extra"]],
            "soles": [("polygon", scene(profile["sole"]))],
            "trims": [(("polygon", scene(polygon)), brightness)
                      for polygon, brightness in profile["trims"]],
            "lines": [(scene(points), width, darkening)
                      for points, width, darkening in profile["lines"]],
            "folds": [(*scene([start, end]), -rng.uniform(0.15, 0.3))
                      for start, end in profile["creases"]],
            "eyelets": scene(profile["eyelets"]),
            "legs": [((ankle[0], ankle[1] + 0.02), (ankle[0] - 0.02, ankle[1] - 0.35))]}


def shoes_geometry(rng, with_person):
    """A pair of shoes seen from the side: sneakers, boots, loafers or pumps, side by side or one
    a little behind the other."""
    profile = SHOE_PROFILES[rng.integers(len(SHOE_PROFILES))](rng)
    length, origins, overlapping = shoe_origins(rng)
    shoes = [place_shoe(rng, profile, origin, length) for origin in origins]
    pair = {key: [part for shoe in shoes for part in shoe[key]] for key in shoes[0]}
    if overlapping:  # the front shoe's edge, where it hides the one behind
        front = shoe_to_scene(profile["upper"] + profile["upper"][:1], origins[-1], length)
        pair["lines"].append((front, 0.004, 0.35))
    geometry = new_geometry(pair["outline"], [], pair["folds"])
    # Shoes are small: the edge darkening reaches less far in than on clothes, or it would
    # darken the whole upper.
    geometry.update(trims=pair["trims"], lines=pair["lines"], soles=pair["soles"], depth=0.02)
    if pair["eyelets"]:
        geometry["buttons"] = (pair["eyelets"], 0.006, pick(rng, EYELET_COLOURS))
    if with_person:  # bare ankles rising out of the shoes
        ankle_width = rng.uniform(0.22, 0.27) * length
        skin = [("line", list(leg), ankle_width) for leg in pair["legs"]]
        geometry["person"] = {"skin": skin, "face": [], "hair_back": [], "hair_cap": [],
                              "shoes": []}
    return geometry


def person_shapes(rng, neck, shoulder_half, arms, legs, limb_width):
    """Skin, face, hair and shoe shapes of a plain figure wearing the garment.

    neck is the (x, y) of the neckline's centre, or None for no head; shoulder_half is the
    garment's half-width at the shoulder; arms and legs are (start, end) segments where skin
    shows. Arms end in hands, legs in shoes.
    """
    person = {"skin": [], "face": [], "hair_back": [], "hair_cap": [], "shoes": []}
    arm_width = rng.uniform(0.036, 0.046)
    for start, end in arms:
        person["skin"] += [("line", [start, end], arm_width),
                           ("ellipse", end, (arm_width * 0.55, arm_width * 0.85), 0)]
    for start, end in legs:
        person["skin"].append(("line", [start, end], limb_width))
        shoe_axes = (max(limb_width, 0.03) * 0.9, 0.028)
        person["shoes"].append(("ellipse", (end[0], end[1] + 0.025), shoe_axes, 0))
    if neck is None:
        return person
    x, y = neck
    width, height = rng.uniform(0.042, 0.052), rng.uniform(0.056, 0.066)
    head_y = y - 0.04 - height
    person["skin"].append(("line", [(x, y + 0.02), (x, y - 0.05)], rng.uniform(0.04, 0.05)))
    # Chest and shoulders stay inside the garment's outline, so they only show at the neckline.
    top, bottom = shoulder_half - 0.006, 0.07
    person["skin"].append(("polygon", [(x - top, y + 0.008), (x + top, y + 0.008),
                                       (x + bottom, y + 0.1), (x - bottom, y + 0.1)]))
    # Hair covers a slightly larger, higher head; the face drawn over it leaves a hairline.
    hair = ("ellipse", (x, head_y - 0.1 * height), (width * 1.1, height * 1.05), 0)
    person["hair_cap"].append(hair)
    person["face"].append(("ellipse", (x, head_y + 0.1 * height), (width * 0.92, height * 0.92), 0))
    if rng.uniform() < 0.5:  # long hair falls behind the shoulders
        long_hair = ("ellipse", (x, head_y + height * 0.6), (width * 1.35, height * 1.5), 0)
        person["hair_back"].append(long_hair)
    return person


def hanger_shapes(centre, top_y, end_x, end_y, clips=False):
    """A coat hanger: a hook above top_y and arms down to (end_x, end_y) and its mirror image.
    With clips (for trousers) the arms end in two clips that hold the waistband."""
    angles = np.linspace(0, -1.2 * np.pi, 8)
    hook = [(centre, top_y), (centre, top_y - 0.035)]
    hook += [(centre - 0.016 + 0.016 * np.cos(a), top_y - 0.035 + 0.016 * np.sin(a))
             for a in angles]
    bar = [(end_x, end_y), (centre, top_y), (2 * centre - end_x, end_y)]
    shapes = [("line", hook, 0.007), ("line", bar, 0.012)]
    if clips:
        for x in (end_x + 0.025, 2 * centre - end_x - 0.025):
            shapes.append(("line", [(x, end_y), (x, end_y + 0.04)], 0.016))
    return shapes


GEOMETRY = {"dress": dress_geometry, "shirt": shirt_geometry, "jeans": jeans_geometry,
            "shoes": shoes_geometry, "shorts": shorts_geometry}


# ---------------------------------------------------------------------------------------------
# Painting the garment and whoever or whatever holds it


def roundness(mask, canvas_size, depth):
    """1 deep inside a mask, falling to 0 at its edge: cloth and limbs turn away from the light."""
    inside = (mask > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    return np.sqrt(np.clip(distance / (depth * canvas_size), 0, 1))


def fold_map(folds, canvas_size):
    """Soft light and dark streaks from (start, end, strength) fold segments."""
    streaks = np.zeros((canvas_size, canvas_size), np.float32)
    thickness = max(1, int(round(0.012 * canvas_size)))
    for start, end, strength in folds:
        pixels = to_pixels([start, end], canvas_size)
        start_pixel, end_pixel = tuple(map(int, pixels[0])), tuple(map(int, pixels[1]))
        cv2.line(streaks, start_pixel, end_pixel, float(strength), thickness, cv2.LINE_8,
                 SUBPIXEL_BITS)
    return cv2.GaussianBlur(streaks, (0, 0), 0.012 * canvas_size)


def fabric_texture(rng, denim, canvas_size, size):
    """Multiplicative texture: fine weave noise, plus twill lines and slubs for denim."""
    texture = 1 + rng.uniform(0.02, 0.05) * smooth_noise(rng, canvas_size, canvas_size // 2)
    if denim:
        x, y = (grid * canvas_size for grid in unit_grid(canvas_size))
        period = 2.5 * canvas_size / size  # a twill line every 2.5 output pixels at any size
        texture *= 1 + rng.uniform(0.05, 0.09) * np.sin(2 * np.pi * (0.6 * x + y) / period)
        # Denim yarn is unevenly dyed: noise stretched vertically gives its long vertical slubs.
        slubs = smooth_noise(rng, canvas_size, canvas_size // 16, canvas_size // 2)
        texture *= 1 + rng.uniform(0.03, 0.07) * slubs
    return texture


def shading(rng, mask, geometry, item, canvas_size, size):
    """Brightness of each garment pixel: rounded edges, light from one side, folds, fades, weave."""
    x, y = unit_grid(canvas_size)
    angle, strength = rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 0.35)
    light = 1 + strength * (np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5))
    depth = geometry.get("depth", 0.05)  # how far in from the edge the cloth stops turning
    shade = (0.68 + 0.32 * roundness(mask, canvas_size, depth)) * light
    shade *= 1 + fold_map(geometry["folds"], canvas_size)
    for (centre_x, centre_y), (radius_x, radius_y) in geometry["fades"]:
        blob = np.exp(-(((x - centre_x) / radius_x) ** 2 + ((y - centre_y) / radius_y) ** 2))
        shade *= 1 + rng.uniform(0.1, 0.3) * blob
    # Trims and seams each go into one shared map: far cheaper than a mask apiece.
    trims = np.full((canvas_size, canvas_size), 100, np.uint8)
    for shape, brightness in geometry["trims"]:
        draw_shapes(trims, [shape], int(round(100 * brightness)))
    seams = np.zeros((canvas_size, canvas_size), np.uint8)
    for points, width, darkening in geometry["lines"]:
        draw_shapes(seams, [("line", points, width)], int(round(255 * darkening)))
    shade *= (trims.astype(np.float32) / 100) * (1 - seams.astype(np.float32) / 255)
    denim = geometry.get("denim", item == "jeans")  # jeans always, shorts when the geometry says
    return shade * fabric_texture(rng, denim, canvas_size, size)


def paint_garment(rng, geometry, colour, item, canvas_size, size):
    """The garment's RGB layer and coverage mask, with topstitching and buttons on top."""
    mask = shape_mask(geometry["outline"], canvas_size)
    shade = shading(rng, mask, geometry, item, canvas_size, size)
    # Where the shade goes above 1 a little white is added too, like a sheen on the cloth.
    image = colour * shade[..., None] + 0.12 * np.maximum(shade - 1, 0)[..., None]
    if geometry["stitches"]:
        thread = GOLD_THREAD if geometry["gold_thread"] else colour * 1.6 + 0.1
        stitches = [("line", points, 0.002) for points in geometry["stitches"]]
        paint(image, shape_mask(stitches, canvas_size) * 0.35, thread)
    if geometry["buttons"]:
        centres, radius, button_colour = geometry["buttons"]
        buttons = [("ellipse", centre, (radius, radius), 0) for centre in centres]
        paint(image, shape_mask(buttons, canvas_size), button_colour)
    return np.clip(image, 0, 1).astype(np.float32), mask


def paint_person(rng, person, canvas_size):
    """RGB layer and coverage of the figure: shaded skin, hair and shoes, back to front."""
    hair_colour, skin = pick(rng, HAIR_COLOURS), sample_skin_tone(rng)
    image = np.zeros((canvas_size, canvas_size, 3), np.float32)
    alpha = np.zeros((canvas_size, canvas_size), np.float32)
    for part in ("hair_back", "skin", "hair_cap", "face", "shoes"):
        mask = shape_mask(person[part], canvas_size)
        if part in ("skin", "face"):
            colour = skin * (0.72 + 0.28 * roundness(mask, canvas_size, 0.02))[..., None]
        elif part == "shoes":
            colour = pick(rng, SHOE_COLOURS)
        else:
            colour = hair_colour
        paint(image, mask, colour)
        alpha = np.maximum(alpha, mask)
    return image, alpha


def paint_hanger(rng, shapes, canvas_size):
    """RGB layer and coverage of a hanger, with a little rounding on its bar."""
    mask = shape_mask(shapes, canvas_size)
    shade = 0.75 + 0.25 * roundness(mask, canvas_size, 0.006)
    return pick(rng, HANGER_COLOURS) * shade[..., None], mask


def paint_soles(rng, shapes, canvas_size):
    """RGB layer and coverage of shoe soles: rubber or leather, never the label's colour."""
    mask = shape_mask(shapes, canvas_size)
    shade = 0.8 + 0.2 * roundness(mask, canvas_size, 0.006)
    return pick(rng, SOLE_COLOURS) * shade[..., None], mask


def over(front, front_alpha, back, back_alpha):
    """One RGB layer over another, and the coverage of both together."""
    coverage = front_alpha[..., None]
    return front * coverage + back * (1 - coverage), front_alpha + back_alpha * (1 - front_alpha)


def paint_figure(rng, colour, item, canvas_size, size):
    """The garment, worn by a figure about half the time and otherwise sometimes on a hanger, as an
    RGB layer, its coverage, and the garment's own coverage (without figure, hanger or soles)."""
    with_person = rng.uniform() < 0.45
    geometry = GEOMETRY[item](rng, with_person)
    image, garment_mask = paint_garment(rng, geometry, colour, item, canvas_size, size)
    alpha = garment_mask
    if geometry.get("soles"):
        image, alpha = over(image, alpha, *paint_soles(rng, geometry["soles"], canvas_size))
    if with_person:
        behind, behind_mask = paint_person(rng, geometry["person"], canvas_size)
    elif geometry["hanger"] and rng.uniform() < 0.3:  # a product shot on a hanger
        behind, behind_mask = paint_hanger(rng, geometry["hanger"], canvas_size)
    else:
        return image, alpha, garment_mask
    image, alpha = over(image, alpha, behind, behind_mask)
    return image, alpha, garment_mask


# ---------------------------------------------------------------------------------------------
# The scene around the garment


def backdrop_blend(rng, canvas_size):
    """Where a backdrop's second colour shows: nowhere (flat), a gradient, a vignette, mottled
    patches, a floor below a wall, or stripes."""
    x, y = unit_grid(canvas_size)
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
        return np.clip(0.5 + 0.25 * smooth_noise(rng, canvas_size, rng.integers(3, 12)), 0, 1)
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
        first = contrasting_background_colour(rng, garment_colour)
    else:
        first = sample_background_colour(rng)
    second = np.clip(first * rng.uniform(0.6, 1.3) + rng.uniform(-0.12, 0.12, 3), 0, 1)
    blend = backdrop_blend(rng, half_size)[..., None]
    image = first * (1 - blend) + second.astype(np.float32) * blend
    grain = rng.uniform(0.0, 0.06) * smooth_noise(rng, half_size, half_size // rng.integers(2, 6))
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
        colour = hsv_colour(rng.uniform(0, 360), rng.uniform(0, 1), rng.uniform(0.1, 1))
        centre, radius = rng.uniform(0.05, 0.95, 2), rng.uniform(0.025, 0.07)
        if rng.uniform() < 0.2:
            outer = shape_mask([("ellipse", tuple(centre), (radius, radius), 0)], canvas_size)
            inner = shape_mask([("ellipse", tuple(centre), (radius * 0.6,) * 2, 0)], canvas_size)
            paint(image, np.clip(outer - inner, 0, 1), colour)
            continue
        mask = shape_mask([distractor_shape(rng, centre, radius)], canvas_size)
        shade = 0.8 + 0.2 * roundness(mask, canvas_size, 0.02)
        paint(image, mask, colour * shade[..., None])
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
    x, y = unit_grid(image.shape[0])
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


def render_scene(rng, colour, item, size=128):
    """A synthetic photograph of one garment (uint8, size x size x 3, RGB) and the garment's
    coverage in it (float32, size x size, 0 to 1), useful for measuring the garment's colour."""
    if colour not in COLOURS or item not in ITEMS:
        raise ValueError(f"unknown garment {colour} {item}: "
                         f"colour must be one of {COLOURS}, item one of {ITEMS}")
    if size < 32:
        raise ValueError(f"image size {size} is too small to draw a garment; use at least 32")
    canvas_size = size * SUPERSAMPLE
    garment_colour = sample_garment_colour(rng, colour, item)
    layer, alpha, garment_mask = paint_figure(rng, garment_colour, item, canvas_size, size)
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


def render_garment(rng, colour, item, size=128):
    """A synthetic photograph of a garment: uint8, size x size x 3, RGB order.

    colour is one of COLOURS (black, blue, red, white, brown, green) and item one of ITEMS
    (dress, shirt, jeans, shoes, shorts), in any combination. All randomness comes from rng, a
    numpy.random.Generator.
    """
    return render_scene(rng, colour, item, size)[0]


# ---------------------------------------------------------------------------------------------
# Files


DATASET_NAME = re.compile(r"^(" + "|".join(CLASSES) + r")/\1_\d{4}\.jpg$")
EXAMPLE_NAME = re.compile(r"^example_\d{2}\.jpg$")
TOLERATED_NAME = re.compile(r"^(README|LICENSE)[^/]*$")  # documentation at the folder's top


def relative_files(directory):
    """Every file under directory, as sorted "/"-separated relative paths."""
    return sorted(os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
                  for root, _, names in os.walk(directory) for name in names)


def foreign_files(directory, own_name):
    """Files under directory (relative paths) that this module did not write.

    Hidden files (such as an interrupted run's temporary files) and a top-level README or LICENSE
    are tolerated; anything else means the folder holds someone else's data.
    """
    return [relative for relative in relative_files(directory)
            if not (own_name.match(relative) or TOLERATED_NAME.match(relative)
                    or os.path.basename(relative).startswith("."))]


def check_directory(directory, own_name):
    """Refuse (ValueError) to write into a folder that holds files this module did not make."""
    strangers = foreign_files(directory, own_name) if os.path.isdir(directory) else []
    if strangers:
        raise ValueError(f"{directory} holds files this generator did not make "
                         f"(e.g. {strangers[0]}); choose an empty or generated folder")


def write_jpeg(path, rgb, quality):
    """Encode an RGB image as JPEG and write it atomically; returns the number of bytes."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    encoded_ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not encoded_ok:
        raise RuntimeError(f"OpenCV could not encode {path} as JPEG")
    with files.atomic_write(path) as handle:
        handle.write(encoded.tobytes())
    return len(encoded)


def image_rng(seed, stream, *indices):
    """The generator for one image, seeded from the base seed, a stream and the image's indices."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    return np.random.default_rng(np.random.SeedSequence([seed, stream, *indices]))


def dataset_paths(directory, per_class):
    """(class index, image index, path) of every dataset image, in writing order."""
    return [(class_index, image_index,
             os.path.join(directory, class_name, f"{class_name}_{image_index:04d}.jpg"))
            for class_index, class_name in enumerate(CLASSES) for image_index in range(per_class)]


def generate_dataset(directory, per_class=150, size=128, seed=2018):
    """Write directory/<class>/<class>_<index:04d>.jpg for every class; returns the file count.

    Raises ValueError, before writing anything, if directory holds files it did not make.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}")
    image_rng(seed, DATASET_STREAM)  # fails early on a bad seed, before anything is written
    check_directory(directory, DATASET_NAME)
    paths = dataset_paths(directory, per_class)
    for class_index, image_index, path in paths:
        colour, item = CLASSES[class_index].split("_")
        rng = image_rng(seed, DATASET_STREAM, class_index, image_index)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_jpeg(path, render_garment(rng, colour, item, size), DATASET_QUALITY)
    return len(paths)


def example_paths(directory):
    """Paths of example_01.jpg to example_07.jpg, in the order of EXAMPLES."""
    return [os.path.join(directory, f"example_{index:02d}.jpg")
            for index in range(1, len(EXAMPLES) + 1)]


def generate_examples(directory, size=EXAMPLES_SIZE, seed=2018):
    """Write example_01.jpg to example_07.jpg (see EXAMPLES) from a seed stream the dataset never
    uses, so no example repeats a training image; returns the file count."""
    image_rng(seed, EXAMPLES_STREAM)  # fails early on a bad seed, before anything is written
    check_directory(directory, EXAMPLE_NAME)
    os.makedirs(directory, exist_ok=True)
    for index, ((colour, item), path) in enumerate(zip(EXAMPLES, example_paths(directory)), 1):
        rng = image_rng(seed, EXAMPLES_STREAM, index)
        write_jpeg(path, render_garment(rng, colour, item, size), EXAMPLES_QUALITY)
    return len(EXAMPLES)


def pair_name(pair):
    """A (colour, item) pair's folder name, such as "white_shoes"."""
    return "_".join(pair)


def catalogue_pairs(seed=2018, absent_count=CATALOGUE_ABSENT, minimum=CATALOGUE_MINIMUM):
    """(present, absent) lists of (colour, item) pairs, in COLOURS x ITEMS order.

    absent_count pairs are drawn from the seed, again until every colour and every item keeps
    at least minimum present pairs: so each absent pair's colour and item are both seen
    elsewhere. The same seed always leaves out the same pairs.
    """
    pairs = list(itertools.product(COLOURS, ITEMS))
    rng = image_rng(seed, ABSENT_CHOICE_STREAM)
    for _ in range(1000):
        left_out = set(rng.choice(len(pairs), absent_count, replace=False).tolist())
        present = [pair for index, pair in enumerate(pairs) if index not in left_out]
        colours, items = zip(*present) if present else ((), ())
        if (all(colours.count(colour) >= minimum for colour in COLOURS)
                and all(items.count(item) >= minimum for item in ITEMS)):
            return present, [pairs[index] for index in sorted(left_out)]
    raise ValueError(f"cannot leave {absent_count} of {len(pairs)} pairs out and keep every "
                     f"colour and item in {minimum} folders")


CATALOGUE_NAME = re.compile(r"^(?:(" + "|".join(pair_name(pair) for pair in
                                                 itertools.product(COLOURS, ITEMS))
                            + r")/\1_\d{4}\.jpg|" + re.escape(ABSENT_LIST) + r")$")


def check_pairs(pairs):
    """Refuse (ValueError) pairs whose colour or item the generator cannot draw."""
    for colour, item in pairs:
        if colour not in COLOURS or item not in ITEMS:
            raise ValueError(f"unknown garment {colour} {item}: "
                             f"colour must be one of {COLOURS}, item one of {ITEMS}")


def check_unwanted_pairs(directory, wanted):
    """Refuse (ValueError) a folder holding generated images of pairs other than wanted, such
    as an earlier run's with another seed: they would put an absent pair back in."""
    wanted_names = {pair_name(pair) for pair in wanted}
    found = set()
    if os.path.isdir(directory):
        found = {relative.split("/")[0] for relative in relative_files(directory)
                 if "/" in relative and CATALOGUE_NAME.match(relative)}
    unwanted = sorted(found - wanted_names)
    if unwanted:
        raise ValueError(f"{directory} holds images of {', '.join(unwanted)}, which this seed "
                         "does not draw there; choose an empty folder")


def generate_pairs(directory, pairs, per_class, size=128, seed=2018, stream=CATALOGUE_STREAM):
    """Write directory/<colour>_<item>/<colour>_<item>_<index:04d>.jpg for every (colour, item)
    in pairs; returns the file count.

    An image depends only on (seed, stream, colour, item, index), never on which other pairs
    are drawn. Raises ValueError, before writing anything, on an unknown pair or a folder
    holding files this generator did not make.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}")
    image_rng(seed, stream)  # fails early on a bad seed, before anything is written
    check_pairs(pairs)
    check_directory(directory, CATALOGUE_NAME)
    for colour, item in pairs:
        name = pair_name((colour, item))
        os.makedirs(os.path.join(directory, name), exist_ok=True)
        for index in range(per_class):
            rng = image_rng(seed, stream, COLOURS.index(colour), ITEMS.index(item), index)
            path = os.path.join(directory, name, f"{name}_{index:04d}.jpg")
            write_jpeg(path, render_garment(rng, colour, item, size), DATASET_QUALITY)
    return len(pairs) * per_class


def generate_catalogue(directory, per_class, size=128, seed=2018):
    """Write a catalogue: a folder for each of the 24 pairs catalogue_pairs(seed) keeps, and
    directory/absent.txt naming the 6 it leaves out, one a line; returns (present, absent).

    Raises ValueError, before writing anything, if directory holds files this generator did not
    make or images of a pair this seed leaves out.
    """
    present, absent = catalogue_pairs(seed)
    check_directory(directory, CATALOGUE_NAME)
    check_unwanted_pairs(directory, present)
    generate_pairs(directory, present, per_class, size, seed, CATALOGUE_STREAM)
    with files.atomic_write(os.path.join(directory, ABSENT_LIST)) as handle:
        handle.write("".join(pair_name(pair) + "\n" for pair in absent).encode("ascii"))
    return present, absent


def generate_catalogue_absent(directory, per_class, size=128, seed=2018):
    """Write images of the pairs generate_catalogue(seed) leaves out, for scoring unseen
    combinations, in the same folder layout and from a stream of their own; returns them."""
    absent = catalogue_pairs(seed)[1]
    check_directory(directory, CATALOGUE_NAME)
    check_unwanted_pairs(directory, absent)
    generate_pairs(directory, absent, per_class, size, seed, CATALOGUE_ABSENT_STREAM)
    return absent


def parse_arguments(argv):
    """Command-line options for regenerating the bundled dataset and examples, or a catalogue."""
    parser = argparse.ArgumentParser(description="Generate the synthetic fashion dataset "
                                                 "and example images, or a larger catalogue.")
    parser.add_argument("--dataset", help="folder for <class>/<class>_NNNN.jpg (default: dataset)")
    parser.add_argument("--examples", help="folder for example_NN.jpg (default: examples)")
    parser.add_argument("--catalogue", metavar="DIR",
                        help="instead, write a catalogue: 24 of the 6 x 5 colour-item pairs, "
                             "DIR/<colour>_<item>/..., and DIR/absent.txt naming the other 6")
    parser.add_argument("--catalogue-absent", metavar="DIR",
                        help="with --catalogue: also write images of its absent pairs here")
    parser.add_argument("--per-class", type=cli.integer(minimum=1), default=150, help="images per class (default: %(default)s)")
    parser.add_argument("--absent-per-class", type=cli.integer(minimum=1), default=CATALOGUE_ABSENT_PER_CLASS,
                        help="images per absent pair under --catalogue-absent "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=cli.integer(minimum=0), default=2018, help="base seed of every image")
    arguments = parser.parse_args(argv)
    if arguments.catalogue is None and arguments.catalogue_absent is not None:
        parser.error("--catalogue-absent needs --catalogue")
    if arguments.catalogue is not None and (arguments.dataset or arguments.examples):
        parser.error("--catalogue writes a catalogue only; leave out --dataset and --examples")
    arguments.dataset = arguments.dataset or "dataset"
    arguments.examples = arguments.examples or "examples"
    return arguments


def write_bundled(arguments):
    """Regenerate the bundled dataset and examples (never deleting anything); a summary line."""
    if os.path.abspath(arguments.dataset) == os.path.abspath(arguments.examples):
        raise ValueError("--dataset and --examples must be different folders")
    # Check both folders before writing to either, so a refusal leaves both untouched.
    check_directory(arguments.dataset, DATASET_NAME)
    check_directory(arguments.examples, EXAMPLE_NAME)
    written = generate_dataset(arguments.dataset, arguments.per_class, seed=arguments.seed)
    written += generate_examples(arguments.examples, seed=arguments.seed)
    paths = [path for _, _, path in dataset_paths(arguments.dataset, arguments.per_class)]
    total_bytes = sum(os.path.getsize(path) for path in paths + example_paths(arguments.examples))
    generated = [name for name in relative_files(arguments.dataset) if DATASET_NAME.match(name)]
    older = len(generated) - len(paths)  # from an earlier run with a larger --per-class
    note = f"; {older} older generated files left in place" if older > 0 else ""
    return (f"wrote {written} files ({len(CLASSES)} classes x {arguments.per_class} in "
            f"{arguments.dataset}, {len(EXAMPLES)} in {arguments.examples}), "
            f"{total_bytes / 1e6:.2f} MB{note}")


def pairs_bytes(directory, pairs, per_class):
    """Total size of the images generate_pairs wrote for pairs."""
    names = [pair_name(pair) for pair in pairs]
    return sum(os.path.getsize(os.path.join(directory, name, f"{name}_{index:04d}.jpg"))
               for name in names for index in range(per_class))


def write_catalogue(arguments):
    """Write a catalogue and, if asked, its absent pairs' images; a summary line."""
    catalogue, unseen = arguments.catalogue, arguments.catalogue_absent
    if unseen is not None and os.path.abspath(unseen) == os.path.abspath(catalogue):
        raise ValueError("--catalogue and --catalogue-absent must be different folders")
    present, absent = catalogue_pairs(arguments.seed)
    # Check both folders before writing to either, so a refusal leaves both untouched.
    for directory, wanted in ((catalogue, present), (unseen, absent)):
        if directory is not None:
            check_directory(directory, CATALOGUE_NAME)
            check_unwanted_pairs(directory, wanted)
    generate_catalogue(catalogue, arguments.per_class, seed=arguments.seed)
    written = len(present) * arguments.per_class
    total_bytes = pairs_bytes(catalogue, present, arguments.per_class)
    generated = [name for name in relative_files(catalogue)
                 if name.endswith(".jpg") and CATALOGUE_NAME.match(name)]
    older = len(generated) - written  # from an earlier run with a larger --per-class
    note = f"; {older} older generated images left in {catalogue}" if older > 0 else ""
    unseen_note = ""
    if unseen is not None:
        written += len(generate_catalogue_absent(unseen, arguments.absent_per_class,
                                                 seed=arguments.seed)) * arguments.absent_per_class
        total_bytes += pairs_bytes(unseen, absent, arguments.absent_per_class)
        unseen_note = f", {len(absent)} absent pairs x {arguments.absent_per_class} in {unseen}"
    return (f"wrote {written} images ({len(present)} of {len(present) + len(absent)} pairs x "
            f"{arguments.per_class} in {catalogue}{unseen_note}), {total_bytes / 1e6:.2f} MB; "
            f"absent ({os.path.join(catalogue, ABSENT_LIST)}): "
            f"{', '.join(pair_name(pair) for pair in absent)}{note}")


def main(argv=None):
    """Regenerate the bundled folders, or write a catalogue, and print one summary line."""
    arguments = parse_arguments(argv)
    try:
        summary = write_catalogue(arguments) if arguments.catalogue else write_bundled(arguments)
    except ValueError as error:
        sys.exit(f"error: {error}")
    print(summary)


if __name__ == "__main__":
    main()

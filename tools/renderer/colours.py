"""Colours of the synthetic photographs: each colour family's range of shades, backdrops drawn
alike for every class, skin tones and the palettes of buttons, soles, hangers and hair.

Usage: colours.sample_garment_colour(rng, "red", "dress") -> an RGB triple in [0, 1]
"""

import colorsys

import numpy as np


# Every colour family the renderer draws. The recipe's three come first, so that a
# catalogue's indices never move when another is appended.
COLOURS = ("black", "blue", "red", "white", "brown", "green")

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

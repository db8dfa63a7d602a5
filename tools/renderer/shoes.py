"""Geometry of a pair of shoes: sneakers, boots, loafers or pumps seen from the side.

Each shoe is drawn toe to the right, in shoe units: x runs from the heel (0) to the toe (1) and
y is the height above the ground. Each *_profile function returns a dict:
  upper    outline of the upper, painted in the garment's colour (heels of pumps included)
  extra    further outline polygons in the garment's colour, or []
  sole     outline of the sole
  trims, lines   as in a garment geometry, in shoe units (line widths stay in canvas units)
  eyelets  points where laces pass, or []
  creases  (start, end) where the upper bends
  opening  where an ankle enters the shoe
shoes_geometry places two of them in the scene and returns a garment geometry (clothes.py).

Usage: shoes.shoes_geometry(rng, with_person=False)
"""

import numpy as np

from . import clothes, colours, drawing


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
    toe_cap = drawing.curve((0.76, sole), (0.86, sole + 0.37 * top), -0.02, 4)
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
    geometry = clothes.new_geometry(pair["outline"], [], pair["folds"])
    # Shoes are small: the edge darkening reaches less far in than on clothes, or it would
    # darken the whole upper.
    geometry.update(trims=pair["trims"], lines=pair["lines"], soles=pair["soles"], depth=0.02)
    if pair["eyelets"]:
        geometry["buttons"] = (pair["eyelets"], 0.006, colours.pick(rng, colours.EYELET_COLOURS))
    if with_person:  # bare ankles rising out of the shoes
        ankle_width = rng.uniform(0.22, 0.27) * length
        skin = [("line", list(leg), ankle_width) for leg in pair["legs"]]
        geometry["person"] = {"skin": skin, "face": [], "hair_back": [], "hair_cap": [],
                              "shoes": []}
    return geometry

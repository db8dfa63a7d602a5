"""Geometry of the clothes worn on the upper body (a dress, a shirt), and of the figure and hanger
that hold any garment.

Each *_geometry function, here and in trousers.py and shoes.py, returns a dict:
  outline   shapes that together make the garment's silhouette
  trims     (shape, brightness factor): collars, waistbands, belts, cuffs
  lines     (points, width, darkening): seams and edges
  stitches  polylines topstitched in a visible thread (jeans), and "gold_thread"
  buttons   (centres, radius, colour) or None: buttons, rivets, a shoe's eyelets
  folds     (start, end, strength): soft light ridges (+) and dark valleys (-)
  fades     (centre, radii): worn, lighter patches of denim
  hanger    shapes of a hanger that would hold it (none for shoes)
  person    skin, face, hair and shoe shapes, when someone wears it
and optionally
  denim     whether the cloth has denim's twill (default: only jeans)
  soles     shapes of shoe soles, painted in a sole colour rather than the garment's
  depth     how far (unit coordinates) the shading's edge darkening reaches in (default 0.05)

Usage: clothes.dress_geometry(rng, with_person=True)
"""

import numpy as np

from . import colours, drawing


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
        return [], [left_arm, tuple(drawing.mirror(left_arm))]
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
    sleeves = [("polygon", polygon), ("polygon", drawing.mirror(polygon))]
    return sleeves, [left_arm, tuple(drawing.mirror(left_arm))]


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
    side = drawing.curve(armpit, (centre - waist_half, waist_y), -0.01)
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
    outline = [("polygon", drawing.symmetric_outline(bodice + skirt))]
    if strap is not None:
        outline += [strap, ("line", drawing.mirror(strap[1]), strap[2])]
    sleeves, arms = sleeves_and_arms(rng, shoulder, armpit, style, waist_y + 0.12)
    hanger = hanger_shapes(centre, shoulder_y - 0.005, shoulder[0] + 0.015, shoulder_y + 0.03)
    folds = skirt_folds(rng, centre, waist_y, waist_half, hem_y, hem_half, troughs)
    geometry = new_geometry(outline + sleeves, hanger, folds)
    if rng.uniform() < 0.35:  # a belt, darker than the dress
        belt = drawing.rectangle(centre - waist_half - 0.004, waist_y - 0.012,
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
             (("polygon", drawing.mirror(flap)), 1.08)]
    lines = [(flap + flap[:1], 0.004, 0.45), (drawing.mirror(flap + flap[:1]), 0.004, 0.45)]
    return trims, lines


def shirt_front(rng, centre, top_y, hem_y, pocket_y):
    """The placket's edges and buttons, and maybe a chest pocket on the wearer's left."""
    lines = [([(centre - 0.012, top_y), (centre - 0.012, hem_y)], 0.003, 0.35),
             ([(centre + 0.012, top_y), (centre + 0.012, hem_y)], 0.003, 0.25)]
    count = rng.integers(4, 7)
    centres = [(centre, y) for y in np.linspace(top_y + 0.02, hem_y - 0.06, count)]
    buttons = (centres, 0.008, colours.pick(rng, colours.BUTTON_COLOURS))
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
    left += drawing.curve(armpit, side_end, rng.uniform(-0.01, 0.01), 4)[1:]
    # A shirttail hem: the sides ride higher than the centre front.
    left += [(centre - body_half * (1 - step), hem_y - tail * np.cos(np.pi / 2 * step))
             for step in np.linspace(0, 1, 6)[1:]]
    style = "long" if rng.uniform() < 0.5 else "short"
    sleeves, arms = sleeves_and_arms(rng, shoulder, armpit, style, shoulder_y + 0.26)
    hanger = hanger_shapes(centre, neck_y - 0.005, shoulder[0] + 0.015, shoulder_y + 0.03)
    folds = shirt_folds(rng, centre, armpit, hem_y, body_half)
    geometry = new_geometry([("polygon", drawing.symmetric_outline(left))] + sleeves, hanger, folds)
    geometry["trims"], geometry["lines"] = shirt_collar(rng, centre, neck_y, neck_half)
    front_lines, geometry["buttons"] = shirt_front(rng, centre, neck_y + 0.05, hem_y,
                                                   armpit[1] - 0.02)
    geometry["lines"] += front_lines
    if with_person:
        geometry["person"] = person_shapes(rng, (centre, neck_y + 0.01), shoulder_half, arms, [],
                                           0.0)
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

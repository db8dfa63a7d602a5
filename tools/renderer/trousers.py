"""Geometry of jeans and shorts: waistband, fly, pockets, legs, whiskers and fades (the dict is
described in clothes.py).

Usage: trousers.jeans_geometry(rng, with_person=False)
"""

from . import clothes, colours, drawing


def jeans_details(rng, centre, waist_y, band, waist_half, hip_y, crotch_y):
    """Waistband, belt loops, fly, pockets and rivet button of a pair of jeans: trims, seam
    lines, topstitched polylines and the button."""
    top_of_seat = waist_y + band
    trims = [(("polygon", drawing.rectangle(centre - waist_half, waist_y, centre + waist_half,
                                    top_of_seat)), 0.9)]
    fly = drawing.curve((centre + 0.03, top_of_seat), (centre, crotch_y - 0.015), 0.012, 5)
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
        pocket = drawing.curve(start, end, side * -0.025, 5)
        loop_x = centre + side * (waist_half - 0.035)
        lines += [(pocket, 0.004, 0.5), ([(loop_x, waist_y - 0.003), (loop_x, top_of_seat + 0.006)],
                                         0.008, 0.3)]
        stitches.append(pocket)
    button = ([(centre, waist_y + band / 2)], 0.011, colours.pick(rng, colours.RIVET_COLOURS))
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


def clip_hanger(centre, waist_y, waist_half):
    """A hanger whose two clips hold the waistband of jeans or shorts."""
    return clothes.hanger_shapes(centre, waist_y - 0.05, centre - waist_half - 0.01,
                                 waist_y - 0.025, clips=True)


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
    hanger = clip_hanger(centre, waist_y, waist_half)
    folds = jeans_folds(rng, centre, crotch_y, knee_y, hem_y, leg_centres, hem_width)
    geometry = clothes.new_geometry([("polygon", drawing.symmetric_outline(left))], hanger, folds)
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
            cuff = drawing.rectangle(x - half, hem_y - 0.045, x + half, hem_y)
            geometry["trims"].append((("polygon", cuff), 1.35))
    if with_person:
        feet = [((x, hem_y - 0.01), (x, hem_y + 0.02)) for x in leg_centres]
        geometry["person"] = clothes.person_shapes(rng, None, 0.0, [], feet, hem_width * 0.4)
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
    hanger = clip_hanger(centre, waist_y, waist_half)
    folds = shorts_folds(rng, centre, crotch_y, hem_y, leg_centres, hem_width)
    geometry = clothes.new_geometry([("polygon", drawing.symmetric_outline(left))], hanger, folds)
    trims, lines, stitches, geometry["buttons"] = jeans_details(rng, centre, waist_y, band,
                                                                waist_half, hip_y, crotch_y)
    denim = rng.uniform() < 0.5  # denim shorts are topstitched and faded; chinos are plain
    hem = [outer, inner]
    if rng.uniform() < 0.4:  # a rolled cuff: denim shows its lighter inside, chino a fold
        cuff = [outer, inner, (inner[0], inner[1] - 0.04), (outer[0], outer[1] - 0.04)]
        trims += [(("polygon", cuff), 1.35 if denim else 0.85),
                  (("polygon", drawing.mirror(cuff)), 1.35 if denim else 0.85)]
    else:
        hem = [(x, y - 0.015) for x, y in hem]
        lines += [(hem, 0.003, 0.35), (drawing.mirror(hem), 0.003, 0.35)]
    geometry.update(trims=trims, lines=lines, denim=denim, stitches=stitches if denim else [],
                    gold_thread=denim and rng.uniform() < 0.5)
    if denim:
        geometry["fades"] = [((centre + side * hip_half * 0.5, (hip_y + hem_y) / 2), (0.05, 0.08))
                             for side in (-1, 1)]
    if with_person:
        legs = [((x, hem_y - 0.03), (x + 0.15 * (x - centre), hem_y + rng.uniform(0.28, 0.4)))
                for x in leg_centres]
        geometry["person"] = clothes.person_shapes(rng, None, 0.0, [], legs,
                                                   rng.uniform(0.06, 0.075))
    return geometry

"""The colour names the tool knows, and what each means in hue, saturation and value.

Usage:
    colours.known_colours(["black", "navy", "red"])   # ["black", "red"]
    colours.colour_group(groups)                        # the label group made of colours

Plain Python, no TensorFlow: label groups, the audit and classify read it cheaply;
recolour.py paints with it.

The colour table: COLOURS[name] is a Colour(hues, saturation, value). A pixel is of that
colour when its hue, in degrees (0-360), lies in one of the `hues` intervals, and its
saturation and value (0-1, as tf.image.rgb_to_hsv gives them) in the `saturation` and
`value` ranges, bounds included. Red's hues wrap round 0 and are written as two intervals;
black, white and grey take any hue (0, 360) and are told apart by saturation and value.
Brown shares orange's hues at a lower value. The ranges suit product photos (garments on
white); colours may overlap at their edges.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Colour:
    hues: tuple  # ((low, high), ...) in degrees; one arc, two intervals when it wraps round 0
    saturation: tuple  # (low, high), 0-1
    value: tuple  # (low, high), 0-1


ANY_HUE = ((0, 360),)
COLOURS = {
    "black": Colour(ANY_HUE, (0.0, 1.0), (0.0, 0.2)),  # dark whatever its tint: black denim
    "white": Colour(ANY_HUE, (0.0, 0.15), (0.75, 1.0)),
    "grey": Colour(ANY_HUE, (0.0, 0.15), (0.2, 0.75)),
    "gray": Colour(ANY_HUE, (0.0, 0.15), (0.2, 0.75)),
    "red": Colour(((340, 360), (0, 10)), (0.4, 1.0), (0.25, 1.0)),  # stops short of skin (10-25)
    "orange": Colour(((10, 40),), (0.5, 1.0), (0.6, 1.0)),
    "brown": Colour(((10, 40),), (0.3, 1.0), (0.25, 0.6)),  # orange-red hues, darker
    "yellow": Colour(((40, 70),), (0.4, 1.0), (0.5, 1.0)),
    "green": Colour(((70, 170),), (0.2, 1.0), (0.25, 1.0)),
    "blue": Colour(((170, 255),), (0.2, 1.0), (0.25, 1.0)),  # cyan to navy
    "purple": Colour(((255, 290),), (0.2, 1.0), (0.25, 1.0)),
    "pink": Colour(((290, 340),), (0.2, 1.0), (0.5, 1.0)),
}


def known_colours(names):
    """The names, in order, that COLOURS knows."""
    return [name for name in names if name in COLOURS]


def colour_group(groups):
    """The exclusive label group whose labels are all colour names the table knows, or None:
    the group the grouped network reads from RGB and the recolouring repaints."""
    for group in groups:
        if group.exclusive and group.labels and not set(group.labels) - set(COLOURS):
            return group
    return None

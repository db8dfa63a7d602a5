"""Recolouring augmentation: show the network colour x item combinations it never saw.

Usage:
    recolouring = Recolouring(class_names, ["black", "blue", "red"], recolour=0.5, tint=0.5)
    images, targets = recolouring(uint8_images, targets, seed_pair)  # inside a tf.data map

A network trained on black jeans and red dresses learns that dark means jeans. Recolouring
a red dress's pixels black, and relabelling it "black", shows it a black dress. Per image:
its colour is the one colour label its targets mark; the garment is the pixels in that
colour's range (COLOURS), cleaned by a morphological opening then closing. With probability
`recolour` those pixels are repainted as another of the colour labels and the colour columns
of its targets relabelled; with probability `tint` the pixels outside the garment are
blended toward a random colour (labels unchanged), so that a red carpet or a blue sky is not
taken for the garment's colour. An image whose colour is not marked, or whose colour's
pixels cover less than MIN_AREA of it, is returned byte for byte, its targets unchanged.

The colour table is pyimagesearch/colours.py's. Painting a pixel maps it from the source
colour's ranges onto the target's, keeping its shading: value and saturation linearly,
hue rotated from the source's centre to the target's (its spread scaled to the target's
width). Painted black, white or grey keep at most GREY_SATURATION; a pixel painted from
black, white or grey (whose hue means nothing) takes the target's central hue.
"""

import tensorflow as tf

from pyimagesearch import colours
from pyimagesearch.colours import COLOURS  # the table this module paints with


MIN_AREA = 0.05  # fraction of the image the colour's pixels must cover to be the garment
KERNEL = 3  # pixels, the side of the morphology's square
GREY_SATURATION = 0.06  # the most saturation a pixel painted black, white or grey keeps
PAINTED_SATURATION = 0.6  # where in the target's saturation range a pixel painted from grey lands
TINT_STRENGTH = (0.2, 0.6)  # how far the background is blended toward its tint
SALT = 0x5EC0  # keeps these draws apart from augment.py's, which use the same seed pair


def _arc(colour):
    """(centre, half width) of a colour's hues in degrees; half width 180 for any hue."""
    hues = sorted(colour.hues)
    if len(hues) == 2:
        # Two intervals must meet at 0/360: (0, b) and (a, 360) make the arc (a - 360, b).
        assert hues[0][0] == 0 and hues[1][1] == 360, colour
        hues = [(hues[1][0] - 360, hues[0][1])]
    low, high = hues[0]
    return (low + high) / 2, (high - low) / 2


def _table(names):
    """The named colours' ranges as (len(names),) float32 tensors, for tf.gather."""
    arcs = [_arc(COLOURS[name]) for name in names]
    columns = {
        "centre": [centre for centre, _ in arcs], "half": [half for _, half in arcs],
        "s_low": [COLOURS[name].saturation[0] for name in names],
        "s_high": [COLOURS[name].saturation[1] for name in names],
        "v_low": [COLOURS[name].value[0] for name in names],
        "v_high": [COLOURS[name].value[1] for name in names],
    }
    table = {key: tf.constant(values, tf.float32) for key, values in columns.items()}
    table["grey"] = tf.constant([half >= 180 for _, half in arcs])
    return table


def _per_image(table, index):
    """Each image's colour's ranges, (batch, 1, 1) to broadcast over its pixels."""
    return {key: tf.gather(values, index)[:, None, None] for key, values in table.items()}


def _hsv(images):
    """uint8 RGB (batch, height, width, 3) -> hue in degrees, saturation, value, each 0-1."""
    hsv = tf.image.rgb_to_hsv(tf.cast(images, tf.float32) / 255.0)
    return hsv[..., 0] * 360.0, hsv[..., 1], hsv[..., 2]


def _wrap(degrees):
    """An angle difference brought into [-180, 180)."""
    return tf.math.floormod(degrees + 180.0, 360.0) - 180.0


def _in_range(hue, saturation, value, colour):
    inside = ((tf.abs(_wrap(hue - colour["centre"])) <= colour["half"])
              & (saturation >= colour["s_low"]) & (saturation <= colour["s_high"])
              & (value >= colour["v_low"]) & (value <= colour["v_high"]))
    return tf.cast(inside, tf.float32)


def _dilate(masks, size=KERNEL):
    return tf.nn.max_pool2d(masks[..., None], size, 1, "SAME")[..., 0]


def _erode(masks):
    # SAME max pooling ignores the padding, so the image's border erodes like its inside.
    return 1.0 - _dilate(1.0 - masks)


def _clean(masks):
    """Opening (drops specks) then closing (fills pinholes) of (batch, height, width) masks:
    erode, dilate, dilate, erode, the two dilations done as one with twice the reach."""
    return _erode(_dilate(_erode(masks), 2 * KERNEL - 1))


def mask(images, colour_name):
    """(batch, height, width) bool: the pixels of uint8 RGB `images` in the colour's range,
    cleaned as the recolouring cleans them. For tests and for looking at what it finds."""
    if colour_name not in COLOURS:
        raise ValueError(f"unknown colour {colour_name!r}; known: {', '.join(COLOURS)}")
    images = tf.convert_to_tensor(images)
    colour = _per_image(_table([colour_name]), tf.zeros([tf.shape(images)[0]], tf.int32))
    return _clean(_in_range(*_hsv(images), colour)) > 0.5


def _normalised(channel, low, high):
    return tf.clip_by_value((channel - low) / tf.maximum(high - low, 1e-6), 0.0, 1.0)


def _paint(hue, saturation, value, source, target):
    """Hue, saturation and value mapped from the source colour's ranges onto the target's."""
    value = target["v_low"] + _normalised(value, source["v_low"], source["v_high"]) * (
        target["v_high"] - target["v_low"])
    shade = _normalised(saturation, source["s_low"], source["s_high"])
    # A grey source's hue and saturation are noise: paint it the target's central hue at a
    # fixed saturation. A hued source is rotated, its spread scaled to the target's width.
    spread = _wrap(hue - source["centre"]) * target["half"] / tf.maximum(source["half"], 1e-6)
    rotated = target["centre"] + tf.clip_by_value(spread, -target["half"], target["half"])
    hued = tf.where(source["grey"], target["centre"], rotated)
    hued_saturation = target["s_low"] + tf.where(
        source["grey"], PAINTED_SATURATION, shade) * (target["s_high"] - target["s_low"])
    grey_saturation = target["s_low"] + shade * (
        tf.minimum(target["s_high"], GREY_SATURATION) - target["s_low"])
    hue = tf.where(target["grey"], hue, tf.math.floormod(hued, 360.0))
    saturation = tf.where(target["grey"], grey_saturation, hued_saturation)
    return hue, saturation, value


class Recolouring:
    """Recolours garments and tints backgrounds in a batch; see the module's docstring."""

    def __init__(self, class_names, colour_labels, recolour=0.5, tint=0.5):
        # A label named twice would mark two colours on every image of it, so none is found.
        class_names, colour_labels = list(class_names), list(dict.fromkeys(colour_labels))
        unknown = [name for name in colour_labels if name not in COLOURS]
        if unknown:
            raise ValueError(f"colours not in the colour table: {', '.join(unknown)}; "
                             f"known: {', '.join(COLOURS)}")
        missing = [name for name in colour_labels if name not in class_names]
        if missing:
            raise ValueError(f"colour labels not among the class names: {', '.join(missing)}")
        self.class_names, self.colour_labels = class_names, colour_labels
        self.recolour, self.tint = float(recolour), float(tint)
        # One row per colour label, a one at its column in the targets: moves colour
        # columns in and out of the (batch, classes) targets with one matrix product.
        self.columns = tf.one_hot([class_names.index(name) for name in colour_labels],
                                  len(class_names), dtype=tf.float32)

    def __call__(self, images, targets, seed):
        """uint8 RGB (batch, height, width, 3) images and (batch, classes) 0/1 targets ->
        the same, some recoloured and relabelled or tinted. `seed`: one pair per batch."""
        images, targets = tf.convert_to_tensor(images), tf.convert_to_tensor(targets)
        if not self.colour_labels:
            return images, targets
        batch, count = tf.shape(images)[0], len(self.colour_labels)
        colours = tf.matmul(tf.cast(targets, tf.float32), self.columns, transpose_b=True)
        source = tf.argmax(colours, axis=1, output_type=tf.int32)
        found = tf.reduce_sum(tf.cast(colours > 0.5, tf.int32), axis=1) == 1
        draws = _Draws(seed, batch)
        # Uniform among the other colours: step 1 to count - 1 colours on from the source.
        steps = 1 + tf.cast(draws.uniform(0.0, 1.0) * (count - 1), tf.int32)
        target = tf.math.floormod(source + tf.minimum(steps, max(count - 1, 1)), count)
        table = _table(self.colour_labels)
        hue, saturation, value = _hsv(images)
        garment = _clean(_in_range(hue, saturation, value, _per_image(table, source)))
        found &= tf.reduce_mean(garment, axis=[1, 2]) >= MIN_AREA
        recolour = found & (draws.uniform(0.0, 1.0) < self.recolour) & (count > 1)
        tint = found & (draws.uniform(0.0, 1.0) < self.tint)
        strength, tint_colour = draws.uniform(*TINT_STRENGTH), draws.uniform(0.0, 1.0, [3])
        # Feathered edges: a pixel on the garment's border is half painted, half kept.
        weight = tf.nn.avg_pool2d(garment[..., None], 3, 1, "SAME")
        pixels = tf.cast(images, tf.float32) / 255.0
        # Painting and tinting touch only the images drawn for them (gathered, then
        # scattered back): on 2 cores this pipeline competes with training for the CPU.
        rows, take = _rows(recolour)
        painted = tf.image.hsv_to_rgb(tf.stack(_paint(
            take(hue), take(saturation), take(value), _per_image(table, take(source)),
            _per_image(table, take(target))), axis=-1) / tf.constant([360.0, 1.0, 1.0]))
        pixels = tf.tensor_scatter_nd_update(
            pixels, rows, take(weight) * painted + (1.0 - take(weight)) * take(pixels))
        rows, take = _rows(tint)
        faded = take(strength)[:, None, None, None] * (1.0 - take(weight))
        tinted = take(pixels) + faded * (take(tint_colour)[:, None, None, :] - take(pixels))
        pixels = tf.tensor_scatter_nd_update(pixels, rows, tinted)
        changed = (recolour | tint)[:, None, None, None]
        images = tf.where(changed, tf.cast(tf.round(tf.clip_by_value(pixels, 0.0, 1.0) * 255.0),
                                           images.dtype), images)
        relabelled = tf.where(recolour[:, None], tf.one_hot(target, count), colours)
        targets += tf.cast(tf.matmul(relabelled - colours, self.columns), targets.dtype)
        return images, targets


def _rows(chosen):
    """(scatter indices of the images where `chosen` is true, a gather of those images)."""
    rows = tf.where(chosen)
    return rows, lambda values: tf.gather_nd(values, rows)


class _Draws:
    """Per-image uniform draws, each from its own stream of the batch's seed pair."""

    def __init__(self, seed, batch):
        self.seed, self.batch, self.drawn = seed, batch, 0

    def uniform(self, low, high, extra_shape=()):
        stream = tf.random.experimental.stateless_fold_in(self.seed, SALT + self.drawn)
        self.drawn += 1
        return tf.random.stateless_uniform([self.batch, *extra_shape], stream, low, high)


def for_groups(class_names, groups, recolour=0.5, tint=0.5):
    """The Recolouring for the label groups' colour group (groups.colour_group), or None when
    there is none or both chances are 0: then training sees the photos' own colours only."""
    colour = colours.colour_group(groups)
    if colour is None or not (recolour or tint):
        return None
    return Recolouring(class_names, list(colour.labels), recolour, tint)

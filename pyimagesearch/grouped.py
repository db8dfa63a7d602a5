"""A network whose label groups do not lean on each other: one branch per group.

Usage:
    model = build(size=(96, 96), class_names=["black", "blue", "dress", ...], groups=groups)
    model.compile(loss=loss(class_names, groups), ...)

Trained on black jeans and red or blue dresses, one sigmoid per label on one trunk learns
"dark means jeans": the colour is found, the item is guessed from it, and a black dress
comes out "black, jeans". Here, when one label group is made of colour names the tool knows
(colours.colour_group):
- the colour branch sees RGB: a small network pooled over the whole image, so that it
  reads colour and cannot learn an outline;
- every other group's branch, the chosen network (backbones.py: SmallerVGGNet unless
  --backbone says otherwise), sees the image colour-stripped
  (one standardised grey channel, its brightness, contrast and gamma jittered in training),
  so that neither hue nor darkness can stand in for shape.
Without a colour group, the groups share one RGB network with a head per group. Each
exclusive group ends in a softmax (exactly one of its labels), any other in sigmoids; the
output is one probability per label in `class_names` order, as the one-trunk model's, so
thresholds, evaluation and classification need not know which network made it.
"""

import keras
from keras import layers

from pyimagesearch import backbones, colours, custom_objects

def spec(class_names, groups):
    """[[column indices], exclusive] per group, for the layers and the loss."""
    class_names = [str(name) for name in class_names]
    covered = sorted(label for group in groups for label in group.labels)
    if covered != sorted(class_names):
        raise ValueError(f"groups {covered} do not cover the labels {sorted(class_names)} once")
    return [[[class_names.index(label) for label in group.labels], bool(group.exclusive)]
            for group in groups]


def build(size, class_names, groups, bn_momentum, network=backbones.Network()):
    """The model: uint8 RGB images in, one probability per label (in `class_names` order) out."""
    width, height = size
    inputs = keras.Input(shape=(height, width, 3), name="image")
    rgb = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    layout = spec(class_names, groups)
    colour = colours.colour_group(groups)
    if colour is not None:
        logits, columns = _branches(rgb, groups, colour, layout, bn_momentum, network)
        logits = layers.Concatenate(name="group_logits", dtype="float32")(logits) \
            if len(logits) > 1 else logits[0]
        logits = custom_objects.GatherColumns([columns.index(i) for i in range(len(columns))],
                                              name="label_order")(logits)
    else:
        logits = backbones.outputs(network, rgb, len(class_names), "linear", bn_momentum)
    outputs = custom_objects.GroupActivation(layout, name="group_activation")(logits)
    return keras.Model(inputs, outputs, name="grouped_branches")


def _branches(rgb, groups, colour, layout, bn_momentum, network):
    """(logits of each group's branch, the label column of each logit, in order)."""
    stripped = custom_objects.ColourStripped(name="colour_stripped")(rgb)
    logits, columns = [], []
    for group, (indices, _) in zip(groups, layout):
        if group == colour:
            logits.append(_colour_branch(rgb, len(indices), bn_momentum))
        else:
            logits.append(backbones.outputs(network, stripped, len(indices), "linear",
                                            bn_momentum, name=f"{group.name}_branch"))
        columns += indices
    return logits, columns


def _colour_branch(rgb, classes, bn_momentum):
    """A small RGB network that reads colour, not shape: two 3x3 convolution blocks, a 1x1
    one, then the mean and the maximum of each feature over the whole image. Pooled over
    the image, it cannot learn an outline; with the recipe's folders a branch that kept the
    layout learnt "jeans-shaped means black" and called blue jeans black (leave-one-out on
    ../shared/data/fashion at 64 px, 15 epochs: 0.69 exact match on blue jeans, pooled 0.81)."""
    # Colour needs no detail: at half size the branch costs a third of the full-size one.
    x = layers.AveragePooling2D(2, name="colour_half_size")(rgb)
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", name=f"colour_conv{filters}")(x)
        x = layers.Activation("relu")(x)
        x = custom_objects.FusedBatchNormalization(momentum=bn_momentum)(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 1, activation="relu", name="colour_mix")(x)
    x = layers.Concatenate(name="colour_pooled")(
        [layers.GlobalAveragePooling2D()(x), layers.GlobalMaxPooling2D()(x)])
    x = layers.Dropout(0.25)(x)
    x = layers.Dense(64, activation="relu", name="colour_dense")(x)
    return layers.Dense(classes, dtype="float32", name="colour_logits")(x)


def loss(class_names, groups, label_smoothing=0.0):
    return custom_objects.GroupedCrossEntropy(spec(class_names, groups), label_smoothing)

"""Why a label fired: Grad-CAM heat maps of a trained model, drawn over the image.

Usage:
    model, binarizer, description = artifacts.load_artifacts(model_path, labelbin_path)
    indices = labels_to_explain(result, class_names)  # a classify result: predicted + 1 rejected
    maps = heatmaps(model, image, indices)  # {label index: float32 (H, W) in [0, 1]}
    picture = explained_image(image, result, maps, class_names)  # uint8 RGB, side by side
    path = save_explained(model, result, class_names, "output/explained", taken=set())

Grad-CAM (Selvaraju et al., 2017): the feature maps of a convolution, each weighted by the
mean gradient of the label's score over it, summed, negatives dropped, scaled to a maximum
of one. The score is the label's logit, the input of the network's output activation (the
paper's "score before the softmax"): a confident probability saturates, and its gradient
with it, while the logit's does not.

The convolution is the one that decided the label. Each nested network (the SmallerVGGNet
of a group's branch, or the whole network without label groups) offers its last Conv2D, a
keras.applications backbone its output (its last feature map, already activated), and
the network's own layers offer their last one (in the grouped network the colour branch's
`colour_mix`: the 1x1 convolution whose maps the global pooling reads, at a quarter of the
input size; `colour_conv64` before it is max-pooled, so its gradient would reach one pixel
in four). The feature maps are taken rectified, as the paper's are: the convolution's own
ReLU, or the Activation that follows it. A label's map comes from the offer that its score
has a gradient on: in the grouped network a label's logit depends on its own group's
branch alone, so exactly one has. The maps come from the network itself, not its
flip-averaged wrapper, computed in float32, on the image resized as classification resizes
it, and are stretched back over the image's own size.
"""

import weakref

import cv2
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from pyimagesearch import artifacts, backbones, custom_objects, display, models
from pyimagesearch import images as image_io
from pyimagesearch.errors import UserError

TILE_HEIGHT = 224  # pixels: every picture is drawn at this height, so captions read alike
MIN_TILE_WIDTH = 168  # a narrow image is padded to this, so its caption still fits
MAX_TILE_WIDTH = 3 * TILE_HEIGHT  # a panorama is squeezed to this
CAPTION_HEIGHT = 50  # pixels of the band under each picture, two lines of text
GAP = 6  # pixels between pictures
BAND = (32, 32, 32)  # RGB of the caption band and the gaps
WHITE, GREEN, RED = (255, 255, 255), (90, 230, 90), (255, 95, 95)  # RGB text colours
SUFFIX = ".explained.png"  # <image name>.explained.png

# A network prepared for explaining (re-traced with its feature maps as outputs), kept while
# the model lives: preparing it again for every image would add nodes to its layers each time.
_prepared = weakref.WeakKeyDictionary()


def heatmaps(model, image, label_indices):
    """{label index: float32 (H, W) map in [0, 1]} for the uint8 RGB `image` (H, W, 3) of any
    size: where the network looked to score each label. A map with no positive evidence
    anywhere is all zeros."""
    image = _checked(image)
    network = _network_for(model)
    indices = [_checked_index(index, network.output_shape[-1][-1]) for index in label_indices]
    batch = image_io.resize(image, artifacts.input_size(network))[None]
    with tf.GradientTape(persistent=True) as tape:
        *features, scores = network(batch, training=False)
        targets = {index: scores[0, index] for index in indices}
    maps = {}
    for index, target in targets.items():
        gradients = tape.gradient(target, features)
        maps[index] = _stretched(_grad_cam(features, gradients), image.shape[:2])
    del tape  # a persistent tape holds the forward pass until released
    return maps


def _grad_cam(features, gradients):
    """The map of the feature maps the score has the strongest gradient on (the only ones,
    in a grouped network), at their own resolution."""
    strengths = [0.0 if gradient is None else float(tf.reduce_sum(tf.abs(gradient)))
                 for gradient in gradients]
    chosen = int(np.argmax(strengths))
    feature = features[chosen][0].numpy().astype(np.float32)
    if not strengths[chosen] > 0:  # no gradient at all (a dead branch): nothing to show
        return np.zeros(feature.shape[:2], np.float32)
    weights = gradients[chosen][0].numpy().astype(np.float32).mean(axis=(0, 1))
    cam = np.maximum(feature @ weights, 0.0)
    peak = cam.max()
    if not (np.isfinite(peak) and peak > 0):
        return np.zeros(cam.shape, np.float32)
    return (cam / peak).astype(np.float32)


def _stretched(cam, shape):
    height, width = shape
    cam = cv2.resize(cam, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(np.nan_to_num(cam, nan=0.0), 0.0, 1.0).astype(np.float32)


def _network_for(model):
    """A keras.Model on `model`'s weights: uint8 images in, [each offered feature map, ...,
    the scores] out; prepared once per model (for a 16-bit model, on a float32 copy of the
    weights as they were then)."""
    if model not in _prepared:
        _prepared[model] = _traced(models.float32_model(_inner(model)))
    return _prepared[model]


def _inner(model):
    """The network itself: the model a flip-averaged wrapper calls on the image and its mirror."""
    if any(isinstance(layer, custom_objects.HorizontalFlip) for layer in model.layers):
        return next(layer for layer in model.layers if isinstance(layer, keras.Model))
    return model


def _traced(network):
    """`network` called anew layer by layer, nested Sequentials included, so that the
    feature maps inside them become outputs too (a nested model's layers are otherwise out
    of reach of the outer model's graph). The layers are shared, not copied."""
    trace = _Trace()
    inputs = keras.Input(shape=network.input_shape[1:], dtype=network.inputs[0].dtype)
    if isinstance(network, keras.Sequential):
        trace(network, inputs)
    else:
        keras.models.clone_model(network, input_tensors=inputs,
                                 clone_function=lambda layer: layer, call_function=trace)
    features = trace.offered_features()
    if not features:
        raise UserError(f"model {network.name} has no convolution to explain its labels by")
    return keras.Model(inputs, [*features, trace.scores()], name=f"{network.name}_explained")


class _Trace:
    """A call_function for keras.models.clone_model that records every layer call, in the
    order they run, and walks into nested Sequentials layer by layer."""

    def __init__(self):
        # (owner: the nested model's path, "" for the top graph; layer, input, output)
        self.calls = []

    def __call__(self, layer, *args, **kwargs):
        return self._run(layer, "", *args, **kwargs)

    def _run(self, layer, owner, *args, **kwargs):
        if isinstance(layer, keras.Sequential):
            tensor = args[0]
            for inner_layer in layer.layers:
                tensor = self._run(inner_layer, f"{owner}/{layer.name}", tensor)
            return tensor
        outputs = layer(*args, **kwargs)
        self.calls.append((owner, layer, args[0] if args else None, outputs))
        return outputs

    def offered_features(self):
        """The rectified output of the last Conv2D of each nested model and of the top graph."""
        last = {}
        for position, (owner, layer, _, _) in enumerate(self.calls):
            if isinstance(layer, layers.Conv2D):
                last[owner] = position
            elif backbones.is_backbone(layer):  # a keras.applications network: its last map
                last[f"{owner}/{layer.name}"] = position
        return [self._rectified(position) for position in last.values()]

    def _rectified(self, position):
        _, conv, _, output = self.calls[position]
        if getattr(conv, "activation", None) is not keras.activations.linear:
            return output
        for _, layer, given, result in self.calls[position + 1:]:
            if given is output and isinstance(layer, layers.Activation):
                return result
        return output

    def scores(self):
        """The logits: the input of the output activation (or the outputs, where the last
        layer computes and activates at once)."""
        _, layer, given, output = self.calls[-1]
        activations = (layers.Activation, layers.Softmax, custom_objects.GroupActivation)
        return given if isinstance(layer, activations) else output


def _checked(image):
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8 or 0 in image.shape:
        raise ValueError(f"an image must be uint8 RGB (height, width, 3), not {image.dtype} "
                         f"{image.shape}")
    return image


def _checked_index(index, labels):
    if not (isinstance(index, (int, np.integer)) and 0 <= index < labels):
        raise ValueError(f"label index {index!r} is not one of the model's {labels} labels")
    return int(index)


def overlay(image, heatmap, alpha=0.45):
    """The uint8 RGB `image` with `heatmap` (values in [0, 1], stretched to the image's size
    if needed) coloured blue (0) to red (1) and blended over it at `alpha`."""
    image = _checked(image)
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    heat = np.asarray(heatmap, np.float32)
    if heat.shape != image.shape[:2]:
        heat = cv2.resize(heat, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    heat = np.clip(np.nan_to_num(heat, nan=0.0), 0.0, 1.0)
    coloured = cv2.applyColorMap(np.round(heat * 255).astype(np.uint8), cv2.COLORMAP_JET)
    coloured = cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB)  # OpenCV colours maps in BGR
    return cv2.addWeighted(coloured, alpha, image, 1 - alpha, 0)


def labels_to_explain(result, class_names):
    """The label indices worth a heat map for a classify result: every predicted label (most
    probable first) and the most probable rejected one, the runner-up."""
    if "labels" not in result:  # an image that could not be read
        return []
    names = [str(name) for name in class_names]
    chosen = [names.index(label) for label in result["labels"]]
    rejected = [index for index, name in enumerate(names) if name not in result["labels"]]
    if rejected:
        chosen.append(max(rejected, key=lambda index: result["probabilities"][names[index]]))
    return chosen


def explained_image(image, result, maps, class_names):
    """One uint8 RGB picture: the image, then one heat map overlay per label of `maps`, side
    by side, each captioned with the label, its probability and whether it was predicted."""
    image = _checked(image)
    predicted = " + ".join(result.get("labels", [])) or "no label"
    tiles = [_captioned(_tile(image), "original", predicted, WHITE)]
    for index, heatmap in maps.items():
        name = str(class_names[index])
        accepted = name in result.get("labels", [])
        verdict = f"{result['probabilities'][name] * 100:.1f}% " + (
            "predicted" if accepted else "rejected")
        tiles.append(_captioned(_tile(overlay(image, heatmap)), name, verdict,
                                GREEN if accepted else RED))
    gap = np.full((tiles[0].shape[0], GAP, 3), BAND, np.uint8)
    parts = [part for tile in tiles for part in (gap, tile)][1:]
    return np.concatenate(parts, axis=1)


def _tile(image):
    """`image` at TILE_HEIGHT pixels high, its aspect kept within limits, padded to at least
    MIN_TILE_WIDTH wide."""
    height, width = image.shape[:2]
    scaled_width = min(MAX_TILE_WIDTH, max(1, round(width * TILE_HEIGHT / height)))
    tile = image_io.resize(image, (scaled_width, TILE_HEIGHT))
    if scaled_width < MIN_TILE_WIDTH:
        left = (MIN_TILE_WIDTH - scaled_width) // 2
        tile = cv2.copyMakeBorder(tile, 0, 0, left, MIN_TILE_WIDTH - scaled_width - left,
                                  cv2.BORDER_CONSTANT, value=BAND)
    return tile


def _captioned(tile, title, line, colour):
    """`tile` over a band with two lines of text, each shrunk to fit the tile's width."""
    band = np.full((CAPTION_HEIGHT, tile.shape[1], 3), BAND, np.uint8)
    for row, (text, text_colour) in enumerate(((title, WHITE), (line, colour))):
        if not text.isascii():  # OpenCV's font draws other characters as "?"
            display.draw_text(band, text, (4, 20 + row * 22), text_colour, 14, outline=False)
            continue
        scale = _fitting_scale(text, tile.shape[1] - 8)
        cv2.putText(band, text, (4, 20 + row * 22), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    text_colour, 1, cv2.LINE_AA)
    return np.concatenate([tile, band], axis=0)


def _fitting_scale(text, width, largest=0.55, smallest=0.3):
    (text_width, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, largest, 1)
    return max(smallest, min(largest, largest * width / max(text_width, 1)))


def keras_model(classifier, model_path, labelbin_path, trust_code=False):
    """The Keras model behind a classifier.Classifier: its own where it runs on Keras, else
    loaded from the same files (LiteRT and ONNX have no gradients to explain with)."""
    runner_model = getattr(classifier.runner, "model", None)
    if isinstance(runner_model, keras.Model):
        return runner_model
    model, _, _ = artifacts.load_artifacts(model_path, labelbin_path, trust_code)
    return model


def save_explained(model, result, class_names, folder, taken):
    """Draw the heat maps of a classify result's image and write them, whole or not at all,
    as FOLDER/<name>.explained.png; return the path. `taken` holds the names this run has
    used: two inputs of the same name get <name>-2.explained.png and so on."""
    side = max(TILE_HEIGHT, *artifacts.input_size(model))
    image = image_io.decode_image(result["path"], at_least=(side, side))
    maps = heatmaps(model, image, labels_to_explain(result, class_names))
    picture = explained_image(image, result, maps, class_names)
    return display.save_drawing(cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), result["path"],
                                folder, taken, SUFFIX)

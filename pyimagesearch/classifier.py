"""Classifying images with a trained model: probabilities and decisions.

Usage:
    from pyimagesearch import Classifier
    clf = Classifier.load("output/fashion.keras")       # its mlb.pickle beside it
    clf.predict(["a.jpg", rgb_uint8_array])             # one result dict per item
    for result in clf.classify_files(paths): print(format_result(result, clf.groups))

The model runs on the backend backends.load chooses (LiteRT without TensorFlow where
training exported one). The decisions are the model's: one label of each exclusive group,
the other labels by the thresholds tuned in training, unless a threshold or top k is given.

Files are decoded in parallel and predicted in batches; a file that cannot be
read becomes a result with an "error" instead of stopping the run. A model with label
groups also says which of each group's labels it chose: {"colour": ["black"], ...}.
"""

import concurrent.futures
import os

import numpy as np

from pyimagesearch import backends, decisions, defaults, files, runfiles
from pyimagesearch import groups as label_groups
from pyimagesearch import images as image_io
from pyimagesearch.errors import ImageError, UserError


class Classifier:
    """A trained model with its labels, groups and decision rule: what classify.py runs."""

    def __init__(self, runner, class_names, description, threshold=None, top_k=None):
        self.runner, self.class_names, self.description = runner, class_names, description
        self.groups = label_groups.from_json(description.groups, class_names)
        self.rule = decisions.DecisionRule.saved(description, class_names, self.groups,
                                                 threshold, top_k)

    @classmethod
    def load(cls, model, labelbin=None, backend="auto", trust_code=False, threshold=None,
             top_k=None):
        """The model file `model` (and its label file, by default `mlb.pickle` beside it) on
        `backend`: auto, keras, litert or onnx (see pyimagesearch/backends.py)."""
        run = runfiles.RunFiles(model, labelbin)
        runner, class_names, description = backends.load(model, run.labelbin, backend,
                                                         trust_code)
        return cls(runner, class_names, description, threshold, top_k)

    @property
    def backend(self):
        return self.runner.name

    @property
    def input_size(self):
        """(width, height) every image is resized to."""
        return self.runner.input_size

    def predict(self, items, batch_size=defaults.PREDICTION_BATCH):
        """One result per item, in order: an image file's path, or an RGB array (height,
        width, 3; uint8, or floats in [0, 1]) of any size. A result is a dict: "path" (the
        item's, or None for an array), "probabilities" {label: p}, "labels" (the accepted
        ones, most probable first) and, with label groups, "groups" {group: [labels]}; or
        "error" for a file that could not be read."""
        items = list(items)
        decoded = [_try_load(item, self.input_size) if isinstance(item, (str, os.PathLike))
                   else _array_image(item, self.input_size) for item in items]
        names = [os.fspath(item) if isinstance(item, (str, os.PathLike)) else None
                 for item in items]
        results = []
        for start in range(0, len(items), batch_size):
            results.extend(_predict_chunk(self.runner, self.class_names,
                                          names[start:start + batch_size],
                                          decoded[start:start + batch_size],
                                          self.rule.decide))
        return self._grouped(results)

    def predict_images(self, images, batch_size=defaults.PREDICTION_BATCH):
        """(images, labels) probabilities of uint8 RGB images already at the input size:
        an array, or a dataset's store.RowFile, read a batch at a time."""
        chunks = [self.runner.predict_on_batch(np.asarray(images[start:start + batch_size]))
                  for start in range(0, len(images), batch_size)]
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.class_names)))

    def classify_files(self, paths, batch_size=defaults.PREDICTION_BATCH, workers=None):
        """One result per path, as predict's, files decoded in parallel threads."""
        return self._grouped(classify_files(self.runner, self.class_names, paths,
                                            self.input_size, self.rule.decide, batch_size,
                                            workers))

    def _grouped(self, results):
        return _name_groups(results, self.groups)


def _array_image(array, size):
    array = np.asarray(array)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"an image array must be (height, width, 3) RGB, not {array.shape}")
    if array.dtype != np.uint8:
        array = np.clip(np.round(np.asarray(array, np.float64) * 255.0), 0, 255).astype(np.uint8)
    return image_io.resize(array, size)


def expand_inputs(inputs, skip=None):
    """Files as given, and every image file under each directory given (recursively),
    except those under the folder `skip` (the drawings of earlier runs are not inputs)."""
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            paths.extend(_walk(item, skip))
        elif os.path.lexists(item):  # a broken link is reported with the unreadable images
            paths.append(item)
        else:
            raise UserError(f"image not found: {item}")
    if not paths:
        raise UserError(f"no image files in {', '.join(inputs)}")
    return paths


def _walk(folder, skip):
    found = image_io.list_images(folder)
    skip = skip and os.path.realpath(skip)
    if not skip or files.is_within(os.path.realpath(folder), skip):
        return found  # a folder named itself is read, drawings or not
    return [path for path in found if not files.is_within(os.path.realpath(path), skip)]


def classify_files(model, class_names, paths, size, decide, batch_size=64, workers=None,
                   groups=()):
    """One result dict per path, in order: path, probabilities, labels (and, with label
    groups, each group's chosen labels), or error."""
    workers = workers or defaults.workers()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        for start in range(0, len(paths), batch_size):
            chunk = paths[start:start + batch_size]
            decoded = list(executor.map(lambda path: _try_load(path, size), chunk))
            results.extend(_predict_chunk(model, class_names, chunk, decoded, decide))
    return _name_groups(results, groups)


def _name_groups(results, groups):
    for result in results:
        if groups and "labels" in result:
            result["groups"] = {group.name: [label for label in result["labels"]
                                             if label in group.labels] for group in groups}
    return results


def _try_load(path, size):
    try:
        return image_io.load_image(path, size)
    except ImageError as error:
        return str(error)


def _predict_chunk(model, class_names, paths, decoded, decide):
    good = [index for index, item in enumerate(decoded) if not isinstance(item, str)]
    probabilities = (model.predict_on_batch(np.stack([decoded[index] for index in good]))
                     if good else np.zeros((0, len(class_names))))
    probabilities = np.asarray(probabilities, dtype=np.float64)
    decisions = decide(probabilities) if good else probabilities
    by_index = dict(zip(good, zip(probabilities, decisions)))
    results = []
    for index, path in enumerate(paths):
        if index not in by_index:
            results.append({"path": path, "error": decoded[index]})
            continue
        row, decision = by_index[index]
        results.append({
            "path": path,
            "probabilities": {name: round(float(p), 6) for name, p in zip(class_names, row)},
            "labels": [name for name, chosen, p in sorted(
                zip(class_names, decision, row), key=lambda item: -item[2]) if chosen],
        })
    return results


def format_result(result, groups=()):
    """Every label's probability, most probable first, its group named, the accepted ones
    marked."""
    if "error" in result:
        return f"error: {result['error']}"
    lines = [f"{result['path']}:"]
    ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])
    group_of = label_groups.group_of(groups)
    width = max(map(len, group_of.values()), default=0)
    for name, probability in ranked:
        group = f"  {group_of.get(name, ''):<{width}}" if group_of else ""
        mark = "  <- predicted" if name in result["labels"] else ""
        lines.append(f"  {name:<12} {probability * 100:6.2f}%{group}{mark}".rstrip())
    lines.append(f"  labels: {', '.join(result['labels']) or 'none (no label reached its threshold)'}")
    return "\n".join(lines)

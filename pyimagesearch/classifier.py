"""Classifying image files with a trained model: probabilities and decisions.

Usage:
    decide = decisions.make_decider(thresholds=[0.4, 0.6, ...])  # or threshold=0.5, or top_k=2
    results = classify_files(model, class_names, paths, size, decide, groups=model_groups)
    for result in results: print(format_result(result, model_groups))

Files are decoded in parallel and predicted in batches; a file that cannot be
read becomes a result with an "error" instead of stopping the run. A model with label
groups also says which of each group's labels it chose: {"colour": ["black"], ...}.
"""

import concurrent.futures
import os

import numpy as np

from pyimagesearch import defaults, files
from pyimagesearch import groups as label_groups
from pyimagesearch import images as image_io
from pyimagesearch.errors import ImageError, UserError


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
    if groups:
        for result in results:
            if "labels" in result:
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

"""Classifying image files with a trained model: probabilities, decisions, drawings.

Usage:
    decide = make_decider(thresholds=[0.4, 0.6, ...])  # or threshold=0.5, or top_k=2
    results = classify_files(model, class_names, paths, size, decide)
    for result in results: print(format_result(result))

Files are decoded in parallel and predicted in batches; a file that cannot be
read becomes a result with an "error" instead of stopping the run.
"""

import concurrent.futures
import os

import cv2
import numpy as np

from pyimagesearch import files
from pyimagesearch import images as image_io
from pyimagesearch.errors import ImageError, UserError
from pyimagesearch.evaluation import top_k_decisions
from pyimagesearch.thresholds import apply_thresholds

DRAWN = 2  # the recipe draws the two most probable labels


def make_decider(thresholds=None, threshold=None, top_k=None):
    """A function from probabilities to 0/1 decisions, by the rule the user chose."""
    if top_k is not None:
        return lambda probabilities: top_k_decisions(probabilities, top_k)
    if threshold is not None:
        return lambda probabilities: (np.asarray(probabilities) >= threshold).astype(np.int64)
    return lambda probabilities: apply_thresholds(probabilities, thresholds)


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


def classify_files(model, class_names, paths, size, decide, batch_size=64, workers=None):
    """One result dict per path, in order: path, probabilities, labels, or error."""
    workers = workers or min(8, os.cpu_count() or 1)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        for start in range(0, len(paths), batch_size):
            chunk = paths[start:start + batch_size]
            decoded = list(executor.map(lambda path: _try_load(path, size), chunk))
            results.extend(_predict_chunk(model, class_names, chunk, decoded, decide))
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


def format_result(result):
    """Every label's probability, most probable first, the accepted ones marked."""
    if "error" in result:
        return f"error: {result['error']}"
    lines = [f"{result['path']}:"]
    ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])
    for name, probability in ranked:
        mark = "  <- predicted" if name in result["labels"] else ""
        lines.append(f"  {name:<12} {probability * 100:6.2f}%{mark}")
    lines.append(f"  labels: {', '.join(result['labels']) or 'none (no label reached its threshold)'}")
    return "\n".join(lines)


def annotate(result, width=400):
    """The image at `width` pixels wide (BGR, for OpenCV) with its labels drawn.

    The two most probable labels are always drawn, as in the recipe, each marked
    "yes" (predicted) or "no" (below its threshold); further predicted labels follow.
    """
    image = cv2.cvtColor(image_io.decode_image(result["path"]), cv2.COLOR_RGB2BGR)
    height, original_width = image.shape[:2]
    # Keep the aspect ratio, within limits: a 20000x2 strip still leaves room for the
    # labels, and a 2x8000 one does not become 1.6 million pixels tall.
    height = min(4 * width, max(30 * DRAWN + 20, round(height * width / original_width)))
    image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])
    shown = [item for rank, item in enumerate(ranked)
             if rank < DRAWN or item[0] in result["labels"]]
    for row, (name, probability) in enumerate(shown):
        accepted = name in result["labels"]
        text = f"{name}: {probability * 100:.2f}% {'yes' if accepted else 'no'}"
        colour = (0, 255, 0) if accepted else (0, 0, 255)  # BGR green / red
        position = (10, (row * 30) + 25)
        # A dark outline keeps the text legible on light and dark photos alike.
        cv2.putText(image, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4)
        cv2.putText(image, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.7, colour, 2)
    return image

"""Finding the training images whose labels are probably wrong.

Usage:
    settings = label_errors.Settings(folds=5, epochs=8, image_size=64)
    print(label_errors.describe_plan(len(dataset.paths), class_names, groups, settings))
    found = label_errors.find(dataset, groups, settings, progress=cli.progress_bar)
    label_errors.write_csv("output/label_errors.csv", found)
    label_errors.write_gallery("output/label_errors.html", found, top=40)

The images are dealt into k folds (splits.k_folds: label frequencies alike in each, exact
duplicates together) and k short trainings each learn from all folds but one, then predict
the fold they did not see: every image gets probabilities from a model that never saw it or
its label, so a wrong label cannot be memorised away. cleanlab's multi-label label-quality
score (`cleanlab.multilabel_classification.get_label_quality_scores`: per label, how sure
the model is of the given yes or no, aggregated over the labels) ranks the images, the most
suspect first. The likely labels are those the probabilities choose by the project's own
decision rule (decisions.DecisionRule: 0.5, or the most probable of each exclusive group).

The trainings are the project's own (models.new_model and training.fit: the same network,
augmentation and label groups as train.py), only shorter and at a smaller image size.
"""

import csv
import dataclasses
import html
import io
import os
import time

import numpy as np

# Cheap imports only: audit.py reads Settings for its --help.
from pyimagesearch import decisions, defaults, labels
from pyimagesearch.errors import ImageError


@dataclasses.dataclass(frozen=True)
class Settings:
    folds: int = 5  # trainings; each image is predicted by the one that did not learn from it
    repeats: int = 1  # k-fold runs with other folds and seeds, their probabilities averaged
    epochs: int = 8  # per training: enough to learn the clear cases, too few to memorise
    image_size: int = 64  # pixels, square: a quarter of the recipe's pixels
    batch_size: int = defaults.BATCH_SIZE
    learning_rate: float = defaults.LEARNING_RATE  # Adam's, cosine-decayed to zero each time
    seed: int = defaults.SEED  # folds, initialisation, shuffling
    precision: str = defaults.PRECISIONS[0]  # models.choose_precision's choice
    method: str = "self_confidence"  # cleanlab's per-label score, aggregated over labels


GALLERY = 40  # suspects shown in the HTML gallery
COLUMNS = ("rank", "path", "given_labels", "likely_labels", "score")  # the CSV's header


@dataclasses.dataclass
class Found:
    """Every image's out-of-fold probabilities and label-quality score; `order` lists the
    images the most suspect (lowest score) first."""
    paths: list
    class_names: list
    given: np.ndarray  # (images, labels) 0/1, the labels the dataset gives
    probabilities: np.ndarray  # (images, labels), out of fold
    likely: np.ndarray  # (images, labels) 0/1, what the probabilities choose
    scores: np.ndarray  # (images,) in [0, 1]: low is suspect

    @property
    def order(self):
        return np.argsort(self.scores, kind="stable")


def find(dataset, groups, settings, progress=None):
    """Found for a dataset.Dataset: k trainings (times `settings.repeats`, each with other
    folds, their probabilities averaged), then cleanlab's ranking. `groups` are the label
    groups the network is built with (groups.resolve); `progress(total, unit)`, if given
    (cli.progress_bar), returns a function called with the epochs done so far."""
    from pyimagesearch import splits

    class_names, given = labels.binarize(dataset.labels)
    class_names = [str(name) for name in class_names.classes_]
    epochs = settings.folds * settings.epochs
    update = progress(settings.repeats * epochs, unit="epoch") if progress else None
    probabilities = np.zeros(given.shape, np.float64)
    for repeat in range(settings.repeats):
        folds = splits.k_folds(given, dataset.hashes, settings.folds, settings.seed + repeat)
        probabilities += out_of_fold(dataset.images, given, folds, class_names, groups,
                                     settings, (update, repeat * epochs)) / settings.repeats
    rule = decisions.DecisionRule(class_names, groups=groups)
    return Found(paths=list(dataset.paths), class_names=class_names, given=given,
                 probabilities=probabilities, likely=rule.decide(probabilities),
                 scores=quality_scores(given, probabilities, settings.method))


def quality_scores(given, probabilities, method="self_confidence", **options):
    """cleanlab's multi-label label-quality score of each image: in [0, 1], low is suspect."""
    from cleanlab.multilabel_classification import get_label_quality_scores

    given_lists = [list(np.flatnonzero(row)) for row in np.asarray(given)]
    return get_label_quality_scores(given_lists, np.asarray(probabilities, np.float64),
                                    method=method, **options)


def out_of_fold(images, given, folds, class_names, groups, settings, progress=(None, 0)):
    """(images, labels) probabilities, each row predicted by the training without its fold.
    `progress` is (a function called with the epochs done, or None; epochs done before)."""
    update, done = progress
    probabilities = np.zeros(given.shape, np.float32)
    for fold in range(settings.folds):
        held_out = np.flatnonzero(folds == fold)
        learn = np.flatnonzero(folds != fold)
        model = _train(images, given, (learn, held_out), class_names, groups, settings,
                       _EpochCounter(update, done + fold * settings.epochs))
        probabilities[held_out] = _predict(model, images, held_out)
    return probabilities


def _train(images, given, split, class_names, groups, settings, counter):
    """One short training on the rows split[0], validated on split[1]; the model."""
    import keras

    from pyimagesearch import augment, models, training

    learn, held_out = split
    keras.backend.clear_session()  # k models in one process: free the previous graph
    steps = training.steps_per_epoch(len(learn), settings.batch_size)
    model = models.new_model(
        (settings.image_size, settings.image_size), class_names, groups,
        models.choose_precision(settings.precision), defaults.BN_MOMENTUM,
        (settings.learning_rate, settings.epochs, "cosine", steps))
    training.fit(model, (images, given, learn), (images, given, held_out), settings.epochs,
                 settings.batch_size, augment.Augmentation(), settings.seed + counter.start,
                 verbose=0, callbacks=[counter])
    return model


def _predict(model, images, rows):
    """Probabilities for `rows`, the mean over each image and its mirror image (as train.py
    predicts by default): a second look for the cost of a forward pass."""
    import logging

    import tensorflow as tf

    from pyimagesearch import models, training

    # Each fold's new model traces its own prediction function, by design; TensorFlow warns
    # of "excessive retracing" from the fifth on.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return training.predict(models.flip_averaged(models.float32_model(model)), images,
                                rows, defaults.PREDICTION_BATCH)
    finally:
        logger.setLevel(level)


def _EpochCounter(update, start):
    """A Keras callback that reports the epochs done in all trainings so far to `update`."""
    import keras

    class EpochCounter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if update:
                update(start + epoch + 1)

    counter = EpochCounter()
    counter.start = start
    return counter


def measure_speed(size, class_names, groups, settings, steps=3):
    """(seconds per training image, seconds to start a training), measured on this machine
    now: a throwaway model's first batch (building and tracing it) and a few more, each
    warped first as training warps it (on the CPU, where it competes with the network)."""
    import keras
    import tensorflow as tf

    from pyimagesearch import augment, models

    start = time.perf_counter()
    model = models.new_model((size, size), class_names, groups,
                             models.choose_precision(settings.precision),
                             defaults.BN_MOMENTUM, (settings.learning_rate, 1, "cosine", 1))
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, (settings.batch_size, size, size, 3), dtype=np.uint8)
    targets = rng.integers(0, 2, (settings.batch_size, len(class_names))).astype(np.float32)
    warp = augment.Augmentation()
    model.train_on_batch(batch, targets)
    started = time.perf_counter() - start
    start = time.perf_counter()
    for step in range(steps):
        warped = warp(tf.constant(batch), tf.constant([step, 0], tf.int64))
        model.train_on_batch(tf.cast(warped, tf.uint8), targets)
    per_image = (time.perf_counter() - start) / (steps * settings.batch_size)
    keras.backend.clear_session()
    return per_image, started


def estimated_seconds(count, settings, speed):
    """The trainings' time at `speed` (measure_speed): each starts (twice: training, then
    prediction), learns from (k-1)/k of `count` images per epoch and predicts the rest once
    per epoch (validation) and once at the end with its mirror image, a forward pass costing
    about a third of a training step."""
    per_image, start = speed
    learn = count * (settings.folds - 1) / settings.folds
    held_out = count / settings.folds
    per_fold = 2 * start + per_image * (
        learn * settings.epochs + held_out * (settings.epochs + 2) / 3)
    return settings.repeats * settings.folds * per_fold


def describe_plan(count, class_names, groups, settings):
    """The work ahead in one line with its estimated time on this machine (measured), to be
    printed before it starts."""
    seconds = estimated_seconds(count, settings, measure_speed(
        settings.image_size, class_names, groups, settings))
    took = f"about {seconds / 60:.0f} min" if seconds >= 90 else f"about {seconds:.0f} s"
    return (f"{settings.repeats * settings.folds} trainings of {settings.epochs} epochs at "
            f"{settings.image_size}x{settings.image_size} px, each predicting the "
            f"{round(count / settings.folds)} of {count} images it did not learn from: "
            f"{took} on this machine")


def format_top(found, count=10):
    """The most suspect images as lines of text: score, path, given -> likely labels."""
    lines = [f"the {min(count, len(found.paths))} most suspect labels (lowest score first):"]
    for row in found.order[:count]:
        lines.append(f"  {found.scores[row]:.4f}  {found.paths[row]}: "
                     f"{_joined(found, found.given[row])} -> {_joined(found, found.likely[row])}")
    return "\n".join(lines)


def write_csv(path, found):
    """Every image, the most suspect first: rank, path, given and likely labels ("+"-joined,
    as in the report), score. Written atomically."""
    from pyimagesearch.files import atomic_write

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rank, row in enumerate(found.order, 1):
        writer.writerow([rank, found.paths[row], _joined(found, found.given[row]),
                         _joined(found, found.likely[row]), f"{found.scores[row]:.6f}"])
    with atomic_write(path) as handle:
        handle.write(text.getvalue().encode("utf-8", errors="surrogateescape"))
    return path


def _joined(found, flags):
    return "+".join(name for name, flag in zip(found.class_names, flags) if flag) or "nothing"


def write_gallery(path, found, top=GALLERY):
    """One HTML file with the `top` suspects, the most suspect first: each photo (inlined),
    its given and its likely labels and the probability of each label concerned."""
    from pyimagesearch import report

    rows = found.order[:top]
    cards = "".join(_card(found, rank, row) for rank, row in enumerate(rows, 1))
    intro = (f"<p>The {len(rows)} images of {len(found.paths)} whose given labels the "
             "out-of-fold predictions doubt most (lowest label-quality score first). "
             "<b>Given</b> is what the dataset says, <b>likely</b> what models that never "
             "saw the image say; p is their probability of each label.</p>")
    return report.write_page(path, "Suspected label errors", html.escape(
        f"{len(found.paths)} images, {len(found.class_names)} labels"),
        [("suspects", "Suspects", f"{intro}<div class='gallery'>{cards}</div>")])


def _card(found, rank, row):
    from pyimagesearch import report

    given, likely, probabilities = found.given[row], found.likely[row], found.probabilities[row]
    listed = sorted(np.flatnonzero(given | likely), key=lambda i: -probabilities[i])
    items = "".join(
        f"<tr class='{'wrong' if given[i] != likely[i] else ''}'>"
        f"<td>{html.escape(found.class_names[i])}</td><td>{'yes' if given[i] else 'no'}</td>"
        f"<td>{'yes' if likely[i] else 'no'}</td><td>{probabilities[i]:.3f}</td></tr>"
        for i in listed)
    name = html.escape(os.path.basename(found.paths[row]), quote=True)
    return (f"<figure class='card'><div class='path'>#{rank} {html.escape(found.paths[row])}"
            f"</div><div class='body'><div class='pictures'><img src='"
            f"{report.thumbnail(_photo(found.paths[row]))}' alt='{name}'></div>"
            f"<figcaption>given <b>{html.escape(_joined(found, given))}</b><br>likely "
            f"<b>{html.escape(_joined(found, likely))}</b><br>score {found.scores[row]:.4f}"
            f"<table><tr><th>label</th><th>given</th><th>likely</th><th>p</th></tr>{items}"
            f"</table></figcaption></div></figure>")


def _photo(path):
    """The photo as a person sees it (its own proportions, not the model's square), or a grey
    square when it can no longer be read."""
    from pyimagesearch import images as image_io
    from pyimagesearch import report

    try:
        return image_io.decode_image(path, at_least=(report.THUMBNAIL, report.THUMBNAIL))
    except ImageError:
        return np.full((64, 64, 3), 128, np.uint8)

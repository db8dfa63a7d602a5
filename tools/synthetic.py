"""Synthetic fashion photographs written to disk: the project's bundled training data and
examples, and larger catalogues with absent colour-item pairs.

The pictures come from tools/renderer/ (one garment in one colour family on a varied scene);
this module decides which pictures are written where. Every image comes from its own seeded
generator, so the same code and library versions always write the same bytes.

The bundled dataset is the 2018 recipe's six folders (three colours, three items). A catalogue
(--catalogue) is the shape real shops have: 6 colours x 5 items with 24 of the 30 pairs present,
the 6 absent pairs drawn from the seed so that every colour and every item still appears in at
least 3 folders; DIR/absent.txt names them, and --catalogue-absent writes images of them for
scoring unseen combinations.

It is data preparation, run by hand, never by the tool itself, so it lives outside the
library package (as nanoGPT's data/*/prepare.py do).

Usage:
    python tools/synthetic.py --dataset dataset --examples examples --per-class 150
    (--seed, 2018 by default, picks a different but equally reproducible set)
    python tools/synthetic.py --catalogue catalogue --catalogue-absent catalogue_absent \
        --per-class 60 --absent-per-class 30
"""

import argparse
import itertools
import os
import re
import sys

import cv2
import numpy as np

from pyimagesearch import cli, files  # the project's flag types, atomic writes

# Run as `python tools/synthetic.py`, this file's folder is first on sys.path and the renderer
# is a top-level package there; imported as tools.synthetic (the tests), it is a sibling.
if __package__:
    from . import renderer
else:
    import renderer

CLASSES = ("black_jeans", "blue_dress", "blue_jeans", "blue_shirt", "red_dress", "red_shirt")
EXAMPLES = (("red", "dress"), ("blue", "dress"), ("red", "shirt"), ("blue", "shirt"),
            ("blue", "jeans"), ("black", "jeans"), ("black", "dress"))

SEED = 2018  # base seed of every image: the recipe's year
PER_CLASS = 150  # images per folder of the bundled dataset
DATASET_QUALITY = 95  # JPEG quality: about 6 KB per 128x128 image, 5.3 MB for 6 x 150
EXAMPLES_QUALITY = 95  # the examples are few, so they get the same quality
EXAMPLES_SIZE = 256  # large enough to look good with a prediction written on top
DATASET_STREAM = 0  # seed-sequence tags: the examples never share a seed with a training image
EXAMPLES_STREAM = 1
CATALOGUE_STREAM = 2  # images of a catalogue's present pairs
CATALOGUE_ABSENT_STREAM = 3  # images of its absent pairs, for scoring unseen combinations
ABSENT_CHOICE_STREAM = 4  # which pairs a catalogue leaves out
CATALOGUE_ABSENT = 6  # pairs left out of the 30: 24 folders remain
CATALOGUE_MINIMUM = 3  # every colour and every item keeps at least this many present folders
CATALOGUE_ABSENT_PER_CLASS = 30  # default images per absent pair under --catalogue-absent
ABSENT_LIST = "absent.txt"  # the catalogue's absent pairs, one folder name a line

DATASET_NAME = re.compile(r"^(" + "|".join(CLASSES) + r")/\1_\d{4}\.jpg$")
EXAMPLE_NAME = re.compile(r"^example_\d{2}\.jpg$")
TOLERATED_NAME = re.compile(r"^(README|LICENSE)[^/]*$")  # documentation at the folder's top


def relative_files(directory):
    """Every file under directory, as sorted "/"-separated relative paths."""
    return sorted(os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
                  for root, _, names in os.walk(directory) for name in names)


def foreign_files(directory, own_name):
    """Files under directory (relative paths) that this module did not write.

    Hidden files (such as an interrupted run's temporary files) and a top-level README or LICENSE
    are tolerated; anything else means the folder holds someone else's data.
    """
    return [relative for relative in relative_files(directory)
            if not (own_name.match(relative) or TOLERATED_NAME.match(relative)
                    or os.path.basename(relative).startswith("."))]


def check_directory(directory, own_name):
    """Refuse (ValueError) to write into a folder that holds files this module did not make."""
    strangers = foreign_files(directory, own_name) if os.path.isdir(directory) else []
    if strangers:
        raise ValueError(f"{directory} holds files this generator did not make "
                         f"(e.g. {strangers[0]}); choose an empty or generated folder")


def write_jpeg(path, rgb, quality):
    """Encode an RGB image as JPEG and write it atomically; returns the number of bytes."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    encoded_ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not encoded_ok:
        raise RuntimeError(f"OpenCV could not encode {path} as JPEG")
    with files.atomic_write(path) as handle:
        handle.write(encoded.tobytes())
    return len(encoded)


def image_rng(seed, stream, *indices):
    """The generator for one image, seeded from the base seed, a stream and the image's indices."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    return np.random.default_rng(np.random.SeedSequence([seed, stream, *indices]))


def image_path(directory, folder, index):
    """Where image index of a label folder goes: directory/<folder>/<folder>_<index:04d>.jpg."""
    return os.path.join(directory, folder, f"{folder}_{index:04d}.jpg")


def dataset_paths(directory, per_class):
    """(class index, image index, path) of every dataset image, in writing order."""
    return [(class_index, image_index, image_path(directory, class_name, image_index))
            for class_index, class_name in enumerate(CLASSES) for image_index in range(per_class)]


def generate_dataset(directory, per_class=PER_CLASS, size=renderer.SIZE, seed=SEED):
    """Write directory/<class>/<class>_<index:04d>.jpg for every class; returns the file count.

    Raises ValueError, before writing anything, if directory holds files it did not make.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}")
    image_rng(seed, DATASET_STREAM)  # fails early on a bad seed, before anything is written
    check_directory(directory, DATASET_NAME)
    paths = dataset_paths(directory, per_class)
    for class_index, image_index, path in paths:
        colour, item = CLASSES[class_index].split("_")
        rng = image_rng(seed, DATASET_STREAM, class_index, image_index)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_jpeg(path, renderer.render_garment(rng, colour, item, size), DATASET_QUALITY)
    return len(paths)


def example_paths(directory):
    """Paths of example_01.jpg to example_07.jpg, in the order of EXAMPLES."""
    return [os.path.join(directory, f"example_{index:02d}.jpg")
            for index in range(1, len(EXAMPLES) + 1)]


def generate_examples(directory, size=EXAMPLES_SIZE, seed=SEED):
    """Write example_01.jpg to example_07.jpg (see EXAMPLES) from a seed stream the dataset never
    uses, so no example repeats a training image; returns the file count."""
    image_rng(seed, EXAMPLES_STREAM)  # fails early on a bad seed, before anything is written
    check_directory(directory, EXAMPLE_NAME)
    os.makedirs(directory, exist_ok=True)
    for index, ((colour, item), path) in enumerate(zip(EXAMPLES, example_paths(directory)), 1):
        rng = image_rng(seed, EXAMPLES_STREAM, index)
        write_jpeg(path, renderer.render_garment(rng, colour, item, size), EXAMPLES_QUALITY)
    return len(EXAMPLES)


def pair_name(pair):
    """A (colour, item) pair's folder name, such as "white_shoes"."""
    return "_".join(pair)


def catalogue_pairs(seed=SEED, absent_count=CATALOGUE_ABSENT, minimum=CATALOGUE_MINIMUM):
    """(present, absent) lists of (colour, item) pairs, in the renderer's COLOURS x ITEMS order.

    absent_count pairs are drawn from the seed, again until every colour and every item keeps
    at least minimum present pairs: so each absent pair's colour and item are both seen
    elsewhere. The same seed always leaves out the same pairs.
    """
    pairs = list(itertools.product(renderer.COLOURS, renderer.ITEMS))
    rng = image_rng(seed, ABSENT_CHOICE_STREAM)
    for _ in range(1000):
        left_out = set(rng.choice(len(pairs), absent_count, replace=False).tolist())
        present = [pair for index, pair in enumerate(pairs) if index not in left_out]
        colours, items = zip(*present) if present else ((), ())
        if (all(colours.count(colour) >= minimum for colour in renderer.COLOURS)
                and all(items.count(item) >= minimum for item in renderer.ITEMS)):
            return present, [pairs[index] for index in sorted(left_out)]
    raise ValueError(f"cannot leave {absent_count} of {len(pairs)} pairs out and keep every "
                     f"colour and item in {minimum} folders")


CATALOGUE_NAME = re.compile(r"^(?:(" + "|".join(pair_name(pair) for pair in
                                                 itertools.product(renderer.COLOURS,
                                                                   renderer.ITEMS))
                            + r")/\1_\d{4}\.jpg|" + re.escape(ABSENT_LIST) + r")$")


def check_unwanted_pairs(directory, wanted):
    """Refuse (ValueError) a folder holding generated images of pairs other than wanted, such
    as an earlier run's with another seed: they would put an absent pair back in."""
    wanted_names = {pair_name(pair) for pair in wanted}
    found = set()
    if os.path.isdir(directory):
        found = {relative.split("/")[0] for relative in relative_files(directory)
                 if "/" in relative and CATALOGUE_NAME.match(relative)}
    unwanted = sorted(found - wanted_names)
    if unwanted:
        raise ValueError(f"{directory} holds images of {', '.join(unwanted)}, which this seed "
                         "does not draw there; choose an empty folder")


def generate_pairs(directory, pairs, per_class, size=renderer.SIZE, seed=SEED,
                   stream=CATALOGUE_STREAM):
    """Write directory/<colour>_<item>/<colour>_<item>_<index:04d>.jpg for every (colour, item)
    in pairs; returns the file count.

    An image depends only on (seed, stream, colour, item, index), never on which other pairs
    are drawn. Raises ValueError, before writing anything, on an unknown pair or a folder
    holding files this generator did not make.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}")
    image_rng(seed, stream)  # fails early on a bad seed, before anything is written
    for colour, item in pairs:
        renderer.check_garment(colour, item)
    check_directory(directory, CATALOGUE_NAME)
    for colour, item in pairs:
        name = pair_name((colour, item))
        os.makedirs(os.path.join(directory, name), exist_ok=True)
        for index in range(per_class):
            rng = image_rng(seed, stream, renderer.COLOURS.index(colour),
                            renderer.ITEMS.index(item), index)
            image = renderer.render_garment(rng, colour, item, size)
            write_jpeg(image_path(directory, name, index), image, DATASET_QUALITY)
    return len(pairs) * per_class


def generate_catalogue(directory, per_class, size=renderer.SIZE, seed=SEED):
    """Write a catalogue: a folder for each of the 24 pairs catalogue_pairs(seed) keeps, and
    directory/absent.txt naming the 6 it leaves out, one a line; returns (present, absent).

    Raises ValueError, before writing anything, if directory holds files this generator did not
    make or images of a pair this seed leaves out.
    """
    present, absent = catalogue_pairs(seed)
    check_directory(directory, CATALOGUE_NAME)
    check_unwanted_pairs(directory, present)
    generate_pairs(directory, present, per_class, size, seed, CATALOGUE_STREAM)
    with files.atomic_write(os.path.join(directory, ABSENT_LIST)) as handle:
        handle.write("".join(pair_name(pair) + "\n" for pair in absent).encode("ascii"))
    return present, absent


def generate_catalogue_absent(directory, per_class, size=renderer.SIZE, seed=SEED):
    """Write images of the pairs generate_catalogue(seed) leaves out, for scoring unseen
    combinations, in the same folder layout and from a stream of their own; returns them."""
    absent = catalogue_pairs(seed)[1]
    check_directory(directory, CATALOGUE_NAME)
    check_unwanted_pairs(directory, absent)
    generate_pairs(directory, absent, per_class, size, seed, CATALOGUE_ABSENT_STREAM)
    return absent


def parse_arguments(argv):
    """Command-line options for regenerating the bundled dataset and examples, or a catalogue."""
    parser = argparse.ArgumentParser(description="Generate the synthetic fashion dataset "
                                                 "and example images, or a larger catalogue.")
    parser.add_argument("--dataset", help="folder for <class>/<class>_NNNN.jpg (default: dataset)")
    parser.add_argument("--examples", help="folder for example_NN.jpg (default: examples)")
    parser.add_argument("--catalogue", metavar="DIR",
                        help="instead, write a catalogue: 24 of the 6 x 5 colour-item pairs, "
                             "DIR/<colour>_<item>/..., and DIR/absent.txt naming the other 6")
    parser.add_argument("--catalogue-absent", metavar="DIR",
                        help="with --catalogue: also write images of its absent pairs here")
    parser.add_argument("--per-class", type=cli.integer(minimum=1), default=PER_CLASS,
                        help="images per class (default: %(default)s)")
    parser.add_argument("--absent-per-class", type=cli.integer(minimum=1),
                        default=CATALOGUE_ABSENT_PER_CLASS,
                        help="images per absent pair under --catalogue-absent "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=cli.integer(minimum=0), default=SEED,
                        help="base seed of every image")
    arguments = parser.parse_args(argv)
    if arguments.catalogue is None and arguments.catalogue_absent is not None:
        parser.error("--catalogue-absent needs --catalogue")
    if arguments.catalogue is not None and (arguments.dataset or arguments.examples):
        parser.error("--catalogue writes a catalogue only; leave out --dataset and --examples")
    arguments.dataset = arguments.dataset or "dataset"
    arguments.examples = arguments.examples or "examples"
    return arguments


def write_bundled(arguments):
    """Regenerate the bundled dataset and examples (never deleting anything); a summary line."""
    if os.path.abspath(arguments.dataset) == os.path.abspath(arguments.examples):
        raise ValueError("--dataset and --examples must be different folders")
    # Check both folders before writing to either, so a refusal leaves both untouched.
    check_directory(arguments.dataset, DATASET_NAME)
    check_directory(arguments.examples, EXAMPLE_NAME)
    written = generate_dataset(arguments.dataset, arguments.per_class, seed=arguments.seed)
    written += generate_examples(arguments.examples, seed=arguments.seed)
    paths = [path for _, _, path in dataset_paths(arguments.dataset, arguments.per_class)]
    total_bytes = sum(os.path.getsize(path) for path in paths + example_paths(arguments.examples))
    generated = [name for name in relative_files(arguments.dataset) if DATASET_NAME.match(name)]
    older = len(generated) - len(paths)  # from an earlier run with a larger --per-class
    note = f"; {older} older generated files left in place" if older > 0 else ""
    return (f"wrote {written} files ({len(CLASSES)} classes x {arguments.per_class} in "
            f"{arguments.dataset}, {len(EXAMPLES)} in {arguments.examples}), "
            f"{total_bytes / 1e6:.2f} MB{note}")


def pairs_bytes(directory, pairs, per_class):
    """Total size of the images generate_pairs wrote for pairs."""
    names = [pair_name(pair) for pair in pairs]
    return sum(os.path.getsize(image_path(directory, name, index))
               for name in names for index in range(per_class))


def write_catalogue(arguments):
    """Write a catalogue and, if asked, its absent pairs' images; a summary line."""
    catalogue, unseen = arguments.catalogue, arguments.catalogue_absent
    if unseen is not None and os.path.abspath(unseen) == os.path.abspath(catalogue):
        raise ValueError("--catalogue and --catalogue-absent must be different folders")
    present, absent = catalogue_pairs(arguments.seed)
    # Check both folders before writing to either, so a refusal leaves both untouched.
    for directory, wanted in ((catalogue, present), (unseen, absent)):
        if directory is not None:
            check_directory(directory, CATALOGUE_NAME)
            check_unwanted_pairs(directory, wanted)
    generate_catalogue(catalogue, arguments.per_class, seed=arguments.seed)
    written = len(present) * arguments.per_class
    total_bytes = pairs_bytes(catalogue, present, arguments.per_class)
    generated = [name for name in relative_files(catalogue)
                 if name.endswith(".jpg") and CATALOGUE_NAME.match(name)]
    older = len(generated) - written  # from an earlier run with a larger --per-class
    note = f"; {older} older generated images left in {catalogue}" if older > 0 else ""
    unseen_note = ""
    if unseen is not None:
        written += len(generate_catalogue_absent(unseen, arguments.absent_per_class,
                                                 seed=arguments.seed)) * arguments.absent_per_class
        total_bytes += pairs_bytes(unseen, absent, arguments.absent_per_class)
        unseen_note = f", {len(absent)} absent pairs x {arguments.absent_per_class} in {unseen}"
    return (f"wrote {written} images ({len(present)} of {len(present) + len(absent)} pairs x "
            f"{arguments.per_class} in {catalogue}{unseen_note}), {total_bytes / 1e6:.2f} MB; "
            f"absent ({os.path.join(catalogue, ABSENT_LIST)}): "
            f"{', '.join(pair_name(pair) for pair in absent)}{note}")


def main(argv=None):
    """Regenerate the bundled folders, or write a catalogue, and print one summary line."""
    arguments = parse_arguments(argv)
    try:
        summary = write_catalogue(arguments) if arguments.catalogue else write_bundled(arguments)
    except ValueError as error:
        sys.exit(f"error: {error}")
    print(summary)


if __name__ == "__main__":
    main()

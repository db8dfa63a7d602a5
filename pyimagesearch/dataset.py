"""Finding labelled images in folders and loading them as one uint8 array.

Usage:
    dataset = load_dataset("dataset", size=(96, 96))
    dataset.images  # (N, 96, 96, 3) uint8, RGB: an array, or a RowFile when larger
    dataset.labels  # [["red", "dress"], ...]

A folder's name is its images' labels joined by "_": `red_dress` -> red, dress.
Labels are lower-cased and a repeated label counts once (`Red_red` -> red), so
`Red_Dress` and `red_dress` are the same labels. Files that cannot be decoded
are skipped and listed, never fatal.
"""

import concurrent.futures
import dataclasses
import hashlib
import itertools
import os
import sys
import tempfile

import numpy as np

from pyimagesearch import defaults
from pyimagesearch import images as image_io
from pyimagesearch import labels
from pyimagesearch import store
from pyimagesearch.errors import ImageError, UserError

# Decoded images up to this many bytes are held in memory (the 2,160 real photos at 96x96
# take 60 MB); a larger dataset's go to a file that training reads a batch at a time, so
# memory stays bounded whatever the dataset's size (see pyimagesearch/store.py).
IN_MEMORY_LIMIT = 1 << 30


@dataclasses.dataclass
class Dataset:
    images: np.ndarray  # (N, height, width, 3) uint8, or a store.RowFile of them
    labels: list  # N lists of label names
    paths: list  # N paths, in the order of images
    skipped: list  # (path, reason) for every file that could not be read
    hashes: list  # N SHA-256 digests of the files' bytes, to find exact duplicates
    decoded: int = 0  # files decoded by this load; the others came from the cache


def find_images(root):
    """Every image file under `root` (sorted, hidden files and folders left out)."""
    if not os.path.isdir(root):
        raise UserError(f"dataset folder not found: {root}")
    # Images need a label folder; files directly in the dataset root have no labels.
    return image_io.list_images(root, skip_root_files=True)


def labelled_images(root):
    """(path, labels) for every image under `root`, labels from its folder's name."""
    paths = find_images(root)
    if not paths:
        raise UserError(f"no images found in {root}: expected label folders such as "
                        f"{os.path.join(root, 'red_dress')} holding JPEG or PNG files")
    return [(path, labels.from_folder_name(os.path.basename(os.path.dirname(path)))) for path in paths]


def load_dataset(source, size, workers=None, progress=None, missing=(), cache_dir=None,
                 origin=None, scratch_dir=None):
    """Decode labelled images in parallel, resized to `size` = (width, height).

    `source` is a dataset folder or a list of (path, labels) entries from the
    manifest `origin`; `missing` lists (path, reason) already known to be
    unreadable. With a `cache_dir`, unchanged files are taken from the cache.
    Images too many for memory go to a file in `scratch_dir` (default: `cache_dir`,
    else the system's temporary folder, which is memory itself on some systems).
    `progress`, if given, is called with the number of files to decode and returns a
    function called with the number decoded so far (cli.progress_bar draws a bar).
    """
    entries = labelled_images(source) if isinstance(source, (str, os.PathLike)) else source
    origin = source if isinstance(source, (str, os.PathLike)) else (origin or "the manifest")
    paths = [path for path, _ in entries]
    try:
        images, digests, skipped, decoded, stale_cache = _load_with_cache(
            paths, size, workers, progress, cache_dir, scratch_dir or cache_dir)
        skipped = list(missing) + skipped
        if not digests:
            raise UserError(f"none of the {len(entries) + len(missing)} image files in "
                            f"{origin} could be read")
        rows = [row for row, path in enumerate(paths) if path in digests]
        images = _compact(images, rows)
    except OSError as error:  # reading errors are the files' and skip them; this is the disk's
        raise scratch_error(error, scratch_dir or cache_dir) from None
    kept_paths = [paths[row] for row in rows]
    hashes = [digests[path] for path in kept_paths]
    if stale_cache:
        _save_cache(*stale_cache, kept_paths, images, hashes)
    return Dataset(images=images, labels=[entries[row][1] for row in rows], paths=kept_paths,
                   skipped=skipped, hashes=hashes, decoded=decoded)


def scratch_error(error, folder):
    """The UserError for a failed write of decoded images to the file in `folder`: the run
    stops, rather than training on what the full disk let through."""
    where = os.path.abspath(folder or tempfile.gettempdir())
    return UserError(f"cannot write the decoded images to a file in {where} "
                     f"({error.strerror or error}); free space on that disk, or choose "
                     "--cache-dir (or --model) on one with room")


def _compact(images, rows):
    """`images[rows]` for increasing `rows`, moved in place rather than copied."""
    for target, row in enumerate(rows):
        if target != row:
            images[target] = images[row]
    if len(rows) == len(images):
        return images
    return images.truncated(len(rows)) if hasattr(images, "truncated") else images[:len(rows)]


def _load_with_cache(paths, size, workers, progress, cache_dir, scratch_dir):
    """Every image decoded or taken from the cache into one preallocated array.

    Returns (images: row i = paths[i], {path: digest} of the readable ones,
    [(path, reason)], files decoded now, (cache, unreadable, keys) when the cache
    needs rewriting, else None).
    """
    from pyimagesearch import cache as image_cache

    keys = {path: image_cache.key_or_none(path) for path in paths}
    # Named by where the images are, not by the folder or manifest that listed them.
    cache = (image_cache.ImageCache.open(cache_dir, image_cache.common_folder(paths), size)
             if cache_dir else None)
    hits, known_bad = cache.lookup(keys) if cache else ({}, {})
    images = _allocate((len(paths), size[1], size[0], 3), scratch_dir)
    digests = {}
    for row, path in enumerate(paths):
        if path in hits:
            cached_row, digests[path] = hits[path]
            images[row] = cache.rows[cached_row]
    todo = [(row, path) for row, path in enumerate(paths)
            if path not in hits and path not in known_bad]
    stale = cache and (todo or len(cache.entries) != len(paths))
    if cache:
        cache.entries = cache.rows = None  # copied into `images`
    skipped = _decode_all(todo, size, images, digests, workers, progress) if todo else []
    unreadable = dict(skipped) | known_bad
    skipped = [(path, unreadable[path]) for path in paths if path in unreadable]
    return images, digests, skipped, len(todo), (cache, unreadable, keys) if stale else None


def _concatenate(first, second, folder):
    """The rows of both, in memory or in a file as their size requires, copied a block at a
    time so that neither needs to be read into memory whole."""
    images = _allocate((len(first) + len(second),) + tuple(first.shape[1:]), folder)
    start = 0
    for block in itertools.chain(store.blocks(first), store.blocks(second)):
        images[start:start + len(block)] = block
        start += len(block)
    return images


def _allocate(shape, folder=None):
    """Room for the images: an array, or a file when they would take more memory than
    IN_MEMORY_LIMIT bytes (training then reads each batch from the file)."""
    if int(np.prod(shape)) <= IN_MEMORY_LIMIT:
        return np.empty(shape, np.uint8)
    if folder:
        os.makedirs(folder, exist_ok=True)
    return store.RowFile.create(shape, folder)


def _save_cache(cache, unreadable, keys, paths, images, digests):
    try:
        cache.save(paths, images, digests, unreadable, keys)
    except (OSError, UserError) as error:  # a cache that cannot be written only costs time
        print(f"warning: cannot write the image cache {cache.path} "
              f"({getattr(error, 'strerror', None) or error}); going on without it",
              file=sys.stderr)


def _decode_all(todo, size, images, digests, workers, progress):
    """Decode each (row, path) of `todo` into images[row]; [(path, reason)] that failed."""
    update = progress(len(todo)) if progress else None
    skipped = []

    def decode(row, path):
        try:
            image, digest = image_io.load_image(path, size), file_digest(path)
        except ImageError as error:
            return path, None, str(error)
        except OSError as error:  # readable by the decoder, then gone or locked for hashing
            return path, None, f"{path}: cannot read file ({error.strerror})"
        # Outside the try: a failed write (a full disk under the scratch file) is no reason to
        # skip the image, and stops the run (load_dataset says so).
        images[row] = image
        return path, digest, None

    workers = workers or defaults.workers()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        for done, (path, digest, error) in enumerate(executor.map(decode, *zip(*todo)), 1):
            if digest is None:
                skipped.append((path, error))
            else:
                digests[path] = digest
            if update and (done % 64 == 0 or done == len(todo)):
                update(done)
    return skipped


def file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _check_label_folders(root, labels):
    combinations = {tuple(sorted(image_labels)) for image_labels in labels}
    if len(combinations) < 2:
        only = "_".join(next(iter(combinations))) or "(no labels)"
        raise UserError(f"only one label folder ({only}) in {root}: multi-label training "
                        "needs at least two folders with different labels")


def describe_skipped(skipped, limit=10):
    """A warning listing unreadable files, or "" when there are none."""
    if not skipped:
        return ""
    lines = [f"warning: skipped {len(skipped)} unreadable file(s):"]
    lines += [f"  {reason}" for _, reason in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"  ... and {len(skipped) - limit} more")
    return "\n".join(lines)


def load_training_data(folder, manifest, validation_folder, size, workers=None, progress=None,
                       columns=(None, None), cache_dir=None, scratch_dir=None,
                       require_variety=True):
    """(dataset, validation indices or None): from folders or a manifest, plus an optional
    separate validation folder appended after the training images, less its exact copies
    of training images. Training needs two label combinations (`require_variety`);
    scoring a model on one folder does not."""
    if manifest:
        from pyimagesearch.manifest import read_manifest

        entries, missing = read_manifest(manifest, folder, *columns)
        dataset = load_dataset(entries, size, workers, progress, missing=missing,
                               cache_dir=cache_dir, origin=manifest, scratch_dir=scratch_dir)
    else:
        dataset = load_dataset(folder or "dataset", size, workers, progress, cache_dir=cache_dir,
                               scratch_dir=scratch_dir)
    if require_variety:
        _check_label_folders(manifest or folder or "dataset", dataset.labels)
    _warn_skipped(dataset)
    if not validation_folder:
        return dataset, None
    validation = load_dataset(validation_folder, size, workers, progress, cache_dir=cache_dir,
                              scratch_dir=scratch_dir)
    _warn_skipped(validation)
    validation = _without_copies(validation, set(dataset.hashes), validation_folder)
    try:
        images = _concatenate(dataset.images, validation.images, scratch_dir)
    except OSError as error:
        raise scratch_error(error, scratch_dir) from None
    merged = Dataset(images=images,
                     labels=dataset.labels + validation.labels,
                     paths=dataset.paths + validation.paths,
                     skipped=dataset.skipped + validation.skipped,
                     hashes=dataset.hashes + validation.hashes,
                     decoded=dataset.decoded + validation.decoded)
    return merged, np.arange(len(dataset.paths), len(merged.paths))


def _without_copies(validation, training_hashes, folder):
    """`validation` less its images whose bytes equal a training image's: a model is not
    validated on what it was trained on."""
    rows = [row for row, digest in enumerate(validation.hashes) if digest not in training_hashes]
    if not rows:
        raise UserError(f"every image in {folder} is identical to a training image: "
                        "nothing is left to validate on")
    if len(rows) == len(validation.hashes):
        return validation
    print(f"note: dropped {len(validation.hashes) - len(rows)} validation image(s) identical "
          "to training images")
    return dataclasses.replace(validation, images=_compact(validation.images, rows),
                               labels=[validation.labels[row] for row in rows],
                               paths=[validation.paths[row] for row in rows],
                               hashes=[validation.hashes[row] for row in rows])


def _warn_skipped(dataset):
    if dataset.skipped:
        print(describe_skipped(dataset.skipped), file=sys.stderr)


def describe(dataset, binarizer, targets):
    """Images per label, for the user to check before waiting on training."""
    counts = ", ".join(f"{name} {int(total)}"
                       for name, total in zip(binarizer.classes_, targets.sum(axis=0)))
    cached = len(dataset.paths) + len(dataset.skipped) - dataset.decoded
    source = f" ({dataset.decoded} decoded, {cached} from the cache)" if cached > 0 else ""
    return f"{len(dataset.paths)} images{source}, {len(binarizer.classes_)} labels: {counts}"

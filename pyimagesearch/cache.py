"""A persistent cache of decoded, resized images, so a re-run decodes nothing.

Usage:
    cache = ImageCache.open(cache_dir, root="dataset", size=(96, 96))
    images, digests, missing = cache.lookup(paths)  # what is still valid
    cache.save(paths, images, digests, unreadable, keys)  # after decoding the rest

One file per dataset folder and target size, named by a hash of both. Each image is kept
with its path, byte size and modification time; an entry whose file changed, or vanished,
is not used, so touching, adding or removing a file re-decodes just that file. Unreadable
files are remembered too, so they are not retried until they change. The file is written
to a temporary name and renamed: a torn file is impossible, and one that is damaged
anyway is ignored and rebuilt.
"""

import hashlib
import os
import zipfile

import numpy as np

from pyimagesearch import store
from pyimagesearch.files import temporary_path

VERSION = 1  # bump when what load_image() returns changes, to drop old caches


def default_dir():
    """$XDG_CACHE_HOME/pyimagesearch-multilabel, else ~/.cache/pyimagesearch-multilabel."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyimagesearch-multilabel")


def file_key(path):
    """(byte size, modification time in ns): changes whenever the file does, in practice."""
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


class ImageCache:
    """The cached images of one dataset folder at one size."""

    def __init__(self, path, entries, rows=None):
        self.path = path
        self.entries = entries  # {path: (key, row or None, digest or reason)}
        self.rows = rows  # the cached images, read on demand (a RowFile)

    @classmethod
    def open(cls, folder, root, size):
        name = hashlib.sha256(f"{VERSION}|{os.path.abspath(root)}|{size[0]}x{size[1]}".encode())
        path = os.path.join(folder, f"images-{size[0]}x{size[1]}-{name.hexdigest()[:16]}.npz")
        return cls(path, *_read(path))

    def lookup(self, keys):
        """({path: (row, digest)}, {path: reason}) for the files whose key is unchanged;
        row is where the image is in `self.rows`."""
        found, unreadable = {}, {}
        for path, key in keys.items():
            entry = self.entries.get(path)
            if entry is None or entry[0] != key:
                continue
            if entry[1] is None:
                unreadable[path] = entry[2]
            else:
                found[path] = (entry[1], entry[2])
        return found, unreadable

    def save(self, paths, images, digests, unreadable, keys):
        """Replace the cache with exactly these images and unreadable files.

        `images` is an array or a RowFile, row i the image of paths[i]; `keys` are the
        files' keys taken before they were decoded, so that a file changed meanwhile is
        decoded again next time rather than trusted.
        """
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        broken = list(unreadable)
        arrays = {
            "paths": np.array(paths, dtype=str), "digests": np.array(digests, dtype=str),
            "keys": np.array([keys.get(p) or (-1, -1) for p in paths], dtype=np.int64).reshape(-1, 2),
            "broken_paths": np.array(broken, dtype=str),
            "broken_reasons": np.array([unreadable[p] for p in broken], dtype=str),
            "broken_keys": np.array([keys.get(p) or (-1, -1) for p in broken],
                                    dtype=np.int64).reshape(-1, 2),
        }
        with temporary_path(self.path, suffix=".npz") as temporary:
            _savez(temporary, arrays, images)


def _savez(path, arrays, images):
    """np.savez's format (uncompressed members), with `images` written a block at a time,
    so that a RowFile's rows never need to be in memory together."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        with archive.open("images.npy", "w", force_zip64=True) as member:
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)),
                      "fortran_order": False, "shape": tuple(images.shape)}
            np.lib.format.write_array_header_1_0(member, header)
            for block in store.blocks(images):
                member.write(np.ascontiguousarray(block).tobytes())


def key_or_none(path):
    try:
        return file_key(path)
    except OSError:
        return None


def _read(path):
    """({path: (key, row, digest) or (key, None, reason)}, RowFile of the images);
    ({}, None) for a missing or damaged file. Only the index is read now."""
    try:
        with np.load(path, allow_pickle=False) as data:
            entries = {str(p): ((int(k[0]), int(k[1])), row, str(d)) for row, (p, k, d) in
                       enumerate(zip(data["paths"], data["keys"], data["digests"]))}
            entries.update({str(p): ((int(k[0]), int(k[1])), None, str(r)) for p, k, r in
                            zip(data["broken_paths"], data["broken_keys"], data["broken_reasons"])})
        rows = store.RowFile.in_npz(path, "images")
        if len(rows) != sum(entry[1] is not None for entry in entries.values()):
            return {}, None
        return entries, rows
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}, None

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
    def __init__(self, path, entries):
        self.path = path
        self.entries = entries  # {path: (key, image or None, digest or reason)}

    @classmethod
    def open(cls, folder, root, size):
        name = hashlib.sha256(f"{VERSION}|{os.path.abspath(root)}|{size[0]}x{size[1]}".encode())
        path = os.path.join(folder, f"images-{size[0]}x{size[1]}-{name.hexdigest()[:16]}.npz")
        return cls(path, _read(path))

    def lookup(self, keys):
        """({path: (image, digest)}, {path: reason}) for the files whose key is unchanged."""
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

        `images` is one array, row i the image of paths[i]; `keys` are the files' keys
        taken before they were decoded, so that a file changed meanwhile is decoded
        again next time rather than trusted.
        """
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        broken = list(unreadable)
        arrays = {
            "paths": np.array(paths, dtype=str), "digests": np.array(digests, dtype=str),
            "keys": np.array([keys.get(p) or (-1, -1) for p in paths], dtype=np.int64).reshape(-1, 2),
            "images": images,
            "broken_paths": np.array(broken, dtype=str),
            "broken_reasons": np.array([unreadable[p] for p in broken], dtype=str),
            "broken_keys": np.array([keys.get(p) or (-1, -1) for p in broken],
                                    dtype=np.int64).reshape(-1, 2),
        }
        with temporary_path(self.path, suffix=".npz") as temporary:
            np.savez(temporary, **arrays)


def key_or_none(path):
    try:
        return file_key(path)
    except OSError:
        return None


def _read(path):
    """{path: (key, image, digest) or (key, None, reason)}; {} for a missing or damaged file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            entries = {str(p): ((int(k[0]), int(k[1])), image, str(d)) for p, k, image, d in
                       zip(data["paths"], data["keys"], data["images"], data["digests"])}
            entries.update({str(p): ((int(k[0]), int(k[1])), None, str(r)) for p, k, r in
                            zip(data["broken_paths"], data["broken_keys"], data["broken_reasons"])})
            return entries
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}

"""A persistent cache of decoded, resized images, so a re-run decodes nothing.

Usage:
    keys = {path: key_or_none(path) for path in paths}
    cache = ImageCache.open(cache_dir, common_folder(paths), size=(96, 96))
    found, unreadable = cache.lookup(keys)  # what is still valid
    cache.save(paths, images, digests, unreadable, keys)  # after decoding the rest

One file per image folder and target size, named by a hash of both; the folder is the one
that holds all the images, so a dataset read through its folders or through a manifest, from
any working directory, finds the same file. Each image is kept under its absolute path with
its file's key: byte size, modification time, device, inode and status-change time. An
entry whose file changed, or vanished, is not used, so touching, adding or removing a file
re-decodes just that file; a copy that keeps size and modification time (`cp -p`,
`rsync -t`, unzip) still changes the inode or the status-change time, which utime() cannot
set back. Unreadable files are remembered too, so they are not retried until they change.
The file is written to a temporary name and renamed: a torn file is impossible, and one
that is damaged anyway is ignored and rebuilt.
"""

import hashlib
import os
import zipfile

import numpy as np

from pyimagesearch import store
from pyimagesearch.files import temporary_path

VERSION = 2  # bump when what load_image() returns or the file's layout changes


def default_dir():
    """$XDG_CACHE_HOME/pyimagesearch-multilabel, else ~/.cache/pyimagesearch-multilabel."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyimagesearch-multilabel")


KEY_FIELDS = 5  # the numbers in a file's key


def file_key(path):
    """(byte size, modification time, device, inode, status-change time; times in ns).

    Size and modification time alone miss a copy that preserves both; writing a file's
    content or replacing it sets a status-change time that utime() cannot put back, and a
    replacement has a new inode. Each number is folded into a signed 64-bit one to store.
    """
    status = os.stat(path)
    return tuple(_int64(number) for number in (status.st_size, status.st_mtime_ns,
                                                status.st_dev, status.st_ino,
                                                status.st_ctime_ns))


def _int64(number):
    return (number + 2**63) % 2**64 - 2**63


def common_folder(paths):
    """The deepest folder holding every one of `paths` (absolute): it names their cache."""
    folders = [os.path.dirname(os.path.abspath(path)) for path in paths]
    try:
        return os.path.commonpath(folders) if folders else os.getcwd()
    except ValueError:  # paths on different drives (Windows): no common folder
        return os.path.commonprefix(folders)


class ImageCache:
    """The cached images of one image folder at one size."""

    def __init__(self, path, entries, rows=None):
        self.path = path
        self.entries = entries  # {absolute path: (key, row or None, digest or reason)}
        self.rows = rows  # the cached images, read on demand (a RowFile)

    @classmethod
    def open(cls, folder, root, size):
        """The cache in `folder` of the images under `root` (see common_folder)."""
        name = hashlib.sha256(f"{VERSION}|{os.path.abspath(root)}|{size[0]}x{size[1]}".encode())
        path = os.path.join(folder, f"images-{size[0]}x{size[1]}-{name.hexdigest()[:16]}.npz")
        return cls(path, *_read(path))

    def lookup(self, keys):
        """({path: (row, digest)}, {path: reason}) for the files whose key is unchanged;
        row is where the image is in `self.rows`; paths are as given, relative or not."""
        found, unreadable = {}, {}
        for path, key in keys.items():
            entry = self.entries.get(os.path.abspath(path))
            if entry is None or key is None or entry[0] != key:
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
            "paths": _absolute(paths), "digests": np.array(digests, dtype=str),
            "keys": _keys(keys, paths),
            "broken_paths": _absolute(broken),
            "broken_reasons": np.array([unreadable[p] for p in broken], dtype=str),
            "broken_keys": _keys(keys, broken),
        }
        with temporary_path(self.path, suffix=".npz") as temporary:
            _savez(temporary, arrays, images)


def _absolute(paths):
    return np.array([os.path.abspath(path) for path in paths], dtype=str)


def _keys(keys, paths):
    """The files' keys as rows of int64; a file that could not be stat'ed gets a key no
    file has (-1 bytes), so its entry is never trusted."""
    missing = (-1,) * KEY_FIELDS
    return np.array([keys.get(path) or missing for path in paths],
                    dtype=np.int64).reshape(-1, KEY_FIELDS)


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
            entries = {str(p): (tuple(map(int, k)), row, str(d)) for row, (p, k, d) in
                       enumerate(zip(data["paths"], data["keys"], data["digests"]))}
            entries.update({str(p): (tuple(map(int, k)), None, str(r)) for p, k, r in
                            zip(data["broken_paths"], data["broken_keys"], data["broken_reasons"])})
        rows = store.RowFile.in_npz(path, "images")
        if len(rows) != sum(entry[1] is not None for entry in entries.values()):
            return {}, None
        return entries, rows
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}, None

"""Image rows kept in a file instead of memory, for datasets larger than memory allows.

Usage:
    rows = RowFile.create((50000, 96, 96, 3), folder)    # a private temporary file
    rows[7] = image                                      # one (96, 96, 3) uint8 image
    batch = rows[[3, 9, 1]]                              # a (3, 96, 96, 3) array
    rows = RowFile.in_npz("cache.npz", "images")         # rows of an array saved by np.savez

Rows are read and written with pread/pwrite at their offsets: the bytes live in the
operating system's page cache, which it can drop under pressure, not in this process's
memory, so a training process holds only the batches in flight. It answers the few
NumPy idioms the pipeline uses (len, shape, nbytes, indexing by row numbers, row
assignment), so an array and a RowFile are interchangeable there.
"""

import os
import tempfile
import zipfile

import numpy as np


class RowFile:
    dtype = np.dtype(np.uint8)

    def __init__(self, descriptor, shape, offset=0):
        self.descriptor, self.shape, self.offset = descriptor, tuple(shape), offset
        self.row_bytes = int(np.prod(self.shape[1:]))

    @classmethod
    def create(cls, shape, folder=None):
        """A new file of `shape` rows in `folder`, deleted when closed (already unlinked)."""
        handle = tempfile.TemporaryFile(dir=folder, prefix="images-")
        descriptor = os.dup(handle.fileno())
        handle.close()
        os.ftruncate(descriptor, int(np.prod(shape)))
        return cls(descriptor, shape)

    @classmethod
    def in_npz(cls, path, name):
        """The rows of uint8 array `name` stored (uncompressed, as np.savez does) in `path`."""
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(f"{name}.npy")
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{name} is compressed in {path}")
        with open(path, "rb") as handle:
            handle.seek(info.header_offset + 26)
            name_length, extra_length = np.frombuffer(handle.read(4), "<u2")
            handle.seek(info.header_offset + 30 + int(name_length) + int(extra_length))
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(handle)
            if dtype != np.uint8 or fortran:
                raise ValueError(f"{name} in {path} is not a C-ordered uint8 array")
            offset = handle.tell()
            descriptor = os.dup(handle.fileno())
        return cls(descriptor, shape, offset)

    def __len__(self):
        return self.shape[0]

    @property
    def nbytes(self):
        return self.shape[0] * self.row_bytes

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self._read(int(index))
        rows = np.arange(len(self))[index] if isinstance(index, slice) else np.asarray(index)
        batch = np.empty((len(rows),) + self.shape[1:], self.dtype)
        for position, row in enumerate(rows):
            batch[position] = self._read(int(row))
        return batch

    def __setitem__(self, row, image):
        """Write one row, or consecutive rows given as a slice, in one call."""
        first, count = row, 1
        if isinstance(row, slice):
            rows = range(*row.indices(len(self)))
            if rows.step != 1:
                raise ValueError("only consecutive rows can be written at once")
            first, count = rows.start, len(rows)
        data = np.ascontiguousarray(image, dtype=self.dtype).tobytes()
        if len(data) != count * self.row_bytes:
            raise ValueError(f"{len(data)} bytes for {count} row(s) of {self.row_bytes}")
        os.pwrite(self.descriptor, data, self.offset + int(first) * self.row_bytes)

    def __array__(self, dtype=None, copy=None):
        array = self[:]
        return array if dtype is None else array.astype(dtype)

    def _read(self, row):
        if not -len(self) <= row < len(self):
            raise IndexError(f"row {row} of {len(self)}")
        row %= len(self)
        data = os.pread(self.descriptor, self.row_bytes, self.offset + row * self.row_bytes)
        return np.frombuffer(data, self.dtype).reshape(self.shape[1:]).copy()

    def chunks(self, rows=1024):
        """The rows in order, a block at a time (for writing them elsewhere)."""
        for start in range(0, len(self), rows):
            yield self[start:start + rows]

    def truncated(self, count):
        """The first `count` rows, sharing this file."""
        return RowFile(os.dup(self.descriptor), (count,) + self.shape[1:], self.offset)

    def __del__(self):
        try:
            os.close(self.descriptor)
        except (OSError, AttributeError):
            pass


def blocks(images, rows=1024):
    """An array whole, or a RowFile a block of rows at a time: for copying either
    without holding a file's rows in memory together."""
    return images.chunks(rows) if isinstance(images, RowFile) else (images,)

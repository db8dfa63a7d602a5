"""Writing files so that a crash never leaves a half-written one.

Usage:
    with atomic_write("output/plot.png") as handle:
        handle.write(data)

Data goes to a temporary file in the destination folder and is renamed into
place only when complete: the old file or the new one, never half of either.
"""

import contextlib
import os
import tempfile

from pyimagesearch.errors import UserError


@contextlib.contextmanager
def atomic_write(path, suffix=".tmp"):
    """Yield a binary handle; on success the file appears at `path` whole."""
    with temporary_path(path, suffix) as temporary:
        with open(temporary, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


@contextlib.contextmanager
def temporary_path(path, suffix=".tmp"):
    """Yield a fresh temporary path beside `path`; rename it onto `path` on success.

    A write that fails (disk full, folder made read-only meanwhile) leaves the old
    `path` as it was and ends in a UserError that names it.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=folder)
        os.close(descriptor)
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}; "
                        "the previous file, if any, is unchanged") from None
    finally:
        if temporary and os.path.exists(temporary):
            os.remove(temporary)


def check_outside(path, dataset_folder):
    """Refuse to write `path` inside the dataset: the user's data is never touched."""
    if not dataset_folder:
        return
    dataset = os.path.realpath(dataset_folder)
    target = os.path.realpath(path)
    if os.path.commonpath([dataset, target]) == dataset:
        raise UserError(f"{path} is inside the dataset folder {dataset_folder}; "
                        "choose an output outside it (outputs never go into the data)")


def ensure_writable_folder(folder):
    """Create `folder` if needed and prove we can write there, before any long work."""
    try:
        os.makedirs(folder or ".", exist_ok=True)
        with tempfile.TemporaryFile(dir=folder or "."):
            pass
    except OSError as error:
        raise UserError(f"cannot write to output folder {folder}: {error.strerror}") from None

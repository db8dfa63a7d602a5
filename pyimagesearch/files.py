"""Writing files so that a crash never leaves a half-written one, and one writer at a time.

Usage:
    with atomic_write("output/plot.png") as handle:
        handle.write(data)
    with lock_for("output/fashion.keras"):  # a second run on this model is refused
        train()

Data goes to a temporary file in the destination folder and is renamed into
place only when complete: the old file or the new one, never half of either.
A process killed mid-write (kill -9, power cut) leaves its hidden temporary file
behind; the temporary's name carries the writer's process id, and the next write
of the same file removes those left by processes that are gone.
"""

import contextlib
import fcntl
import os
import re
import sys
import tempfile
import time

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
    remove_stale_temporaries(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.{os.getpid()}-", suffix=suffix, dir=folder)
        # mkstemp makes the file private (0600); the output gets what the umask allows, as
        # any file the user's tools create.
        os.fchmod(descriptor, 0o666 & ~current_umask())
        os.close(descriptor)
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}; "
                        "the previous file, if any, is unchanged") from None
    finally:
        if temporary and os.path.exists(temporary):
            os.remove(temporary)


def current_umask():
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# A writer on another machine sharing the folder has a process id that means nothing
# here, so a temporary file is also left alone while it is younger than this.
STALE_AFTER_SECONDS = 600


def remove_stale_temporaries(path):
    """Remove the temporary files of `path` left by writers that died mid-write."""
    folder = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and dead_writers_temporary(name)):
            continue
        candidate = os.path.join(folder, name)
        try:
            if time.time() - os.lstat(candidate).st_mtime > STALE_AFTER_SECONDS:
                os.remove(candidate)
        except OSError:
            pass  # gone already, or not ours to remove: leave it


def dead_writers_temporary(name):
    """Whether `name` is a temporary file of ours whose writing process is gone."""
    match = re.match(r"\..+\.(\d+)-[^/]*$", name)
    return bool(match) and not writer_alive(int(match.group(1)))


def writer_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


@contextlib.contextmanager
def lock_for(path):
    """Hold an exclusive lock on `path` (the file `<path>.lock`, holding our pid) while the
    block runs; refuse at once, naming the holder's pid, if another process holds it.

    The lock is flock(2)'s: the OS drops it when its process dies, even by kill -9, so a
    lock file left behind is no obstacle. The file is removed at the end, while still
    locked; a process that opened it just before then notices and starts over.
    """
    lock_path = f"{path}.lock"
    descriptor = _acquire(lock_path, path)
    try:
        yield
    finally:
        if descriptor is not None:
            with contextlib.suppress(OSError):
                os.remove(lock_path)
            os.close(descriptor)


def _acquire(lock_path, path):
    """An open descriptor of the locked `lock_path` with our pid written in it."""
    while True:
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise UserError(f"cannot create {lock_path}: {error.strerror}") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(descriptor)
            os.close(descriptor)
            raise UserError(f"another run (pid {holder}) is writing {path}; wait for it to "
                            "end, or choose another --output or --model") from None
        except OSError as error:  # a file system without locks: go on unguarded
            os.close(descriptor)
            print(f"note: cannot lock {lock_path} ({error.strerror}); a second run into "
                  "the same files would not be stopped", file=sys.stderr)
            return None
        if _still_named(descriptor, lock_path):
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
            return descriptor
        os.close(descriptor)  # its holder removed it after we opened it: open the new one


def _still_named(descriptor, lock_path):
    try:
        named = os.stat(lock_path)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _read_pid(descriptor, attempts=20):
    """The holder's pid; it writes it just after locking, so wait a moment for it."""
    for _ in range(attempts):
        text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return "unknown"


def check_outside(path, dataset_folder):
    """Refuse to write `path` inside the dataset: the user's data is never touched."""
    if not dataset_folder:
        return
    dataset = os.path.realpath(dataset_folder)
    target = os.path.realpath(path)
    if os.path.commonpath([dataset, target]) == dataset:
        raise UserError(f"{path} is inside the dataset folder {dataset_folder}; "
                        "choose an output outside it (outputs never go into the data)")


def is_within(path, folder):
    """Whether `path` is `folder` or lies under it (absolute, normalised paths)."""
    return os.path.commonpath([path, folder]) == folder


def ensure_writable_folder(folder):
    """Create `folder` if needed and prove we can write there, before any long work."""
    try:
        os.makedirs(folder or ".", exist_ok=True)
        with tempfile.TemporaryFile(dir=folder or "."):
            pass
    except OSError as error:
        raise UserError(f"cannot write to output folder {folder}: {error.strerror}") from None

"""What a script will write, checked against itself and against what it reads, before any work.

Usage:
    plan = outputs.Plan()
    plan.file("-m", "output/fashion.keras")          # a file the script writes
    plan.folder("--explain", "output/explained")     # a folder it writes named files into
    plan.folder("checkpoint", "o/x.checkpoint", exclusive=True)  # nothing else may be inside
    plan.reads("--manifest", "labels.csv")           # an input: never written over
    plan.data("--dataset", "dataset")                # the user's data: nothing goes inside
    with plan.checked():                             # one `error:` line, or the work runs
        work()                                       # folders it made and left empty go

Every script (train.py, evaluate.py, classify.py, export.py, audit.py) states its outputs and
inputs here, so that one set of rules refuses, before any long work:
- two outputs that are one file (`-m o/x -l o/x`, `-p` equal to `-m`), however spelt
  (relative, absolute, through a link, a hard link);
- an output that is an input (`--report M.csv` beside `--manifest M.csv`), or that lies
  inside the user's data folder, or a folder of outputs that holds an input;
- a file to write that is an existing folder, or a folder to write into that is a file;
- a folder that cannot be written.
Folders made for the outputs are removed again if the work fails and leaves them empty.
"""

import contextlib
import os

from pyimagesearch import files
from pyimagesearch.errors import UserError


class Plan:
    """The files and folders a script writes and the ones it reads."""

    def __init__(self):
        self.outputs = []  # (name, path, is_folder, exclusive)
        self.inputs = []  # (name, path)
        self.data_folders = []  # (name, path): nothing may be written inside
        self.listed = []  # (name, {real path}): files an input lists, such as its images
        self.made = []  # folders created for the outputs, outermost first

    def file(self, name, path):
        if path:
            self.outputs.append((name, os.fspath(path), False, False))
        return self

    def folder(self, name, path, exclusive=False):
        """A folder the script writes into; `exclusive`: one whose every file is the
        script's (it may delete what it does not know), so no other output may be inside."""
        if path:
            self.outputs.append((name, os.fspath(path), True, exclusive))
        return self

    def reads(self, name, path):
        if path:
            self.inputs.append((name, os.fspath(path)))
        return self

    def manifest(self, name, path, image_root=None, columns=(None, None)):
        """A manifest: an input, and so is each image it lists. One that cannot be read
        lists none here (reading it later says why)."""
        from pyimagesearch import manifest
        from pyimagesearch.errors import UserError as Unreadable

        if not path:
            return self
        try:
            entries, _ = manifest.read_manifest(path, image_root, *columns)
        except Unreadable:
            entries = []
        self.listed.append((name, {os.path.realpath(image) for image, _ in entries}))
        return self.reads(name, path)

    def data(self, name, path):
        if path:
            self.data_folders.append((name, os.fspath(path)))
            self.inputs.append((name, os.fspath(path)))
        return self

    def check(self):
        """Raise a UserError naming the first conflict; then make the outputs' folders."""
        for name, path, is_folder, _ in self.outputs:
            _check_kind(name, path, is_folder)
        for index, (name, path, is_folder, exclusive) in enumerate(self.outputs):
            for other, other_path, other_folder, other_exclusive in self.outputs[index + 1:]:
                # Two folders of named files may be one (--annotated and --explain write
                # x.jpg and x.explained.png); nothing else may share a path.
                shared = is_folder and other_folder and not (exclusive or other_exclusive)
                if (_same(path, other_path) and not shared) or (other_exclusive and _within(
                        path, other_path)) or (exclusive and _within(other_path, path)):
                    raise UserError(f"{name} {path} and {other} {other_path} are the same "
                                    "file or one holds the other: each output needs its own "
                                    "path")
            for other, folder in self.data_folders:
                if _within(path, folder):
                    raise UserError(f"{name} {path} is inside the dataset folder {folder} "
                                    f"({other}); "
                                    "choose an output outside it (outputs never go into the "
                                    "data)")
            for other, other_path in self.inputs:
                _check_against_input(name, path, is_folder, other, other_path)
            for other, images in self.listed:
                if os.path.realpath(path) in images:
                    raise UserError(f"{name} {path} is an image that {other} lists: it would "
                                    f"be overwritten; choose another {name}")
        for name, path, is_folder, exclusive in self.outputs:  # its writer makes an exclusive one
            self._writable(path if is_folder and not exclusive else os.path.dirname(path))

    @contextlib.contextmanager
    def checked(self):
        """Check, then run the block; on failure remove the folders made and left empty."""
        try:
            self.check()
            yield self
        except BaseException:
            self.remove_empty_folders()
            raise

    def remove_empty_folders(self):
        for folder in reversed(self.made):
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only an empty folder goes

    def _writable(self, folder):
        folder = folder or "."
        missing, current = [], os.path.abspath(folder)
        while not os.path.exists(current) and current not in missing:
            missing.append(current)
            current = os.path.dirname(current)
        files.ensure_writable_folder(folder)
        self.made += [path for path in reversed(missing) if path not in self.made]


def _check_kind(name, path, is_folder):
    if not is_folder and os.path.isdir(path):
        raise UserError(f"{name} {path} is a folder; name a file to write")
    if is_folder and os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"{name} {path} is a file; name a folder to write into")


def _check_against_input(name, path, is_folder, other, input_path):
    collides = _same(path, input_path) or (os.path.isdir(input_path) and _within(path, input_path))
    holds = is_folder and _within(input_path, path)
    if collides or holds:
        what = "holds" if holds and not collides else "is"
        raise UserError(f"{name} {path} {what} the input {other} {input_path}: it would be "
                        f"overwritten; choose another {name}")


def _spellings(path):
    return {os.path.abspath(path), os.path.realpath(path)}


def _same(first, second):
    """Whether two paths name one file: as written, with links resolved, or one inode."""
    if _spellings(first) & _spellings(second):
        return True
    try:
        one, two = os.stat(first), os.stat(second)
    except OSError:
        return False
    return (one.st_dev, one.st_ino) == (two.st_dev, two.st_ino)


def _within(path, folder):
    """Whether `path` is `folder` or lies under it, however either is spelt."""
    return any(files.is_within(spelt, given) for spelt in _spellings(path)
               for given in _spellings(folder))

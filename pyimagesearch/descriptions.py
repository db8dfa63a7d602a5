"""The model's description, `<model>.json`: what the model expects and how it was made.

Usage:
    description = descriptions.read("output/fashion.keras")  # Description() if it has none
    width, height = description.input_size
    descriptions.write("output/fashion.keras", dataclasses.replace(description, exports=...))

One typed object, written and read here only: the labels, the input size (width, height),
the colour order and the fingerprint tying model and labels together; the per-label
thresholds and label groups that decide; the exports beside the model; the save id and
hashes that tell a whole set from a mix (artifacts.py); and the record of the run that made
it (settings, history, scores). The file keeps the JSON keys it has always had, so models
saved before this module read as they did; keys it does not know are kept through a
rewrite (export.py adding an export), so nothing a newer version wrote is lost.
"""

import dataclasses
import json
import os

from pyimagesearch import runfiles
from pyimagesearch.errors import UserError
from pyimagesearch.files import atomic_write

FORMAT = "pyimagesearch-multilabel/1"


@dataclasses.dataclass(frozen=True)
class Description:
    """A model's description; the fields a file leaves out (an older save's) are None."""

    # What the model and its label file must agree on (artifacts.fingerprint).
    labels: list | None = None  # label names, in the model's output order
    colour_order: str | None = None  # "RGB"
    input_size: tuple[int, int] | None = None  # (width, height) in pixels
    fingerprint: str | None = None
    # Which save wrote it (artifacts.py tells a whole set from a mix by these).
    model: str | None = None  # the model's file name
    save_id: str | None = None
    labelbin: str | None = None  # the label file's name
    # How probabilities become labels (decisions.DecisionRule).
    thresholds: dict | None = None  # {label: cut, None where an exclusive group decides}
    groups: list | None = None  # groups.to_json's entries
    # The record of the run, for the reader and for --resume.
    best_epoch: int | None = None
    history: dict | None = None
    settings: dict | None = None
    evaluation: dict | None = None
    images: int | None = None
    skipped: int | None = None
    extra: dict = dataclasses.field(default_factory=dict)  # keys this version does not know
    exports: dict = dataclasses.field(default_factory=dict)  # {format: export.py's entry}
    model_sha256: str | None = None
    labelbin_sha256: str | None = None
    # The file it was read from; None for a model saved without one. Not written.
    path: str | None = dataclasses.field(default=None, compare=False)

    @property
    def found(self):
        """Whether the model has a description (models saved before them have none)."""
        return self.path is not None

    def export_file(self, fmt):
        """The file name of the `fmt` export ("litert", "onnx", ...), or None."""
        return self.exports.get(fmt, {}).get("file")

    def to_json(self):
        """The dict written to disk: the format, the fields that are set, the unknown keys."""
        data = {"format": FORMAT}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "extra":
                data.update(value)
            elif not (value is None or field.name == "path"
                      or field.name == "exports" and not value):  # saved only when some are
                data[field.name] = list(value) if field.name == "input_size" else value
        return data

    @classmethod
    def from_json(cls, data, path=None):
        """The description in `data` (a file's parsed JSON); UserError when it is not one."""
        if not isinstance(data, dict) or data.get("format") != FORMAT \
                or not _is_size(data.get("input_size")):
            raise UserError(f"{path} is not a model description written by this tool")
        names = {field.name for field in dataclasses.fields(cls)} - {"extra", "path"}
        known = {key: value for key, value in data.items() if key in names}
        extra = {key: value for key, value in data.items()
                 if key not in names and key != "format"}
        if known.get("input_size") is not None:
            known["input_size"] = tuple(known["input_size"])
        # export.py's entries; one that is not a dict names no file and is left out.
        exports = known.get("exports")
        known["exports"] = {fmt: entry for fmt, entry in exports.items()
                            if isinstance(entry, dict)} if isinstance(exports, dict) else {}
        return cls(**known, extra=extra, path=path)


def _is_size(size):
    """Whether `size` is a saved input size, or absent (saved before sizes were)."""
    return size is None or isinstance(size, list) and len(size) == 2 and all(
        isinstance(side, int) and not isinstance(side, bool) and side > 0 for side in size)


def read(model_path):
    """The description of the model at `model_path`: Description() when it has none."""
    path = runfiles.RunFiles(model_path).description
    if not os.path.isfile(path):
        return Description()
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read model description {path}: {_one_line(error)}") from None
    return Description.from_json(data, path)


def to_bytes(description):
    """The file's bytes, as save_artifacts stages them and write writes them."""
    return json.dumps(description.to_json(), indent=2).encode("utf-8")


def write(model_path, description):
    """Replace the model's description with `description`, atomically."""
    with atomic_write(runfiles.RunFiles(model_path).description) as handle:
        handle.write(to_bytes(description))


def _one_line(error):
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__

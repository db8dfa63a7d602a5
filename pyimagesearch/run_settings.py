"""What a training run is: the settings it records, and those --resume restores and compares.

Usage:
    settings = record(args)        # written into the checkpoint and <model>.json
    restore(args, state.settings)  # --resume: the interrupted run's choices into args
    same_run(args, saved)          # is the saved model the finished run of these choices?

A run's choices (epochs, schedule, groups, ...) make it what it is; where its files are,
how it reports and what the machine offers do not, so a moved output folder or another
number of workers is still the same run.
"""

import json
import os

from pyimagesearch import groups
from pyimagesearch.errors import UserError

# Not choices of a run: where its files are, how it reports, what the machine offers. They
# may differ when resuming, and a finished run is the same run whatever they are.
NOT_CHOICES = ("resume", "quiet", "workers", "cache_dir", "no_cache", "command_line", "model",
               "output", "labelbin", "plot", "dataset", "manifest", "val_dataset", "versions",
               "requested_precision", "groups_resolved", "export", "no_report",
               "tensorboard", "given", "cluster_timeout")
DATA_PATHS = ("dataset", "manifest", "val_dataset")


def choices(settings):
    """The settings that make a run what it is (from `vars(args)` or recorded settings):
    those --resume restores and compares."""
    kept = {key: value for key, value in settings.items() if key not in NOT_CHOICES}
    # Recorded settings hold the precision that ran; the choice is the one asked for.
    kept["precision"] = settings.get("requested_precision", settings.get("precision"))
    return kept


def restore(args, saved):
    """The interrupted run's choices into `args`. Paths given now win; data not named now
    is read where the run recorded it (absolute, so from any folder). A choice given now
    that differs from the run's is refused (`args.given`: the options given)."""
    check_no_conflict(args, saved)
    for key, value in choices(saved).items():
        setattr(args, key, value)
    if args.dataset is None and args.manifest is None:  # a manifest given brings its root
        args.dataset = saved.get("dataset")
    args.manifest = args.manifest or saved.get("manifest")
    args.val_dataset = args.val_dataset or saved.get("val_dataset")


def check_no_conflict(args, saved):
    """Refuse options given with --resume that contradict the run it continues: silently
    training 30 epochs at 96 pixels after `--epochs 5 --image-size 64` would be a surprise."""
    recorded = choices(saved)
    conflicts = [f"--{key.replace('_', '-')} {_plain(getattr(args, key))} (the run has "
                 f"{_plain(recorded[key])})" for key in sorted(getattr(args, "given", ()))
                 if key in recorded and key not in NOT_CHOICES
                 and _plain(getattr(args, key)) != _plain(recorded[key])]
    if conflicts:
        raise UserError("--resume continues the run with the settings it was started with, "
                        f"but {', '.join(conflicts)} differ: drop them, or train afresh "
                        "without --resume")


def _plain(value):
    """`value` as JSON gives it back (tuples become lists), for comparing with a record."""
    return json.loads(json.dumps(value, default=str))


def same_run(args, saved):
    """Whether `saved` (recorded settings) are the run `args` asks for: the same choices,
    and the same data wherever the data is named now."""
    named = {key: os.path.abspath(getattr(args, key)) for key in DATA_PATHS if getattr(args, key)}
    return choices(saved) == choices(vars(args)) and all(
        saved.get(key) == path for key, path in named.items())


def record(args):
    """What ran, so that the run can be repeated: its choices, the arithmetic "auto" chose,
    the data's absolute paths and the library versions; not where the outputs went (a
    moved output folder holds the same run)."""
    from pyimagesearch import models

    settings = choices(vars(args))
    settings["requested_precision"] = args.precision
    settings["precision"] = models.choose_precision(args.precision).removeprefix("mixed_")
    image_root = args.dataset or (os.path.dirname(os.path.abspath(args.manifest))
                                  if args.manifest else "dataset")
    settings.update(dataset=os.path.abspath(image_root), versions=versions(), **{
        key: getattr(args, key) and os.path.abspath(getattr(args, key))
        for key in ("manifest", "val_dataset")})
    if getattr(args, "groups_resolved", None) is not None:  # known once the labels are read
        settings["groups_resolved"] = groups.to_json(args.groups_resolved)
    return settings


def versions():
    import platform

    import cv2
    import keras
    import numpy
    import sklearn
    import tensorflow

    return {"python": platform.python_version(), "tensorflow": tensorflow.__version__,
            "keras": keras.__version__, "numpy": numpy.__version__,
            "scikit-learn": sklearn.__version__, "opencv": cv2.__version__}

"""Train a multi-label image classifier on folders of photos.

Usage:
    python train.py                      # bundled dataset/ -> output/
    python train.py --dataset dataset --model fashion.model --labelbin mlb.pickle --plot plot.png
    python train.py --manifest labels.csv --dataset images/
    python train.py --groups "colour=black,blue,red;item=dress,jeans,shirt"

Each folder's name lists its images' labels, joined by "_" (red_dress -> red, dress), or a
CSV manifest lists each image's labels. Folder names of one shape (colour_item) make label
groups: one colour and one item per image (see pyimagesearch/groups.py).
"""

import argparse
import functools
import importlib.util
import os
import shlex
import sys

from pyimagesearch import cli, decisions, defaults, distribute, flags, groups  # cheap
from pyimagesearch import run_settings, runfiles
from pyimagesearch.errors import Interrupted, UserError

def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _add_data_flags(parser.add_argument_group("data"))
    _add_output_flags(parser.add_argument_group("outputs"))
    _add_training_flags(parser.add_argument_group("training"))
    _add_augmentation_flags(parser.add_argument_group("augmentation"))
    _add_network_flags(parser.add_argument_group("network"))
    _add_machine_flags(parser.add_argument_group("machine and run"))
    flags.add_recipe_flag(parser)  # last: its help lists the recipe values declared above
    return parser


def _add_data_flags(group):
    group.add_argument("-d", "--dataset", help="folder of label folders (default: dataset)")
    flags.add_manifest_flags(group)
    group.add_argument("--val-dataset",
                       help="folder of label folders to validate on, instead of a split")
    flags.add_split_flags(group)
    flags.add_groups_flag(group)


def _add_output_flags(group):
    add = group.add_argument
    add("-o", "--output", default=defaults.OUTPUT,
        help="folder for the outputs not named below (default: %(default)s)")
    add("-m", "--model", help=f"model file to write (default: OUTPUT/{defaults.MODEL_NAME})")
    add("-l", "--labelbin",
        help=f"label binarizer file to write (default: OUTPUT/{defaults.LABELBIN_NAME})")
    add("-p", "--plot", help=f"training curves PNG to write (default: OUTPUT/{defaults.PLOT_NAME})")
    add("--export", nargs="+", choices=defaults.EXPORT_CHOICES, default=list(defaults.EXPORTS),
        metavar="FORMAT",
        help="exports written with the model, from the same epoch: litert (a .tflite file "
             "that classify.py and evaluate.py run without TensorFlow), onnx (needs "
             "pip install -r requirements-onnx.txt), or none; for a SavedModel, or to export "
             f"a model later, see export.py (default: {' '.join(defaults.EXPORTS)})")
    add("--tensorboard", metavar="DIR",
        help="also write TensorBoard logs to DIR (every run writes MODEL.results.csv)")
    add("--no-report", action="store_true",
        help="write no HTML report (MODEL.report.html: the evaluation with the validation "
             "images, curves and the dataset audit in one page)")


def _add_training_flags(group):
    add = functools.partial(flags.add, group)
    add("--epochs", type=cli.integer(1, cli.MAX_EPOCHS), default=defaults.EPOCHS,
        help="passes over the training images (default: %(default)s)")
    add("--batch-size", type=cli.integer(1, cli.MAX_BATCH_SIZE), default=defaults.BATCH_SIZE,
        help="images per step (default: %(default)s)")
    add("--learning-rate", type=cli.number(0, cli.MAX_LEARNING_RATE, above=True),
        default=defaults.LEARNING_RATE, help="Adam's initial rate (default: %(default)s)")
    add("--schedule", choices=defaults.SCHEDULES, default=defaults.SCHEDULES[0], recipe="recipe",
        help="learning-rate schedule: cosine to zero, or the recipe's lr/(1+decay*step) "
             "(default: %(default)s)")
    add("--bn-momentum", type=cli.number(0, 1, below=True), default=defaults.BN_MOMENTUM,
        recipe=defaults.RECIPE_BN_MOMENTUM,
        help="batch normalisation's moving-average momentum; the recipe's 0.99 lags and "
             "delays good validation scores by several epochs (default: %(default)s)")
    add("--precision", choices=defaults.PRECISIONS, default=defaults.PRECISIONS[0],
        help="arithmetic: auto = bfloat16 on CPUs with native support, float16 on GPUs, "
             "else float32 (default: %(default)s)")
    add("--keep", choices=defaults.KEEP, default=defaults.KEEP[0], recipe="last",
        help="which epoch's weights to save (default: %(default)s)")
    add("--monitor", choices=defaults.MONITORS, default=defaults.MONITORS[0],
        help="what 'best' means (default: %(default)s)")
    add("--patience", type=cli.integer(minimum=1),
        help="stop early after this many epochs without improvement in --monitor "
             "(default: run all epochs; the cosine schedule does its best work last)")
    add("--threshold-rule", choices=tuple(decisions.RULES), default=defaults.THRESHOLD_RULE,
        recipe="fixed", help="per-label threshold tuning: maximise F1, F2 (recall), F0.5 "
        "(precision), or fixed 0.5 (default: %(default)s)")


def _add_augmentation_flags(group):
    add = functools.partial(flags.add, group)
    add("--rotation", type=cli.number(0, 180), default=defaults.ROTATION,
        help="max rotation, degrees (default: %(default)s)")
    add("--shift", type=cli.number(0, 1), default=defaults.SHIFT,
        help="max shift, fraction of size (default: %(default)s)")
    add("--shear", type=cli.number(0, 90, below=True), default=defaults.SHEAR,
        help="max shear, degrees as in Keras 2 (default: %(default)s)")
    add("--zoom", type=cli.number(0, 1, below=True), default=defaults.ZOOM,
        help="zoom range around 1 (default: %(default)s)")
    add("--no-flip", dest="flip", action="store_false", help="no horizontal flips")
    add("--augment-on", choices=defaults.AUGMENT_ON, default=defaults.AUGMENT_ON[0],
        help="where the random warp runs: cpu (tf.data), device (the training model's first "
             "layer, on the GPU; left out of the saved model), auto = device when TensorFlow "
             "sees a GPU, else cpu (default: %(default)s)")
    add("--recolour", type=cli.number(0, 1), metavar="P", default=defaults.RECOLOUR, recipe=0.0,
        help="chance that a training image whose colour label is in the colour table is "
             "repainted to another colour of its group and relabelled, which shows the "
             "network combinations the folders lack; 0: never (default: %(default)s)")
    add("--tint", type=cli.number(0, 1), metavar="P", default=defaults.TINT, recipe=0.0,
        help="chance that a training image's background is tinted toward a random colour, "
             "labels unchanged; 0: never (default: %(default)s)")


def _add_network_flags(group):
    add = functools.partial(flags.add, group)
    add("--backbone", choices=defaults.BACKBONES, default=defaults.BACKBONE,
        recipe=defaults.RECIPE_BACKBONE,
        help="the network: the recipe's smallervggnet, or a keras.applications family "
             "(mobilenetv3small, mobilenetv3large, efficientnetv2b0) with a pooled head "
             "(default: %(default)s)")
    add("--head", choices=defaults.HEADS, default=defaults.HEAD, recipe="flatten",
        help="smallervggnet's head: flatten (the recipe's FC1024 on the flattened maps) or gap "
             "(global average pooling, then a 512-unit layer) (default: %(default)s)")
    add("--weights", metavar="imagenet|none|FILE", default=defaults.WEIGHTS, recipe="none",
        help="initial weights: none (random), imagenet (keras.applications backbones; Keras "
             "downloads and caches them), or a weights file (.weights.h5, or the .h5 Keras "
             "downloads); a pretrained backbone first trains its head frozen, then all of it at "
             "a tenth of the rate (default: %(default)s)")
    add("--image-size", type=cli.integer(12, cli.MAX_IMAGE_SIZE),
        help=f"model input width and height, 12 to {cli.MAX_IMAGE_SIZE} (32 or more for an "
             "application backbone) (default: the backbone's own: "
             f"{defaults.RECIPE_IMAGE_SIZE} for smallervggnet, the recipe's; "
             f"{defaults.APPLICATION_IMAGE_SIZE} for the others)")
    add("--loss", choices=defaults.LOSSES, default=defaults.LOSS, recipe="bce",
        help="loss of a model without label groups: bce (binary cross-entropy per label, the "
             "recipe's) or asl (asymmetric loss: easy negatives weigh less); a model with label "
             "groups has its grouped loss (default: %(default)s)")
    add("--no-flip-average", dest="flip_average", action="store_false", recipe=False,
        help="predict from the image alone, not the mean over it and its mirror image")


def _add_machine_flags(group):
    add = group.add_argument
    flags.add_workers_flag(group)
    flags.add_cache_flags(group)
    add("--strategy", choices=distribute.STRATEGIES, default=distribute.STRATEGIES[0],
        help="tf.distribute strategy: auto = multi-worker when TF_CONFIG describes a cluster, "
             "mirrored over the local GPUs when there are two or more, else default (one "
             "device); --batch-size is per replica and the learning rate is multiplied by "
             "the replicas (default: %(default)s)")
    add("--cluster-timeout", type=cli.integer(1, 24 * 3600), metavar="SECONDS",
        default=distribute.CLUSTER_TIMEOUT,
        help="with TF_CONFIG, how long the cluster's tasks have to start and connect before "
             "this one gives up (default: %(default)s)")
    add("--resume", action="store_true",
        help="continue the interrupted run whose checkpoint is beside --model, with the "
             "settings it was started with; paths given now are used")
    add("-q", "--quiet", action="store_true", help="no progress bars")


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    # The options given, whatever their values: --resume refuses those that contradict the
    # run it continues (not a setting).
    args.given = cli.given_options(build_parser(), argv)
    # How this run was asked for, to tell the user how to resume it (not a setting).
    args.command_line = ["train.py"] + list(argv) if argv is not None else list(sys.argv)
    flags.apply_recipe(parser, args)
    if args.weights not in ("imagenet", "none"):  # a file: recorded absolute, for --resume
        args.weights = os.path.abspath(args.weights)
    args.model = args.model or os.path.join(args.output, defaults.MODEL_NAME)
    args.labelbin = args.labelbin or os.path.join(args.output, defaults.LABELBIN_NAME)
    args.plot = args.plot or os.path.join(args.output, defaults.PLOT_NAME)
    return args


def train(args):
    # Imported here, not at the top, so that --help and argument errors answer at once.
    import contextlib

    from pyimagesearch import files

    with distribute.worker_outputs(args):  # a worker other than the chief writes aside
        with _output_plan(args).checked(), contextlib.ExitStack() as locks:
            _check_outputs(args)
            # A second run into any of the same files (another -m, the same -o) is refused.
            for path in dict.fromkeys((args.model, args.labelbin, args.plot)):
                locks.enter_context(files.lock_for(path))
            return _run(args)


def _run(args):
    from pyimagesearch import audit, checkpoint, labels
    from pyimagesearch import dataset as data

    state = _resume_state(args, _files(args).checkpoint)
    args.backbone, args.image_size = _network_choice(args)  # "auto" resolved, and recorded
    if args.resume and state is None:
        if _finished(args):
            print(f"nothing to resume: {args.model} holds the finished run with these "
                  "settings; run without --resume to train again")
            return 0
        raise UserError(f"nothing to resume: no checkpoint in "
                        f"{_files(args).checkpoint}; run without --resume to train "
                        "from the first epoch")
    cache_dir = _check_outputs(args)  # again: a resumed run may read its recorded data
    size = (args.image_size, args.image_size)
    dataset, validation_index = data.load_training_data(
        args.dataset, args.manifest, args.val_dataset, size, args.workers,
        None if args.quiet else cli.progress_bar,
        columns=(args.path_column, args.labels_column), cache_dir=cache_dir,
        # Without a cache, a dataset too large for memory streams from beside the model,
        # on a disk the user chose, rather than from a temporary folder that may be RAM.
        scratch_dir=cache_dir or os.path.dirname(os.path.abspath(args.model)))
    binarizer, targets = labels.binarize(dataset.labels)
    print(data.describe(dataset, binarizer, targets))
    # The groups the network and the decisions use; a list of groups.Group, [] for none.
    args.groups_resolved = groups.resolve(args.groups, list(binarizer.classes_), dataset.paths,
                                          dataset.labels, from_folders=not args.manifest)
    print(groups.describe(args.groups_resolved))
    train_index, validation_index = _split(args, dataset, targets, validation_index)
    dataset_audit = audit.audit_dataset(dataset, train_index, validation_index,
                                        args.groups_resolved)
    print(audit.format_audit(dataset_audit))

    cli.quiet_tensorflow()
    from pyimagesearch import artifacts, descriptions, evaluation, plot

    settings = run_settings.record(args)
    model, history, best_epoch = _fit(args, dataset, targets, list(binarizer.classes_),
                                      (train_index, validation_index), state, settings)
    report, rule, scored = _evaluate(args, model, dataset, targets, validation_index, binarizer)
    description = descriptions.Description(
        thresholds=rule.thresholds_by_label(), groups=groups.to_json(args.groups_resolved),
        best_epoch=best_epoch, history=history, settings=settings, evaluation=report,
        images=len(dataset.paths), skipped=len(dataset.skipped))
    artifacts.save_artifacts(model, binarizer, args.model, args.labelbin, description,
        reports={"audit": dataset_audit, "evaluation": report},  # one set, one save id
        exports=_exports(args, model), extras=_staged_copies(args))
    plot.save_history_plot(history, args.plot, best_epoch if args.keep == "best" else None)
    checkpoint.remove(_files(args).checkpoint)  # the run is complete and saved
    print(evaluation.format_report(report))
    print(f"kept epoch {best_epoch} of {len(history['loss'])}; saved {args.model}, "
          f"{args.labelbin}, {args.plot}")
    if not args.no_report:
        _write_report(args, model, report, scored, (dataset.images, validation_index), rule,
                      dict(audit=dataset_audit, settings=settings, history_plot=args.plot))
    elif os.path.isfile(_files(args).html_report):  # it describes the model just replaced
        os.remove(_files(args).html_report)
        print(f"removed {_files(args).html_report}: it described the previous model")
    return 0


def _files(args):
    """The names of this run's files (pyimagesearch/runfiles.py)."""
    return runfiles.RunFiles(args.model, args.labelbin)


def _output_plan(args):
    """Every file and folder this run writes, against each other and against its inputs
    (pyimagesearch/outputs.py)."""
    from pyimagesearch import outputs

    plan = outputs.Plan().file("-m", args.model).file("-l", args.labelbin).file("-p", args.plot)
    run = _files(args)
    plan.file("the model's description", run.description)
    plan.file("the labels' JSON", run.labels)
    plan.file("the run log", run.run_log)
    plan.file("the last epoch's model", run.last_model)
    plan.file("the HTML report", run.html_report)
    for kind in ("audit", "evaluation"):
        plan.file(f"the {kind} report", run.report(kind))
    for fmt in dict.fromkeys(args.export):
        if fmt in runfiles.EXPORT_FORMATS:
            plan.file(f"the {fmt} export", run.export(fmt))
    plan.folder("the checkpoint", run.checkpoint, exclusive=True)
    plan.folder("--tensorboard", args.tensorboard)
    # Label folders are the user's data; a manifest's folder may hold anything, so only
    # folders named as datasets are protected, and the manifest itself.
    plan.manifest("--manifest", args.manifest, args.dataset,
                  (args.path_column, args.labels_column)).data("--val-dataset", args.val_dataset)
    plan.reads("--weights", args.weights if args.weights not in ("imagenet", "none") else None)
    return plan.data("--dataset", None if args.manifest else args.dataset or "dataset")


def _check_outputs(args):
    """Refuse outputs that collide with each other or the inputs, and folders that cannot be
    written, before any long work; returns the cache folder (None without a cache)."""
    from pyimagesearch import backbones, files

    cache_dir = _cache_dir(args)
    plan = _output_plan(args)
    plan.check()
    if not (args.resume and args.backbone == "auto"):  # a resumed run's: its checkpoint's
        backbone, image_size = _network_choice(args)
        backbones.check(backbone, (image_size, image_size), args.weights)
    for _, folder in plan.data_folders if cache_dir else ():  # unwritable: only a warning
        files.check_outside(cache_dir, folder)
    if args.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError("--tensorboard needs the tensorboard package: pip install tensorboard")
    if "onnx" in args.export:  # refused now, not after the training it would follow
        from pyimagesearch import backends

        backends.check_onnx_export()
    return cache_dir


def _resume_state(args, folder):
    """The checkpoint to continue from, with its settings put into `args`; or None."""
    from pyimagesearch import checkpoint

    state = checkpoint.load_state(folder) if args.resume else None
    if not args.resume and os.path.exists(os.path.join(folder, checkpoint.STATE)):
        print(f"note: starting afresh; the checkpoint of an interrupted run in {folder} will "
              "be replaced (stop now and add --resume to continue that run instead)")
    if state:
        run_settings.restore(args, state.settings)
        print(f"resuming from {folder}: {state.epoch} of {args.epochs} epochs done")
    return state


def _finished(args):
    """Whether the saved model is the finished run of these settings (killed, say, after it
    saved everything), so that --resume must not start it again and overwrite it."""
    from pyimagesearch import descriptions

    if not (os.path.isfile(args.model) and os.path.isfile(args.labelbin)):
        return False
    return run_settings.same_run(args, descriptions.read(args.model).settings or {})


def _cache_dir(args):
    if args.no_cache:
        return None
    from pyimagesearch import cache

    return args.cache_dir or cache.default_dir()


def _split(args, dataset, targets, validation_index):
    """Train and validation indices: the given validation folder, or a split."""
    import numpy as np

    from pyimagesearch import splits

    if validation_index is not None:
        return np.setdiff1d(np.arange(len(targets)), validation_index), validation_index
    return splits.split(targets, dataset.hashes, args.validation_split, args.seed, args.split,
                        multilabel=args.manifest is not None, paths=dataset.paths)


def _fit(args, dataset, targets, class_names, split, state, settings):
    """Build (or restore) and train; (model with the kept weights, flip-averaged unless
    asked otherwise, history, kept epoch)."""
    from pyimagesearch import augment, checkpoint, models, training

    train_index, validation_index = split
    # Before TensorFlow runs anything (multi-worker); a cluster that never forms times out.
    strategy = distribute.choose(args.strategy, timeout=args.cluster_timeout)
    batch_size, learning_rate = distribute.scaled(args.batch_size, args.learning_rate,
                                                  strategy.num_replicas_in_sync)
    precision = models.choose_precision(args.precision)
    print(f"arithmetic: {precision}; training on {len(train_index)} images, "
          f"validating on {len(validation_index)}")
    print(distribute.describe(strategy, args.batch_size, args.learning_rate))
    print(f"network: {args.backbone} at {args.image_size} px, "
          + ("random initial weights" if args.weights == "none" else f"weights {args.weights}"))
    folder = _files(args).checkpoint
    data_identity = checkpoint.identity(dataset.hashes, train_index, validation_index)
    keep_best = training.KeepBest(args.monitor) if args.keep == "best" else None
    if state and state.identity != data_identity:
        raise UserError(f"the images differ from those of the checkpoint in {folder}; "
                        "run without --resume to start afresh")
    augmentation = augment.Augmentation(args.rotation, args.shift, args.shear, args.zoom,
                                        args.flip)
    with distribute.model_scope(strategy):  # variables, optimizer and metrics are the strategy's
        model = checkpoint.restore(state, keep_best) if state else _new_model(
            args, class_names, precision, len(train_index), (batch_size, learning_rate),
            augmentation)
    # What the model holds decides, so that a resumed run warps as it started, on any machine.
    warp_in_model = models.without_augmentation(model) is not model
    print("augmentation: " + ("in the model, on the device" if warp_in_model
                              else "in tf.data, on the CPU"))
    with checkpoint.StopRequest() as stop, distribute.lost_workers_reported(
            lambda: _how_to_resume(saver.epoch, args, folder) + " (on every worker)"):
        saver = training.Checkpoint(folder, data_identity, settings, keep_best, stop, state)
        for first, last, phase in _phases(args, state):
            if first and first == _warmup(args):  # the warm-up is over: fine-tune it all
                with distribute.model_scope(strategy):
                    models.fine_tune(model, _schedule(
                        args, learning_rate * defaults.FINE_TUNE_RATE, args.epochs - first,
                        len(train_index), batch_size))
            training.fit(
                model, (dataset.images, targets, train_index),
                (dataset.images, targets, validation_index), last, batch_size,
                augmentation, args.seed + phase, verbose=0 if args.quiet else 1,
                callbacks=_callbacks(args, keep_best, stop, training.images_per_epoch(
                    len(train_index), batch_size)) + [saver],
                initial_epoch=first, recolouring=_recolouring(args, class_names),
                warp=not warp_in_model)
            if stop.requested:
                break
    if stop.requested:
        raise Interrupted(_how_to_resume(saver.epoch, args, folder), stop.exit_code)
    if keep_best and keep_best.last_weights is None:  # resumed after its last epoch: no fit
        keep_best.set_model(model)
        keep_best.on_train_end()
    distribute.dump_weights_for_tests(model)
    if keep_best:  # the kept model is the best epoch's; the last one's is kept beside it
        _save_last(args, model, keep_best.last_weights)
    return _final_model(args, model), saver.history, \
        keep_best.best_epoch if keep_best else saver.epoch


def _network_choice(args):
    """(backbone, image size) of this run: --backbone auto and an unset --image-size resolved
    (pyimagesearch/backbones.py `choose`)."""
    from pyimagesearch import backbones

    if args.backbone != "auto" and args.image_size is not None:
        return args.backbone, args.image_size
    return backbones.choose(args.backbone, args.image_size, _has_colour_group(args))


def _has_colour_group(args):
    """Whether the run's label groups will have a colour group, known before any image is
    decoded: from --groups, or for folders with --groups auto from the folder names."""
    from pyimagesearch import colours
    from pyimagesearch import dataset as data

    if args.groups == groups.NONE:
        return False
    if args.groups != groups.AUTO:
        return colours.colour_group(groups.parse(args.groups)) is not None
    if args.manifest:
        return False  # a manifest's labels form no groups unless declared
    paths = [path for path, _ in data.labelled_images(args.dataset or "dataset")]
    return colours.colour_group(groups.infer(groups.folder_parts(paths))) is not None


def _network(args):
    from pyimagesearch import backbones

    return backbones.Network(args.backbone, args.head, args.weights)


def _warmup(args):
    """The epoch at which a pretrained backbone is unfrozen; None when nothing is frozen."""
    from pyimagesearch import training

    return training.warmup_epochs(args.epochs) if _network(args).fine_tuned else None


def _phases(args, state):
    """(first, last, phase number) of each fit still to run: the whole run in one, or with a
    pretrained backbone the head's warm-up, then the fine-tuning (a resumed run skips what is
    done). Each phase shuffles with its own seed (the run's, plus its number)."""
    done = state.epoch if state else 0
    warmup = _warmup(args)
    bounds = [(0, warmup), (warmup, args.epochs)] if warmup else [(0, args.epochs)]
    return [(max(first, done), last, phase) for phase, (first, last) in enumerate(bounds)
            if last > done]


def _schedule(args, learning_rate, epochs, train_count, batch_size):
    """(learning rate, epochs, schedule, steps per epoch), as models.compile_model takes it."""
    from pyimagesearch import training

    return (learning_rate, epochs, args.schedule,
            training.steps_per_epoch(train_count, batch_size))


def _callbacks(args, keep_best, stop, images_per_epoch):
    """What watches the training besides the checkpoint: the best epoch, early stopping, the
    run log (<model>.results.csv) and TensorBoard's, in that order."""
    import keras

    from pyimagesearch import runlog

    from pyimagesearch import divergence

    # First: a NaN epoch is neither kept, logged nor checkpointed.
    callbacks = [divergence.StopOnNaN(args.learning_rate)] + ([keep_best] if keep_best else [])
    if args.patience:
        callbacks.append(keras.callbacks.EarlyStopping(
            args.monitor, patience=args.patience, mode="min" if "loss" in args.monitor else "max"))
    # Before the checkpoint: killed between the two, the log holds the epoch the checkpoint
    # lacks, and a resumed run drops and redoes that row.
    callbacks.append(runlog.RunLog(_files(args).staged_run_log, images_per_epoch, stop))
    if args.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(args.tensorboard))
    return callbacks


def _final_model(args, model):
    """The trained `model` as it is evaluated, saved and exported: flip-averaged unless asked
    otherwise, in float32, as every backend and export computes it; rebuilt outside any
    tf.distribute strategy, so that a distributed run's model is one like any other."""
    from pyimagesearch import models

    model = models.without_augmentation(model)  # an identity at inference: left out
    if args.flip_average:
        model = models.flip_averaged(model)
    return models.float32_model(model)


def _save_last(args, model, last_weights):
    """Save the last epoch's model (`last_weights` on `model`'s network) beside the kept one,
    in the same form; `model` keeps its own weights."""
    from pyimagesearch import runlog

    kept = model.get_weights()
    model.set_weights(last_weights)
    try:  # staged in the checkpoint; saved with the other artifacts, as one set
        runlog.save_model(_final_model(args, model), _files(args).staged_last_model)
    finally:
        model.set_weights(kept)


def _staged_copies(args):
    """{path: write} for artifacts.save_artifacts' `extras`: the run log and the last epoch's
    model, staged in the checkpoint while training, go into place with the set, so a failed
    save leaves the previous run's as they were."""
    import shutil

    run = _files(args)
    staged = {run.run_log: run.staged_run_log, run.last_model: run.staged_last_model}
    return {path: (lambda target, source=source: shutil.copyfile(source, target))
            for path, source in staged.items() if os.path.isfile(source)}


def _new_model(args, class_names, precision, train_count, scaled, augmentation):
    """The recipe's network with a sigmoid per label, or with label groups one branch per
    group (pyimagesearch/grouped.py), compiled with the matching loss; `scaled` is the
    (global batch size, learning rate) the strategy's replicas train with. With
    --augment-on device (or auto on a GPU) `augmentation` is the model's first layer."""
    import keras

    from pyimagesearch import models, training

    keras.utils.set_random_seed(args.seed)  # initial weights, dropout and shuffling
    epochs = _warmup(args) or args.epochs  # a frozen backbone's warm-up has its own schedule
    return models.new_model(
        (args.image_size, args.image_size), class_names, args.groups_resolved, precision,
        args.bn_momentum, _schedule(args, scaled[1], epochs, train_count, scaled[0]),
        on_device=(augmentation, args.seed)
        if training.choose_augmentation_place(args.augment_on) == "device" else None,
        network=_network(args), loss=args.loss)


def _recolouring(args, class_names):
    """The repainting step for the groups' colour group, or None: no group of colour names
    the table knows, or --recolour and --tint both 0."""
    from pyimagesearch import recolour

    return recolour.for_groups(class_names, args.groups_resolved, args.recolour, args.tint)


def _exports(args, model):
    """{path: (format, write)} of the exports asked for, for artifacts.save_artifacts."""
    from pyimagesearch import export

    formats = [fmt for fmt in dict.fromkeys(args.export) if fmt != "none"]
    return {_files(args).export(fmt): (fmt, export.writer(model, fmt)) for fmt in formats}


def _how_to_resume(done, args, folder):
    if not done:
        return "interrupted before the first epoch ended; nothing to resume"
    program, *rest = args.command_line
    command = " ".join(shlex.quote(part) for part in ["python", program] + [
        part for part in rest if part != "--resume"] + ["--resume"])
    return f"interrupted after epoch {done} of {args.epochs}; checkpoint saved in {folder}; " \
           f"continue with: {command}"


def _evaluate(args, model, dataset, targets, validation_index, binarizer):
    """Tune the per-label thresholds on the validation images and score them there; the
    labels of exclusive groups are decided one per group, untuned. Returns the report, the
    decisions.DecisionRule and (probabilities, targets, decisions, labels, paths) of those
    images."""
    from pyimagesearch import evaluation, training

    class_names, model_groups = list(binarizer.classes_), args.groups_resolved
    probabilities = training.predict(model, dataset.images, validation_index)
    paths = [dataset.paths[i] for i in validation_index]
    cuts = decisions.tune_thresholds(targets[validation_index], probabilities, args.threshold_rule,
                                     model_groups, class_names)
    rule = decisions.DecisionRule(class_names, cuts, model_groups, tuned_by=args.threshold_rule)
    chosen = rule.decide(probabilities)
    report = evaluation.evaluate(targets[validation_index], probabilities, chosen, class_names,
                                 paths, rule=rule.describe(), groups=model_groups)
    return report, rule, (probabilities, targets[validation_index], chosen, class_names, paths)


def _write_report(args, model, report, scored, images, rule, extras):
    """The evaluation as one HTML page with the validation images (`images`: the dataset's
    and the validation rows) and the heat maps of the worst, beside the model."""
    from pyimagesearch import report as html_report

    path = _files(args).html_report
    html_report.write_report(path, report, *scored, html_report.Rows(*images),
                             rule=rule,
                             explain=html_report.heat_maps(model), **extras)
    print(f"saved {path}")


def main(argv=None):
    return cli.run(train, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

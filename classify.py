"""Classify images with a model trained by train.py.

Usage:
    python classify.py --image examples/example_01.jpg
    python classify.py --model fashion.model --labelbin mlb.pickle --image examples/example_01.jpg
    python classify.py --image photos/ more.jpg --json
    python classify.py --image examples/ --explain  # heat maps: why each label fired

Prints every label's probability and the labels it predicts (by default one label of each
exclusive label group the model was trained with, such as one colour and one item, and
those other labels reaching the per-label thresholds tuned in training), and writes each
image with its two most probable labels drawn on it. With --explain it also draws, per
image, where the network looked for each predicted label and for the runner-up (Grad-CAM
heat maps, pyimagesearch/explain.py).
"""

import argparse
import json
import sys

from pyimagesearch import cli, defaults, flags, runfiles


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("-i", "--image", nargs="+", required=True, metavar="PATH",
        help="image files and/or folders (searched recursively)")
    flags.add_model_flags(parser)
    flags.add_decision_flags(parser)
    add("--json", action="store_true", help="print one JSON object per image instead of text")
    add("--annotated", metavar="DIR", default=defaults.ANNOTATED,
        help="folder for images with labels drawn (default: %(default)s)")
    add("--no-annotate", dest="annotate", action="store_false", help="do not write drawn images")
    add("--explain", nargs="?", const=defaults.EXPLAINED, metavar="DIR",
        help="also write <name>.explained.png per image into DIR (default: %(const)s): heat "
             "maps of where the network looked for each predicted label and the runner-up "
             "(needs TensorFlow whatever the backend)")
    add("--show", action="store_true", help="also open a window per image, when a display exists")
    flags.add_backend_flag(parser)
    add("--batch-size", type=cli.integer(1, cli.MAX_BATCH_SIZE),
        default=defaults.PREDICTION_BATCH,
        help="images per prediction batch (default: %(default)s)")
    flags.add_workers_flag(parser)
    flags.add_trust_flag(parser)
    return parser


def parse_args(argv=None):
    args = build_parser().parse_args(argv)
    args.labelbin = runfiles.RunFiles(args.model, args.labelbin).labelbin
    return args


def classify(args):
    from pyimagesearch import outputs

    # Refused before anything loads: the user's images are never drawn over.
    plan = outputs.Plan().folder("--annotated", args.annotate and args.annotated)
    plan.folder("--explain", args.explain)
    for path in args.image:
        plan.reads("--image", path)
    with plan.checked():
        return _classify(args)


def _classify(args):
    from pyimagesearch import classifier, display

    paths = classifier.expand_inputs(args.image, skip=args.annotated)
    model = classifier.Classifier.load(args.model, args.labelbin, args.backend,
                                       args.trust_model_code, args.threshold, args.top_k)
    results = model.classify_files(paths, args.batch_size, args.workers)
    explain = explainer(args, model)
    taken = set()
    for result in results:
        if explain and "error" not in result:
            result["explained"] = explain(result)
        print(json.dumps(result) if args.json else text(result, model.groups), flush=True)
        if "error" in result or not (args.annotate or args.show):
            continue
        image = display.annotate(result)
        if args.annotate:
            result["annotated"] = display.save_annotated(
                image, result["path"], args.annotated, taken)
        if args.show:
            display.show(image, result["path"])
    failed = sum("error" in result for result in results)
    if failed:
        print(f"error: {failed} of {len(results)} image(s) could not be classified", file=sys.stderr)
    return 1 if failed else 0


def explainer(args, model):
    """A function writing one result's heat maps and returning the file's path, or None
    without --explain. Gradients need the Keras model, whichever backend classified: it
    and TensorFlow are imported only here, so the LiteRT path stays TensorFlow-free."""
    if not args.explain:
        return None
    cli.quiet_tensorflow()  # before TensorFlow's first import, which explain's is
    from pyimagesearch import explain

    keras_model = explain.keras_model(model, args.model, args.labelbin, args.trust_model_code)
    taken = set()
    return lambda result: explain.save_explained(keras_model, result, model.class_names,
                                                 args.explain, taken)


def text(result, groups):
    from pyimagesearch import classifier

    lines = classifier.format_result(result, groups)
    return lines + (f"\n  explained: {result['explained']}" if "explained" in result else "")


def main(argv=None):
    return cli.run(classify, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""Evaluate a trained model on any labelled folder tree or manifest.

Usage:
    python evaluate.py --dataset photos/
    python evaluate.py --model fashion.model --labelbin mlb.pickle --manifest labels.csv

Prints exact match, Hamming loss, per-label binary accuracy, precision, recall, F1,
support and average precision, micro and macro F1, macro mAP, for a model with label
groups each group's accuracy and true-against-predicted counts, and the worst-classified
images, and saves them as JSON (default: beside the model) and as an HTML page that shows
the images behind each figure (pyimagesearch/report.py).
"""

import argparse
import os
import sys

from pyimagesearch import cli, defaults, flags, runfiles


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.set_defaults(batch_size=defaults.PREDICTION_BATCH)  # images per batch; no flag
    add = parser.add_argument
    add("-d", "--dataset", help="label folders to evaluate on, or the image root of --manifest")
    flags.add_manifest_flags(parser)
    flags.add_model_flags(parser)
    flags.add_decision_flags(parser)
    flags.add_backend_flag(parser)
    add("--report", help="JSON file to write (default: MODEL.evaluation-<dataset>.json)")
    html = parser.add_mutually_exclusive_group()
    html.add_argument("--html", help="HTML report to write: figures, curves and galleries of "
                      "the images in one page, with --backend keras heat maps beside the "
                      "worst (default: the JSON report's path, .html)")
    html.add_argument("--no-html", action="store_true", help="write no HTML report")
    flags.add_workers_flag(parser)
    flags.add_trust_flag(parser)
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.dataset and not args.manifest:
        parser.error("give --dataset, --manifest, or both")
    args.labelbin = runfiles.RunFiles(args.model, args.labelbin).labelbin
    return args


def evaluate(args):
    json_path, html_path = _output_paths(args)
    with _output_plan(args, json_path, html_path).checked():
        return _evaluate(args, json_path, html_path)


def _output_paths(args):
    """(JSON report, HTML report or None): by default beside the model, named by the data."""
    name = os.path.basename(os.path.normpath(args.manifest or args.dataset))
    path = args.report or runfiles.RunFiles(args.model).report(f"evaluation-{name}")
    stem, extension = os.path.splitext(path)
    html = None if args.no_html else args.html or (
        stem if extension.lower() == ".json" else path) + ".html"
    return path, html


def _output_plan(args, json_path, html_path):
    """The two reports, against each other and the model's files and the data."""
    from pyimagesearch import artifacts, outputs

    plan = outputs.Plan().file("--report", json_path).file("--html", html_path)
    for name, path in artifacts.set_files(args.model, args.labelbin).items():
        plan.reads(name, path)
    plan.manifest("--manifest", args.manifest, args.dataset,
                  (args.path_column, args.labels_column))
    # A manifest's image root may hold anything (the model too): its images are protected.
    return plan if args.manifest else plan.data("--dataset", args.dataset)


def _evaluate(args, path, html_path):
    from pyimagesearch import artifacts, classifier, evaluation, labels
    from pyimagesearch import dataset as data

    model = classifier.Classifier.load(args.model, args.labelbin, args.backend,
                                       args.trust_model_code, args.threshold, args.top_k)
    class_names, model_groups = model.class_names, model.groups
    dataset, _ = data.load_training_data(
        args.dataset, args.manifest, None, model.input_size, args.workers,
        _progress_bar(model.backend), columns=(args.path_column, args.labels_column),
        require_variety=False)
    unknown = labels.check_known(dataset.labels, class_names, args.manifest or args.dataset)
    if unknown:
        print(f"note: left out of the scores, labels the model does not know: "
              f"{', '.join(unknown)}", file=sys.stderr)
    targets = labels.targets_for(dataset.labels, class_names)
    probabilities = model.predict_images(dataset.images, args.batch_size)
    chosen = model.rule.decide(probabilities)
    report = evaluation.evaluate(targets, probabilities, chosen, class_names, dataset.paths,
                                 rule=model.rule.describe(), groups=model_groups)
    artifacts.write_json(path, report)
    print(evaluation.format_report(report, title=args.manifest or args.dataset))
    print(f"saved {path}")
    if html_path:
        _write_html(args, html_path, report, (probabilities, targets, chosen), model, dataset)
    return 0


def _write_html(args, path, report, scored, model, dataset):
    """The same evaluation as one HTML page with the images, beside the JSON report."""
    from pyimagesearch import report as html_report

    # Heat maps need the Keras model; loading it (and TensorFlow) for LiteRT or ONNX would
    # cost the TensorFlow-free path its point, so they come with --backend keras.
    explain = html_report.heat_maps(model.runner.model) if model.backend == "keras" else None
    html_report.write_report(path, report, *scored, model.class_names, dataset.paths,
                             dataset.images, rule=model.rule, explain=explain,
                             title=args.manifest or args.dataset)
    print(f"saved {path}")


def _progress_bar(backend):
    """Keras's progress bar where Keras is loaded anyway; none on a TensorFlow-free backend."""
    return cli.progress_bar if backend == "keras" else None


def main(argv=None):
    return cli.run(evaluate, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

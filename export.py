"""Export a model trained by train.py for LiteRT, TensorFlow Serving or ONNX runtimes.

Usage:
    python export.py                                   # output/fashion.keras -> fashion.tflite
    python export.py --model fashion.model --format litert savedmodel onnx

Each export lies beside the model (fashion.tflite, fashion.savedmodel/, fashion.onnx) and is
listed, with its SHA-256, in the model's description (fashion.keras.json), which is how
classify.py and evaluate.py find it and know it belongs to this model. Every format takes
uint8 RGB images of the model's input size, any batch size, and gives one float32
probability per label in the labels' order; see README.md, "Exported models". ONNX needs
the extra packages: pip install -r requirements-onnx.txt.
"""

import argparse
import sys

from pyimagesearch import cli, defaults, flags, runfiles


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    flags.add_model_flags(parser)
    parser.add_argument("-f", "--format", nargs="+", choices=runfiles.EXPORT_FORMATS,
                        default=list(defaults.EXPORTS), dest="formats",
                        help="litert (.tflite), savedmodel (a folder for TensorFlow Serving), "
                             "onnx (default: %(default)s)")
    flags.add_trust_flag(parser)
    return parser


def parse_args(argv=None):
    return build_parser().parse_args(argv)


def export_model(args):
    from pyimagesearch import artifacts, outputs

    run = runfiles.RunFiles(args.model, args.labelbin)
    plan = outputs.Plan()
    for fmt in dict.fromkeys(args.formats):
        plan.file(f"the {fmt} export", run.export(fmt))
    for name, path in artifacts.set_files(run.model, run.labelbin).items():
        if not name.startswith("the ") or not name.endswith(" export"):  # replaced on purpose
            plan.reads(name, path)
    with plan.checked():
        return _export(args, run)


def _export(args, run):
    import dataclasses

    from pyimagesearch import artifacts, backends, descriptions, files
    from pyimagesearch.errors import UserError

    if "onnx" in args.formats:  # before the seconds that loading TensorFlow takes
        backends.check_onnx_export()
    cli.quiet_tensorflow()
    from pyimagesearch import export

    model, _, description = artifacts.load_artifacts(run.model, run.labelbin,
                                                     args.trust_model_code)
    if not description.found:
        raise UserError(f"{args.model} has no description ({run.description}): it was not "
                        "saved by train.py; train again")
    with files.lock_for(args.model):
        exports = dict(description.exports)
        for fmt in dict.fromkeys(args.formats):
            path = run.export(fmt)
            exports[fmt] = export.write(model, fmt, path, description.fingerprint)
            print(f"wrote {path}")
        # Read again under the lock: the file as it is now, with these exports added.
        descriptions.write(args.model, dataclasses.replace(descriptions.read(args.model),
                                                           exports=exports))
    print(f"listed in {run.description}")
    return 0


def main(argv=None):
    return cli.run(export_model, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""The flags that several scripts take, each declared once, and what train.py's --recipe sets.

Usage:
    from pyimagesearch import flags
    flags.add_model_flags(parser)  # -m/--model and -l/--labelbin of a trained model
    flags.add(parser, "--keep", choices=defaults.KEEP, default=defaults.KEEP[0], recipe="last")
    flags.add_recipe_flag(parser)  # after the flags it sets: its help lists them
    flags.apply_recipe(parser, args)  # after parsing; does nothing without --recipe

A flag's recipe value (the 2018 script's choice) is declared with the flag, so that the flag,
its default and what --recipe makes of it are read in one place. Defaults come from
defaults.py. Cheap to import (no TensorFlow), so that --help and flag errors answer at once.
"""

from pyimagesearch import cli, defaults, groups

_NO_RECIPE = object()  # not None: None could be a recipe's value


def add(parser, *names, recipe=_NO_RECIPE, **options):
    """`parser.add_argument(*names, **options)`; `recipe`, when given, is the value that
    --recipe sets, recorded on the flag's action. `parser` may be an argument group."""
    action = parser.add_argument(*names, **options)
    if recipe is not _NO_RECIPE:
        action.recipe = recipe
    return action


def recipe_values(parser):
    """{destination: value} of each flag of `parser` that --recipe sets, in declared order."""
    return {action.dest: action.recipe for action in parser._actions if hasattr(action, "recipe")}


def add_recipe_flag(parser):
    """--recipe. Its help names the flags declared so far with a recipe value, so the help
    says what the flag does however the flags change."""
    settings = ", ".join(_as_given(action) for action in parser._actions
                         if hasattr(action, "recipe"))
    parser.add_argument("--recipe", action="store_true",
                        help=f"the 2018 recipe's choices, whatever else is given: {settings}")


def _as_given(action):
    """The recipe's value of `action` as a command line would give it: --no-flip-average."""
    if action.nargs == 0:  # a switch: the recipe's value is what giving it stores
        assert action.recipe == action.const, action.dest
        return action.option_strings[-1]
    value = action.recipe
    return f"{action.option_strings[-1]} {value:g}" if isinstance(value, float) else \
        f"{action.option_strings[-1]} {value}"


def apply_recipe(parser, args):
    """With --recipe, each flag that records a recipe value takes it, given or not: the
    recipe is one choice, not defaults that single flags refine."""
    if args.recipe:
        for dest, value in recipe_values(parser).items():
            setattr(args, dest, value)


def add_model_flags(parser):
    """-m/--model and -l/--labelbin: the trained model a script reads, and its label file."""
    parser.add_argument("-m", "--model", default=defaults.MODEL,
                        help="trained model (default: %(default)s)")
    parser.add_argument("-l", "--labelbin", default=None, help="label binarizer from the same "
                        f"run (default: {defaults.LABELBIN_NAME} beside --model)")


def add_trust_flag(parser):
    parser.add_argument("--trust-model-code", action="store_true",
                        help="load a model that carries Python code (Lambda layers); it runs "
                             "on loading, so only for models from a source you trust")


def add_backend_flag(parser):
    parser.add_argument("--backend", choices=defaults.BACKENDS, default=defaults.BACKENDS[0],
                        help="what runs the model: auto = the LiteRT file training wrote beside "
                             "it (no TensorFlow: starts in a blink), else Keras; keras, litert or "
                             "onnx force one (default: %(default)s)")


def add_decision_flags(parser):
    """--threshold or --top-k: a rule given now instead of the one saved with the model."""
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--threshold", type=cli.number(0, 1), metavar="P",
                      help="one threshold for every label instead of the tuned ones")
    rule.add_argument("--top-k", type=cli.integer(minimum=1), metavar="K",
                      help="predict the K most probable labels (the recipe: --top-k 2)")


def add_workers_flag(parser):
    parser.add_argument("--workers", type=cli.integer(1, cli.MAX_WORKERS), default=None,
                        help="image decoding threads (default: one per core, at most 8)")


def add_manifest_flags(parser):
    """--manifest and its columns: labels from a CSV instead of folder names."""
    parser.add_argument("--manifest", help="CSV of image paths and labels, instead of folder "
                        "names; paths are relative to --dataset if given, else to the "
                        "manifest's folder")
    parser.add_argument("--path-column",
                        help="manifest column with the image paths (default: guessed)")
    parser.add_argument("--labels-column",
                        help="manifest column with the labels (default: guessed)")


def add_split_flags(parser):
    """--split, --validation-split and --seed: which images are held out for validation."""
    add(parser, "--split", choices=defaults.SPLITS, default=defaults.SPLITS[0], recipe="recipe",
        help="how images are held out: stratified by label combination, the 2018 recipe's "
             "exact split, or a plain random one (default: %(default)s)")
    parser.add_argument("--validation-split", type=cli.number(0, 1, above=True, below=True),
                        default=defaults.VALIDATION_SPLIT,
                        help="fraction held out (default: %(default)s)")
    parser.add_argument("--seed", type=cli.integer(0, 2 ** 32 - 1), default=defaults.SEED,
                        help="seed of the split, the shuffling and the initial weights "
                             "(default: %(default)s)")


def add_groups_flag(parser, purpose="label groups"):
    """--groups: `purpose` opens the help, which then gives the flag's syntax."""
    add(parser, "--groups", type=groups.flag, metavar="GROUPS", default=defaults.GROUPS,
        recipe=groups.NONE,
        help=f"{purpose}: auto (one group per position of folder names of one shape, such as "
             "colour_item), none (one independent sigmoid per label, the recipe's), or "
             "NAME=label,label;... with NAME+= for a group whose labels may go together; "
             "labels left out form the group 'other' (default: %(default)s)")


def add_cache_flags(parser, scope=""):
    """--cache-dir and --no-cache; `scope` ("--label-errors: ") says when they apply."""
    parser.add_argument("--cache-dir", help=f"{scope}folder for the cache of decoded images "
                        "(default: $XDG_CACHE_HOME/pyimagesearch-multilabel or "
                        "~/.cache/pyimagesearch-multilabel)")
    parser.add_argument("--no-cache", action="store_true",
                        help=f"{scope}decode every image, read and write no cache")

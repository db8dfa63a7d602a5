"""What the scripts need at their edges: checked flags, quiet start-up and one-line errors.

Usage:
    parser.add_argument("--epochs", type=cli.integer(minimum=1))
    parser.add_argument("--threshold", type=cli.number(0, 1))
    return cli.run(train, args)  # at the end of a script's main

Cheap to import (no TensorFlow), so that --help and flag errors answer at once.
"""

import argparse
import contextlib
import math
import os
import sys

from pyimagesearch.errors import Interrupted, UserError

# Upper bounds of the flags: far above any sensible run, low enough that no value overflows
# the numbers TensorFlow counts in or asks for memory no machine has.
MAX_INTEGER = 2 ** 31 - 1  # any whole-number flag without a bound of its own
MAX_EPOCHS = 100_000  # over two months of one-minute epochs
MAX_BATCH_SIZE = 65_536  # images per step
MAX_IMAGE_SIZE = 1_024  # pixels a side: a batch of 32 is 400 MB of float32 at the input
MAX_LEARNING_RATE = 10.0  # Adam diverges long before; a NaN loss stops the run anyway
MAX_WORKERS = 256  # decoding threads


def run(function, args):
    """Call `function(args)`; a UserError becomes one line on stderr and exit code 2,
    an interruption one line and the shell's code for the signal (130 for Ctrl-C)."""
    for stream in (sys.stdout, sys.stderr):
        # File names that are not UTF-8 print as the bytes they are, not as a crash.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    try:
        return function(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"stopped: {stop}", file=sys.stderr)
        return stop.exit_code
    except KeyboardInterrupt:
        print("stopped: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def given_options(parser, argv=None):
    """The destinations of the options present in `argv` (default: sys.argv[1:]), whatever
    their values: `parser` (a fresh one, which this changes) parses them with no defaults."""
    for action in parser._actions:  # argparse has no public way to drop every default
        action.default = argparse.SUPPRESS
    parser._defaults.clear()
    return set(vars(parser.parse_args(sys.argv[1:] if argv is None else argv)))


def integer(minimum=None, maximum=MAX_INTEGER):
    """An argparse type: a whole number within [minimum, maximum] (None: unbounded)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        _check_range(value, minimum, maximum, False, False)
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def number(low=None, high=None, above=False, below=False):
    """An argparse type: a finite number from `low` to `high`; `above` / `below` exclude
    the bound itself (a validation fraction of 0 or 1 leaves nothing on one side)."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        _check_range(value, low, high, above, below)
        return value

    parse.__name__ = "number"
    return parse


def _check_range(value, low, high, above, below):
    too_low = low is not None and (value <= low if above else value < low)
    too_high = high is not None and (value >= high if below else value > high)
    if not (too_low or too_high):
        return
    if low is not None and high is not None and not (above or below):
        wanted = f"between {_show(low)} and {_show(high)}"
    else:
        wanted = " and ".join(
            ([f"{'above' if above else 'at least'} {_show(low)}"] if low is not None else [])
            + ([f"{'below' if below else 'at most'} {_show(high)}"] if high is not None else []))
    raise argparse.ArgumentTypeError(f"must be {wanted}, got {_show(value)}")


def _show(value):
    return str(value) if isinstance(value, int) else f"{value:g}"


def progress_bar(total, unit="image"):
    """A Keras progress bar for `total` items: returns the function to call with the count
    done so far. For dataset.load_dataset's `progress`."""
    quiet_tensorflow()
    import keras  # deferred, and only for the bar: importing it takes seconds

    bar = keras.utils.Progbar(total, unit_name=unit)
    return bar.update


def quiet_tensorflow():
    """Import TensorFlow without the C++ log lines it prints before logging is set up.

    Those lines (oneDNN notices, "Could not find cuda drivers") go straight to
    file descriptor 2, so they can only be silenced there. Python errors still
    surface: the exception is raised after stderr is restored.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with stderr_to_devnull():
        import tensorflow  # noqa: F401


@contextlib.contextmanager
def stderr_to_devnull():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

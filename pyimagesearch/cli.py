"""What both scripts need at their edges: quiet start-up and one-line errors.

Usage (at the top of a script's main):
    return cli.run(train, args)
"""

import contextlib
import os
import sys

from pyimagesearch.errors import Interrupted, UserError


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


def quiet_tensorflow():
    """Import TensorFlow without the C++ log lines it prints before logging is set up.

    Those lines (oneDNN notices, "Could not find cuda drivers") go straight to
    file descriptor 2, so they can only be silenced there. Python errors still
    surface: the exception is raised after stderr is restored.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with _stderr_to_devnull():
        import tensorflow  # noqa: F401


@contextlib.contextmanager
def _stderr_to_devnull():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

"""The one exception type that means "the user gave us something we cannot use".

Scripts catch it at the top, print its message as one line on stderr and exit
non-zero; everything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class ImageError(UserError):
    """A file that cannot be decoded as an image."""


class Interrupted(Exception):
    """Training stopped by a signal; the message says how to resume it."""

    def __init__(self, message, exit_code):
        super().__init__(message)
        self.exit_code = exit_code

"""Saving and showing annotated images without ever blocking a headless machine.

Usage:
    path = save_annotated(image, "examples/example_01.jpg", "output/classified")
    show(image, "example_01")  # only where a display exists
"""

import os
import sys

import cv2

from pyimagesearch.errors import UserError
from pyimagesearch.files import atomic_write


def save_annotated(image, source_path, folder, taken):
    """Write the BGR `image` as FOLDER/<name>.jpg; `taken` holds names this run has used.

    Two inputs with the same file name (from different folders) get distinct
    outputs; a later run replaces its own earlier drawing of the same image.
    """
    stem = os.path.splitext(os.path.basename(source_path))[0]
    name, number = f"{stem}.jpg", 1
    while name in taken:
        number += 1
        name = f"{stem}-{number}.jpg"
    taken.add(name)
    ok, encoded = cv2.imencode(".jpg", image)
    if not ok:
        raise UserError(f"cannot encode the annotated image for {source_path}")
    path = os.path.join(folder, name)
    with atomic_write(path) as handle:
        handle.write(encoded.tobytes())
    return path


def has_display():
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show(image, title):
    """Open a window with `image` if a display exists; otherwise say why not and go on."""
    if not has_display():
        print(f"note: no display, not showing {title}", file=sys.stderr)
        return
    try:
        cv2.imshow(title, image)
        cv2.waitKey(0)
        cv2.destroyWindow(title)
    except cv2.error:
        print("note: this OpenCV build has no window support (opencv-python-headless); "
              "open the saved image instead", file=sys.stderr)

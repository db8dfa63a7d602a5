"""Drawing labels on images, saving and showing them without ever blocking a headless machine.

Usage:
    image = annotate(result)  # a result of classifier.classify_files
    path = save_annotated(image, "examples/example_01.jpg", "output/classified")
    show(image, "example_01")  # only where a display exists
"""

import functools
import os
import sys

import cv2
import numpy as np

from pyimagesearch import images as image_io
from pyimagesearch.errors import UserError
from pyimagesearch.files import atomic_write

DRAWN = 2  # the recipe draws the two most probable labels


def annotate(result, width=400):
    """The image at `width` pixels wide (BGR, for OpenCV) with its labels drawn.

    The two most probable labels are always drawn, as in the recipe, each marked
    "yes" (predicted) or "no" (below its threshold); further predicted labels follow.
    """
    image = cv2.cvtColor(image_io.decode_image(result["path"]), cv2.COLOR_RGB2BGR)
    height, original_width = image.shape[:2]
    # Keep the aspect ratio, within limits: a 20000x2 strip still leaves room for the
    # labels, and a 2x8000 one does not become 1.6 million pixels tall.
    height = min(4 * width, max(30 * DRAWN + 20, round(height * width / original_width)))
    image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])
    shown = [item for rank, item in enumerate(ranked)
             if rank < DRAWN or item[0] in result["labels"]]
    for row, (name, probability) in enumerate(shown):
        accepted = name in result["labels"]
        text = f"{name}: {probability * 100:.2f}% {'yes' if accepted else 'no'}"
        colour = (0, 255, 0) if accepted else (0, 0, 255)  # BGR green / red
        position = (10, (row * 30) + 25)
        draw_text(image, text, position, colour)
    return image


def draw_text(image, text, position, colour, height=20, outline=True):
    """Draw `text` on the BGR `image` at `position` (the left end of its baseline), outlined
    in black. OpenCV's own font has ASCII only and draws anything else as "?": other text
    goes through Pillow, `height` pixels high, in an installed font that has its characters
    (drawable_text)."""
    if text.isascii():
        # A dark outline keeps the text legible on light and dark photos alike.
        cv2.putText(image, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4)
        cv2.putText(image, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.7, colour, 2)
        return
    from PIL import Image, ImageDraw, ImageFont

    shown, font_path = drawable_text(text)
    font = ImageFont.truetype(font_path, height)
    picture = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    ImageDraw.Draw(picture).text(position, shown, font=font, fill=tuple(reversed(colour)),
                                 anchor="ls", stroke_width=2 if outline else 0,
                                 stroke_fill=(0, 0, 0))
    image[...] = cv2.cvtColor(np.asarray(picture), cv2.COLOR_RGB2BGR)


def drawable_text(text):
    """(text, font file): an installed font that has every character of `text`; without one,
    matplotlib's DejaVu Sans with each missing character shown as its code (<U+30C9>), and a
    note saying which font to install, rather than a row of question marks."""
    fonts = _fonts()
    for path in fonts:
        if set(text) <= _characters(path):
            return text, path
    fallback = fonts[0]
    missing = "".join(sorted(set(text) - _characters(fallback)))
    if missing not in _NOTED:
        _NOTED.add(missing)
        print(f"note: no installed font has {missing!r}, drawn as their codes; install one "
              "that has (for Chinese, Japanese or Korean: fonts-noto-cjk)", file=sys.stderr)
    return "".join(c if c in _characters(fallback) else f"<U+{ord(c):04X}>" for c in text), \
        fallback


_NOTED = set()  # the missing characters already noted, so that each is said once


@functools.lru_cache(maxsize=1)
def _fonts():
    """Font files: matplotlib's bundled DejaVu Sans first, then the system's."""
    from matplotlib import font_manager

    system = sorted(path for path in font_manager.findSystemFonts()
                    if path.lower().endswith((".ttf", ".otf", ".ttc")))
    return [str(font_manager.findfont("DejaVu Sans"))] + system


@functools.lru_cache(maxsize=None)
def _characters(path):
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return frozenset(chr(code) for code in (font.getBestCmap() or {}))
    except Exception:  # a font file fontTools cannot read is no font for us
        return frozenset()


def save_annotated(image, source_path, folder, taken):
    """Write the BGR `image` as FOLDER/<name>.jpg; `taken` holds names this run has used.

    Two inputs with the same file name (from different folders) get distinct
    outputs; a later run replaces its own earlier drawing of the same image.
    """
    return save_drawing(image, source_path, folder, taken, ".jpg")


def save_drawing(image, source_path, folder, taken, suffix):
    """Write the BGR `image`, whole or not at all, as FOLDER/<stem of source_path><suffix>,
    or <stem>-2<suffix> and so on when `taken` (the names this run has used) has it; the
    suffix's extension chooses the encoding. Returns the path."""
    stem = os.path.splitext(os.path.basename(source_path))[0]
    name, number = f"{stem}{suffix}", 1
    while name in taken:
        number += 1
        name = f"{stem}-{number}{suffix}"
    taken.add(name)
    ok, encoded = cv2.imencode("." + suffix.rsplit(".", 1)[-1], image)
    if not ok:
        raise UserError(f"cannot encode the drawing of {source_path}")
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

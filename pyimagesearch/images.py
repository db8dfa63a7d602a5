"""Reading images: one decoder and one `load_image()` for training and classification.

Usage:
    image = load_image("examples/example_01.jpg", size=(96, 96))  # uint8, RGB, 96x96x3

Every caller goes through `load_image()`, so the model sees the same pixels in
training and in classification (no train/serve skew). Pixels stay uint8; the
model scales them itself.
"""

import os
import stat
import sys

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pyimagesearch.errors import ImageError

COLOUR_ORDER = "RGB"  # what load_image returns and the saved model expects
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
BACKGROUND = (255, 255, 255)  # transparent pixels become white, like a product photo


def is_image_file(path):
    name = os.path.basename(path)
    return not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS)


def list_images(root, skip_root_files=False):
    """Image files under `root`, sorted, hidden files and folders left out.

    Links to folders are followed (datasets are often assembled from links), each real
    folder read once, under the first name met; a link back to a folder above it is
    skipped with a warning rather than followed for ever.
    """
    found = []
    visited = {os.path.realpath(root): root}
    for folder, subfolders, files in os.walk(root, followlinks=True):
        subfolders[:] = _unvisited(folder, sorted(
            name for name in subfolders if not name.startswith(".")), visited)
        if skip_root_files and folder == root:
            continue
        found.extend(os.path.join(folder, name) for name in sorted(files) if is_image_file(name))
    return found


def _unvisited(folder, names, visited):
    """The `names` in `folder` whose real folders are not yet in `visited`, a dict of
    {real folder: the path it was first met under} to which they are added."""
    here = os.path.realpath(folder)
    kept = []
    for name in names:
        path = os.path.join(folder, name)
        real = os.path.realpath(path)
        if real not in visited:
            visited[real] = path
            kept.append(name)
        elif here == real or here.startswith(real.rstrip(os.sep) + os.sep):
            print(f"warning: skipped folder link {path}: it loops back to {real}",
                  file=sys.stderr)
        else:
            print(f"warning: skipped folder link {path}: the same folder as {visited[real]}, "
                  "already read", file=sys.stderr)
    return kept


def decode_image(path, at_least=None):
    """Decode any image Pillow or OpenCV can read into a uint8 RGB array.

    EXIF orientation is applied; alpha is composited onto white; 16-bit and
    grayscale images are brought to 8-bit RGB. Raises ImageError otherwise.
    With `at_least` = (width, height), a large JPEG is decoded at a reduced
    scale (libjpeg's DCT scaling: 1/2, 1/4 or 1/8) that still leaves twice that
    size in both directions, so the final shrink loses nothing visible.
    """
    _check_regular_file(path)
    try:
        with Image.open(path) as image:
            if at_least and image.format == "JPEG":
                side = 2 * max(at_least)  # square: EXIF may still swap width and height
                image.draft(image.mode, (side, side))
            return _pillow_to_rgb(ImageOps.exif_transpose(image))
    except UnidentifiedImageError:
        pass  # not a format Pillow knows: OpenCV may (below)
    except Image.DecompressionBombError as error:
        raise ImageError(f"{path}: refused, {error}") from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        # Pillow recognised the format but the file is broken (truncated, corrupt).
        raise ImageError(f"{path}: cannot decode image ({error})") from None
    return _decode_with_opencv(path)


def _check_regular_file(path):
    """Refuse what is not a plain file before opening it: opening a FIFO (a named pipe called
    x.jpg) waits for a writer for ever, and a device never ends."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise ImageError(f"{path}: cannot read file ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a folder" if stat.S_ISDIR(
            mode) else "a device or socket"
        raise ImageError(f"{path}: not an image file but {kind}")


def load_image(path, size):
    """Decode `path` and resize it to `size` = (width, height): uint8, RGB."""
    return resize(decode_image(path, at_least=size), size)


def resize(image, size):
    width, height = size
    shrinking = image.shape[0] > height or image.shape[1] > width
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def _pillow_to_rgb(image):
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return _gray_to_rgb(_to_uint8(np.asarray(image)))
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
        image = Image.alpha_composite(background, rgba)
    return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()


def _decode_with_opencv(path):
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ImageError(f"{path}: cannot read file ({error.strerror})") from None
    image = cv2.imdecode(data, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageError(f"{path}: not an image, or a format neither Pillow nor OpenCV reads")
    return cv2.cvtColor(_to_uint8(image), cv2.COLOR_BGR2RGB)


def _to_uint8(array):
    """Bring 16-bit, 32-bit or float pixels into 0..255 without wrapping around."""
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind == "f":
        top = 1.0 if array.max(initial=0) <= 1.0 else 255.0
        return np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    top = 65535 if array.max(initial=0) > 255 else 255
    return np.clip(array.astype(np.float64) * 255.0 / top + 0.5, 0, 255).astype(np.uint8)


def _gray_to_rgb(gray):
    return np.repeat(gray[:, :, np.newaxis], 3, axis=2)

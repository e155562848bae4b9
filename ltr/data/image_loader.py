"""Image reading for datasets and trackers.

Every loader returns an ``H x W x 3`` ``uint8`` RGB array (``imread_indexed`` returns an ``H x W``
label array). Unlike the original, which printed a message and returned ``None``, an unreadable or
missing file raises :class:`ImageLoadError` naming the file, so the failure surfaces where it
happened instead of as a ``NoneType`` error deep inside a crop function.
"""
import logging
import os

import cv2 as cv
import numpy as np
from PIL import Image

logger = logging.getLogger(__name__)

try:
    import jpeg4py  # optional: fast JPEG decoding through libturbojpeg
except ImportError:  # the package itself is missing
    jpeg4py = None

# None = not probed yet; False = jpeg4py imported but libturbojpeg is missing or broken.
_jpeg4py_usable = None


class ImageLoadError(OSError):
    """Raised when an image file is missing or cannot be decoded."""


def _check_exists(path: str) -> None:
    if not os.path.isfile(path):
        raise ImageLoadError("Image file not found: '{}'".format(path))


def opencv_loader(path: str) -> np.ndarray:
    """Read an image with OpenCV; returns ``H x W x 3`` uint8 RGB (grayscale is replicated)."""
    _check_exists(path)
    im = cv.imread(path, cv.IMREAD_COLOR)
    if im is None:
        raise ImageLoadError("Could not decode image file '{}' (corrupt or unsupported format)".format(path))
    return cv.cvtColor(im, cv.COLOR_BGR2RGB)


def _jpeg4py_available() -> bool:
    global _jpeg4py_usable
    if _jpeg4py_usable is None:
        if jpeg4py is None:
            _jpeg4py_usable = False
        else:
            try:
                jpeg4py.JPEG(np.zeros(0, dtype=np.uint8))
                _jpeg4py_usable = True
            except (OSError, AttributeError, RuntimeError) as e:
                logger.info("jpeg4py is installed but unusable (%s); falling back to OpenCV", e)
                _jpeg4py_usable = False
            except Exception:  # decoding an empty buffer fails once libturbojpeg is loaded: usable
                _jpeg4py_usable = True
    return _jpeg4py_usable


def jpeg4py_loader(path: str) -> np.ndarray:
    """Read a JPEG with jpeg4py when libturbojpeg is available, otherwise with OpenCV."""
    _check_exists(path)
    if _jpeg4py_available() and path.lower().endswith(('.jpg', '.jpeg')):
        try:
            im = jpeg4py.JPEG(path).decode()
            if im.ndim == 2:
                im = np.repeat(im[:, :, None], 3, axis=2)
            return im
        except Exception as e:  # jpeg4py raises its own error types; fall back to OpenCV
            logger.debug("jpeg4py failed on '%s' (%s); trying OpenCV", path, e)
    return opencv_loader(path)


jpeg4py_loader_w_failsafe = jpeg4py_loader


def default_image_loader(path: str) -> np.ndarray:
    """The loader used when none is given: jpeg4py if usable, else OpenCV."""
    return jpeg4py_loader(path)


def opencv_seg_loader(path: str) -> np.ndarray:
    """Read a segmentation mask as stored (no colour conversion)."""
    _check_exists(path)
    im = cv.imread(path, cv.IMREAD_UNCHANGED)
    if im is None:
        raise ImageLoadError("Could not decode mask file '{}'".format(path))
    return im


def imread_indexed(filename: str) -> np.ndarray:
    """Read a palette (indexed) PNG, as used by DAVIS and YouTube-VOS; returns ``H x W`` labels."""
    _check_exists(filename)
    try:
        im = Image.open(filename)
        return np.atleast_3d(im)[..., 0]
    except OSError as e:
        raise ImageLoadError("Could not decode indexed image '{}': {}".format(filename, e)) from e


def imwrite_indexed(filename: str, array: np.ndarray, color_palette=None) -> None:
    """Write an ``H x W`` label array as a palette PNG (DAVIS palette by default)."""
    if np.atleast_3d(array).shape[2] != 1:
        raise ValueError("imwrite_indexed expects a 2-D label array, got shape {}".format(array.shape))
    if color_palette is None:
        color_palette = _davis_palette()
    im = Image.fromarray(np.asarray(array, dtype=np.uint8))
    im.putpalette(np.asarray(color_palette, dtype=np.uint8).ravel())
    im.save(filename, format='PNG')


def _davis_palette() -> np.ndarray:
    """The standard PASCAL/DAVIS colour map: bit-interleaved RGB for 256 labels."""
    palette = np.zeros((256, 3), dtype=np.uint8)
    for label in range(256):
        r = g = b = 0
        c = label
        for shift in range(7, -1, -1):
            r |= ((c >> 0) & 1) << shift
            g |= ((c >> 1) & 1) << shift
            b |= ((c >> 2) & 1) << shift
            c >>= 3
        palette[label] = (r, g, b)
    return palette

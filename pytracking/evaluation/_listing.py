"""Listing numbered frame files in a folder."""
import os
from typing import List


def list_numbered_frames(folder: str, ext: str = '.jpg', prefix: str = '') -> List[str]:
    """Paths of the ``<prefix><number><ext>`` files in ``folder``, sorted by number.

    Raises FileNotFoundError naming the folder when it does not exist or holds no such file.
    """
    if not os.path.isdir(folder):
        raise FileNotFoundError("Frame folder not found: '{}'".format(folder))
    names = []
    for f in os.listdir(folder):
        stem, e = os.path.splitext(f)
        if e.lower() == ext and stem.startswith(prefix) and stem[len(prefix):].isdigit():
            names.append((int(stem[len(prefix):]), f))
    if not names:
        raise FileNotFoundError("No '{}*{}' frames in folder '{}'".format(prefix, ext, folder))
    return [os.path.join(folder, f) for _, f in sorted(names)]

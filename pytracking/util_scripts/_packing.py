"""Writing server-submission zip archives from in-memory text files, atomically."""
import os
import tempfile
import zipfile
from typing import Iterable, Tuple

import numpy as np


def format_rows(array: np.ndarray, fmt: str, delimiter: str = ',') -> str:
    """``np.savetxt``-style text of a 1-D or 2-D array (one row per line)."""
    array = np.asarray(array)
    if array.ndim == 1:
        array = array[:, None]
    line_fmt = delimiter.join([fmt] * array.shape[1])
    return ''.join(line_fmt % tuple(row) + '\n' for row in array)


def write_zip(zip_path: str, members: Iterable[Tuple[str, str]]) -> str:
    """Write ``(name in archive, text)`` members to ``zip_path`` (temporary file + rename); returns the path."""
    folder = os.path.dirname(os.path.abspath(zip_path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.zip', dir=folder)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, 'w', compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in members:
                zf.writestr(name, text)
        os.replace(tmp, zip_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return zip_path

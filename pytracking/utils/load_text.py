"""Reading annotation text files (boxes, flags) with one clear error when they are missing or garbled."""
import os
from typing import Optional, Sequence, Union

import numpy as np

Delimiter = Union[None, str, Sequence[Optional[str]]]


class AnnotationError(ValueError):
    """An annotation file is missing or cannot be parsed; the message names the file (and the line)."""


def _find_bad_line(path: str, delimiters: Sequence[Optional[str]], dtype) -> str:
    """Describe the first line that no delimiter parses, or the first change in the number of columns."""
    try:
        with open(path, 'r') as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        return "the file cannot be read as text ({})".format(e)
    best = None
    for d in delimiters:
        ncols = None
        for i, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            fields = line.split(d) if d is not None else line.split()
            try:
                [np.array(x.strip(), dtype=np.float64).astype(dtype) for x in fields]
            except ValueError:
                problem = (i, "line {}: cannot parse {!r}".format(i, line))
                break
            if ncols is not None and len(fields) != ncols:
                problem = (i, "line {}: {} values where the previous lines have {} ({!r})".format(
                    i, len(fields), ncols, line))
                break
            ncols = len(fields)
        else:
            continue
        # The delimiter that parses the most lines is the one the file was written with.
        if best is None or problem[0] > best[0]:
            best = problem
    return best[1] if best is not None else "unknown format"


def _load_numpy(path: str, delimiter: Optional[str], dtype) -> np.ndarray:
    return np.loadtxt(path, delimiter=delimiter, dtype=dtype)


def _load_pandas(path: str, delimiter: Optional[str], dtype) -> np.ndarray:
    import pandas as pd
    if delimiter is None:
        return pd.read_csv(path, sep=r'\s+', header=None, dtype=dtype, na_filter=False).values
    return pd.read_csv(path, delimiter=delimiter, header=None, dtype=dtype, na_filter=False,
                       low_memory=False).values


def load_text(path: str, delimiter: Delimiter = ' ', dtype=np.float32, backend: str = 'numpy') -> np.ndarray:
    """Read a text file of numbers into an array.

    args:
        path: File to read.
        delimiter: A delimiter (None = any whitespace) or a tuple/list of delimiters tried in order.
        dtype: Element type of the result.
        backend: ``'numpy'`` (``np.loadtxt``) or ``'pandas'`` (``pd.read_csv``, faster on long files).
    returns:
        The array (2-D for several columns and lines, 1-D for a single line or column, as ``np.loadtxt``).
    Raises :class:`AnnotationError` naming the file (and the first bad line) when it is missing or unparsable.
    """
    if backend == 'numpy':
        loader = _load_numpy
    elif backend == 'pandas':
        loader = _load_pandas
    else:
        raise ValueError("Unknown backend '{}' (use 'numpy' or 'pandas')".format(backend))
    if not os.path.isfile(path):
        raise AnnotationError("Annotation file not found: '{}'".format(path))

    delimiters = list(delimiter) if isinstance(delimiter, (tuple, list)) else [delimiter]
    for d in delimiters:
        try:
            return loader(path, d, dtype)
        except (ValueError, TypeError, IndexError) as e:  # wrong delimiter or garbled content
            last_error = e
        except Exception as e:  # pandas parser errors do not derive from ValueError
            if type(e).__module__.startswith('pandas'):
                last_error = e
            else:
                raise
    raise AnnotationError("Could not read annotation file '{}' (delimiters tried: {}): {}".format(
        path, ', '.join(repr(d) for d in delimiters), _find_bad_line(path, delimiters, dtype))) from last_error


def load_boxes(path: str, delimiter: Delimiter = (',', None), dtype=np.float64, backend: str = 'numpy',
               ncols: int = 4) -> np.ndarray:
    """Read a box file into an ``N x ncols`` array (a single-line file gives ``1 x ncols``).

    args:
        path: File with one box per line, ``x, y, w, h`` by default.
        delimiter, dtype, backend: As :func:`load_text`.
        ncols: Expected number of values per line (4 for ``[x, y, w, h]``; VOT polygons have 8).
    Raises :class:`AnnotationError` naming the file when it is missing, garbled or has the wrong number of columns.
    """
    data = load_text(path, delimiter=delimiter, dtype=dtype, backend=backend)
    data = np.asarray(data)
    if data.ndim == 1:
        data = data.reshape(1, -1) if data.size else data.reshape(0, ncols)
    if data.shape[1] != ncols:
        raise AnnotationError("Annotation file '{}' has {} values per line, expected {}".format(
            path, data.shape[1], ncols))
    return data

"""Reading result files and writing analysis caches, with errors that name the file."""
import io
import os
import pickle
import tempfile
from typing import Any

import numpy as np
import pandas as pd


class AnalysisError(ValueError):
    """The analysis cannot be carried out on the given results or ground truth."""


class InvalidResultsError(AnalysisError):
    """A results file is malformed or contains invalid boxes (the message names the file and frame)."""


class MissingResultsError(AnalysisError, FileNotFoundError):
    """Results are missing for some tracker/sequence pairs (the message lists them)."""


def tracker_results_file(tracker, seq_name: str, suffix: str = '.txt') -> str:
    """``<tracker.results_dir>/<seq_name><suffix>``, the original's results file layout."""
    return '{}/{}{}'.format(tracker.results_dir, seq_name, suffix)


def _sniff_separator(first_line: str) -> str:
    if ',' in first_line:
        return ','
    if '\t' in first_line:
        return '\t'
    return r'\s+'


def _first_bad_line(text: str, sep: str, num_columns: int) -> str:
    """Describe the first line that is not ``num_columns`` numbers (slow path, errors only)."""
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.strip().split() if sep == r'\s+' else line.strip().split(sep)
        if len(fields) != num_columns:
            return 'line {} has {} values instead of {}: {!r}'.format(line_no, len(fields), num_columns, line)
        try:
            [float(f) for f in fields]
        except ValueError:
            return 'line {} is not numeric: {!r}'.format(line_no, line)
    return ''


def read_box_file(path: str, num_columns: int = 4) -> np.ndarray:
    """Read a tab-, comma- or space-delimited text file of numbers into an ``[N, num_columns]`` float64 array.

    Raises :class:`InvalidResultsError` naming the file (and line) when it is empty or malformed, and
    :class:`MissingResultsError` when it does not exist. NaN entries (``nan`` or empty fields on a
    full-width line) are returned as NaN for the caller to judge.
    """
    try:
        with open(path, 'r') as f:
            text = f.read()
    except FileNotFoundError:
        raise MissingResultsError("Results file not found: '{}'".format(path)) from None
    stripped = text.strip()
    if not stripped:
        raise InvalidResultsError("Results file '{}' is empty".format(path))
    sep = _sniff_separator(stripped.split('\n', 1)[0])
    try:
        data = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=np.float64, engine='c',
                           skip_blank_lines=True).to_numpy(dtype=np.float64, copy=True)
    except (ValueError, pd.errors.ParserError) as e:
        detail = _first_bad_line(text, sep, num_columns) or str(e)
        raise InvalidResultsError("Results file '{}' is malformed: {}".format(path, detail)) from None
    if data.ndim != 2 or data.shape[1] != num_columns:
        detail = _first_bad_line(text, sep, num_columns) or 'found {} columns'.format(data.shape[-1])
        raise InvalidResultsError("Results file '{}' must have {} values per line: {}".format(path, num_columns,
                                                                                              detail))
    if np.isnan(data).any():
        # pandas pads short lines with NaN: tell a short line apart from a genuine NaN value.
        detail = _first_bad_line(text, sep, num_columns)
        if detail:
            raise InvalidResultsError("Results file '{}' is malformed: {}".format(path, detail))
    return data


def atomic_pickle_dump(obj: Any, path: str) -> None:
    """Pickle ``obj`` to ``path`` through a temporary file + rename, so a crash never leaves half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.pkl', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as fh:
            pickle.dump(obj, fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class _PlainDataUnpickler(pickle.Unpickler):
    """Accepts only built-in containers and numbers: evaluation caches need nothing else."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError('refusing to load {}.{} from an evaluation cache'.format(module, name))


def load_plain_pickle(path: str) -> Any:
    """Load a pickle made only of dicts, lists, strings and numbers (no code can run)."""
    with open(path, 'rb') as fh:
        return _PlainDataUnpickler(fh).load()

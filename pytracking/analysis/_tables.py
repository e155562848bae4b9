"""Score tables: the original's fixed-width text, plus pandas DataFrames saved as CSV and LaTeX."""
import os
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd
import torch


def _as_column(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=np.float64).reshape(-1)


def scores_dataframe(row_labels: Sequence[str], scores: Dict[str, object], index_name: str = '') -> pd.DataFrame:
    """A DataFrame with one row per label and one column per score name (values as given, not rounded)."""
    df = pd.DataFrame({name: _as_column(v) for name, v in scores.items()}, index=list(row_labels))
    df.index.name = index_name or None
    return df


def generate_formatted_report(row_labels: Sequence[str], scores: Dict[str, object], table_name: str = '') -> str:
    """The original's text table: a label column, then one ``|``-separated column per score ({:0.2f}).

    args:
        row_labels: Row names (tracker or sequence names).
        scores: Column name -> per-row values (tensor/array/list, one value per row).
        table_name: Text of the top-left cell.
    """
    name_width = max([len(d) for d in row_labels] + [len(table_name)]) + 5
    columns = [(k, _as_column(v), max(10, len(k) + 3)) for k, v in scores.items()]
    header = '{} |'.format(table_name.ljust(name_width)) + ''.join(' {} |'.format(k.ljust(w)) for k, _, w in columns)
    rows = ['{} |'.format(label.ljust(name_width)) +
            ''.join(' {} |'.format('{:0.2f}'.format(vals[i]).ljust(w)) for _, vals, w in columns)
            for i, label in enumerate(row_labels)]
    return '\n' + '\n'.join([header] + rows) + '\n'


def dataframe_to_latex(df: pd.DataFrame, caption: str = '') -> str:
    """A booktabs LaTeX tabular (scores with two decimals, names escaped)."""
    table = df.reset_index()
    first = table.columns[0]
    if first == 'index':
        table = table.rename(columns={'index': ''})
        first = ''
    numeric = [c for c in table.columns if c != first]
    styler = table.style.hide(axis='index').format(precision=2, subset=numeric) \
        .format(escape='latex', subset=[first]).format_index(escape='latex', axis=1)
    return styler.to_latex(hrules=True, caption=caption or None, column_format='l' + 'r' * len(numeric))


def save_table(df: pd.DataFrame, folder: str, basename: str, caption: str = '') -> Tuple[str, str]:
    """Write ``<folder>/<basename>.csv`` and ``.tex``; returns both paths."""
    os.makedirs(folder, exist_ok=True)
    csv_path = os.path.join(folder, basename + '.csv')
    tex_path = os.path.join(folder, basename + '.tex')
    for path, text in ((csv_path, df.to_csv(float_format='%.6f')), (tex_path, dataframe_to_latex(df, caption))):
        tmp = path + '.tmp{}'.format(os.getpid())
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, path)
    return csv_path, tex_path


def unique_labels(labels: List[str]) -> List[str]:
    """Make labels unique by appending `` (2)``, `` (3)``... to repeats (tables need unique rows)."""
    seen: Dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else '{} ({})'.format(lab, seen[lab]))
    return out

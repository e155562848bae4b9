"""A small TikZ/pgfplots exporter for line plots.

tikzplotlib 0.10 no longer imports with current matplotlib (it needs names that matplotlib's pgf
backend removed), so the analysis writes the ``.tex`` itself from the curve data it plotted. The
output is a ``tikzpicture`` with one ``axis`` to ``\\input`` into a paper (needs ``\\usepackage{pgfplots}``).
"""
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.colors import to_rgb

_LEGEND_POS = {'lower left': 'south west', 'lower right': 'south east', 'upper left': 'north west',
               'upper right': 'north east', 'best': 'south west', 'upper center': 'outer north east',
               'lower center': 'south east', 'center right': 'north east', 'right': 'north east',
               'center left': 'north west', 'center': 'north east'}
_LINE_STYLE = {'-': 'solid', 'solid': 'solid', '--': 'dashed', 'dashed': 'dashed', ':': 'dotted',
               'dotted': 'dotted', '-.': 'dashdotted', 'dashdot': 'dashdotted'}
_LATEX_SPECIAL = {'\\': r'\textbackslash{}', '&': r'\&', '%': r'\%', '$': r'\$', '#': r'\#', '_': r'\_',
                  '{': r'\{', '}': r'\}', '~': r'\textasciitilde{}', '^': r'\textasciicircum{}'}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters; text already in math mode (containing ``$``) is kept as is."""
    if '$' in text:
        return text
    return ''.join(_LATEX_SPECIAL.get(c, c) for c in text)


def _num(v: float) -> str:
    if np.isposinf(v):
        return 'inf'
    if np.isneginf(v):
        return '-inf'
    if np.isnan(v):
        return 'nan'
    return '{:.6g}'.format(float(v))


def tikz_line_plot(curves: Sequence[Dict], xlabel: str = '', ylabel: str = '', title: str = '',
                   xlim: Optional[Tuple[float, float]] = None, ylim: Optional[Tuple[float, float]] = None,
                   legend_loc: str = 'lower left', grid: bool = True) -> str:
    """pgfplots source for line curves.

    args:
        curves: In legend order, dicts with ``x``, ``y`` (1-D sequences), ``color`` (any matplotlib
            colour), optional ``linestyle`` (matplotlib), ``linewidth`` (points), ``label``, ``marker_at``
            (index of a point to mark with a dot).
        xlabel, ylabel, title: Axis texts (LaTeX-escaped unless they contain ``$``).
        xlim, ylim: Axis ranges.
        legend_loc: A matplotlib legend location string.
    """
    lines: List[str] = ['% Written by pytracking.analysis; needs \\usepackage{pgfplots}', r'\begin{tikzpicture}']
    for i, c in enumerate(curves):
        r, g, b = to_rgb(c['color'])
        lines.append(r'\definecolor{{color{}}}{{rgb}}{{{},{},{}}}'.format(i, _num(r), _num(g), _num(b)))
    opts = []
    if title:
        opts.append('title={{{}}}'.format(latex_escape(title)))
    if xlabel:
        opts.append('xlabel={{{}}}'.format(latex_escape(xlabel)))
    if ylabel:
        opts.append('ylabel={{{}}}'.format(latex_escape(ylabel)))
    if xlim is not None:
        opts.append('xmin={}, xmax={}'.format(_num(xlim[0]), _num(xlim[1])))
    if ylim is not None:
        opts.append('ymin={}, ymax={}'.format(_num(ylim[0]), _num(ylim[1])))
    if grid:
        opts.append('grid=major, grid style={dashdotted, gray!50}')
    if any(c.get('label') for c in curves):
        opts.append('legend pos={}, legend cell align={{left}}'.format(_LEGEND_POS.get(legend_loc, 'south west')))
        opts.append('legend style={draw=black, fill=white, fill opacity=1, text opacity=1}')
    lines.append(r'\begin{axis}[')
    lines.extend('  {},'.format(o) for o in opts)
    lines.append(']')
    for i, c in enumerate(curves):
        style = _LINE_STYLE.get(c.get('linestyle', '-'), 'solid')
        lw = c.get('linewidth', 1.0)
        lines.append(r'\addplot[color=color{}, {}, line width={}pt, mark=none] table {{%'.format(i, style, _num(lw)))
        for x, y in zip(np.asarray(c['x'], dtype=float), np.asarray(c['y'], dtype=float)):
            lines.append('{} {}'.format(_num(x), _num(y)))
        lines.append('};')
        if c.get('label'):
            lines.append(r'\addlegendentry{{{}}}'.format(latex_escape(c['label'])))
        if c.get('marker_at') is not None:
            k = int(c['marker_at'])
            lines.append(r'\addplot[color=color{}, only marks, mark=*, forget plot] coordinates {{({},{})}};'
                         .format(i, _num(np.asarray(c['x'])[k]), _num(np.asarray(c['y'])[k])))
    lines.append(r'\end{axis}')
    lines.append(r'\end{tikzpicture}')
    return '\n'.join(lines) + '\n'


def save_tikz_line_plot(path: str, curves: Sequence[Dict], **kwargs) -> None:
    """Write :func:`tikz_line_plot` output to ``path`` (via a temporary file and rename)."""
    text = tikz_line_plot(curves, **kwargs)
    tmp = path + '.tmp{}'.format(os.getpid())
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)

"""The pgfplots exporter used instead of tikzplotlib (which does not import with current matplotlib)."""
import re

from pytracking.analysis._tikz import latex_escape, tikz_line_plot


def test_tikz_line_plot_structure_and_escaping():
    curves = [{'x': [0, 0.5, 1], 'y': [100, 50.25, 0], 'color': (1.0, 0.0, 0.0), 'linestyle': '-', 'linewidth': 2,
               'label': 'DiMP_50 [63.1%]'},
              {'x': [0, 1], 'y': [90, float('inf')], 'color': 'blue', 'linestyle': '--', 'label': r'$\mathbf{Ours}$',
               'marker_at': 1}]
    tex = tikz_line_plot(curves, xlabel='Overlap threshold', ylabel='Overlap Precision [%]', title='Success plot',
                         xlim=(0, 1), ylim=(0, 100), legend_loc='lower right')
    assert tex.startswith('%') and tex.rstrip().endswith(r'\end{tikzpicture}')
    assert tex.count(r'\begin{axis}') == 1 and tex.count(r'\end{axis}') == 1
    assert r'\definecolor{color0}{rgb}{1,0,0}' in tex and r'\definecolor{color1}{rgb}{0,0,1}' in tex
    assert 'ylabel={Overlap Precision [\\%]}' in tex and 'legend pos=south east' in tex
    assert 'xmin=0, xmax=1' in tex and 'ymin=0, ymax=100' in tex
    assert r'\addlegendentry{DiMP\_50 [63.1\%]}' in tex and r'\addlegendentry{$\mathbf{Ours}$}' in tex
    assert 'color=color1, dashed' in tex and 'only marks' in tex and '(1,inf)' in tex
    tables = re.findall(r'table \{%\n(.*?)\};', tex, flags=re.S)
    assert tables[0].split('\n')[:-1] == ['0 100', '0.5 50.25', '1 0'] and tables[1].split('\n')[1] == '1 inf'
    # balanced braces
    assert tex.count('{') == tex.count('}')


def test_latex_escape():
    assert latex_escape('a_b & c#1 {x} 50%') == r'a\_b \& c\#1 \{x\} 50\%'
    assert latex_escape('$x_1$') == '$x_1$'

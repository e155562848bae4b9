"""Success/precision plots and score tables over saved tracking results (the original's API).

Every function takes the trackers (``pytracking.evaluation.trackerlist(...)``), the sequences
(``get_dataset(...)``) and a ``report_name``: the per-sequence curves are computed once by
:func:`~pytracking.analysis.extract_results.extract_results` and cached in
``<result_plot_path>/<report_name>/eval_data.pkl``. The cache is reused while the sequences, trackers,
options and result files (sizes and modification times) are unchanged.

Plots are written to the same folder as ``<type>_plot.pdf``, ``.png`` and ``.tex`` (pgfplots); tables
are printed as in the original and also written as ``.csv`` and ``.tex`` and returned as DataFrames.
"""
import json
import logging
import math
import os
from typing import Dict, List, Optional, Tuple

import matplotlib
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from pytracking.analysis._results_io import AnalysisError, load_plain_pickle
from pytracking.analysis._tables import (generate_formatted_report, save_table, scores_dataframe,
                                         unique_labels)
from pytracking.analysis._tikz import save_tikz_line_plot
from pytracking.analysis.extract_results import (EVAL_DATA_F1_FILE, EVAL_DATA_FILE, F1_RESULT_SUFFIXES,
                                                 analysis_settings, extract_results, extract_results_prec_rec_f1,
                                                 f1_key, results_fingerprint)
from pytracking.evaluation.environment import env_settings

logger = logging.getLogger(__name__)

__all__ = ['get_plot_draw_styles', 'check_eval_data_is_valid', 'merge_multiple_runs', 'get_tracker_display_name',
           'plot_draw_save', 'check_and_load_precomputed_results', 'get_auc_curve', 'get_prec_curve',
           'plot_results', 'generate_formatted_report', 'print_results', 'plot_got_success',
           'print_per_sequence_results', 'print_results_per_attribute', 'plot_attributes_radar',
           'plot_radar_draw_save', 'plot_draw_save_f1_prec_rec']

_NON_INTERACTIVE_BACKENDS = {'agg', 'pdf', 'ps', 'svg', 'pgf', 'cairo', 'template'}
_EXTRACT_OPTIONS = ('skip_missing_seq', 'plot_bin_gap', 'exclude_invalid_frames', 'invalid_pred_as_failure')


def get_plot_draw_styles() -> List[dict]:
    """The original's line colours (RGB in [0, 1]) and styles; the best tracker gets the first."""
    colors = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, 0.0), (1.0, 0.0, 1.0),
              (0.0, 1.0, 1.0), (0.5, 0.5, 0.5), (136.0 / 255.0, 0.0, 21.0 / 255.0),
              (1.0, 127.0 / 255.0, 39.0 / 255.0), (0.0, 162.0 / 255.0, 232.0 / 255.0), (0.0, 0.5, 0.0),
              (1.0, 0.5, 0.2), (0.1, 0.4, 0.0), (0.6, 0.3, 0.9), (0.4, 0.7, 0.1), (0.2, 0.1, 0.7),
              (0.7, 0.6, 0.2), (1.0, 0.4, 0.4), (0.6, 1.0, 0.6), (0.4, 0.4, 1.0), (1.0, 192.0 / 255.0, 203.0 / 255.0),
              (1.0, 215.0 / 255.0, 0.0)]
    return [{'color': c, 'line_style': '-'} for c in colors]


def _style(styles: List[dict], i: int) -> dict:
    # More trackers than colours: cycle the colours with a different dash pattern per round.
    base = styles[i % len(styles)]
    dash = ['-', '--', '-.', ':'][(i // len(styles)) % 4]
    return {'color': base['color'], 'line_style': base['line_style'] if i < len(styles) else dash}


# ---------------------------------------------------------------------------------------------------
# Evaluation data (cache) handling
# ---------------------------------------------------------------------------------------------------

def check_eval_data_is_valid(eval_data: dict, trackers, dataset, settings: Optional[dict] = None,
                             fingerprint: Optional[str] = None) -> bool:
    """Whether cached ``eval_data`` matches these sequences and trackers (names, parameters, run ids) and,
    when given and recorded in the cache, the analysis options and the result files' fingerprint."""
    try:
        seq_names = [s.name for s in dataset]
        tracker_keys = [(t.name, t.parameter_name, t.run_id) for t in trackers]
        saved_keys = [(t['name'], t['param'], t['run_id']) for t in eval_data['trackers']]
        if seq_names != list(eval_data['sequences']) or tracker_keys != saved_keys:
            return False
    except (KeyError, TypeError):
        return False
    if settings is not None:
        saved = eval_data.get('analysis_settings')
        if saved is None:
            # A cache written by the original PyTracking records no options: trust it for the defaults only.
            if settings != analysis_settings(skip_missing_seq=settings.get('skip_missing_seq', False),
                                             **({'anno_period': 1} if 'anno_period' in settings else {})):
                return False
        elif saved != settings:
            return False
    if fingerprint is not None and eval_data.get('results_fingerprint', fingerprint) != fingerprint:
        return False
    return True


def _load_cache(path: str) -> Optional[dict]:
    if not os.path.isfile(path):
        return None
    try:
        data = load_plain_pickle(path)
    except Exception as e:  # any unreadable cache (truncated, foreign classes...) is recomputed
        logger.warning("Ignoring unreadable evaluation cache '%s' (%s); recomputing", path, e)
        return None
    return data if isinstance(data, dict) else None


def check_and_load_precomputed_results(trackers, dataset, report_name: str, force_evaluation: bool = False,
                                       f1_prec_rec: bool = False, **kwargs) -> dict:
    """Load the cached evaluation of ``report_name`` if it is still valid, otherwise (re)compute it.

    args:
        trackers, dataset, report_name: As in :func:`extract_results`.
        force_evaluation: Recompute even if a valid cache exists.
        f1_prec_rec: Load/compute the long-term precision/recall/F1 data instead of the curves.
        kwargs: Options of :func:`extract_results` (``skip_missing_seq``, ``plot_bin_gap``,
            ``exclude_invalid_frames``, ``verbose``, ``invalid_pred_as_failure``; ``anno_period`` for F1).
    """
    trackers = list(trackers)
    result_plot_path = os.path.join(env_settings().result_plot_path, report_name)
    extra = {'anno_period': int(kwargs.get('anno_period', 1))} if f1_prec_rec else {}
    settings = analysis_settings(**{k: kwargs[k] for k in _EXTRACT_OPTIONS if k in kwargs}, **extra)
    cache_path = os.path.join(result_plot_path, EVAL_DATA_F1_FILE if f1_prec_rec else EVAL_DATA_FILE)
    compute = extract_results_prec_rec_f1 if f1_prec_rec else extract_results
    if not f1_prec_rec and 'anno_period' in kwargs:
        kwargs = {k: v for k, v in kwargs.items() if k != 'anno_period'}

    suffixes = F1_RESULT_SUFFIXES if f1_prec_rec else ('.txt',)
    eval_data = None if force_evaluation else _load_cache(cache_path)
    if eval_data is not None and not check_eval_data_is_valid(eval_data, trackers, dataset, settings,
                                                              results_fingerprint(trackers, dataset, suffixes)):
        logger.info("Cached evaluation '%s' is out of date; recomputing", cache_path)
        eval_data = None
    if eval_data is None:
        eval_data = compute(trackers, dataset, report_name, **kwargs)
    # Display names may change without invalidating the numbers.
    eval_data['trackers'] = [{'name': t.name, 'param': t.parameter_name, 'run_id': t.run_id,
                              'disp_name': t.display_name} for t in trackers]
    return eval_data


def merge_multiple_runs(eval_data: dict) -> dict:
    """Average the curves of trackers that share name and parameters (several run ids) into one entry,
    kept at the position and with the identity of the first run. Modifies and returns ``eval_data``."""
    trackers = eval_data['trackers']
    groups: List[List[int]] = []
    key_to_group: Dict[tuple, int] = {}
    for i, t in enumerate(trackers):
        key = (t['name'], t['param'])
        if key not in key_to_group:
            key_to_group[key] = len(groups)
            groups.append([])
        groups[key_to_group[key]].append(i)

    def merge(name: str, tracker_dim: int):
        if name not in eval_data:
            return
        data = torch.tensor(eval_data[name], dtype=torch.float64)
        eval_data[name] = torch.stack([data.index_select(tracker_dim, torch.tensor(g)).mean(tracker_dim)
                                       for g in groups], dim=tracker_dim).tolist()

    for name in ('ave_success_rate_plot_overlap', 'ave_success_rate_plot_center',
                 'ave_success_rate_plot_center_norm', 'avg_overlap_all'):
        merge(name, 1)
    eval_data['trackers'] = [trackers[g[0]] for g in groups]
    eval_data['merged_run_ids'] = [[trackers[i]['run_id'] for i in g] for g in groups]
    return eval_data


def get_tracker_display_name(tracker: dict) -> str:
    """``disp_name`` if set, else ``<name>_<param>`` (plus ``_<run_id:03d>`` when there is a run id)."""
    if tracker['disp_name'] is None:
        if tracker['run_id'] is None:
            return '{}_{}'.format(tracker['name'], tracker['param'])
        return '{}_{}_{:03d}'.format(tracker['name'], tracker['param'], tracker['run_id'])
    return tracker['disp_name']


def _unique_tracker_labels(tracker_names: List[dict]) -> List[str]:
    """Display names, with ``_<run_id:03d>`` added where several runs share one (table rows must differ)."""
    names = [get_tracker_display_name(t) for t in tracker_names]
    counts = {n: names.count(n) for n in names}
    names = [n if counts[n] == 1 or t['run_id'] is None else '{}_{:03d}'.format(n, t['run_id'])
             for n, t in zip(names, tracker_names)]
    return unique_labels(names)


def get_auc_curve(ave_success_rate_plot_overlap: torch.Tensor, valid_sequence: torch.Tensor
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``[S, T, K]`` per-sequence success rates -> (``[T, K]`` success curve in %, ``[T]`` AUC in %)."""
    auc_curve = ave_success_rate_plot_overlap[valid_sequence, :, :].mean(0) * 100.0
    return auc_curve, auc_curve.mean(-1)


def get_prec_curve(ave_success_rate_plot_center: torch.Tensor, valid_sequence: torch.Tensor
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``[S, T, K]`` per-sequence precision -> (``[T, K]`` curve in %, ``[T]`` score at threshold index 20)."""
    prec_curve = ave_success_rate_plot_center[valid_sequence, :, :].mean(0) * 100.0
    return prec_curve, prec_curve[:, 20]


def _valid_sequences(eval_data: dict, report_name: str) -> torch.Tensor:
    valid = torch.tensor(eval_data['valid_sequence'], dtype=torch.bool)
    if not valid.any():
        raise AnalysisError("Report '{}': no sequence has results for every tracker".format(report_name))
    return valid


def _threshold_index(thresholds: torch.Tensor, value: float) -> int:
    hits = torch.nonzero(torch.isclose(thresholds.double(), torch.tensor(value, dtype=torch.float64),
                                       rtol=0.0, atol=1e-9)).flatten()
    if hits.numel() == 0:
        raise AnalysisError('The overlap thresholds {} do not contain {}; choose a plot_bin_gap that divides it'
                            .format(thresholds.tolist(), value))
    return int(hits[0])


def _plot_types(plot_types) -> Tuple[str, ...]:
    # The original's default ('success') is a plain string; treat any string as a single type.
    return (plot_types,) if isinstance(plot_types, str) else tuple(plot_types)


# ---------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------

def _uses_pyplot() -> bool:
    return matplotlib.get_backend().lower() not in _NON_INTERACTIVE_BACKENDS


def _new_figure(**kwargs) -> Figure:
    """A pyplot figure when a display/notebook backend is active (so it shows), else a plain Figure
    (headless, nothing registered globally)."""
    if _uses_pyplot():
        import matplotlib.pyplot as plt
        return plt.figure(**kwargs)
    return Figure(**kwargs)


def _show_figures() -> None:
    if _uses_pyplot():
        import matplotlib.pyplot as plt
        plt.show()


def _rc(plot_opts: dict, defaults: Tuple[int, int]) -> dict:
    return {'font.size': plot_opts.get('font_size', defaults[0]),
            'axes.titlesize': plot_opts.get('font_size_axis', defaults[1]),
            'axes.titleweight': 'bold',  # the original asks for 'black' (900), which DejaVu renders as 700 anyway
            'axes.labelsize': plot_opts.get('font_size_axis', defaults[1])}


def _legend_label(disp_name: str, score: float, fmt: str) -> str:
    # A display name starting with \bf is typeset bold (LaTeX) in the legend, as in the original.
    if len(disp_name) > 3 and disp_name[:3] == r'\bf':
        return (r'$\mathbf{{{}}}$ $\mathbf{{[' + fmt + r']}}$').format(disp_name[3:], score)
    return ('{} [' + fmt + ']').format(disp_name, score)


def _save_figure(fig: Figure, result_plot_path: str, plot_type: str, curves: List[dict], plot_opts: dict) -> None:
    os.makedirs(result_plot_path, exist_ok=True)
    base = os.path.join(result_plot_path, '{}_plot'.format(plot_type))
    save_tikz_line_plot(base + '.tex', curves, xlabel=plot_opts.get('xlabel', ''), ylabel=plot_opts.get('ylabel', ''),
                        title=plot_opts.get('title', ''), xlim=plot_opts.get('xlim'), ylim=plot_opts.get('ylim'),
                        legend_loc=plot_opts.get('legend_loc', 'lower left'))
    fig.savefig(base + '.pdf', dpi=300, format='pdf', transparent=True)
    fig.savefig(base + '.png', dpi=plot_opts.get('png_dpi', 150), format='png')


def _draw_curves(xs: List[list], ys: List[list], scores: torch.Tensor, trackers: List[dict],
                 plot_draw_styles: List[dict], result_plot_path: str, plot_opts: dict, score_fmt: str,
                 marker_at: Optional[List[int]] = None) -> Figure:
    """Shared drawing of the curve plots: curve ``i`` is ``(xs[i], ys[i])`` of tracker ``i``; the best score
    gets the first style and the first legend row; optionally a dot at point ``marker_at[i]``."""
    line_width = plot_opts.get('line_width', 2)
    with matplotlib.rc_context(_rc(plot_opts, (12, 13))):
        fig = _new_figure()
        ax = fig.subplots()
        index_sort = torch.argsort(scores, descending=False, stable=True).tolist()
        n = len(index_sort)
        entries = []
        for rank, tid in enumerate(index_sort):
            style = _style(plot_draw_styles, n - rank - 1)
            line, = ax.plot(xs[tid], ys[tid], linewidth=line_width, color=style['color'], linestyle=style['line_style'])
            curve = {'x': xs[tid], 'y': ys[tid], 'color': style['color'], 'linestyle': style['line_style'],
                     'linewidth': line_width,
                     'label': _legend_label(get_tracker_display_name(trackers[tid]), float(scores[tid]), score_fmt)}
            if marker_at is not None:
                k = marker_at[tid]
                ax.plot([xs[tid][k]], [ys[tid][k]], color=style['color'], marker='o')
                curve['marker_at'] = k
            entries.append((line, curve))
        entries = entries[::-1]
        ax.legend([e[0] for e in entries], [e[1]['label'] for e in entries], loc=plot_opts['legend_loc'],
                  fancybox=False, edgecolor='black', fontsize=plot_opts.get('font_size_legend', 13), framealpha=1.0,
                  ncol=plot_opts.get('legend_ncol', 1))
        ax.set(xlabel=plot_opts['xlabel'], ylabel=plot_opts['ylabel'], xlim=plot_opts['xlim'],
               ylim=plot_opts['ylim'], title=plot_opts['title'])
        ax.grid(True, linestyle='-.')
        fig.tight_layout()
        _save_figure(fig, result_plot_path, plot_opts['plot_type'], [e[1] for e in entries], plot_opts)
    return fig


def plot_draw_save(y, x, scores, trackers: List[dict], plot_draw_styles: List[dict], result_plot_path: str,
                   plot_opts: dict) -> Figure:
    """Draw one curve per tracker (best score first in the legend, ``name [score]``) and save it as
    ``<plot_type>_plot.{pdf,png,tex}`` in ``result_plot_path``.

    args:
        y: ``[T, K]`` curves; x: ``[K]`` thresholds; scores: ``[T]`` scores shown in the legend.
        trackers: Tracker dicts (``name``, ``param``, ``run_id``, ``disp_name``).
        plot_opts: ``plot_type``, ``legend_loc``, ``xlabel``, ``ylabel``, ``xlim``, ``ylim``, ``title``;
            optional ``font_size``, ``font_size_axis``, ``line_width``, ``font_size_legend``.
    returns: The figure; its lines are drawn worst first (the legend lists the best first).
    """
    y = torch.as_tensor(y, dtype=torch.float64)
    x = torch.as_tensor(x, dtype=torch.float64).tolist()
    scores = torch.as_tensor(scores, dtype=torch.float64).reshape(-1)
    return _draw_curves([x] * y.shape[0], y.tolist(), scores, trackers, plot_draw_styles, result_plot_path,
                        plot_opts, '{:.1f}')


def plot_draw_save_f1_prec_rec(data: dict, trackers: List[dict], plot_draw_styles: List[dict],
                               result_plot_path: str, plot_opts: dict) -> Figure:
    """Precision-recall curves of the long-term analysis, with the max-F1 point marked; legend ``name [F1]``.

    args:
        data: Output of :func:`extract_results_prec_rec_f1` (uses ``raw_data``).
        trackers: Tracker dicts in the order of ``raw_data``.
    """
    values = list(data['raw_data'].values())
    if len(values) != len(trackers):
        raise AnalysisError('Precision/recall data has {} entries for {} trackers'.format(len(values), len(trackers)))
    f1 = torch.tensor([v['f1_max'] for v in values], dtype=torch.float64)
    return _draw_curves([v['rec'] for v in values], [v['prec'] for v in values], f1, trackers, plot_draw_styles,
                        result_plot_path, plot_opts, '{:.3f}', marker_at=[v['idx'] for v in values])


def _f1_scores(f1_data: dict, tracker_names: List[dict], merged: bool) -> torch.Tensor:
    """F1 per (possibly merged) tracker; merged entries average ``f1_max`` over their run ids."""
    raw = f1_data['raw_data']
    out = []
    for trk in tracker_names:
        if merged:
            run_keys = [f1_key(t['disp_name'], t['run_id']) for t in f1_data['trackers']
                        if t['name'] == trk['name'] and t['param'] == trk['param']]
        else:
            run_keys = [f1_key(trk['disp_name'], trk['run_id'])]
        out.append(float(np.mean([raw[k]['f1_max'] for k in run_keys])))
    return torch.tensor(out, dtype=torch.float64)


def _f1_for_plot(f1_data: dict, tracker_names: List[dict], merged: bool) -> dict:
    """Curves of the first run of each (merged) tracker; legend score = (mean) F1."""
    raw = f1_data['raw_data']
    keys = [f1_key(t['disp_name'], t['run_id']) for t in tracker_names]
    f1 = _f1_scores(f1_data, tracker_names, merged)
    return {'raw_data': {k: dict(raw[k], f1_max=float(s)) for k, s in zip(keys, f1)}}


def plot_results(trackers, dataset, report_name: str, merge_results: bool = False,
                 plot_types=('success'), force_evaluation: bool = False, plot_opts: Optional[dict] = None,
                 **kwargs) -> Dict[str, Figure]:
    """Success / precision / normalized-precision (and long-term precision-recall) plots.

    args:
        trackers: List of trackers to evaluate.
        dataset: List of sequences to evaluate.
        report_name: Folder in ``env_settings().result_plot_path`` for the cached data and the plots.
        merge_results: Average the runs (run ids) of each non-deterministic tracker.
        plot_types: Any of ``'success'``, ``'prec'``, ``'norm_prec'``, ``'f1_prec_rec'``.
        force_evaluation: Recompute instead of using the cached evaluation.
        plot_opts: Overrides of the plot options (labels, limits, legend location, font sizes...).
        kwargs: Options of :func:`extract_results` (``skip_missing_seq``, ``plot_bin_gap``,
            ``exclude_invalid_frames``, ``invalid_pred_as_failure``, ``verbose``).
    returns: Dict plot type (``'success'``, ``'precision'``, ``'norm_precision'``, ``'f1_prec_rec'``) -> figure.
    """
    plot_opts = dict(plot_opts or {})
    plot_types = _plot_types(plot_types)
    unknown = [p for p in plot_types if p not in ('success', 'prec', 'norm_prec', 'f1_prec_rec')]
    if unknown:
        raise ValueError("Unknown plot type(s) {}; use 'success', 'prec', 'norm_prec' or 'f1_prec_rec'"
                         .format(unknown))
    result_plot_path = os.path.join(env_settings().result_plot_path, report_name)
    styles = get_plot_draw_styles()
    figures = {}

    curve_types = [p for p in plot_types if p in ('success', 'prec', 'norm_prec')]
    if curve_types:
        eval_data = check_and_load_precomputed_results(trackers, dataset, report_name, force_evaluation, **kwargs)
        if merge_results:
            eval_data = merge_multiple_runs(eval_data)
        tracker_names = eval_data['trackers']
        valid_sequence = _valid_sequences(eval_data, report_name)
        logger.info('Plotting results over %d / %d sequences for %s', int(valid_sequence.sum()),
                    valid_sequence.numel(), report_name)

        specs = {
            'success': ('ave_success_rate_plot_overlap', 'threshold_set_overlap', get_auc_curve,
                        {'plot_type': 'success', 'legend_loc': 'lower left', 'xlabel': 'Overlap threshold',
                         'ylabel': 'Overlap Precision [%]', 'xlim': (0, 1.0), 'ylim': (0, 100),
                         'title': 'Success plot'}),
            'prec': ('ave_success_rate_plot_center', 'threshold_set_center', get_prec_curve,
                     {'plot_type': 'precision', 'legend_loc': 'lower right',
                      'xlabel': 'Location error threshold [pixels]', 'ylabel': 'Distance Precision [%]',
                      'xlim': (0, 50), 'ylim': (0, 100), 'title': 'Precision plot'}),
            'norm_prec': ('ave_success_rate_plot_center_norm', 'threshold_set_center_norm', get_prec_curve,
                          {'plot_type': 'norm_precision', 'legend_loc': 'lower right',
                           'xlabel': 'Location error threshold', 'ylabel': 'Distance Precision [%]',
                           'xlim': (0, 0.5), 'ylim': (0, 100), 'title': 'Normalized Precision plot'}),
        }
        for ptype in curve_types:
            data_key, th_key, curve_fn, opts = specs[ptype]
            opts = dict(opts, **plot_opts)
            curve, score = curve_fn(torch.tensor(eval_data[data_key], dtype=torch.float64), valid_sequence)
            figures[opts['plot_type']] = plot_draw_save(curve, torch.tensor(eval_data[th_key]), score,
                                                        tracker_names, styles, result_plot_path, opts)

    if 'f1_prec_rec' in plot_types:
        f1_data = check_and_load_precomputed_results(trackers, dataset, report_name, force_evaluation,
                                                     f1_prec_rec=True, **kwargs)
        tracker_names = f1_data['trackers']
        if merge_results:
            tracker_names = merge_multiple_runs({'trackers': tracker_names})['trackers']
        opts = dict({'plot_type': 'f1_prec_rec', 'legend_loc': 'lower left', 'xlabel': 'Recall',
                     'ylabel': 'Precision', 'xlim': (0, 1.0), 'ylim': (0, 1.0), 'title': 'Precision Recall plot'},
                    **plot_opts)
        figures['f1_prec_rec'] = plot_draw_save_f1_prec_rec(
            _f1_for_plot(f1_data, tracker_names, merge_results), tracker_names, styles, result_plot_path, opts)

    _show_figures()
    return figures


# ---------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------

def _scores_from_eval_data(eval_data: dict, plot_types: Tuple[str, ...], valid_sequence: torch.Tensor
                           ) -> Dict[str, torch.Tensor]:
    scores: Dict[str, torch.Tensor] = {}
    if 'success' in plot_types:
        thresholds = torch.tensor(eval_data['threshold_set_overlap'], dtype=torch.float64)
        auc_curve, auc = get_auc_curve(torch.tensor(eval_data['ave_success_rate_plot_overlap'], dtype=torch.float64),
                                       valid_sequence)
        scores['AUC'] = auc
        scores['OP50'] = auc_curve[:, _threshold_index(thresholds, 0.50)]
        scores['OP75'] = auc_curve[:, _threshold_index(thresholds, 0.75)]
    if 'prec' in plot_types:
        scores['Precision'] = get_prec_curve(
            torch.tensor(eval_data['ave_success_rate_plot_center'], dtype=torch.float64), valid_sequence)[1]
    if 'norm_prec' in plot_types:
        scores['Norm Precision'] = get_prec_curve(
            torch.tensor(eval_data['ave_success_rate_plot_center_norm'], dtype=torch.float64), valid_sequence)[1]
    return scores


def print_results(trackers, dataset, report_name: str, merge_results: bool = False, plot_types=('success'),
                  **kwargs) -> pd.DataFrame:
    """Print the score table (AUC, OP50, OP75 for ``'success'``; ``'prec'``: Precision at 20 px;
    ``'norm_prec'``: Norm Precision at 0.2; ``'f1_prec_rec'``: F1 Scores) as the original does, write it
    to ``<report>/results.csv`` and ``results.tex``, and return it as a DataFrame (scores in %).

    args: see :func:`plot_results` (``force_evaluation`` and the extraction options go in ``kwargs``).
    """
    plot_types = _plot_types(plot_types)
    force_evaluation = kwargs.pop('force_evaluation', False)
    result_plot_path = os.path.join(env_settings().result_plot_path, report_name)
    scores: Dict[str, torch.Tensor] = {}
    tracker_names = None
    n_valid = n_total = None
    if any(p in plot_types for p in ('success', 'prec', 'norm_prec')):
        eval_data = check_and_load_precomputed_results(trackers, dataset, report_name, force_evaluation, **kwargs)
        if merge_results:
            eval_data = merge_multiple_runs(eval_data)
        tracker_names = eval_data['trackers']
        valid_sequence = _valid_sequences(eval_data, report_name)
        n_valid, n_total = int(valid_sequence.sum()), valid_sequence.numel()
        scores.update(_scores_from_eval_data(eval_data, plot_types, valid_sequence))
    if 'f1_prec_rec' in plot_types:
        f1_data = check_and_load_precomputed_results(trackers, dataset, report_name, force_evaluation,
                                                     f1_prec_rec=True, **kwargs)
        if tracker_names is None:
            tracker_names = f1_data['trackers']
            if merge_results:
                tracker_names = merge_multiple_runs({'trackers': tracker_names})['trackers']
            valid = torch.tensor(f1_data['valid_sequence'], dtype=torch.bool)
            n_valid, n_total = int(valid.sum()), valid.numel()
        scores['F1 Scores'] = _f1_scores(f1_data, tracker_names, merge_results)
    if tracker_names is None:
        raise ValueError("No known plot type in {}; use 'success', 'prec', 'norm_prec' or 'f1_prec_rec'"
                         .format(plot_types))

    print('\nReporting results over {} / {} sequences'.format(n_valid, n_total))
    disp_names = [get_tracker_display_name(t) for t in tracker_names]
    print(generate_formatted_report(disp_names, scores, table_name=report_name))
    df = scores_dataframe(_unique_tracker_labels(tracker_names), scores, index_name='Tracker')
    save_table(df, result_plot_path, 'results', caption=report_name)
    return df


def plot_got_success(trackers, report_name: str) -> Figure:
    """Success plot for GOT-10k from the server's JSON reports ``<got_reports_path>/<tracker.name>.json``
    (the tracker name is the report's file name). Saved like :func:`plot_results`."""
    settings = env_settings()
    result_plot_path = os.path.join(settings.result_plot_path, report_name)
    trackers = list(trackers)
    auc_curve = torch.zeros((len(trackers), 101), dtype=torch.float64)
    scores = torch.zeros(len(trackers), dtype=torch.float64)
    tracker_names = []
    for trk_id, trk in enumerate(trackers):
        json_path = os.path.join(settings.got_reports_path, '{}.json'.format(trk.name))
        if not os.path.isfile(json_path):
            raise AnalysisError("GOT-10k report not found: '{}' (set got_reports_path, or the environment variable "
                                "PYTRACKING_GOT_REPORTS_PATH, to the folder of the downloaded reports)"
                                .format(json_path))
        try:
            with open(json_path, 'r') as f:
                report = json.load(f)
        except json.JSONDecodeError as e:
            raise AnalysisError("GOT-10k report '{}' is not valid JSON: {}".format(json_path, e)) from None
        if not isinstance(report, dict) or len(report) != 1:
            raise AnalysisError("GOT-10k report '{}' must hold exactly one tracker entry, found {}"
                                .format(json_path, list(report) if isinstance(report, dict) else type(report)))
        entry = next(iter(report.values()))
        if 'succ_curve' in entry:
            curve, ao = entry['succ_curve'], entry['ao']
        elif 'overall' in entry and 'succ_curve' in entry['overall']:
            curve, ao = entry['overall']['succ_curve'], entry['overall']['ao']
        else:
            raise AnalysisError("GOT-10k report '{}' has no 'succ_curve' (nor 'overall/succ_curve')".format(json_path))
        if len(curve) != 101:
            raise AnalysisError("GOT-10k report '{}': succ_curve has {} points, expected 101"
                                .format(json_path, len(curve)))
        auc_curve[trk_id] = torch.tensor(curve, dtype=torch.float64) * 100.0
        scores[trk_id] = float(ao) * 100.0
        tracker_names.append({'name': trk.name, 'param': trk.parameter_name, 'run_id': trk.run_id,
                              'disp_name': trk.display_name})
    thresholds = torch.arange(0.0, 1.01, 0.01, dtype=torch.float64)[:101]
    opts = {'plot_type': 'success', 'legend_loc': 'lower left', 'xlabel': 'Overlap threshold',
            'ylabel': 'Overlap Precision [%]', 'xlim': (0, 1.0), 'ylim': (0, 100), 'title': 'Success plot'}
    fig = plot_draw_save(auc_curve, thresholds, scores, tracker_names, get_plot_draw_styles(), result_plot_path, opts)
    _show_figures()
    return fig


def print_per_sequence_results(trackers, dataset, report_name: str, merge_results: bool = False,
                               filter_criteria: Optional[dict] = None, **kwargs) -> pd.DataFrame:
    """Print the average overlap (AO, %) of every tracker on every sequence, optionally filtered.

    args:
        filter_criteria: None (all sequences) or ``{'mode': m, 'threshold': t}`` with m one of
            ``'ao_min'`` (min AO over trackers < t), ``'ao_max'`` (max AO < t), ``'delta_ao'``
            (max - min AO > t).
        others: see :func:`plot_results`.
    returns: DataFrame indexed by ``'<sequence> (ID=<index>)'`` with one column per tracker; also written
        to ``<report>/per_sequence_results.csv`` and ``.tex``.
    """
    force_evaluation = kwargs.pop('force_evaluation', False)
    eval_data = check_and_load_precomputed_results(trackers, dataset, report_name, force_evaluation, **kwargs)
    if merge_results:
        eval_data = merge_multiple_runs(eval_data)
    tracker_names = eval_data['trackers']
    valid_sequence = torch.tensor(eval_data['valid_sequence'], dtype=torch.bool)
    avg_overlap_all = torch.tensor(eval_data['avg_overlap_all'], dtype=torch.float64) * 100.0

    if filter_criteria is not None:
        mode = filter_criteria.get('mode')
        threshold = filter_criteria.get('threshold')
        if mode == 'ao_min':
            keep = avg_overlap_all.min(dim=1)[0] < threshold
        elif mode == 'ao_max':
            keep = avg_overlap_all.max(dim=1)[0] < threshold
        elif mode == 'delta_ao':
            keep = (avg_overlap_all.max(dim=1)[0] - avg_overlap_all.min(dim=1)[0]) > threshold
        else:
            raise ValueError("Unknown filter_criteria mode {!r}; use 'ao_min', 'ao_max' or 'delta_ao'".format(mode))
        valid_sequence = valid_sequence & keep

    avg_overlap_all = avg_overlap_all[valid_sequence, :]
    sequence_names = ['{} (ID={})'.format(s, i) for i, (s, v) in
                      enumerate(zip(eval_data['sequences'], valid_sequence.tolist())) if v]
    disp_names = _unique_tracker_labels(tracker_names)
    scores = {k: avg_overlap_all[:, i] for i, k in enumerate(disp_names)}
    print(generate_formatted_report(sequence_names, scores))
    df = scores_dataframe(sequence_names, scores, index_name='Sequence')
    save_table(df, os.path.join(env_settings().result_plot_path, report_name), 'per_sequence_results',
               caption='{}: average overlap per sequence'.format(report_name))
    return df


def _subset_eval_data(eval_data: dict, indices: List[int]) -> dict:
    out = dict(eval_data)
    idx = torch.tensor(indices, dtype=torch.long)
    out['sequences'] = [eval_data['sequences'][i] for i in indices]
    out['valid_sequence'] = [eval_data['valid_sequence'][i] for i in indices]
    for key in ('ave_success_rate_plot_overlap', 'ave_success_rate_plot_center', 'ave_success_rate_plot_center_norm',
                'avg_overlap_all'):
        out[key] = torch.tensor(eval_data[key], dtype=torch.float64).index_select(0, idx).tolist()
    return out


def _eval_data_per_subset(trackers, datasets: Dict[str, list], report_name: str, merge_results: bool,
                          **kwargs) -> Dict[str, dict]:
    """Evaluate the union of the attribute subsets once (one cache) and slice it per subset (empty
    subsets are left out with a warning)."""
    empty = [name for name, seqs in datasets.items() if len(seqs) == 0]
    if empty:
        logger.warning('Leaving out attributes without sequences: %s', ', '.join(empty))
        datasets = {name: seqs for name, seqs in datasets.items() if len(seqs) > 0}
    union, position = [], {}
    for seqs in datasets.values():
        for s in seqs:
            if s.name not in position:
                position[s.name] = len(union)
                union.append(s)
    force_evaluation = kwargs.pop('force_evaluation', False)
    eval_data = check_and_load_precomputed_results(trackers, union, report_name, force_evaluation, **kwargs)
    out = {}
    for name, seqs in datasets.items():
        subset = _subset_eval_data(eval_data, [position[s.name] for s in seqs])
        out[name] = merge_multiple_runs(subset) if merge_results else subset
    return out


def print_results_per_attribute(trackers, datasets: Dict[str, list], report_name: str, merge_results: bool = False,
                                verbose: bool = False, **kwargs) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Print the AUC of every tracker on every attribute subset (one column per attribute).

    args:
        datasets: Dict attribute name -> list of sequences (``get_dataset_attributes(...)``).
        others: see :func:`plot_results`.
    returns: The original's ``(scores, tracker_display_names)`` with ``scores[attribute]`` a ``[T]``
        tensor; the table is also written to ``<report>/attribute_results.csv`` and ``.tex``.
    """
    per_subset = _eval_data_per_subset(trackers, datasets, report_name, merge_results, verbose=verbose, **kwargs)
    scores: Dict[str, torch.Tensor] = {}
    tracker_names = None
    for name, eval_data in per_subset.items():
        tracker_names = eval_data['trackers']
        auc = get_auc_curve(torch.tensor(eval_data['ave_success_rate_plot_overlap'], dtype=torch.float64),
                            _valid_sequences(eval_data, '{} / {}'.format(report_name, name)))[1]
        scores[name] = auc
    if tracker_names is None:
        raise ValueError('datasets is empty: give a dict attribute name -> list of sequences')
    disp_names = [get_tracker_display_name(t) for t in tracker_names]
    print(generate_formatted_report(disp_names, scores, table_name=report_name))
    df = scores_dataframe(_unique_tracker_labels(tracker_names), scores, index_name='Tracker')
    save_table(df, os.path.join(env_settings().result_plot_path, report_name), 'attribute_results',
               caption='{}: AUC per attribute'.format(report_name))
    return scores, disp_names


def plot_attributes_radar(trackers, datasets: Dict[str, list], report_name: str, merge_results: bool = False,
                          plot_opts: Optional[dict] = None, verbose: bool = False, **kwargs) -> Figure:
    """Radar plot of the per-attribute AUC, saved as ``<report>/radar_plot.{pdf,png}``.

    Scores on each axis are divided by those of the best tracker overall (the ``'ALL'`` entry of
    ``datasets`` when present, else the mean over attributes), as in the original.
    """
    per_subset = _eval_data_per_subset(trackers, datasets, report_name, merge_results, verbose=verbose, **kwargs)
    scores = {}
    tracker_names = None
    for name, eval_data in per_subset.items():
        tracker_names = eval_data['trackers']
        scores[name] = get_auc_curve(torch.tensor(eval_data['ave_success_rate_plot_overlap'], dtype=torch.float64),
                                     _valid_sequences(eval_data, '{} / {}'.format(report_name, name)))[1]
    if tracker_names is None:
        raise ValueError('datasets is empty: give a dict attribute name -> list of sequences')
    result_plot_path = os.path.join(env_settings().result_plot_path, report_name)
    fig = plot_radar_draw_save(scores, tracker_names, get_plot_draw_styles(), result_plot_path, dict(plot_opts or {}))
    _show_figures()
    return fig


def plot_radar_draw_save(scores: Dict[str, torch.Tensor], trackers: List[dict], plot_draw_styles: List[dict],
                         result_plot_path: str, plot_opts: dict) -> Figure:
    """Draw and save the radar plot of :func:`plot_attributes_radar` (does not modify ``scores``)."""
    attributes = list(scores.keys())
    table = torch.stack([torch.as_tensor(scores[a], dtype=torch.float64) for a in attributes])  # [A, T]
    overall = table[attributes.index('ALL')] if 'ALL' in attributes else table.mean(0)
    index_sort = torch.argsort(overall, descending=False, stable=True).tolist()
    best = index_sort[-1]
    normalized = table / table[:, best:best + 1]

    n_att = len(attributes)
    angles = [k / float(n_att) * 2 * math.pi for k in range(n_att)]
    angles += angles[:1]
    rc = {'font.size': plot_opts.get('font_size', 8), 'axes.titlesize': plot_opts.get('font_size_axis', 8),
          'axes.titleweight': 'bold', 'axes.labelsize': plot_opts.get('font_size_axis', 8),
          'legend.labelspacing': 0.3, 'legend.borderpad': 0.3}
    with matplotlib.rc_context(rc):
        fig = _new_figure()
        ax = fig.add_subplot(111, polar=True)
        labels = ['\n'.join(a.split(' ')) + '\n({:.1f}~{:.1f})\n'.format(float(table[k].min()), float(table[k].max()))
                  for k, a in enumerate(attributes)]
        ax.set_thetagrids([a / (2 * math.pi) * 360 for a in angles[:-1]], labels=labels)
        ax.xaxis.set_tick_params(pad=plot_opts.get('tick_pad', 10))
        ax.set_rlabel_position(0)
        ax.set_yticks(plot_opts.get('yticks', [0.9, 0.95, 1.0]))
        ax.yaxis.set_ticklabels([])
        ax.set_ylim(plot_opts.get('ylim', [0, 1.2]), auto=True)
        ax.tick_params(axis='y', colors='grey')
        for spine in ax.spines.values():
            spine.set_color('grey')
        lines, texts = [], []
        n = len(index_sort)
        for rank, tid in enumerate(index_sort):
            style = _style(plot_draw_styles, n - rank - 1)
            values = normalized[:, tid].tolist()
            line, = ax.plot(angles, values + values[:1], linewidth=plot_opts.get('line_width', 2),
                            markersize=plot_opts.get('marker_size', 5), marker=plot_opts.get('marker', 'o'),
                            color=style['color'], linestyle=style['line_style'])
            lines.append(line)
            texts.append(_legend_label(get_tracker_display_name(trackers[tid]), float(overall[tid]), '{:.1f}'))
        ax.legend(lines[::-1], texts[::-1], loc=plot_opts.get('legend_loc', 'upper center'), fancybox=False,
                  edgecolor='white', fontsize=plot_opts.get('font_size_legend', 8), framealpha=1.0,
                  handlelength=plot_opts.get('handlelength', 1), handletextpad=0.3,
                  bbox_to_anchor=plot_opts.get('bbox_to_anchor', (0.5, -0.1)), ncol=min(len(trackers), 6))
        fig.tight_layout()
        os.makedirs(result_plot_path, exist_ok=True)
        base = os.path.join(result_plot_path, 'radar_plot')
        fig.savefig(base + '.pdf', dpi=300, format='pdf', transparent=True, bbox_inches='tight')
        fig.savefig(base + '.png', dpi=plot_opts.get('png_dpi', 150), format='png', bbox_inches='tight')
    return fig

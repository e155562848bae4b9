"""Tables, caching, merging, plots and the long-term F1 analysis on result files written to tmp dirs."""
import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest

import pytracking.analysis.plot_results as pr
from pytracking.analysis.extract_results import MissingResultsError, InvalidResultsError, extract_results
from pytracking.analysis.plot_results import (generate_formatted_report, merge_multiple_runs, plot_attributes_radar,
                                              plot_got_success, plot_results, print_per_sequence_results,
                                              print_results, print_results_per_attribute)
from pytracking.evaluation import trackerlist

ALL_TYPES = ('success', 'prec', 'norm_prec')


def _grid_boxes(rng, n):
    return np.c_[rng.integers(0, 400, (n, 2)), rng.integers(4, 80, (n, 2))].astype(float) / 2


@pytest.fixture
def bench(analysis_env, H):
    """6 sequences (otb/uav/lasot rules, absent and NaN GT, zero-size, short/long, far-away results) and
    trackers A (runs 0, 1), B (no run id), C (run 0)."""
    rng = np.random.default_rng(7)
    seqs = []
    for i, ds in enumerate(['otb', 'otb', 'uav', 'uav', 'lasot', 'otb']):
        n = int(rng.integers(20, 45))
        gt = _grid_boxes(rng, n)
        visible = None
        if ds in ('uav', 'lasot'):
            visible = rng.random(n) > 0.2
            visible[0] = True
        if ds == 'uav':
            gt[5] = np.nan
        gt[3, 3] = 0.0
        seqs.append(H.make_sequence('seq{}'.format(i), gt, ds, visible))
    trackers = trackerlist('trk_a', 'default', [0, 1], 'A') + trackerlist('trk_b', 'p') + \
        trackerlist('trk_c', 'default', 0)
    preds = {}
    for t_id, trk in enumerate(trackers):
        for s_id, seq in enumerate(seqs):
            gt = np.nan_to_num(seq.ground_truth_rect, nan=10.0)
            n = len(gt)
            m = n if seq.dataset == 'lasot' else n + [-3, 0, 4][(t_id + s_id) % 3]
            pred = gt[np.minimum(np.arange(m), n - 1)] + rng.integers(-10 - 4 * t_id, 11 + 4 * t_id, (m, 4)) / 2
            pred[:, 2:] = np.abs(pred[:, 2:])
            pred[rng.random(m) < 0.1, 2:] = 0.0
            pred[rng.random(m) < 0.05, 0] += 3000
            preds[(t_id, s_id)] = pred
            H.write_results(trk, seq.name, pred, delimiter='\t' if s_id % 2 else ',', fmt='%.1f')
    return seqs, trackers, preds


def _reference(H, seqs, preds, t_ids, exclude_invalid_frames=False, seq_ids=None):
    """Scores of the average over runs ``t_ids`` (plain loops)."""
    seq_ids = range(len(seqs)) if seq_ids is None else seq_ids
    per_run = []
    for t in t_ids:
        curves = [H.ref_sequence_curves(preds[(t, s)].tolist(), seqs[s].ground_truth_rect.tolist(), seqs[s].dataset,
                                        None if seqs[s].target_visible is None else seqs[s].target_visible.tolist(),
                                        exclude_invalid_frames) for s in seq_ids]
        per_run.append(H.ref_scores(curves))
    return {k: np.mean([r[k] for r in per_run], axis=0) for k in per_run[0]}


def test_hand_worked_scores(analysis_env, H, capsys):
    seq = H.make_sequence('only', [[0, 0, 10, 10]] * 3)
    trk = trackerlist('hand', 'p', None, 'Hand')
    H.write_results(trk[0], 'only', [[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 10]])
    df = print_results(trk, [seq], 'hand', plot_types=ALL_TYPES)
    # IoU per frame 1, 1/3, 1: success is 1 for thresholds 0..0.3 (7), 2/3 for 0.35..0.95 (13), 0 at 1.0
    assert df.loc['Hand', 'AUC'] == pytest.approx((7 + 13 * 2 / 3) / 21 * 100)
    assert df.loc['Hand', 'OP50'] == pytest.approx(200 / 3) and df.loc['Hand', 'OP75'] == pytest.approx(200 / 3)
    # centre error 5 px (normalized 0.5) on frame 1
    assert df.loc['Hand', 'Precision'] == pytest.approx(100.0)
    assert df.loc['Hand', 'Norm Precision'] == pytest.approx(200 / 3)
    out = capsys.readouterr().out
    assert 'Reporting results over 1 / 1 sequences' in out
    assert '\nHand      | 74.60      | 66.67      | 66.67      | 100.00       | 66.67             |' in out


def test_formatted_report_layout():
    text = generate_formatted_report(['abc', 'a_much_longer_name'], {'AUC': [1.234, 55.5], 'Norm Precision': [0, 100]},
                                     table_name='rep')
    assert text == ('\nrep                     | AUC        | Norm Precision    |\n'
                    'abc                     | 1.23       | 0.00              |\n'
                    'a_much_longer_name      | 55.50      | 100.00            |\n')


def test_print_results_matches_reference_and_merges_runs(bench, H):
    seqs, trackers, preds = bench
    df = print_results(trackers, seqs, 'bench', plot_types=ALL_TYPES)
    assert list(df.columns) == ['AUC', 'OP50', 'OP75', 'Precision', 'Norm Precision']
    assert list(df.index) == ['A_000', 'A_001', 'trk_b_p', 'trk_c_default_000']
    for row, t in zip(df.index, range(4)):
        ref = _reference(H, seqs, preds, [t])
        for col in df.columns:
            assert df.loc[row, col] == pytest.approx(ref[col], abs=1e-9), (row, col)
    merged = print_results(trackers, seqs, 'bench', merge_results=True, plot_types=ALL_TYPES)
    assert list(merged.index) == ['A', 'trk_b_p', 'trk_c_default_000']
    ref = _reference(H, seqs, preds, [0, 1])
    for col in merged.columns:
        assert merged.loc['A', col] == pytest.approx(ref[col], abs=1e-9)
        assert merged.loc['A', col] == pytest.approx((df.loc['A_000', col] + df.loc['A_001', col]) / 2, abs=1e-9)
    # CSV and LaTeX copies of the last table
    folder = analysis_env_path('bench')
    back = pd.read_csv(os.path.join(folder, 'results.csv'), index_col=0)
    assert np.allclose(back.values, merged.values, atol=1e-6)
    tex = open(os.path.join(folder, 'results.tex')).read()
    assert '\\toprule' in tex and 'trk\\_b\\_p & {:.2f}'.format(merged.loc['trk_b_p', 'AUC']) in tex


def analysis_env_path(report):
    return os.path.join(os.environ['PYTRACKING_RESULT_PLOT_PATH'], report)


def test_exclude_invalid_frames_and_cache_options(bench, H):
    seqs, trackers, preds = bench
    a = print_results(trackers[:1], seqs, 'opt', plot_types=ALL_TYPES)
    b = print_results(trackers[:1], seqs, 'opt', plot_types=ALL_TYPES, exclude_invalid_frames=True)
    ref = _reference(H, seqs, preds, [0], exclude_invalid_frames=True)
    for col in b.columns:
        assert b.iloc[0][col] == pytest.approx(ref[col], abs=1e-9)
    assert b.iloc[0]['AUC'] > a.iloc[0]['AUC']  # invalid frames no longer count as failures


def test_cache_reused_until_results_change(bench, monkeypatch):
    seqs, trackers, preds = bench
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return extract_results(*args, **kwargs)

    monkeypatch.setattr(pr, 'extract_results', counting)
    first = print_results(trackers, seqs, 'cache')
    print_results(trackers, seqs, 'cache')
    print_results(trackers, seqs, 'cache', merge_results=True)
    assert len(calls) == 1
    # new results for one sequence -> the cache is stale and gets recomputed
    path = os.path.join(trackers[0].results_dir, 'seq0.txt')
    np.savetxt(path, np.tile(seqs[0].ground_truth_rect[:1], (len(seqs[0].ground_truth_rect), 1)), delimiter='\t')
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10 ** 9))
    second = print_results(trackers, seqs, 'cache')
    assert len(calls) == 2 and second.iloc[0]['AUC'] != first.iloc[0]['AUC']
    print_results(trackers, seqs, 'cache', force_evaluation=True)
    assert len(calls) == 3
    # so does a change of the ground truth or of an option
    seqs[1].ground_truth_rect = seqs[1].ground_truth_rect + 1.0
    print_results(trackers, seqs, 'cache')
    assert len(calls) == 4
    print_results(trackers, seqs, 'cache', plot_bin_gap=0.01)
    assert len(calls) == 5


def test_cache_written_by_the_original_is_used(analysis_env, H):
    seq = H.make_sequence('s', [[0, 0, 10, 10]] * 3)
    trk = trackerlist('orig', 'p', None, 'Orig')
    H.write_results(trk[0], 's', [[0, 0, 10, 10]] * 3)
    ov = [0.0 + k * 0.05 for k in range(21)]
    data = {'sequences': ['s'], 'trackers': [{'name': 'orig', 'param': 'p', 'run_id': None, 'disp_name': None}],
            'valid_sequence': [1], 'ave_success_rate_plot_overlap': [[[0.5] * 21]],
            'ave_success_rate_plot_center': [[[0.25] * 51]], 'ave_success_rate_plot_center_norm': [[[0.75] * 51]],
            'avg_overlap_all': [[0.5]], 'threshold_set_overlap': ov, 'threshold_set_center': list(range(51)),
            'threshold_set_center_norm': [k / 100 for k in range(51)]}
    os.makedirs(analysis_env_path('orig'))
    with open(os.path.join(analysis_env_path('orig'), 'eval_data.pkl'), 'wb') as f:
        pickle.dump(data, f)
    df = print_results(trk, [seq], 'orig', plot_types=ALL_TYPES)
    assert df.loc['Orig'].tolist() == pytest.approx([50.0, 50.0, 50.0, 25.0, 75.0])


def test_missing_results_named_or_skipped(bench, H, capsys):
    seqs, trackers, preds = bench
    os.remove(os.path.join(trackers[3].results_dir, 'seq2.txt'))
    os.remove(os.path.join(trackers[3].results_dir, 'seq4.txt'))
    with pytest.raises(MissingResultsError) as info:
        print_results(trackers, seqs, 'missing')
    msg = str(info.value)
    assert "trk_c_default_000" in msg and 'seq2, seq4' in msg and 'skip_missing_seq' in msg
    df = print_results(trackers, seqs, 'missing', skip_missing_seq=True, plot_types=ALL_TYPES)
    assert 'Reporting results over 4 / 6 sequences' in capsys.readouterr().out
    ref = _reference(H, seqs, preds, [1], seq_ids=[0, 1, 3, 5])
    assert df.loc['A_001', 'AUC'] == pytest.approx(ref['AUC'], abs=1e-9)


def test_invalid_prediction_in_pipeline(bench):
    seqs, trackers, preds = bench
    path = os.path.join(trackers[2].results_dir, 'seq1.txt')
    lines = open(path).read().splitlines()
    lines[4] = 'nan\tnan\tnan\tnan'
    open(path, 'w').write('\n'.join(lines) + '\n')
    with pytest.raises(InvalidResultsError, match=r"seq1\.txt.*frame 4 \(line 5\)"):
        print_results(trackers, seqs, 'invalid')
    df = print_results(trackers, seqs, 'invalid', invalid_pred_as_failure=True)
    assert np.isfinite(df.values).all()
    # a garbled file (read by the prefetching threads) is reported with its line
    open(os.path.join(trackers[0].results_dir, 'seq5.txt'), 'a').write('1,2,three,4\n')
    with pytest.raises(InvalidResultsError, match=r"seq5\.txt' is malformed: line \d+ has 1 values instead of 4"):
        print_results(trackers, seqs, 'invalid', invalid_pred_as_failure=True)


def test_per_sequence_results(bench, H, capsys):
    seqs, trackers, preds = bench
    df = print_per_sequence_results(trackers, seqs, 'perseq')
    assert list(df.columns) == ['A_000', 'A_001', 'trk_b_p', 'trk_c_default_000']
    assert list(df.index) == ['seq{} (ID={})'.format(i, i) for i in range(6)]
    for t in range(4):
        for s, seq in enumerate(seqs):
            ao = H.ref_sequence_curves(preds[(t, s)].tolist(), seq.ground_truth_rect.tolist(), seq.dataset,
                                       None if seq.target_visible is None else seq.target_visible.tolist())[3]
            assert df.iloc[s, t] == pytest.approx(ao * 100, abs=1e-9)
    out = capsys.readouterr().out
    assert 'seq3 (ID=3)' in out and '{:0.2f}'.format(df.iloc[3, 1]) in out
    flt = print_per_sequence_results(trackers, seqs, 'perseq', merge_results=True,
                                     filter_criteria={'mode': 'delta_ao', 'threshold': 5.0})
    merged_ao = np.c_[(df.values[:, 0] + df.values[:, 1]) / 2, df.values[:, 2:]]
    expect = [i for i in range(6) if merged_ao[i].max() - merged_ao[i].min() > 5.0]
    assert list(flt.index) == ['seq{} (ID={})'.format(i, i) for i in expect]
    with pytest.raises(ValueError, match='Unknown filter_criteria mode'):
        print_per_sequence_results(trackers, seqs, 'perseq', filter_criteria={'mode': 'x', 'threshold': 1})
    assert os.path.getsize(os.path.join(analysis_env_path('perseq'), 'per_sequence_results.csv')) > 0


def test_plots_have_one_curve_per_tracker(bench, H):
    seqs, trackers, preds = bench
    figs = plot_results(trackers, seqs, 'plots', merge_results=True, plot_types=ALL_TYPES)
    folder = analysis_env_path('plots')
    for name in ('success', 'precision', 'norm_precision'):
        for ext in ('png', 'pdf', 'tex'):
            assert os.path.getsize(os.path.join(folder, '{}_plot.{}'.format(name, ext))) > 500
    ax = figs['success'].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    refs = {'A': _reference(H, seqs, preds, [0, 1]), 'trk_b_p': _reference(H, seqs, preds, [2]),
            'trk_c_default_000': _reference(H, seqs, preds, [3])}
    order = sorted(refs, key=lambda k: -refs[k]['AUC'])
    assert legend == ['{} [{:.1f}]'.format(k, refs[k]['AUC']) for k in order]
    lines = ax.get_lines()[::-1]  # drawn worst first; the legend lists the best first
    assert len(lines) == 3
    for line, key in zip(lines, order):
        assert np.allclose(line.get_ydata(), refs[key]['success_curve'], atol=1e-9)
        assert np.allclose(line.get_xdata(), H.OVERLAP_THRESHOLDS)
    assert lines[0].get_color() == (1.0, 0.0, 0.0)  # best tracker in the first style colour
    tex = open(os.path.join(folder, 'success_plot.tex')).read()
    assert tex.count('\\addplot') == 3 and '\\addlegendentry{{trk\\_b\\_p [{:.1f}]}}'.format(refs['trk_b_p']['AUC']) in tex
    prec_legend = [t.get_text() for t in figs['precision'].axes[0].get_legend().get_texts()]
    assert 'A [{:.1f}]'.format(refs['A']['Precision']) in prec_legend
    with pytest.raises(ValueError, match='Unknown plot type'):
        plot_results(trackers, seqs, 'plots', plot_types=('succes',))


def test_attribute_tables_and_radar(bench, H, capsys):
    seqs, trackers, preds = bench
    attrs = {'ALL': seqs, 'Even': seqs[0::2], 'Odd': seqs[1::2]}
    scores, names = print_results_per_attribute(trackers, attrs, 'attr', merge_results=True)
    assert names == ['A', 'trk_b_p', 'trk_c_default_000']
    for attr, ids in (('ALL', range(6)), ('Even', [0, 2, 4]), ('Odd', [1, 3, 5])):
        assert scores[attr][0].item() == pytest.approx(_reference(H, seqs, preds, [0, 1], seq_ids=ids)['AUC'], abs=1e-9)
        assert scores[attr][1].item() == pytest.approx(_reference(H, seqs, preds, [2], seq_ids=ids)['AUC'], abs=1e-9)
    assert 'Even' in capsys.readouterr().out
    fig = plot_attributes_radar(trackers, attrs, 'attr', merge_results=True)
    best = int(np.argmax([scores['ALL'][i].item() for i in range(3)]))
    line_best = fig.axes[0].get_lines()[-1]
    assert np.allclose(line_best.get_ydata(), 1.0)  # every axis normalised by the best tracker overall
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == '{} [{:.1f}]'.format(names[best], scores['ALL'][best])
    assert os.path.getsize(os.path.join(analysis_env_path('attr'), 'radar_plot.pdf')) > 500
    assert os.path.isfile(os.path.join(analysis_env_path('attr'), 'attribute_results.csv'))


def test_merge_multiple_runs_keeps_first_run_identity():
    data = {'trackers': [{'name': 'a', 'param': 'p', 'run_id': 0, 'disp_name': None},
                         {'name': 'b', 'param': 'p', 'run_id': None, 'disp_name': 'B'},
                         {'name': 'a', 'param': 'p', 'run_id': 1, 'disp_name': None}],
            'avg_overlap_all': [[0.2, 0.5, 0.4]], 'ave_success_rate_plot_overlap': [[[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]],
            'ave_success_rate_plot_center': [[[1.0], [1.0], [0.0]]], 'ave_success_rate_plot_center_norm': [[[0.], [0.], [1.]]]}
    out = merge_multiple_runs(data)
    assert [t['run_id'] for t in out['trackers']] == [0, None]
    assert out['avg_overlap_all'][0] == pytest.approx([0.3, 0.5])
    assert out['ave_success_rate_plot_overlap'] == [[[0.5, 0.5], [0.5, 0.5]]]


def test_plot_got_success_from_json_reports(analysis_env):
    curve_a = np.linspace(1, 0, 101).tolist()
    json.dump({'TrkA': {'ao': 0.612, 'succ_curve': curve_a}}, open(analysis_env['got_reports'] / 'TrkA.json', 'w'))
    json.dump({'TrkB': {'overall': {'ao': 0.7, 'succ_curve': [0.5] * 101}}}, open(analysis_env['got_reports'] / 'TrkB.json', 'w'))
    trackers = trackerlist('TrkA', 'p', None, 'A') + trackerlist('TrkB', 'p', None, 'B')
    fig = plot_got_success(trackers, 'got')
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ['B [70.0]', 'A [61.2]']
    assert np.allclose(fig.axes[0].get_lines()[0].get_ydata(), np.array(curve_a) * 100)
    with pytest.raises(Exception, match='TrkZ.json'):
        plot_got_success(trackerlist('TrkZ', 'p'), 'got')


def test_long_term_precision_recall_f1(analysis_env, H):
    # 4 frames, target absent in frame 2; IoU 1, 1/3, (absent), 1; presence scores 0.9, 0.2, 0.8, 0.5
    seq = H.make_sequence('lt', [[0, 0, 10, 10]] * 4, 'lasot', [True, True, False, True])
    trk = trackerlist('lt', 'p', None, 'LT')
    H.write_results(trk[0], 'lt', [[0, 0, 10, 10], [5, 0, 10, 10], [3, 3, 10, 10], [0, 0, 10, 10]])
    np.savetxt(os.path.join(trk[0].results_dir, 'lt_object_presence_scores.txt'), [0.9, 0.2, 0.8, 0.5])
    # ranking by score: frames 0 (1.0), 2 (absent: 0), 3 (1.0), 1 (1/3); 3 visible frames
    cum = np.cumsum([1.0, 0.0, 1.0, 1 / 3])
    prec = np.r_[1.0, cum / np.arange(1, 5)]
    rec = np.r_[0.0, cum / 3]
    f1 = np.nan_to_num(2 * prec * rec / (prec + rec))
    df = print_results(trk, [seq], 'lt', plot_types=('f1_prec_rec',))
    assert df.loc['LT', 'F1 Scores'] == pytest.approx(f1.max(), abs=1e-12)  # a fraction, as the original prints
    figs = plot_results(trk, [seq], 'lt', plot_types=('f1_prec_rec',))
    line = figs['f1_prec_rec'].axes[0].get_lines()[0]
    assert np.allclose(line.get_xdata(), rec) and np.allclose(line.get_ydata(), prec)
    assert os.path.getsize(os.path.join(analysis_env_path('lt'), 'f1_prec_rec_plot.png')) > 500


def test_f1_merged_runs_average(analysis_env, H):
    seq = H.make_sequence('lt2', [[0, 0, 10, 10]] * 3, 'lasot', [True, True, True])
    trks = trackerlist('ltm', 'p', [0, 1])  # no display name
    H.write_results(trks[0], 'lt2', [[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 10]])
    H.write_results(trks[1], 'lt2', [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]])
    single = print_results(trks, [seq], 'lt2', plot_types=('f1_prec_rec',))
    # run 1 is perfect (F1 1); run 0 has IoUs 1, 1/3, 1 with equal scores: best F1 after all 3 frames = 7/9
    assert single['F1 Scores'].tolist() == pytest.approx([7 / 9, 1.0])
    merged = print_results(trks, [seq], 'lt2', merge_results=True, plot_types=('f1_prec_rec',))
    assert list(merged.index) == ['ltm_p_000'] and merged.iloc[0, 0] == pytest.approx((7 / 9 + 1) / 2)


def test_hand_worked_scores_on_awkward_results(analysis_env, H):
    """Every score worked out by hand on two short sequences that mix all the awkward cases."""
    nan = float('nan')
    box = [0, 0, 10, 10]
    # otb, 6 frames, target absent (zero-size GT) in frame 3
    otb = H.make_sequence('edge_otb', [box, box, box, [0, 0, 0, 0], box, box], 'otb')
    # uav, 4 frames, unknown (NaN) GT in frame 1
    uav = H.make_sequence('edge_uav', [box, [nan] * 4, box, box], 'uav')
    trackers = trackerlist('edge', 'p', None, 'Edge') + trackerlist('bad', 'p', None, 'Bad')
    edge, bad = trackers
    # Edge/otb, 5 boxes for 6 frames: frame 0 -> GT (IoU 1); frame 1 IoU 1/3 (5 px, 0.5 normalized);
    # frame 2 zero-size -> copies frame 1; frame 3 invalid GT; frame 4 far outside the image (IoU 0);
    # frame 5 padded with a zero box: IoU 0, centre (-0.5, -0.5) -> 7.07 px, 0.707 normalized.
    H.write_results(edge, 'edge_otb', [[50, 50, 3, 3], [5, 0, 10, 10], [0, 0, 0, 0], [1, 1, 10, 10],
                                       [3000, 3000, 10, 10]])
    # Edge/uav, 5 boxes for 4 frames (last one dropped): frame 1 zero-size but GT unknown, so not filled;
    # frame 2 zero-size copies that zero box (IoU 0, 7.07 px); frame 3 exact.
    H.write_results(edge, 'edge_uav', [[50, 50, 3, 3], [0, 0, 0, 0], [0, 0, 0, 0], box, [7, 7, 7, 7]])
    # Bad: a NaN box, counted as a failure; on uav it falls on the unknown-GT frame (stays invalid) and
    # is inherited by the zero-size box of frame 2 (a failure).
    H.write_results(bad, 'edge_otb', [box, box, [nan] * 4, box, box, box])
    H.write_results(bad, 'edge_uav', [box, [nan] * 4, [0, 0, 0, 0], box])

    with pytest.raises(InvalidResultsError, match=r"bad/p/edge_otb\.txt.*frame 2 \(line 3\)"):
        print_results(trackers, [otb, uav], 'edges', plot_types=ALL_TYPES)
    df = print_results(trackers, [otb, uav], 'edges', plot_types=ALL_TYPES, invalid_pred_as_failure=True)
    # Success counts frames with IoU > t for the 21 thresholds, centre precision counts error <= t; invalid
    # frames never succeed, but their centre error is -1 on uav and their normalized error -1 everywhere
    # (the original's convention), so they count as precise there. Denominators: all GT frames.
    # Edge: otb IoUs 1, 1/3, 1/3, -, 0, 0 -> 3 frames for t <= 0.3 (7 thresholds), 1 for 0.35..0.95 (13);
    #       uav IoUs 1, -, 0, 1 -> 2 frames for t < 1 (20 thresholds).
    edge_seq = {'AUC': [(3 * 7 + 13) / 21 / 6, 2 * 20 / 21 / 4], 'OP50': [1 / 6, 2 / 4], 'OP75': [1 / 6, 2 / 4],
                'Precision': [4 / 6, 4 / 4], 'Norm Precision': [2 / 6, 3 / 4]}
    # Bad: otb IoUs 1, 1, 0 (NaN), -, 1, 1; centre 0, 0, inf, inf, 0, 0; normalized 0, 0, inf, -1, 0, 0.
    #      uav IoUs 1, -, 0 (inherited failure), 1; centre 0, -1, inf, 0; normalized 0, -1, inf, 0.
    bad_seq = {'AUC': [4 * 20 / 21 / 6, 2 * 20 / 21 / 4], 'OP50': [4 / 6, 2 / 4], 'OP75': [4 / 6, 2 / 4],
               'Precision': [4 / 6, 3 / 4], 'Norm Precision': [5 / 6, 3 / 4]}
    for name, per_seq in (('Edge', edge_seq), ('Bad', bad_seq)):
        for col, (a, b) in per_seq.items():
            assert df.loc[name, col] == pytest.approx((a + b) / 2 * 100, abs=1e-9), (name, col)
    assert df.loc['Edge', 'AUC'] == pytest.approx(100 * 47 / 126) and df.loc['Bad', 'AUC'] == pytest.approx(500 / 9)

    # exclude_invalid_frames: the otb denominators drop to 5 valid frames (the invalid frame still
    # counts for the normalized precision, as in the original).
    ex = print_results(trackers[:1], [otb], 'edges_ex', plot_types=ALL_TYPES, exclude_invalid_frames=True)
    assert ex.loc['Edge'].tolist() == pytest.approx([34 / 105 * 100, 20.0, 20.0, 80.0, 40.0])
    # per-sequence average overlap over valid frames
    per_seq = print_per_sequence_results(trackers, [otb, uav], 'edges', invalid_pred_as_failure=True)
    assert per_seq['Edge'].tolist() == pytest.approx([(1 + 2 / 3) / 5 * 100, 2 / 3 * 100])
    assert per_seq['Bad'].tolist() == pytest.approx([80.0, 2 / 3 * 100])

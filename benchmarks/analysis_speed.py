"""Time the analysis (print_results) of synthetic results: first run (reading every results file) vs
cached run (eval_data.pkl reused after checking the result files' sizes and modification times).

    python benchmarks/analysis_speed.py [--trackers 5] [--sequences 280] [--frames 2500]

Results and plots go to a temporary folder (removed afterwards unless --keep).
"""
import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time

import numpy as np


def make_results(root: str, n_trackers: int, n_sequences: int, n_frames: int, seed: int = 0):
    """Ground truth and tab-delimited results files (2 decimals, like trackers write), some zero-size boxes."""
    from pytracking.evaluation import trackerlist
    from pytracking.evaluation.data import Sequence
    rng = np.random.default_rng(seed)
    seqs = []
    for s in range(n_sequences):
        gt = np.c_[rng.uniform(0, 1000, (n_frames, 2)), rng.uniform(10, 200, (n_frames, 2))].round(1)
        seqs.append(Sequence('seq{:03d}'.format(s), [], 'lasot', gt, target_visible=rng.random(n_frames) > 0.05))
    trackers = []
    for t in range(n_trackers):
        trackers += trackerlist('trk{}'.format(t), 'default', None, 'Tracker {}'.format(t))
    for trk in trackers:
        os.makedirs(trk.results_dir, exist_ok=True)
        for seq in seqs:
            pred = seq.ground_truth_rect + rng.normal(0, 8, (n_frames, 4))
            pred[:, 2:] = np.abs(pred[:, 2:])
            pred[rng.random(n_frames) < 0.02, 2:] = 0.0
            np.savetxt(os.path.join(trk.results_dir, seq.name + '.txt'), pred, delimiter='\t', fmt='%.2f')
    return trackers, seqs


def loop_style_auc(trackers, seqs) -> list:
    """The original algorithm's structure, for comparison: ``np.loadtxt`` per file, a per-frame Python
    loop for the zero-size fill, torch ops and a broadcast threshold comparison. Returns AUC per tracker."""
    import torch
    th = torch.arange(0.0, 1.05, 0.05, dtype=torch.float64)
    out = []
    for trk in trackers:
        curves = []
        for seq in seqs:
            pred = torch.tensor(np.loadtxt(os.path.join(trk.results_dir, seq.name + '.txt'), delimiter='\t'))
            anno = torch.tensor(seq.ground_truth_rect)
            for i in range(1, pred.shape[0]):
                if (pred[i, 2:] == 0.0).any() and not torch.isnan(anno[i]).any():
                    pred[i] = pred[i - 1]
            pred[0] = anno[0]
            visible = torch.tensor(seq.target_visible)
            valid = (anno[:, 2:] > 0).all(1) & visible
            tl = torch.max(pred[:, :2], anno[:, :2])
            br = torch.min(pred[:, :2] + pred[:, 2:] - 1.0, anno[:, :2] + anno[:, 2:] - 1.0)
            inter = (br - tl + 1.0).clamp(0).prod(1)
            iou = inter / (pred[:, 2:].prod(1) + anno[:, 2:].prod(1) - inter)
            iou[~valid] = -1.0
            curves.append((iou.view(-1, 1) > th.view(1, -1)).sum(0).double() / anno.shape[0])
        out.append(float(torch.stack(curves).mean(0).mean() * 100))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--trackers', type=int, default=5)
    parser.add_argument('--sequences', type=int, default=280)
    parser.add_argument('--frames', type=int, default=2500)
    parser.add_argument('--loop-sequences', type=int, default=20,
                        help='sequences on which to time the per-frame-loop variant (0: skip)')
    parser.add_argument('--keep', action='store_true', help='keep the temporary folder')
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix='analysis_speed_')
    os.environ['PYTRACKING_RESULTS_PATH'] = os.path.join(root, 'results')
    os.environ['PYTRACKING_RESULT_PLOT_PATH'] = os.path.join(root, 'plots')
    try:
        from pytracking.analysis.plot_results import print_results, plot_results
        t0 = time.perf_counter()
        trackers, seqs = make_results(root, args.trackers, args.sequences, args.frames)
        t_make = time.perf_counter() - t0
        types = ('success', 'prec', 'norm_prec')
        timings = {}
        for label, kwargs in (('first run (no cache)', {'force_evaluation': True}), ('cached run', {})):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()) as out:
                df = print_results(trackers, seqs, 'speed', plot_types=types, verbose=False, **kwargs)
            timings[label] = time.perf_counter() - t0
        t0 = time.perf_counter()
        plot_results(trackers, seqs, 'speed', plot_types=types, verbose=False)
        timings['plots (cached data; 3 plots x png/pdf/tex)'] = time.perf_counter() - t0

        n_loop = min(args.loop_sequences, len(seqs))
        t0 = time.perf_counter()
        loop_auc = loop_style_auc(trackers, seqs[:n_loop]) if n_loop else []
        t_loop = time.perf_counter() - t0
        print('Analysis of {} trackers x {} sequences x {} frames ({:.1f} M boxes); writing the synthetic '
              'results took {:.1f} s'.format(args.trackers, args.sequences, args.frames,
                                            args.trackers * args.sequences * args.frames / 1e6, t_make))
        for label, sec in timings.items():
            print('  {:<45s} {:8.2f} s'.format(label, sec))
        if n_loop:
            print('  {:<45s} {:8.2f} s  (measured on {} sequences: {:.2f} s)'.format(
                'per-frame-loop variant, extrapolated', t_loop * len(seqs) / n_loop, n_loop, t_loop))
            with contextlib.redirect_stdout(io.StringIO()):
                check = print_results(trackers, seqs[:n_loop], 'speed_check', plot_types=('success',), verbose=False)
            diff = max(abs(a - b) for a, b in zip(loop_auc, check['AUC']))
            print('  max |AUC difference| vs the loop variant on those sequences: {:.2e}'.format(diff))
        print(out.getvalue().strip().splitlines()[-1])
        print(df.round(2).to_string())
    finally:
        if args.keep:
            print('kept', root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()

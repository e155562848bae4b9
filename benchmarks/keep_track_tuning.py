"""Quick scoring of tracker settings on a subset of a synthetic split, for choosing parameters on the validation
split (never the test split). Prints one JSON line: mean AUC per run, their mean, and the mean AUC per sequence.

    OMP_NUM_THREADS=1 python benchmarks/keep_track_tuning.py keep_track keep_track_tiny --runs 2 \\
        --set local_max_candidate_kernel_size=3 [--matcher /path/to/matcher.pth.tar] [--subset distractor]

The AUC here is the quick one used while tuning ``keep_track/keep_track_tiny``: per sequence, the mean over the
IoU thresholds 0, 0.05, ..., 1 of the fraction of frames (after the first, target visible) whose IoU exceeds the
threshold, then averaged over sequences. It needs no result files, but it is not the benchmark figure:
``benchmarks/keep_track_synthetic.py`` gives those (``pytracking.analysis``, all annotated frames). Run ``r`` seeds
torch and numpy with ``seed + r``, so a configuration's runs are repeatable.
"""
import argparse
import ast
import json
import os
import sys
import time
from typing import List, Optional

import numpy as np

if __package__ in (None, ''):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

THRESHOLDS = np.linspace(0, 1, 21)


def sequence_auc(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray) -> float:
    """Quick AUC (percent) of one sequence: ``pred`` / ``gt`` [N, 4] boxes x, y, w, h; ``visible`` [N] bool.
    Frame 0 (the initialisation) and frames where the target is not visible are left out."""
    from pytracking.analysis.extract_results import calc_iou_overlap
    keep = np.asarray(visible, dtype=bool).copy()
    keep[0] = False
    keep &= gt[:, 2] > 0
    if not keep.any():
        raise ValueError('No frame with a visible target after the first one')
    iou = np.asarray(calc_iou_overlap(pred[keep], gt[keep]), dtype=np.float64)
    return float(np.mean([(iou > t).mean() for t in THRESHOLDS]) * 100)


def parse_override(text: str):
    """``name=value`` -> (name, value); the value is a Python literal (number, bool, string, tuple, ...)."""
    if '=' not in text:
        raise argparse.ArgumentTypeError("expected name=value, got '{}'".format(text))
    name, value = text.split('=', 1)
    try:
        return name.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError) as e:
        raise argparse.ArgumentTypeError("value of '{}' is not a Python literal: {}".format(name, value)) from e


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('tracker_name')
    parser.add_argument('parameter_name')
    parser.add_argument('--set', nargs='*', type=parse_override, default=[], metavar='NAME=VALUE',
                        help='Parameter overrides (Python literals).')
    parser.add_argument('--matcher', default=None,
                        help='Candidate matching network file for KeepTrack (instead of the parameter file\'s).')
    parser.add_argument('--split', choices=('val', 'test'), default='val')
    parser.add_argument('--num-sequences', type=int, default=100)
    parser.add_argument('--subset', default='distractor',
                        help="Comma-separated challenge factors (sequences in which any occurs), or 'all'.")
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    import torch
    from pytracking.evaluation import Tracker
    from pytracking.evaluation.syntheticdataset import SyntheticDataset
    from pytracking.features.net_wrappers import NetWrapper

    dataset = SyntheticDataset(split=args.split, num_sequences=args.num_sequences)
    if args.subset == 'all':
        names = set(dataset.sequence_list)
    else:
        attributes = dataset.attributes()
        unknown = [f for f in args.subset.split(',') if f not in attributes]
        if unknown:
            parser.error('unknown challenge factor(s) {}; choose from {}'.format(unknown, sorted(attributes)))
        names = {n for f in args.subset.split(',') for n in attributes[f]}
    sequences = [s for s in dataset.get_sequence_list() if s.name in names]

    class TunedTracker(Tracker):
        """The tracker with the command line's parameter overrides."""

        def get_parameters(self):
            params = super().get_parameters()
            for name, value in args.set:
                setattr(params, name, value)
            if args.matcher:
                params.target_candidate_matching_net = NetWrapper(net_path=os.path.abspath(args.matcher),
                                                                  use_gpu=params.get('use_gpu', False))
            return params

    tracker = TunedTracker(args.tracker_name, args.parameter_name)
    start = time.time()
    run_means, per_sequence = [], {s.name: [] for s in sequences}
    for run in range(args.runs):
        torch.manual_seed(args.seed + run)
        np.random.seed(args.seed + run)
        aucs = []
        for seq in sequences:
            boxes = np.asarray(tracker.run_sequence(seq, debug=0)['target_bbox'], dtype=np.float64)
            gt = np.asarray(seq.ground_truth_rect, dtype=np.float64)
            auc = sequence_auc(boxes, gt, np.asarray(seq.target_visible))
            aucs.append(auc)
            per_sequence[seq.name].append(auc)
        run_means.append(float(np.mean(aucs)))

    print(json.dumps({'tracker': '{}/{}'.format(args.tracker_name, args.parameter_name),
                      'overrides': {n: repr(v) for n, v in args.set}, 'matcher': args.matcher,
                      'split': args.split, 'subset': args.subset, 'sequences': len(sequences),
                      'auc_mean': round(float(np.mean(run_means)), 2), 'runs': [round(a, 2) for a in run_means],
                      'seconds': round(time.time() - start),
                      'per_sequence': {k: round(float(np.mean(v)), 1) for k, v in per_sequence.items()}}))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""The shipped DiMP-tiny model against OpenCV's trackers on the synthetic test split.

    python benchmarks/synthetic_peers.py [--sequences N] [--trackers mil kcf csrt] [--no-dimp]

Runs OpenCV's MIL (in every OpenCV build) and KCF / CSRT (only in the contrib build, e.g. the
``opencv-contrib-python-headless`` package; skipped with a note otherwise) on the synthetic test split
(``get_dataset('synthetic')``), writes their boxes and timings in the pytracking results layout
(``<results_path>/opencv_<name>/default/<sequence>.txt``), tracks the split with ``dimp dimp_tiny`` (finished
sequences are reused), and analyses all of them with the same code (:mod:`pytracking.analysis.plot_results`):
one table overall (AUC, OP50, OP75, Precision, Norm Precision) and one AUC table per challenge factor.

OpenCV trackers report a failed update (``ok == False``); the previous box is then kept, as a tracker must
output a box for every frame in this one-pass evaluation.
"""
import argparse
import logging
import os
import sys
import time
from typing import Dict, List, Optional

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

import cv2 as cv  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402


OPENCV_TRACKERS = {'mil': ('TrackerMIL_create', 'OpenCV MIL'),
                   'kcf': ('TrackerKCF_create', 'OpenCV KCF'),
                   'csrt': ('TrackerCSRT_create', 'OpenCV CSRT')}
PLOT_TYPES = ('success', 'prec', 'norm_prec')


def opencv_factory(name: str):
    """The ``cv2.Tracker*_create`` function of ``name`` ('mil', 'kcf', 'csrt'), or None when this cv2 lacks it
    (KCF and CSRT are in the contrib build only; older builds keep them in ``cv2.legacy``)."""
    attr = OPENCV_TRACKERS[name][0]
    fn = getattr(cv, attr, None)
    if fn is None and hasattr(cv, 'legacy'):
        fn = getattr(cv.legacy, attr, None)
    return fn


def track_opencv(seq, create) -> Dict[str, list]:
    """Run one OpenCV tracker over ``seq``, initialised with the first ground-truth box (x, y, w, h).

    returns: ``{'target_bbox': [[x, y, w, h], ...], 'time': [seconds, ...]}`` (one entry per frame).
    """
    init = [float(v) for v in np.asarray(seq.init_info()['init_bbox']).reshape(-1)[:4]]
    tracker = create()
    boxes, times = [], []
    box = init
    for i, frame_path in enumerate(seq.frames):
        image = cv.imread(frame_path, cv.IMREAD_COLOR)
        if image is None:
            raise OSError('Could not read frame {}'.format(frame_path))
        start = time.perf_counter()
        if i == 0:
            tracker.init(image, tuple(int(round(v)) for v in init))
        else:
            ok, new_box = tracker.update(image)
            if ok:
                box = [float(v) for v in new_box]
        times.append(time.perf_counter() - start)
        boxes.append(list(box))
    return {'target_bbox': boxes, 'time': times}


def run_opencv(dataset, name: str, force: bool = False):
    """Track ``dataset`` with OpenCV tracker ``name`` and save the results; returns its
    :class:`~pytracking.evaluation.Tracker` (results only), or None when this OpenCV build lacks it."""
    from pytracking.evaluation import Tracker
    from pytracking.evaluation.running import _save_tracker_output

    create = opencv_factory(name)
    if create is None:
        return None
    tracker = Tracker('opencv_{}'.format(name), 'default', display_name=OPENCV_TRACKERS[name][1])
    for seq in tqdm(dataset, desc=OPENCV_TRACKERS[name][1], unit='seq'):
        if not force and os.path.isfile(os.path.join(tracker.results_dir, seq.name + '.txt')):
            continue
        _save_tracker_output(seq, tracker, track_opencv(seq, create))
    return tracker


def attribute_subsets(dataset) -> Dict[str, list]:
    """Challenge factor -> the sequences of ``dataset`` in which it occurs (factors with no sequence dropped)."""
    from ltr.data import synthetic
    from pytracking.evaluation.data import SequenceList

    out = {}
    for factor in synthetic.CHALLENGES:
        subset = [s for s in dataset if bool(np.any(s.frame_attributes[factor]))]
        if subset:
            out[factor] = SequenceList(subset)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sequences', type=int, default=None, help='Only the first N test sequences.')
    parser.add_argument('--trackers', nargs='+', default=['mil', 'kcf', 'csrt'], choices=sorted(OPENCV_TRACKERS))
    parser.add_argument('--no-dimp', action='store_true', help='Do not run or analyse dimp dimp_tiny.')
    parser.add_argument('--threads', type=int, default=0, help='Worker processes for dimp_tiny (0: this process).')
    parser.add_argument('--force', action='store_true', help='Re-run the OpenCV trackers even if results exist.')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')

    from pytracking.analysis.plot_results import print_results, print_results_per_attribute
    from pytracking.evaluation import Tracker, get_dataset
    from pytracking.evaluation.running import run_dataset

    print('OpenCV {} ({})'.format(cv.__version__, os.path.dirname(cv.__file__)))
    dataset = get_dataset('synthetic') if args.sequences is None else \
        get_dataset('synthetic', num_sequences=args.sequences)

    trackers = []
    if not args.no_dimp:
        dimp = Tracker('dimp', 'dimp_tiny', display_name='DiMP-tiny')
        outcome = run_dataset(dataset, [dimp], threads=args.threads)
        if outcome['failed']:
            print('dimp_tiny failed on: {}'.format(', '.join(n for n, _, _ in outcome['failed'])), file=sys.stderr)
            return 1
        trackers.append(dimp)
    for name in args.trackers:
        trk = run_opencv(dataset, name, force=args.force)
        if trk is None:
            print('NOTE: {} skipped: this OpenCV build has no {} (install the contrib build, '
                  'opencv-contrib-python-headless).'.format(OPENCV_TRACKERS[name][1], OPENCV_TRACKERS[name][0]))
        else:
            trackers.append(trk)
    if not trackers:
        print('No tracker to analyse.', file=sys.stderr)
        return 1

    report = 'synthetic_peers' if args.sequences is None else 'synthetic_peers_{}seq'.format(len(dataset))
    print_results(trackers, dataset, report, plot_types=PLOT_TYPES, force_evaluation=True)
    print('\nAUC per challenge factor (sequences in which the factor occurs):')
    subsets = attribute_subsets(dataset)
    for factor, subset in subsets.items():
        print('  {:<18s} {} sequences'.format(factor, len(subset)))
    print_results_per_attribute(trackers, subsets, report, force_evaluation=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

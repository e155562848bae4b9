"""Quick start: the whole pipeline on the embedded synthetic benchmark, with the shipped DiMP-tiny model.

    python -m pytracking.quick_start              # or: python pytracking/quick_start.py

1. generates the synthetic test split (30 sequences, GOT-10k layout) under ``synthetic_path`` unless present;
2. tracks it with ``dimp dimp_tiny`` (the network ``dimp_tiny.pth.tar`` ships in ``pytracking/networks``);
3. prints the score table (AUC, OP50, OP75, Precision, Norm Precision);
4. writes the success / precision / normalized-precision plots and one annotated video.

Finished sequences are skipped when the command is run again (``--force`` re-tracks them). No download is needed.
"""
import argparse
import logging
import os
import sys
import time
from typing import List, Optional

import torch

if __package__ in (None, ''):
    # Run as a script (python pytracking/quick_start.py): make the repository importable.
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))


TRACKER_NAME = 'dimp'
PARAMETER_NAME = 'dimp_tiny'
NETWORK_FILE = 'dimp_tiny.pth.tar'
PLOT_TYPES = ('success', 'prec', 'norm_prec')


class QuickStartError(RuntimeError):
    """A set-up problem the user must fix (message says what and where)."""


def check_network(network_path: str) -> str:
    """Path of the shipped network file under ``network_path``; raises :class:`QuickStartError` naming the
    file and where to put it when it is missing."""
    path = os.path.join(network_path, NETWORK_FILE)
    if not os.path.isfile(path):
        shipped = os.path.abspath(os.path.join(os.path.dirname(__file__), 'networks', NETWORK_FILE))
        hint = ('It ships with the repository at {}; copy it there, or point network_path '
                '(pytracking/evaluation/local.py or PYTRACKING_NETWORK_PATH) at its folder.'.format(shipped)
                if os.path.isfile(shipped) and os.path.abspath(path) != shipped else
                'It ships with the repository (pytracking/networks/{0}); restore it from git, or retrain it with '
                '"python ltr/run_training.py dimp dimp_tiny --seed 1" and copy the last checkpoint there '
                '(see MODEL_ZOO.md).'.format(NETWORK_FILE))
        raise QuickStartError('Network file not found: {}. {}'.format(path, hint))
    return path


def write_annotated_video(seq, tracker, path: str, fps: float = 15.0) -> int:
    """Write ``seq`` with its ground truth (green) and the tracker's saved boxes (red) drawn on every frame.

    args:
        seq - a :class:`~pytracking.evaluation.data.Sequence` whose results exist in ``tracker.results_dir``.
        tracker - the :class:`~pytracking.evaluation.Tracker` that produced them.
        path - output file (``.mp4``: mp4v codec, ``.avi``: MJPG).
    returns: number of frames written.
    """
    import cv2 as cv
    import numpy as np

    from pytracking.evaluation._live import AnnotatedVideoWriter, draw_text_lines
    from pytracking.utils.load_text import load_boxes

    result_file = os.path.join(tracker.results_dir, '{}.txt'.format(seq.name))
    pred = load_boxes(result_file, delimiter=('\t', ','), dtype=np.float64)
    gt = np.asarray(seq.ground_truth_rect, dtype=np.float64)
    writer = AnnotatedVideoWriter(path, fps)
    scale = 2  # the synthetic frames are small (320x240): upscale so that boxes and text stay readable
    try:
        for i, frame_path in enumerate(seq.frames):
            frame = cv.imread(frame_path, cv.IMREAD_COLOR)
            if frame is None:
                raise QuickStartError('Could not read frame {}'.format(frame_path))
            frame = cv.resize(frame, None, fx=scale, fy=scale, interpolation=cv.INTER_LINEAR)
            # Explicit colours (not the per-object palette) so that the legend drawn below is right; the thin
            # truth box goes on top of the thick tracker box so that both stay visible when they coincide.
            if i < len(pred):
                x, y, w, h = [int(round(scale * v)) for v in pred[i]]
                if w > 0 and h > 0:
                    cv.rectangle(frame, (x, y), (x + w, y + h), (0, 0, 255), 4)
            if i < len(gt) and gt[i, 2] > 0 and gt[i, 3] > 0:
                x, y, w, h = [int(round(scale * v)) for v in gt[i]]
                cv.rectangle(frame, (x, y), (x + w, y + h), (0, 220, 0), 2)
            draw_text_lines(frame, ['{}  frame {}'.format(seq.name, i + 1), 'green: ground truth   red: DiMP-tiny'],
                            origin=(8, 18), scale=0.5)
            writer.write(frame)
    finally:
        writer.release()
    return writer.frames_written


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description='Track the synthetic benchmark with the shipped DiMP-tiny model, '
                                                 'print the scores, write plots and an annotated video.')
    parser.add_argument('--threads', type=int, default=0, help='Worker processes for tracking (0: this process).')
    parser.add_argument('--debug', type=int, default=0, help='Debug level of the tracker (0: off).')
    parser.add_argument('--sequences', type=int, default=None,
                        help='Track only the first N sequences of the test split (a quick subset).')
    parser.add_argument('--device', type=str, default=None, help="Device, e.g. 'cpu' or 'cuda' (default: GPU if "
                                                                 "available).")
    parser.add_argument('--force', action='store_true', help='Re-track sequences whose results already exist.')
    parser.add_argument('--torch_threads', type=int, default=1,
                        help='Intra-op CPU threads of PyTorch in this process (default 1).')
    args = parser.parse_args(argv)
    # The tiny network gains little from several intra-op threads, and on a machine busy with other work
    # OpenMP threads that wait for each other multiply the wall time (measured: 17 s with 1 thread vs 145 s
    # with 2 threads for one sequence on a loaded 2-core machine).
    torch.set_num_threads(max(1, args.torch_threads))
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')

    from pytracking.analysis.plot_results import plot_results, print_results
    from pytracking.evaluation import Tracker, get_dataset
    from pytracking.evaluation.environment import env_settings
    from pytracking.evaluation.running import run_dataset

    start = time.time()
    env = env_settings()
    try:
        check_network(env.network_path)
    except QuickStartError as err:
        print('ERROR: {}'.format(err), file=sys.stderr)
        return 2
    if args.sequences is not None and args.sequences < 1:
        parser.error('--sequences must be at least 1, got {}'.format(args.sequences))

    print('Synthetic test split: {} (generated on first use)'.format(env.synthetic_path))
    # A subset is generated on its own (the first N sequences of the split, identical to the full split's).
    dataset = get_dataset('synthetic') if args.sequences is None else \
        get_dataset('synthetic', num_sequences=args.sequences)
    tracker = Tracker(TRACKER_NAME, PARAMETER_NAME, display_name='DiMP-tiny', device=args.device)
    if args.force:
        for seq in dataset:
            for suffix in ('.txt', '_time.txt'):
                path = os.path.join(tracker.results_dir, seq.name + suffix)
                if os.path.isfile(path):
                    os.remove(path)

    print('Tracking {} sequences with {} {} ...'.format(len(dataset), TRACKER_NAME, PARAMETER_NAME))
    outcome = run_dataset(dataset, [tracker], debug=args.debug, threads=args.threads)
    if outcome['failed']:
        for name, _, err in outcome['failed']:
            print('FAILED {}: {}'.format(name, err), file=sys.stderr)
        return 1
    if args.debug:
        # With debug > 0 results are not saved, so there is nothing to analyse.
        print('Debug run finished (results are not saved in debug mode).')
        return 0

    report_name = 'synthetic_quick_start' if args.sequences is None else \
        'synthetic_quick_start_{}seq'.format(len(dataset))
    print_results([tracker], dataset, report_name, plot_types=PLOT_TYPES, force_evaluation=True)
    plot_results([tracker], dataset, report_name, plot_types=PLOT_TYPES, force_evaluation=False)
    report_dir = os.path.join(env.result_plot_path, report_name)

    video_seq = dataset[0]
    video_path = os.path.join(report_dir, '{}_{}.mp4'.format(PARAMETER_NAME, video_seq.name))
    try:
        n = write_annotated_video(video_seq, tracker, video_path)
    except OSError:
        # Some OpenCV builds lack the mp4v encoder; MJPG in AVI is always available.
        video_path = os.path.splitext(video_path)[0] + '.avi'
        n = write_annotated_video(video_seq, tracker, video_path)

    print('\nWritten:')
    print('  tracking results : {}'.format(tracker.results_dir))
    print('  score table      : {}'.format(os.path.join(report_dir, 'results.csv')))
    print('  plots            : {}'.format(report_dir))
    print('  annotated video  : {} ({} frames)'.format(video_path, n))
    print('Done in {:.0f} s.'.format(time.time() - start))
    return 0


if __name__ == '__main__':
    sys.exit(main())

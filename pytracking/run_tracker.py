"""Run a tracker on a dataset or one sequence.

    python pytracking/run_tracker.py dimp dimp50 --dataset_name otb [--sequence Soccer] [--threads 4] [--device cuda:1]

Results go to ``<results_path>/<tracker>/<param>[_<runid:03d>]/`` (see ``pytracking.evaluation.running``);
sequences whose results exist are skipped, so an interrupted run continues where it stopped.
"""
import argparse
import logging
import os
import sys

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from pytracking.evaluation._cli import add_visdom_args, run_main, setup_logging, visdom_info_from_args  # noqa: E402
from pytracking.evaluation import Tracker, get_dataset  # noqa: E402
from pytracking.evaluation.running import run_dataset  # noqa: E402

logger = logging.getLogger(__name__)


def run_tracker(tracker_name: str, tracker_param: str, run_id: int = None, dataset_name: str = 'otb',
                sequence=None, debug: int = 0, threads: int = 0, visdom_info: dict = None, device: str = None) -> dict:
    """Run tracker on sequence or dataset.

    args:
        tracker_name: Name of tracking method.
        tracker_param: Name of parameter file.
        run_id: The run id.
        dataset_name: Name of dataset (otb, nfs, uav, tpl, vot, trackingnet, got10k_test, lasot, ...).
        sequence: Sequence number (int) or name.
        debug: Debug level.
        threads: Number of worker processes (0: sequential).
        visdom_info: Dict with visdom ``use_visdom``, ``server``, ``port``.
        device: Optional device string (``cpu``, ``cuda``, ``cuda:1``) for ``params.device``.
    returns:
        The summary of :func:`pytracking.evaluation.running.run_dataset`.
    """
    visdom_info = {} if visdom_info is None else visdom_info
    tracker = Tracker(tracker_name, tracker_param, run_id, device=device)
    tracker.check_available()  # fail on a wrong name before loading the dataset
    dataset = get_dataset(dataset_name)
    if sequence is not None:
        dataset = [dataset[sequence]]
    return run_dataset(dataset, [tracker], debug, threads, visdom_info=visdom_info)


def parse_sequence(value):
    """A ``--sequence`` value: an int index when it is one, else a sequence name."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Run tracker on sequence or dataset.')
    parser.add_argument('tracker_name', type=str, help='Name of tracking method.')
    parser.add_argument('tracker_param', type=str, help='Name of parameter file.')
    parser.add_argument('--runid', type=int, default=None, help='The run id.')
    parser.add_argument('--dataset_name', '--dataset', dest='dataset_name', type=str, default='otb',
                        help='Name of dataset (otb, nfs, uav, tpl, vot, trackingnet, got10k_test, got10k_val, '
                             'lasot, lasot_extension_subset, oxuva_dev, avist, synthetic, ...).')
    parser.add_argument('--sequence', type=str, default=None, help='Sequence number or name.')
    parser.add_argument('--debug', type=int, default=0, help='Debug level.')
    parser.add_argument('--threads', type=int, default=0, help='Number of worker processes.')
    parser.add_argument('--device', type=str, default=None, help='Device, e.g. cpu, cuda, cuda:1 (default: '
                                                                  'the parameters\' choice).')
    add_visdom_args(parser)
    args = parser.parse_args(argv)

    setup_logging()
    summary = run_tracker(args.tracker_name, args.tracker_param, args.runid, args.dataset_name,
                          parse_sequence(args.sequence), args.debug, args.threads, visdom_info_from_args(args),
                          device=args.device)
    if summary['failed']:
        sys.stderr.write('{} of {} sequence runs failed (results of the others are saved):\n'.format(
            len(summary['failed']), summary['total']))
        for seq, trk, err in summary['failed']:
            sys.stderr.write('  {}: {}\n'.format(seq, err))
        return 1
    return 0


if __name__ == '__main__':
    run_main(main)

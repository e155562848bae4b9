"""Run a tracker as a VOT toolkit tracker (short-term protocol).

    python pytracking/run_vot.py dimp dimp50_vot19 [--run_id 1] [--debug 0]

The VOT toolkit starts this command for every sequence. With the ``trax`` module installed
(``pip install vot-trax``) the tracker talks TraX to the toolkit; without it the legacy file protocol is
used in the working directory (``images.txt`` and ``region.txt`` in, ``output.txt`` out). With neither
the command stops with one clear error (see :mod:`pytracking.evaluation.vot`).

For the VOT2020+ toolkit's bounding-box experiments, call :func:`run_vot2020` (rectangle regions) from the
toolkit's tracker command, as in the original:
``from pytracking.run_vot import run_vot2020; run_vot2020('dimp', 'dimp50')``.
"""
import argparse
import os
import sys

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from pytracking.evaluation._cli import add_visdom_args, run_main, setup_logging, visdom_info_from_args  # noqa: E402
from pytracking.evaluation import Tracker  # noqa: E402


def run_vot(tracker_name: str, tracker_param: str, run_id: int = None, debug: int = 0,
            visdom_info: dict = None) -> None:
    """Run ``tracker_name``/``tracker_param`` in one VOT toolkit session.

    args:
        tracker_name: Name of tracking method.
        tracker_param: Name of parameter file.
        run_id: The run id.
        debug: Debug level.
        visdom_info: Dict with visdom ``use_visdom``, ``server``, ``port``.
    """
    tracker = Tracker(tracker_name, tracker_param, run_id)
    tracker.check_available()
    tracker.run_vot(debug, visdom_info)


def run_vot2020(tracker_name: str, tracker_param: str, run_id: int = None, debug: int = 0,
                visdom_info: dict = None) -> None:
    """Run ``tracker_name``/``tracker_param`` in one session of the VOT2020+ toolkit's bounding-box experiments
    (rectangle regions); arguments as :func:`run_vot`."""
    tracker = Tracker(tracker_name, tracker_param, run_id)
    tracker.check_available()
    tracker.run_vot2020(debug, visdom_info)


def main(argv=None) -> int:
    """Command line entry point (the original's arguments); returns the exit status."""
    parser = argparse.ArgumentParser(description='Run VOT.')
    parser.add_argument('tracker_name', type=str, help='Name of tracking method.')
    parser.add_argument('tracker_param', type=str, help='Name of parameter file.')
    parser.add_argument('--run_id', type=int, default=None, help='The run id.')
    parser.add_argument('--debug', type=int, default=0, help='Debug level.')
    add_visdom_args(parser)
    args = parser.parse_args(argv)

    setup_logging()
    run_vot(args.tracker_name, args.tracker_param, args.run_id, args.debug, visdom_info_from_args(args))
    return 0


if __name__ == '__main__':
    run_main(main)

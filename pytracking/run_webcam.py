"""Run a tracker on the webcam.

    python pytracking/run_webcam.py keep_track default
    python pytracking/run_webcam.py dimp dimp50 --source 1 --output webcam.mp4

Draw a box around each target with the mouse (press at one corner and release at the other, or click
both corners); several targets can be tracked at once. r removes all targets, q quits. The frame rate is
shown on the frames. ``--headless`` (automatic without a display) needs ``--optional_box``.
"""
import argparse
import os
import sys

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from pytracking.evaluation._cli import add_visdom_args, run_main, setup_logging, visdom_info_from_args  # noqa: E402
from pytracking.evaluation import Tracker  # noqa: E402


def run_webcam(tracker_name: str, tracker_param: str, debug=None, visdom_info=None, source='0', optional_box=None,
               output: str = None, headless: bool = None, device: str = None) -> None:
    """Run the tracker on your webcam.

    args:
        tracker_name: Name of tracking method.
        tracker_param: Name of parameter file.
        debug: Debug level.
        visdom_info: Dict optionally containing 'use_visdom', 'server' and 'port' for Visdom visualization.
        source: Camera index (default 0), or a video file / image folder.
        optional_box: Initial ``[x, y, w, h]`` box(es), 4 values per target.
        output: Optional path of the annotated output video.
        headless: Open no window (default: when no window can be opened).
        device: Optional device string for ``params.device``.
    """
    visdom_info = {} if visdom_info is None else visdom_info
    tracker = Tracker(tracker_name, tracker_param, device=device)
    tracker.check_available()
    tracker.run_webcam(debug, visdom_info, source=source, optional_box=optional_box, output_video=output,
                       headless=headless)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Run the tracker on your webcam.')
    parser.add_argument('tracker_name', type=str, help='Name of tracking method.')
    parser.add_argument('tracker_param', type=str, help='Name of parameter file.')
    parser.add_argument('--debug', type=int, default=0, help='Debug level.')
    add_visdom_args(parser)
    parser.add_argument('--source', type=str, default='0', help='Camera index (default 0), video file or image folder.')
    parser.add_argument('--optional_box', type=float, default=None, nargs='+',
                        help='Initial box x y w h (4 more values per further target).')
    parser.add_argument('--output', type=str, default=None, help='Write the annotated video to this file (.mp4/.avi).')
    parser.add_argument('--headless', action='store_true', default=None, help='Do not open any window.')
    parser.add_argument('--device', type=str, default=None, help='Device, e.g. cpu, cuda, cuda:1.')
    args = parser.parse_args(argv)
    if args.optional_box is not None and len(args.optional_box) % 4 != 0:
        parser.error('--optional_box needs 4 values per target: x y w h')

    setup_logging()
    run_webcam(args.tracker_name, args.tracker_param, args.debug, visdom_info_from_args(args), args.source,
               args.optional_box, args.output, args.headless, args.device)
    return 0


if __name__ == '__main__':
    run_main(main)

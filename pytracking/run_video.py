"""Run a tracker on a video file.

    python pytracking/run_video.py dimp dimp50 video.mp4 --optional_box 100 120 50 80 --output out.mp4 --headless

Without ``--optional_box`` the target is selected with the mouse (needs a display). Without a display
(or with ``--headless``) no window is opened; ``--output`` writes the annotated video and
``--save_results`` the boxes (``<results_dir>/video_<name>.txt``).
"""
import argparse
import os
import sys

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from pytracking.evaluation._cli import run_main, setup_logging  # noqa: E402
from pytracking.evaluation import Tracker  # noqa: E402


def run_video(tracker_name: str, tracker_param: str, videofile: str, optional_box=None, debug=None,
              save_results: bool = False, output: str = None, headless: bool = None, device: str = None):
    """Run the tracker on the video file.

    args:
        tracker_name: Name of tracking method.
        tracker_param: Name of parameter file.
        videofile: Path to the video file.
        optional_box: Initial ``[x, y, w, h]`` box (None: select it with the mouse).
        debug: Debug level.
        save_results: Save the boxes as a text file in the tracker's results folder.
        output: Optional path of the annotated output video.
        headless: Open no window (default: when no display is available).
        device: Optional device string for ``params.device``.
    returns:
        The list of integer ``[x, y, w, h]`` boxes, one per frame.
    """
    tracker = Tracker(tracker_name, tracker_param, device=device)
    tracker.check_available()
    return tracker.run_video(videofilepath=videofile, optional_box=optional_box, debug=debug,
                             save_results=save_results, output_video=output, headless=headless)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Run the tracker on your video.')
    parser.add_argument('tracker_name', type=str, help='Name of tracking method.')
    parser.add_argument('tracker_param', type=str, help='Name of parameter file.')
    parser.add_argument('videofile', type=str, help='path to a video file.')
    parser.add_argument('--optional_box', type=float, default=None, nargs='+', help='optional_box with format x y w h.')
    parser.add_argument('--debug', type=int, default=0, help='Debug level.')
    parser.add_argument('--save_results', dest='save_results', action='store_true', help='Save bounding boxes')
    parser.add_argument('--output', type=str, default=None, help='Write the annotated video to this file (.mp4).')
    parser.add_argument('--headless', action='store_true', default=None, help='Do not open any window.')
    parser.add_argument('--device', type=str, default=None, help='Device, e.g. cpu, cuda, cuda:1.')
    parser.set_defaults(save_results=False)
    args = parser.parse_args(argv)
    if args.optional_box is not None and len(args.optional_box) != 4:
        parser.error('--optional_box needs 4 values: x y w h')

    setup_logging()
    boxes = run_video(args.tracker_name, args.tracker_param, args.videofile, args.optional_box, args.debug,
                      args.save_results, args.output, args.headless, args.device)
    print('Tracked {} frames'.format(len(boxes)))
    return 0


if __name__ == '__main__':
    run_main(main)

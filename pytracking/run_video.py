"""Run a tracker on a video file, a folder of images or a camera.

    python pytracking/run_video.py dimp dimp50 video.mp4 --optional_box 100 120 50 80 --output out.mp4
    python pytracking/run_video.py keep_track default --source frames/ --optional_box 10 20 30 40 50 60 30 40
    python pytracking/run_video.py dimp dimp50 --source 0          # camera 0, boxes drawn with the mouse

The source is the positional ``videofile`` (as in the original) or ``--source``: a camera index, a video
file or an image folder. Without ``--optional_box`` the targets are drawn with the mouse in the window
(several at once; space/Enter starts, p pauses, r resets, q quits). Without a window (``--headless``, or
automatically when OpenCV has no GUI support or there is no display) ``--optional_box`` is required; it
takes 4 values per target. ``--output`` writes the annotated video (boxes and frame rate), ``--save_results``
the boxes (``<results_dir>/video_<name>.txt``).
"""
import argparse
import os
import sys

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from pytracking.evaluation._cli import add_visdom_args, run_main, setup_logging, visdom_info_from_args  # noqa: E402
from pytracking.evaluation import Tracker  # noqa: E402


def run_video(tracker_name: str, tracker_param: str, videofile, optional_box=None, debug=None,
              save_results: bool = False, output: str = None, headless: bool = None, device: str = None,
              visdom_info: dict = None, fps: float = None):
    """Run the tracker on the video file (or image folder, or camera index).

    args:
        tracker_name: Name of tracking method.
        tracker_param: Name of parameter file.
        videofile: Path to the video file or image folder, or a camera index.
        optional_box: Initial ``[x, y, w, h]`` box; 4*k values for k targets (None: draw them with the mouse).
        debug: Debug level.
        save_results: Save the boxes as a text file in the tracker's results folder.
        output: Optional path of the annotated output video.
        headless: Open no window (default: when no window can be opened).
        device: Optional device string for ``params.device``.
        visdom_info: Visdom settings (``use_visdom``, ``server``, ``port``).
        fps: Frame rate of an image-folder source in the output video (default 25).
    returns:
        The list of integer ``[x, y, w, h]`` boxes of the first target, one per frame.
    """
    tracker = Tracker(tracker_name, tracker_param, device=device)
    tracker.check_available()
    return tracker.run_video(videofilepath=videofile, optional_box=optional_box, debug=debug,
                             visdom_info=visdom_info, save_results=save_results, output_video=output,
                             headless=headless, fps=fps)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Run the tracker on your video.')
    parser.add_argument('tracker_name', type=str, help='Name of tracking method.')
    parser.add_argument('tracker_param', type=str, help='Name of parameter file.')
    parser.add_argument('videofile', type=str, nargs='?', default=None,
                        help='path to a video file (or an image folder, or a camera index).')
    parser.add_argument('--source', type=str, default=None,
                        help='Camera index, video file or image folder (instead of videofile).')
    parser.add_argument('--optional_box', type=float, default=None, nargs='+',
                        help='optional_box with format x y w h (4 more values per further target).')
    parser.add_argument('--debug', type=int, default=0, help='Debug level.')
    parser.add_argument('--save_results', dest='save_results', action='store_true', help='Save bounding boxes')
    parser.add_argument('--output', type=str, default=None, help='Write the annotated video to this file (.mp4/.avi).')
    parser.add_argument('--headless', action='store_true', default=None, help='Do not open any window.')
    parser.add_argument('--fps', type=float, default=None, help='Frame rate of an image-folder source.')
    parser.add_argument('--device', type=str, default=None, help='Device, e.g. cpu, cuda, cuda:1.')
    add_visdom_args(parser)
    parser.set_defaults(save_results=False)
    args = parser.parse_args(argv)
    if (args.videofile is None) == (args.source is None):
        parser.error('give the video source either as videofile or with --source (exactly one)')
    if args.optional_box is not None and len(args.optional_box) % 4 != 0:
        parser.error('--optional_box needs 4 values per target: x y w h')

    setup_logging()
    boxes = run_video(args.tracker_name, args.tracker_param, args.source if args.source is not None else args.videofile,
                      args.optional_box, args.debug, args.save_results, args.output, args.headless, args.device,
                      visdom_info_from_args(args), args.fps)
    print('Tracked {} frames'.format(len(boxes)))
    return 0


if __name__ == '__main__':
    run_main(main)

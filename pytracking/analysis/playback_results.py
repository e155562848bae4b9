"""Step through saved tracking results over the frames of a sequence.

Interactively (a matplotlib window): left/right arrows step one frame in manual mode; the space bar
toggles an automatic mode whose speed the arrows change; escape or q quits, as in the original.
Headless (``video_path`` given, or no display backend): the annotated frames are written to a video.
"""
import logging
import os
import time
from typing import Iterator, List, Optional

import cv2 as cv
import matplotlib
import numpy as np

from ltr.data.image_loader import opencv_loader
from pytracking.analysis._results_io import read_box_file, tracker_results_file
from pytracking.analysis.plot_results import _uses_pyplot, get_plot_draw_styles

logger = logging.getLogger(__name__)

__all__ = ['Display', 'read_image', 'playback_results', 'load_playback_results', 'render_playback_frames',
           'write_playback_video']

_GT_COLOR = (0, 255, 0)


def read_image(image_file: str) -> np.ndarray:
    """Read a frame as an ``H x W x 3`` uint8 RGB array (raises ``ImageLoadError`` naming a bad file)."""
    return opencv_loader(image_file)


def _get_display_name(tracker) -> str:
    if tracker.display_name is None:
        if tracker.run_id is not None:
            return '{}_{}_{:03d}'.format(tracker.name, tracker.parameter_name, tracker.run_id)
        return '{}_{}'.format(tracker.name, tracker.parameter_name)
    return tracker.display_name


def load_playback_results(trackers, sequence) -> np.ndarray:
    """``[num_frames, num_trackers, 4]`` boxes ``[x, y, w, h]`` of each tracker on ``sequence``.

    Results longer than the sequence are cut; frames a tracker has no result for are NaN (not drawn).
    Raises ``MissingResultsError`` naming the file when a tracker has no results.
    """
    n = len(sequence.frames)
    out = np.full((n, len(trackers), 4), np.nan)
    for t, trk in enumerate(trackers):
        boxes = read_box_file(tracker_results_file(trk, sequence.name))
        m = min(n, boxes.shape[0])
        out[:m, t] = boxes[:m]
    return out


def _rgb255(color) -> tuple:
    return tuple(int(round(255 * c)) for c in color)


def _draw_box(image: np.ndarray, box, color, thickness: int) -> None:
    if box is None or not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        return
    x1, y1 = int(round(box[0])), int(round(box[1]))
    x2, y2 = int(round(box[0] + box[2] - 1)), int(round(box[1] + box[3] - 1))
    cv.rectangle(image, (x1, y1), (x2, y2), color, thickness)


def render_playback_frames(trackers, sequence, show_gt: bool = True, line_width: int = 2,
                           show_legend: bool = True) -> Iterator[np.ndarray]:
    """Yield each frame of ``sequence`` (RGB uint8) with every tracker's box drawn in its plot colour
    (tracker ``i`` gets ``get_plot_draw_styles()[i]``), the ground truth in green, and a legend."""
    results = load_playback_results(trackers, sequence)
    styles = get_plot_draw_styles()
    colors = [_rgb255(styles[i % len(styles)]['color']) for i in range(len(trackers))]
    names = [_get_display_name(t) for t in trackers]
    gt = None
    if show_gt and sequence.ground_truth_rect is not None and not isinstance(sequence.ground_truth_rect, dict):
        gt = np.asarray(sequence.ground_truth_rect, dtype=np.float64)
    for k, frame_path in enumerate(sequence.frames):
        image = np.ascontiguousarray(read_image(frame_path))
        for t in range(len(trackers)):
            _draw_box(image, results[k, t], colors[t], line_width)
        if gt is not None and k < gt.shape[0]:
            _draw_box(image, gt[k], _GT_COLOR, line_width)
        if show_legend:
            entries = list(zip(names, colors)) + ([('Ground truth', _GT_COLOR)] if gt is not None else [])
            for row, (name, color) in enumerate(entries):
                y = 14 + 14 * row
                cv.putText(image, name, (4, y), cv.FONT_HERSHEY_SIMPLEX, 0.4, color, 1, cv.LINE_AA)
            cv.putText(image, '#{}'.format(k), (4, image.shape[0] - 6), cv.FONT_HERSHEY_SIMPLEX, 0.4,
                       (255, 255, 255), 1, cv.LINE_AA)
        yield image


def write_playback_video(trackers, sequence, video_path: str, fps: float = 30.0, **render_kwargs) -> str:
    """Render :func:`render_playback_frames` into a video file (``.mp4``: mp4v, ``.avi``: MJPG).

    The file is written under a temporary name and renamed when complete. Returns ``video_path``.
    """
    ext = os.path.splitext(video_path)[1].lower()
    fourcc = {'.mp4': 'mp4v', '.avi': 'MJPG', '.mkv': 'mp4v'}.get(ext)
    if fourcc is None:
        raise ValueError("Unsupported video extension '{}' for '{}'; use .mp4 or .avi".format(ext, video_path))
    folder = os.path.dirname(os.path.abspath(video_path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, '.tmp{}_{}'.format(os.getpid(), os.path.basename(video_path)))
    writer = None
    try:
        for image in render_playback_frames(trackers, sequence, **render_kwargs):
            if writer is None:
                size = (image.shape[1], image.shape[0])
                writer = cv.VideoWriter(tmp, cv.VideoWriter_fourcc(*fourcc), fps, size)
                if not writer.isOpened():
                    raise OSError("OpenCV cannot write a {} video to '{}'".format(fourcc, video_path))
            writer.write(cv.cvtColor(image, cv.COLOR_RGB2BGR))
        if writer is None:
            raise ValueError("Sequence '{}' has no frames to render".format(sequence.name))
        writer.release()
        writer = None
        os.replace(tmp, video_path)
    finally:
        if writer is not None:
            writer.release()
        if os.path.exists(tmp):
            os.remove(tmp)
    logger.info("Wrote playback of '%s' to '%s'", sequence.name, video_path)
    return video_path


class Display:
    """Interactive matplotlib viewer with the original's key bindings.

    args:
        sequence_length: Number of frames.
        plot_draw_styles: Colours per tracker (``get_plot_draw_styles()``).
        sequence_name: Shown in the title.
    """

    def __init__(self, sequence_length: int, plot_draw_styles: List[dict], sequence_name: str):
        import matplotlib.pyplot as plt
        self.active = True
        self.frame_number = 0
        self.pause_mode = True
        self.step_size = 0
        self.step_direction = 'forward'
        self.fig, self.ax = plt.subplots(1)
        self.fig.canvas.mpl_connect('key_press_event', self.key_callback_fn)
        self.fig.tight_layout()
        self.sequence_length = sequence_length
        self.sequence_name = sequence_name
        self.plot_draw_styles = plot_draw_styles

    def key_callback_fn(self, event) -> None:
        """Space: toggle auto mode; left/right: step (manual) or change speed/direction (auto); q/escape: quit."""
        if event.key == ' ':
            self.pause_mode = not self.pause_mode
            self.step_size = 0
            self.step_direction = 'forward'
        elif event.key == 'right':
            if self.pause_mode:
                self.frame_number = min(self.frame_number + 1, self.sequence_length - 1)
            elif self.step_direction == 'stop':
                self.step_direction, self.step_size = 'forward', 0
            elif self.step_direction == 'backward' and self.step_size == 0:
                self.step_direction = 'stop'
            else:
                self.step_size += 1
        elif event.key == 'left':
            if self.pause_mode:
                self.frame_number = max(self.frame_number - 1, 0)
            elif self.step_direction == 'stop':
                self.step_direction, self.step_size = 'backward', 0
            elif self.step_direction == 'forward' and self.step_size == 0:
                self.step_direction = 'stop'
            else:
                self.step_size -= 1
        elif event.key in ('escape', 'q'):
            self.active = False

    def _get_speed(self) -> int:
        if self.step_direction == 'forward':
            return 2 ** abs(self.step_size)
        if self.step_direction == 'backward':
            return -(2 ** abs(self.step_size))
        return 0

    def step(self) -> None:
        """Advance by the current speed, staying inside the sequence."""
        self.frame_number = int(np.clip(self.frame_number + self._get_speed(), 0, self.sequence_length - 1))

    def show(self, image: np.ndarray, bb_list, trackers: List[str], gt=None) -> None:
        """Draw ``image`` with one box per tracker (``bb_list[i]`` = ``[x, y, w, h]``) and the ground truth."""
        import matplotlib.patches as patches
        self.ax.cla()
        self.ax.imshow(image)
        handles = []
        for i, bb in enumerate(bb_list):
            color = self.plot_draw_styles[i % len(self.plot_draw_styles)]['color']
            if np.all(np.isfinite(bb)):
                self.ax.add_patch(patches.Rectangle((bb[0], bb[1]), bb[2], bb[3], linewidth=1, edgecolor=color,
                                                    facecolor='none'))
            handles.append(patches.Patch(edgecolor=color, facecolor=color, label=trackers[i]))
        if gt is not None and np.all(np.isfinite(gt)):
            rect = patches.Rectangle((gt[0], gt[1]), gt[2], gt[3], linewidth=2, edgecolor='g', facecolor='none',
                                     label='Ground truth')
            self.ax.add_patch(rect)
            handles.append(rect)
        self.ax.set_axis_off()
        self.ax.axis('equal')
        self.ax.legend(handles=handles, loc=4, borderaxespad=0.)
        mode = 'manual' if self.pause_mode else 'auto     '
        self.fig.suptitle('Sequence: {}    Mode: {}    Speed: {:d}x'.format(self.sequence_name, mode,
                                                                            self._get_speed()), fontsize=14)
        self.fig.canvas.draw_idle()
        self.fig.canvas.flush_events()


def playback_results(trackers, sequence, video_path: Optional[str] = None, fps: float = 30.0) -> Optional[str]:
    """Play back the saved results of ``trackers`` on ``sequence``.

    args:
        trackers: Trackers whose ``<results_dir>/<sequence.name>.txt`` are shown.
        sequence: The sequence (``.frames`` image paths, ``.ground_truth_rect``).
        video_path: Write an annotated video there instead of opening a window (``.mp4`` or ``.avi``).
            Without a display backend and no ``video_path``, the video goes to
            ``<result_plot_path>/playback/<sequence.name>.mp4``.
        fps: Frame rate of the video.
    returns: The video path in headless mode, else None when the window is closed.
    """
    if video_path is None and not _uses_pyplot():
        from pytracking.evaluation.environment import env_settings
        video_path = os.path.join(env_settings().result_plot_path, 'playback', '{}.mp4'.format(sequence.name))
        logger.info('No interactive matplotlib backend (%s): writing a video instead', matplotlib.get_backend())
    if video_path is not None:
        return write_playback_video(trackers, sequence, video_path, fps=fps)

    import matplotlib.pyplot as plt
    results = load_playback_results(trackers, sequence)
    names = [_get_display_name(t) for t in trackers]
    gt = sequence.ground_truth_rect if not isinstance(sequence.ground_truth_rect, dict) else None
    display = Display(results.shape[0], get_plot_draw_styles(), sequence.name)
    plt.show(block=False)
    while display.active and plt.fignum_exists(display.fig.number):
        frame_number = display.frame_number
        display.show(read_image(sequence.frames[frame_number]), results[frame_number], names,
                     None if gt is None or frame_number >= len(gt) else gt[frame_number])
        plt.pause(0.01)
        if display.pause_mode and display.frame_number == frame_number:
            time.sleep(0.1)
        elif not display.pause_mode:
            display.step()
    plt.close(display.fig)
    return None

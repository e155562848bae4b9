"""Live tracking machinery shared by ``run_video.py`` and ``run_webcam.py``.

Frame sources (camera index, video file, image folder), mouse selection of one or several target boxes,
drawing of boxes and frame rate, the annotated-video writer, and the tracking loop that ties them together
(windowed or headless).

Boxes are ``[x, y, w, h]`` in image pixels. Frames from the sources are OpenCV BGR ``H x W x 3`` uint8
arrays; the trackers are given RGB frames, as in the evaluation datasets.
"""
import logging
import os
import re
import sys
import time
from collections import OrderedDict
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import cv2 as cv
import numpy as np

from pytracking.evaluation.tracker import FrameReadError

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')

# Colours (BGR) per object id, as the original's display colours.
DISPLAY_COLORS = {1: (0, 255, 0), 2: (0, 0, 255), 3: (255, 0, 0), 4: (255, 255, 255), 5: (0, 0, 0),
                  6: (0, 255, 128), 7: (123, 123, 123), 8: (255, 128, 0), 9: (128, 0, 255)}

KEY_QUIT = (ord('q'), 27)          # q or Esc
KEY_RESET = (ord('r'),)
KEY_START_PAUSE = (ord(' '), 13, 10, ord('p'))   # space / Enter start the tracking; space or p pause it


class SourceError(FrameReadError):
    """A frame source (camera, video file, image folder) cannot be opened or read."""


def color_for(obj_id) -> tuple:
    """Display colour (BGR) of object ``obj_id`` (ids above 9 cycle through the palette)."""
    return DISPLAY_COLORS[(int(obj_id) - 1) % len(DISPLAY_COLORS) + 1]


# ---------------------------------------------------------------------------------------------- sources
class FrameSource:
    """Base class of the frame sources: iterate to get BGR frames; ``fps`` is the nominal frame rate."""

    name: str = 'source'
    fps: float = 25.0
    is_live: bool = False

    def read(self) -> Optional[np.ndarray]:
        """The next BGR frame, or None at the end."""
        raise NotImplementedError

    def release(self) -> None:
        """Free the underlying device or file."""

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            frame = self.read()
            if frame is None:
                return
            yield frame

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class _CaptureSource(FrameSource):
    """A ``cv.VideoCapture`` (camera or video file); the first frame is read on opening to fail early."""

    def __init__(self, capture_arg, name: str, default_fps: float, what: str):
        self.name = name
        self._cap = cv.VideoCapture(capture_arg)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError("Cannot open {} '{}'".format(what, capture_arg))
        ok, frame = self._cap.read()
        if not ok or frame is None:
            self._cap.release()
            raise SourceError("Cannot read a frame from {} '{}' (unsupported format, corrupt file or busy device?)"
                              .format(what, capture_arg))
        self._first = frame
        fps = self._cap.get(cv.CAP_PROP_FPS)
        # Some containers and cameras report 0 or absurd rates; fall back to a usual rate for the writer.
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else default_fps

    def read(self) -> Optional[np.ndarray]:
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        ok, frame = self._cap.read()
        return frame if ok and frame is not None else None

    def release(self) -> None:
        self._cap.release()


class CameraSource(_CaptureSource):
    """Frames from camera ``index`` (``cv.VideoCapture(index)``)."""

    is_live = True

    def __init__(self, index: int):
        super().__init__(int(index), 'camera{}'.format(index), 30.0, 'camera')


class VideoFileSource(_CaptureSource):
    """Frames of a video file (anything the installed OpenCV/FFmpeg decodes)."""

    def __init__(self, path: str):
        if not os.path.isfile(path):
            raise FileNotFoundError("Video file not found: '{}'".format(path))
        super().__init__(path, os.path.splitext(os.path.basename(path))[0], 25.0, 'video file')


def _natural_key(name: str):
    # '2.jpg' before '10.jpg', whatever the zero padding
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', name)]


class ImageFolderSource(FrameSource):
    """The images of a folder (extensions in :data:`IMAGE_EXTENSIONS`), in natural file-name order."""

    def __init__(self, folder: str, fps: float = 25.0):
        if not os.path.isdir(folder):
            raise FileNotFoundError("Image folder not found: '{}'".format(folder))
        self.name = os.path.basename(os.path.normpath(folder))
        self.fps = float(fps)
        self.files = [os.path.join(folder, f) for f in sorted(os.listdir(folder), key=_natural_key)
                      if f.lower().endswith(IMAGE_EXTENSIONS)]
        if not self.files:
            raise SourceError("Image folder '{}' contains no images ({})".format(folder, ', '.join(IMAGE_EXTENSIONS)))
        self._next = 0

    def read(self) -> Optional[np.ndarray]:
        if self._next >= len(self.files):
            return None
        path = self.files[self._next]
        self._next += 1
        frame = cv.imread(path, cv.IMREAD_COLOR)
        if frame is None:
            raise FrameReadError("Cannot read image '{}' of the image folder".format(path))
        return frame


def parse_camera_index(source: Union[str, int]) -> Optional[int]:
    """The camera index named by ``source`` (an int or a string of digits such as ``'0'``), else None.

    An existing file or folder whose name is digits is not taken for a camera.
    """
    if isinstance(source, (int, np.integer)) and not isinstance(source, bool):
        return int(source) if source >= 0 else None
    if isinstance(source, str) and re.fullmatch(r'\s*\d+\s*', source) and not os.path.exists(source):
        return int(source)
    return None


def open_source(source: Union[str, int], fps: Optional[float] = None) -> FrameSource:
    """Open a camera index, a video file or an image folder.

    args:
        source: Camera index (int or digit string), path of a video file, or path of a folder of images.
        fps: Frame rate assigned to an image folder (default 25); ignored for cameras and videos.
    raises:
        FileNotFoundError when the path does not exist; :class:`SourceError` when it cannot be read.
    """
    index = parse_camera_index(source)
    if index is not None:
        return CameraSource(index)
    path = os.fspath(source)
    if os.path.isdir(path):
        return ImageFolderSource(path, fps if fps else 25.0)
    if os.path.isfile(path):
        return VideoFileSource(path)
    raise FileNotFoundError("Video source not found: '{}' (give a camera index, a video file or an image folder)"
                            .format(path))


# ---------------------------------------------------------------------------------------------- display
def gui_available() -> bool:
    """Whether OpenCV windows can be opened: OpenCV built with a GUI backend and, on Linux, a display."""
    build = cv.getBuildInformation()
    match = re.search(r'^\s*GUI:\s*(\S+)', build, re.MULTILINE)
    if match is not None and match.group(1).upper() == 'NONE':
        return False
    if sys.platform.startswith('linux'):
        return bool(os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'))
    return True


def valid_box(box) -> bool:
    """Whether ``box`` ([x, y, w, h]) is drawable: finite values and positive size (trackers report
    ``[-1, -1, -1, -1]`` when the target is lost)."""
    if box is None:
        return False
    vals = np.asarray(box, dtype=np.float64).reshape(-1)
    return vals.size == 4 and bool(np.all(np.isfinite(vals))) and vals[2] > 0 and vals[3] > 0


def draw_boxes(frame_bgr: np.ndarray, boxes: Dict[object, Sequence[float]], thickness: int = 3) -> np.ndarray:
    """Draw each ``object_id -> [x, y, w, h]`` box in the object's colour, in place; lost targets are skipped."""
    for obj_id, box in boxes.items():
        if not valid_box(box):
            continue
        x, y, w, h = [int(round(float(v))) for v in box]
        cv.rectangle(frame_bgr, (x, y), (x + w, y + h), color_for(obj_id), thickness)
    return frame_bgr


def draw_text_lines(frame_bgr: np.ndarray, lines: Sequence[str], origin=(10, 22), scale: float = 0.6) -> np.ndarray:
    """Write text lines, white on a black band behind each line (readable on any background; outlined text
    smears at small sizes with OpenCV 5), in place. ``origin`` is the baseline start (x, y) of the first line."""
    x, y = origin
    step = int(24 * scale / 0.6)
    pad = max(2, int(4 * scale / 0.6))
    for i, text in enumerate(lines):
        pos = (x, y + step * i)
        (tw, th), base = cv.getTextSize(text, cv.FONT_HERSHEY_SIMPLEX, scale, 1)
        cv.rectangle(frame_bgr, (pos[0] - pad, pos[1] - th - pad), (pos[0] + tw + pad, pos[1] + base + pad),
                     (0, 0, 0), -1)
        cv.putText(frame_bgr, text, pos, cv.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv.LINE_AA)
    return frame_bgr


def draw_fps(frame_bgr: np.ndarray, fps: Optional[float]) -> np.ndarray:
    """Write the frame rate in the top-right corner, in place."""
    text = 'FPS: --' if fps is None else 'FPS: {:.1f}'.format(fps)
    (tw, _), _ = cv.getTextSize(text, cv.FONT_HERSHEY_SIMPLEX, 0.6, 1)
    return draw_text_lines(frame_bgr, [text], origin=(max(frame_bgr.shape[1] - tw - 10, 0), 22))


class FpsMeter:
    """Frame rate of the tracking, smoothed over recent frames (exponential moving average of the time
    per frame, so a single slow frame does not make the display jump)."""

    def __init__(self, momentum: float = 0.9):
        self.momentum = momentum
        self.avg_time = None

    def update(self, seconds: float) -> Optional[float]:
        """Add one frame's processing time; returns the current frame rate."""
        seconds = max(float(seconds), 1e-6)
        self.avg_time = seconds if self.avg_time is None else \
            self.momentum * self.avg_time + (1 - self.momentum) * seconds
        return self.fps

    @property
    def fps(self) -> Optional[float]:
        return None if self.avg_time is None else 1.0 / self.avg_time


class AnnotatedVideoWriter:
    """Writes BGR frames to a video file; opened on the first frame (its size sets the video size).

    The codec follows the extension: ``.avi`` MJPG, anything else (``.mp4``, ``.mov``, ``.mkv``) mp4v.
    """

    def __init__(self, path: str, fps: float):
        self.path = os.fspath(path)
        self.fps = float(fps) if fps and fps > 0 else 25.0
        self.fourcc = 'MJPG' if self.path.lower().endswith('.avi') else 'mp4v'
        self._writer = None
        self.size = None
        self.frames_written = 0

    def write(self, frame_bgr: np.ndarray) -> None:
        """Append a frame (same size as the first one)."""
        h, w = frame_bgr.shape[:2]
        if self._writer is None:
            folder = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(folder, exist_ok=True)
            self._writer = cv.VideoWriter(self.path, cv.VideoWriter_fourcc(*self.fourcc), self.fps, (w, h))
            if not self._writer.isOpened():
                self._writer = None
                raise OSError("Could not open '{}' for writing a video ({} codec)".format(self.path, self.fourcc))
            self.size = (w, h)
        if (w, h) != self.size:
            frame_bgr = cv.resize(frame_bgr, self.size)
        self._writer.write(np.ascontiguousarray(frame_bgr))
        self.frames_written += 1

    def release(self) -> None:
        """Finish the file."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None


# ---------------------------------------------------------------------------------------------- selection
class BoxSelector:
    """Mouse drawing of target boxes in an OpenCV window (register :meth:`mouse_callback`).

    A box is drawn either by pressing the left button at one corner, dragging and releasing at the
    opposite corner, or, as in the original, by clicking one corner and then clicking the opposite one.
    Any number of boxes may be drawn; :meth:`pop_boxes` hands over the finished ones.
    """

    MIN_DRAG = 4   # a press and release closer than this (pixels) is a click, not a drag

    def __init__(self):
        self.mode = 'init'          # 'init': waiting for a first corner; 'select': a box is being drawn
        self.tl = (-1, -1)
        self.br = (-1, -1)
        self._finished: List[List[int]] = []

    def mouse_callback(self, event, x, y, flags=None, param=None) -> None:
        """OpenCV mouse callback."""
        if event == cv.EVENT_LBUTTONDOWN:
            if self.mode == 'init':
                self.tl = self.br = (x, y)
                self.mode = 'select'
            else:
                self.br = (x, y)
                self._finish()
        elif event == cv.EVENT_MOUSEMOVE and self.mode == 'select':
            self.br = (x, y)
        elif event == cv.EVENT_LBUTTONUP and self.mode == 'select':
            if abs(x - self.tl[0]) >= self.MIN_DRAG and abs(y - self.tl[1]) >= self.MIN_DRAG:
                self.br = (x, y)
                self._finish()

    def _finish(self) -> None:
        self.mode = 'init'
        box = self.current_box()
        if box[2] > 0 and box[3] > 0:
            self._finished.append(box)

    def current_box(self) -> List[int]:
        """The box spanned by the two corners, ``[x, y, w, h]``."""
        x0, x1 = sorted((self.tl[0], self.br[0]))
        y0, y1 = sorted((self.tl[1], self.br[1]))
        return [int(x0), int(y0), int(x1 - x0), int(y1 - y0)]

    def pop_boxes(self) -> List[List[int]]:
        """The boxes finished since the last call."""
        boxes, self._finished = self._finished, []
        return boxes

    def reset(self) -> None:
        """Forget a box being drawn and any finished ones."""
        self.mode = 'init'
        self._finished = []

    def draw(self, frame_bgr: np.ndarray) -> np.ndarray:
        """Draw the box being selected, in place."""
        if self.mode == 'select':
            cv.rectangle(frame_bgr, self.tl, self.br, (255, 0, 0), 2)
        return frame_bgr


# ---------------------------------------------------------------------------------------------- tracking loop
class LiveTracking:
    """Runs a tracker over a frame source, adding targets as boxes arrive.

    args:
        tracker: A tracker instance, or a :class:`MultiObjectWrapper` (several targets).
        multi: Whether ``tracker`` takes the multi-object info dicts (True for the wrapper).
    In single-object mode a new box re-initialises the tracker (the last box drawn wins).

    ``results[obj_id]`` holds one entry per frame read: ``[x, y, w, h]`` from the frame where the object was
    added on, None before.
    """

    def __init__(self, tracker, multi: bool):
        self.tracker = tracker
        self.multi = multi
        self.results: Dict[int, List[Optional[List[float]]]] = OrderedDict()
        self.frame_count = 0
        self.fps = FpsMeter()
        self._reset_state()

    def _reset_state(self) -> None:
        self.next_object_id = 1
        self.sequence_object_ids: List[int] = []
        self.prev_output = OrderedDict()
        self.current: Dict[int, List[float]] = OrderedDict()
        self._started = False

    @property
    def active(self) -> bool:
        """Whether any target is being tracked."""
        return len(self.sequence_object_ids) > 0

    def reset(self, frame_rgb: np.ndarray) -> None:
        """Drop every target (the 'r' key)."""
        if self.multi:
            self.tracker.initialize(frame_rgb, {'object_ids': [], 'init_object_ids': [], 'init_bbox': OrderedDict()})
        self._reset_state()

    def _new_ids(self, boxes: List[List[float]]) -> 'OrderedDict[int, List[float]]':
        if not self.multi:
            self.next_object_id = 1   # one object: a new box replaces it
        new = OrderedDict()
        for box in boxes:
            new[self.next_object_id] = [float(v) for v in box]
            self.next_object_id += 1
        return new

    def step(self, frame_rgb: np.ndarray, new_boxes: Sequence[Sequence[float]] = ()) -> Dict[int, List[float]]:
        """Process one frame: add ``new_boxes`` (initialised on this frame) and track the existing targets.

        returns:
            ``object_id -> [x, y, w, h]`` for every target in this frame.
        """
        if not self.multi and new_boxes:
            new_boxes = [new_boxes[-1]]
        new = self._new_ids(list(new_boxes))
        tic = time.time()
        if self.multi:
            info = OrderedDict(previous_output=self.prev_output)
            if new:
                info['init_object_ids'] = list(new.keys())
                info['init_bbox'] = new
                self.sequence_object_ids.extend(new.keys())
            if self.sequence_object_ids:
                info['sequence_object_ids'] = list(self.sequence_object_ids)
                if not self._started:
                    # First targets: a plain initialisation (also resets the wrapper's per-object trackers).
                    info['object_ids'] = list(new.keys())
                    out = self.tracker.initialize(frame_rgb, info) or OrderedDict()
                    self._started = True
                else:
                    out = self.tracker.track(frame_rgb, info)
                self.prev_output = OrderedDict(out)
                boxes = out.get('target_bbox', {}) or {}
                self.current = OrderedDict((int(k), [float(v) for v in b]) for k, b in boxes.items())
                for obj_id, box in new.items():  # the initial box itself on its first frame
                    self.current[obj_id] = box
        else:
            if new:
                obj_id, box = next(iter(new.items()))
                self.tracker.initialize(frame_rgb, {'init_bbox': list(box)})
                self.sequence_object_ids = [obj_id]
                self.current = OrderedDict({obj_id: box})
                self.prev_output = OrderedDict()
            elif self.sequence_object_ids:
                out = self.tracker.track(frame_rgb, OrderedDict(previous_output=self.prev_output))
                self.prev_output = OrderedDict(out)
                self.current = OrderedDict({1: [float(v) for v in out['target_bbox']]})
        if self.active:
            self.fps.update(time.time() - tic)

        for obj_id in self.current:
            if obj_id not in self.results:
                self.results[obj_id] = [None] * self.frame_count
        for obj_id, track in self.results.items():
            track.append(self.current.get(obj_id))
        self.frame_count += 1
        return self.current


def run_live(tracker, multi: bool, source: FrameSource, init_boxes: Optional[Sequence[Sequence[float]]] = None,
             output: Optional[str] = None, headless: bool = False, window_name: str = 'Display',
             validate_box: Optional[Callable[[Sequence[float], tuple], None]] = None) -> LiveTracking:
    """Track targets over ``source``, optionally writing the annotated video.

    args:
        tracker, multi: See :class:`LiveTracking`.
        source: The frames.
        init_boxes: Targets ``[x, y, w, h]`` initialised on the first frame (required when headless).
        output: Path of the annotated video (boxes and frame rate drawn), or None.
        headless: No window: track ``init_boxes`` over all frames. With a window, boxes are drawn with the
            mouse; for a video file or folder without ``init_boxes`` the first frame is held until the
            tracking is started (space/Enter); 'p'/space pause, 'r' drops all targets, 'q'/Esc quit.
        window_name: Title of the window.
        validate_box: Called as ``validate_box(box, frame.shape)`` for every new box; raises for bad ones.
    returns:
        The :class:`LiveTracking` with the per-object results.
    """
    init_boxes = [list(b) for b in (init_boxes or [])]
    if headless and not init_boxes:
        raise ValueError("No window available (headless): give the initial box with --optional_box x y w h")

    live = LiveTracking(tracker, multi)
    writer = AnnotatedVideoWriter(output, source.fps) if output else None
    selector = None
    if not headless:
        selector = BoxSelector()
        cv.namedWindow(window_name, cv.WINDOW_NORMAL | cv.WINDOW_KEEPRATIO)
        cv.resizeWindow(window_name, 960, 720)
        cv.setMouseCallback(window_name, selector.mouse_callback)

    # A recorded source with no given box waits on its first frame for the user's boxes.
    paused = (not headless) and (not source.is_live) and not init_boxes
    pending: List[List[float]] = list(init_boxes)
    try:
        frame_bgr = source.read()
        if frame_bgr is None:
            raise SourceError("Source '{}' has no frames".format(source.name))
        while frame_bgr is not None:
            frame_rgb = cv.cvtColor(frame_bgr, cv.COLOR_BGR2RGB)
            if selector is not None:
                pending.extend(selector.pop_boxes())
            while paused:
                # Hold the frame: show it with the boxes drawn so far until the user starts or quits.
                pending.extend(selector.pop_boxes())
                disp = draw_boxes(frame_bgr.copy(), {i + live.next_object_id: b for i, b in enumerate(pending)}, 2)
                disp = draw_boxes(disp, live.current)
                selector.draw(disp)
                draw_text_lines(disp, ['Paused: draw target boxes with the mouse',
                                       'space/Enter: track, r: reset, q: quit'])
                cv.imshow(window_name, disp)
                key = cv.waitKey(20) & 0xFF
                if key in KEY_QUIT:
                    return live
                if key in KEY_RESET:
                    pending = []
                    selector.reset()
                if key in KEY_START_PAUSE and (pending or live.active):
                    paused = False
            for box in pending:
                if validate_box is not None:
                    validate_box(box, frame_bgr.shape)
            boxes = live.step(frame_rgb, pending)
            pending = []

            annotated = draw_boxes(frame_bgr.copy(), boxes)
            if live.active:
                draw_fps(annotated, live.fps.fps)
            if writer is not None:
                writer.write(annotated)

            if selector is not None:
                disp = selector.draw(annotated.copy())
                draw_text_lines(disp, ['Tracking' if live.active else 'Select target(s) with the mouse',
                                       'p: pause, r: reset, q: quit'])
                cv.imshow(window_name, disp)
                key = cv.waitKey(1) & 0xFF
                if key in KEY_QUIT:
                    break
                if key in KEY_RESET:
                    live.reset(frame_rgb)
                    selector.reset()
                elif key in (ord('p'), ord(' ')):
                    paused = not source.is_live
            frame_bgr = source.read()
    finally:
        source.release()
        if writer is not None:
            writer.release()
        if selector is not None:
            cv.destroyAllWindows()
    return live

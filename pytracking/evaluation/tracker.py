"""The :class:`Tracker` wrapper: finds a tracker class and its parameters by name and runs it on
sequences, video files and the webcam."""
import importlib
import logging
import math
import os
import pkgutil
import time
from collections import OrderedDict
from pathlib import Path
from typing import List, Optional, Sequence as Seq

import numpy as np

from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper

logger = logging.getLogger(__name__)

_tracker_disp_colors = {1: (0, 255, 0), 2: (0, 0, 255), 3: (255, 0, 0),
                        4: (255, 255, 255), 5: (0, 0, 0), 6: (0, 255, 128),
                        7: (123, 123, 123), 8: (255, 128, 0), 9: (128, 0, 255)}

_PYTRACKING_DIR = Path(__file__).resolve().parent.parent


class UnknownTrackerError(ValueError):
    """The tracker name or parameter name does not exist."""


class InvalidInitBoxError(ValueError):
    """The initial box of a sequence is not a valid box inside the image."""


class FrameReadError(OSError):
    """A frame of a sequence is missing or unreadable."""


def available_trackers() -> List[str]:
    """Names of the tracker packages in ``pytracking/tracker`` (``base`` excluded)."""
    folder = _PYTRACKING_DIR / 'tracker'
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.ispkg and m.name != 'base')


def available_parameters(tracker_name: str) -> List[str]:
    """Names of the parameter files in ``pytracking/parameter/<tracker_name>``."""
    folder = _PYTRACKING_DIR / 'parameter' / tracker_name
    if not folder.is_dir():
        return []
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith('_'))


def _import_own_module(module_name: str):
    """Import ``module_name``; None when that module (not one it imports) does not exist."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is not None and module_name.startswith(e.name):
            return None
        raise


def trackerlist(name: str, parameter_name: str, run_ids=None, display_name: str = None) -> List['Tracker']:
    """List of :class:`Tracker`, one per run id.

    args:
        name: Name of the tracking method (folder in ``pytracking/tracker``).
        parameter_name: Name of the parameter file.
        run_ids: None, a single run id or a list/range of run ids.
        display_name: Name shown in the result plots.
    """
    if run_ids is None or isinstance(run_ids, int):
        run_ids = [run_ids]
    return [Tracker(name, parameter_name, run_id, display_name) for run_id in run_ids]


def validate_init_box(box, image_shape, seq_name: str = '?') -> None:
    """Raise :class:`InvalidInitBoxError` unless ``box`` is a usable initial box.

    args:
        box: ``[x, y, w, h]`` (or an 8-value polygon ``[x1, y1, ..., x4, y4]``).
        image_shape: ``(H, W, ...)`` of the first frame.
        seq_name: Sequence name, used in the message.
    A valid box has finite values, positive width and height and overlaps the image.
    """
    try:
        vals = [float(v) for v in box]
    except (TypeError, ValueError):
        raise InvalidInitBoxError("Sequence '{}': initial box {!r} is not a list of numbers".format(seq_name, box))
    if len(vals) == 8:
        xs, ys = vals[0::2], vals[1::2]
        vals = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    if len(vals) != 4:
        raise InvalidInitBoxError("Sequence '{}': initial box {!r} must have 4 values [x, y, w, h]"
                                  .format(seq_name, box))
    x, y, w, h = vals
    if not all(math.isfinite(v) for v in vals):
        raise InvalidInitBoxError("Sequence '{}': initial box {} contains NaN or inf".format(seq_name, list(box)))
    if w <= 0 or h <= 0:
        raise InvalidInitBoxError("Sequence '{}': initial box {} has zero or negative size".format(seq_name, list(box)))
    img_h, img_w = image_shape[:2]
    if x >= img_w or y >= img_h or x + w <= 0 or y + h <= 0:
        raise InvalidInitBoxError("Sequence '{}': initial box {} lies fully outside the {}x{} (w x h) image"
                                  .format(seq_name, list(box), img_w, img_h))


def vot_polygon_to_box(polygon: Seq[float], conversion_type: str = 'preserve_area') -> List[float]:
    """Turn a VOT region (``[x1, y1, ..., x4, y4]`` polygon or ``[x, y, w, h]``) into an ``[x, y, w, h]`` box.

    Uses the trackers' conversion (``pytracking.features.preprocessing.convert_vot_anno_to_rect``:
    ``'union'`` or ``'preserve_area'``) when available, else the polygon's axis-aligned bounding box.
    """
    polygon = [float(v) for v in polygon]
    if len(polygon) == 4:
        return polygon
    try:
        from pytracking.features.preprocessing import convert_vot_anno_to_rect
    except ImportError:
        logger.warning("convert_vot_anno_to_rect is not available; using the polygon's bounding box")
        xs, ys = polygon[0::2], polygon[1::2]
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    return [float(v) for v in convert_vot_anno_to_rect(polygon, conversion_type)]


def read_image(image_file: str, seq_name: Optional[str] = None) -> np.ndarray:
    """Read a frame as ``H x W x 3`` uint8 RGB (grayscale replicated to 3 channels).

    Raises :class:`FrameReadError` naming the file (and the sequence) when it is missing or unreadable.
    """
    from ltr.data.image_loader import ImageLoadError, opencv_loader
    try:
        return opencv_loader(image_file)
    except ImageLoadError as e:
        where = "" if seq_name is None else "Sequence '{}': ".format(seq_name)
        raise FrameReadError("{}cannot read frame '{}' ({})".format(where, image_file, e)) from e


def _split_boxes(optional_box) -> List[List[float]]:
    """``None`` -> []; ``[x, y, w, h]`` -> one box; a flat list of 4*k values or a list of boxes -> k boxes."""
    if optional_box is None:
        return []
    vals = list(optional_box)
    if vals and all(isinstance(v, (list, tuple, np.ndarray)) for v in vals):
        boxes = [list(v) for v in vals]
    else:
        if len(vals) == 0 or len(vals) % 4 != 0:
            raise InvalidInitBoxError("The initial box needs 4 values per target (x y w h), got {}".format(vals))
        boxes = [vals[i:i + 4] for i in range(0, len(vals), 4)]
    for b in boxes:
        if len(b) != 4:
            raise InvalidInitBoxError("The initial box needs 4 values (x y w h), got {}".format(b))
    return [[float(v) for v in b] for b in boxes]


class Tracker:
    """Wraps a tracker for evaluation and running.

    args:
        name: Name of the tracking method (folder ``pytracking/tracker/<name>``).
        parameter_name: Name of the parameter file (``pytracking/parameter/<name>/<parameter_name>.py``).
        run_id: The run id (an int), or None.
        display_name: Name shown in the result plots.
        device: Optional device string (``'cpu'``, ``'cuda:1'``); sets ``params.device`` on the parameters.

    ``results_dir`` is ``<results_path>/<name>/<parameter_name>`` (with ``_<run_id:03d>`` appended when a
    run id is given); ``segmentation_dir`` likewise under ``segmentation_path``. A tracker name without
    code (only results on disk) is allowed: ``tracker_class`` is then None and running it fails clearly.
    """

    def __init__(self, name: str, parameter_name: str, run_id: int = None, display_name: str = None,
                 device: Optional[str] = None):
        if run_id is not None and not isinstance(run_id, (int, np.integer)):
            raise TypeError("run_id must be an int or None, got {!r}".format(run_id))
        self.name = name
        self.parameter_name = parameter_name
        self.run_id = None if run_id is None else int(run_id)
        self.display_name = display_name
        self.device = device

        from pytracking.evaluation.environment import env_settings
        env = env_settings()
        suffix = self.parameter_name if self.run_id is None else '{}_{:03d}'.format(self.parameter_name, self.run_id)
        self.results_dir = '{}/{}/{}'.format(env.results_path, self.name, suffix)
        self.segmentation_dir = '{}/{}/{}'.format(env.segmentation_path, self.name, suffix)

        tracker_module = _import_own_module('pytracking.tracker.{}'.format(self.name))
        if tracker_module is not None and hasattr(tracker_module, 'get_tracker_class'):
            self.tracker_class = tracker_module.get_tracker_class()
        else:
            self.tracker_class = None

        self.visdom = None
        self.pause_mode = False
        self.step = False

    def __repr__(self) -> str:
        return 'Tracker({!r}, {!r}, run_id={!r})'.format(self.name, self.parameter_name, self.run_id)

    # ------------------------------------------------------------------ set-up
    def _require_tracker_class(self):
        if self.tracker_class is None:
            raise UnknownTrackerError("Unknown tracker '{}'. Available trackers: {}"
                                      .format(self.name, ', '.join(available_trackers()) or '(none)'))
        return self.tracker_class

    def check_available(self) -> None:
        """Raise :class:`UnknownTrackerError` (listing what exists) unless the tracker and parameter file exist."""
        self._require_tracker_class()
        self._parameter_module()

    def _parameter_module(self):
        module_name = 'pytracking.parameter.{}.{}'.format(self.name, self.parameter_name)
        param_module = _import_own_module(module_name)
        if param_module is None:
            avail = available_parameters(self.name)
            if not avail:
                raise UnknownTrackerError("Unknown parameter file '{}': tracker '{}' has no parameter files. "
                                          "Trackers with parameters: {}"
                                          .format(self.parameter_name, self.name,
                                                  ', '.join(t for t in available_trackers()
                                                                       if available_parameters(t)) or '(none)'))
            raise UnknownTrackerError("Unknown parameter file '{}' for tracker '{}'. Available: {}"
                                      .format(self.parameter_name, self.name, ', '.join(avail)))
        return param_module

    def get_parameters(self):
        """Build the parameters from ``pytracking.parameter.<name>.<parameter_name>.parameters()``.

        When the tracker was given a ``device``, ``params.device`` is set to it.
        """
        params = self._parameter_module().parameters()
        if self.device is not None:
            params.device = self.device
        return params

    def _init_visdom(self, visdom_info: Optional[dict], debug) -> None:
        visdom_info = {} if visdom_info is None else visdom_info
        self.pause_mode = False
        self.step = False
        if debug and debug > 0 and visdom_info.get('use_visdom', True):
            try:
                from pytracking.utils.visdom import Visdom
                self.visdom = Visdom(debug, {'handler': self._visdom_ui_handler, 'win_id': 'Tracking'},
                                     visdom_info=visdom_info)
                self.visdom.register('Press space to pause/unpause; when paused, the right arrow tracks one '
                                     'frame. Tick/untick blocks to show/hide them.', 'text', 1, 'Help')
            except Exception as e:  # visdom is optional; any failure to connect falls back to matplotlib
                logger.warning("Visdom could not start (%s); using matplotlib visualization instead. "
                               "Start it in another terminal with 'visdom'.", e)
                self.visdom = None

    def _visdom_ui_handler(self, data: dict) -> None:
        if data.get('event_type') == 'KeyPress':
            if data.get('key') == ' ':
                self.pause_mode = not self.pause_mode
            elif data.get('key') == 'ArrowRight' and self.pause_mode:
                self.step = True

    def create_tracker(self, params):
        """Instantiate the tracker class with ``params``."""
        tracker = self._require_tracker_class()(params)
        tracker.visdom = self.visdom
        return tracker

    def _multiobj_mode(self, params) -> str:
        return getattr(params, 'multiobj_mode', getattr(self.tracker_class, 'multiobj_mode', 'default'))

    def _debug_and_visualization(self, params, debug, visualization):
        debug_ = getattr(params, 'debug', 0) if debug is None else debug
        if visualization is None:
            visualization_ = getattr(params, 'visualization', False) if debug is None else bool(debug)
        else:
            visualization_ = visualization
        params.debug = debug_
        params.visualization = visualization_
        return debug_, visualization_

    # ------------------------------------------------------------------ sequences
    def run_sequence(self, seq, visualization=None, debug=None, visdom_info=None, multiobj_mode=None) -> dict:
        """Run the tracker on a sequence.

        args:
            seq: The :class:`~pytracking.evaluation.data.Sequence`.
            visualization: Show the tracking (None: the parameters' default).
            debug: Debug level (None: the parameters' default).
            visdom_info: Visdom server info dict (``use_visdom``, ``server``, ``port``).
            multiobj_mode: ``'default'`` or ``'parallel'`` (None: the parameters'/tracker class' default).
        returns:
            Dict with lists over frames: ``target_bbox`` ([x, y, w, h], or dict per object), ``time``
            (seconds), and ``segmentation`` / ``object_presence_score`` when produced, plus ``image_shape``
            and ``object_presence_score_threshold``.
        """
        self._require_tracker_class()
        params = self.get_parameters()
        debug_, visualization_ = self._debug_and_visualization(params, debug, visualization)

        self._init_visdom(visdom_info, debug_)
        if visualization_ and self.visdom is None:
            self.init_visualization()

        init_info = seq.init_info()
        is_single_object = not seq.multiobj_mode
        if multiobj_mode is None:
            multiobj_mode = self._multiobj_mode(params)

        if multiobj_mode == 'default' or is_single_object:
            tracker = self.create_tracker(params)
        elif multiobj_mode == 'parallel':
            tracker = MultiObjectWrapper(self.tracker_class, params, self.visdom)
        else:
            raise ValueError("Unknown multi object mode '{}' (use 'default' or 'parallel')".format(multiobj_mode))

        return self._track_sequence(tracker, seq, init_info)

    def _track_sequence(self, tracker, seq, init_info: dict) -> dict:
        # Single object: target_bbox[i] is the box of frame i. Multi object: target_bbox[i] is a dict
        # obj_id -> box, and time[i] a float or a dict obj_id -> seconds.
        output = {'target_bbox': [], 'time': [], 'segmentation': [], 'object_presence_score': []}

        def _store_outputs(tracker_out: dict, defaults=None):
            defaults = {} if defaults is None else defaults
            for key in output.keys():
                val = tracker_out.get(key, defaults.get(key, None))
                if key in tracker_out or val is not None:
                    output[key].append(val)

        image = self._read_image(seq.frames[0], seq.name)
        init_box = init_info.get('init_bbox')
        if init_box is not None:
            boxes = init_box.values() if isinstance(init_box, (dict, OrderedDict)) else [init_box]
            for b in boxes:
                validate_init_box(b, image.shape, seq.name)

        if tracker.params.visualization and self.visdom is None:
            self.visualize(image, init_box)

        start_time = time.time()
        out = tracker.initialize(image, init_info)
        if out is None:
            out = {}
        prev_output = OrderedDict(out)
        init_default = {'target_bbox': init_box,
                        'time': time.time() - start_time,
                        'segmentation': init_info.get('init_mask'),
                        'object_presence_score': 1.}
        _store_outputs(out, init_default)

        for frame_num, frame_path in enumerate(seq.frames[1:], start=1):
            self._wait_if_paused()
            image = self._read_image(frame_path, seq.name)

            start_time = time.time()
            info = seq.frame_info(frame_num)
            info['previous_output'] = prev_output
            out = tracker.track(image, info)
            prev_output = OrderedDict(out)
            _store_outputs(out, {'time': time.time() - start_time})

            segmentation = out.get('segmentation')
            if self.visdom is not None:
                tracker.visdom_draw_tracking(image, out['target_bbox'], segmentation)
            elif tracker.params.visualization:
                self.visualize(image, out['target_bbox'], segmentation)

        # A lone initial mask or presence score (the defaults stored at initialisation) carries no tracking
        # result, so no file is written for it; a one-frame sequence still gets its box file.
        for key in ('segmentation', 'object_presence_score'):
            if len(output[key]) <= 1 and seq.dataset != 'oxuva':
                output.pop(key)
        if len(output['target_bbox']) == 0:
            output.pop('target_bbox')

        output['image_shape'] = image.shape[:2]
        params = tracker.params
        output['object_presence_score_threshold'] = (params.get('object_presence_score_threshold', 0.55)
                                                     if hasattr(params, 'get') else
                                                     getattr(params, 'object_presence_score_threshold', 0.55))
        return output

    def _wait_if_paused(self) -> None:
        while self.pause_mode:
            if self.step:
                self.step = False
                break
            time.sleep(0.1)

    # ------------------------------------------------------------------ videos
    def _create_live_tracker(self, debug, visdom_info):
        """Parameters, visdom and tracker (a MultiObjectWrapper in 'parallel' mode) for video/webcam input."""
        params = self.get_parameters()
        params.debug = getattr(params, 'debug', 0) if debug is None else debug
        params.tracker_name = self.name
        params.param_name = self.parameter_name
        self._init_visdom(visdom_info, params.debug)
        if self._multiobj_mode(params) == 'parallel':
            return MultiObjectWrapper(self._require_tracker_class(), params, self.visdom, fast_load=True)
        if self._multiobj_mode(params) != 'default':
            raise ValueError("Unknown multi object mode '{}'".format(self._multiobj_mode(params)))
        tracker = self.create_tracker(params)
        if hasattr(tracker, 'initialize_features'):
            tracker.initialize_features()
        return tracker

    def run_video(self, videofilepath, optional_box: Optional[Seq[float]] = None, debug=None,
                  visdom_info=None, save_results: bool = False, output_video: Optional[str] = None,
                  headless: Optional[bool] = None, fps: Optional[float] = None) -> List[List[int]]:
        """Run the tracker on a video file, an image folder or a camera.

        args:
            videofilepath: Video file, folder of images, or camera index (int or digit string).
            optional_box: Initial ``[x, y, w, h]`` box, or several boxes (a flat list of 4*k values or a list of
                boxes), one target each. When None the targets are drawn with the mouse (needs a window).
            debug: Debug level.
            visdom_info: Visdom server info.
            save_results: Write the boxes to ``<results_dir>/video_<name>.txt`` (target 1; further targets to
                ``video_<name>_<id>.txt``), tab-separated integers as the original.
            output_video: Optional path of the annotated output video (boxes and frame rate drawn).
            headless: Open no window (default: when OpenCV has no GUI support or there is no display).
            fps: Frame rate of an image-folder source (for the output video; default 25).
        returns:
            The integer ``[x, y, w, h]`` boxes of target 1, one per frame from its first frame on.
        """
        from pytracking.evaluation import _live

        boxes = _split_boxes(optional_box)
        headless = self._live_headless(headless)
        if headless and not boxes:
            raise InvalidInitBoxError("No window can be opened (headless mode): give the initial box with "
                             "--optional_box x y w h")
        source = _live.open_source(videofilepath, fps=fps)
        try:
            tracker = self._create_live_tracker(debug, visdom_info)
        except BaseException:
            source.release()
            raise
        live = _live.run_live(tracker, isinstance(tracker, MultiObjectWrapper), source, boxes, output_video,
                              headless, 'Display: ' + self.name,
                              validate_box=lambda b, shape: validate_init_box(b, shape, source.name))
        per_object = {obj_id: [[int(v) for v in b] for b in track if b is not None]
                      for obj_id, track in live.results.items()}
        if save_results:
            from pytracking.evaluation.running import save_boxes
            for obj_id, obj_boxes in per_object.items():
                suffix = '' if obj_id == 1 else '_{}'.format(obj_id)
                save_boxes(os.path.join(self.results_dir, 'video_{}{}.txt'.format(source.name, suffix)), obj_boxes)
        return per_object.get(1, [])

    @staticmethod
    def _live_headless(headless: Optional[bool]) -> bool:
        from pytracking.evaluation import _live
        if headless is None:
            return not _live.gui_available()
        if not headless and not _live.gui_available():
            raise RuntimeError("Cannot open a window: OpenCV has no GUI support (opencv-python-headless) or no "
                               "display is set; run headless with --optional_box x y w h")
        return bool(headless)

    def run_webcam(self, debug=None, visdom_info=None, source=0, optional_box: Optional[Seq[float]] = None,
                   output_video: Optional[str] = None, headless: Optional[bool] = None) -> None:
        """Run the tracker on the webcam (or another ``source``): draw one or several target boxes with the
        mouse at any time (each becomes a new target), r drops all targets, q quits.

        ``optional_box``, ``output_video`` and ``headless`` are as in :meth:`run_video`; headless mode needs
        ``optional_box``.
        """
        self.run_video(source, optional_box=optional_box, debug=debug, visdom_info=visdom_info,
                       output_video=output_video, headless=headless)

    # ------------------------------------------------------------------ VOT toolkit
    def run_vot(self, debug=None, visdom_info=None) -> None:
        """Run the tracker as a VOT toolkit tracker (short-term protocol; see :mod:`pytracking.evaluation.vot`).

        The initial region is taken as a polygon and turned into a box with ``params.vot_anno_conversion_type``.
        """
        self._run_vot_session('polygon', debug, visdom_info)

    def run_vot2020(self, debug=None, visdom_info=None) -> None:
        """Run the tracker in the bounding-box experiments of the VOT2020+ toolkit: the initial region is a
        rectangle ``[x, y, w, h]`` used as the initial box as it is; boxes are reported as rectangles.
        (Mask output for segmentation trackers is not supported here.)"""
        self._run_vot_session('rectangle', debug, visdom_info)

    def _run_vot_session(self, region_format: str, debug, visdom_info) -> None:
        from pytracking.evaluation import vot

        params = self.get_parameters()
        params.tracker_name = self.name
        params.param_name = self.parameter_name
        params.run_id = self.run_id
        debug_, _ = self._debug_and_visualization(params, debug, None)
        self._init_visdom(visdom_info, debug_)
        tracker = self.create_tracker(params)
        if hasattr(tracker, 'initialize_features'):
            tracker.initialize_features()

        handle = vot.VOT(region_format)
        region = handle.region()
        if region_format == 'polygon':
            polygon = [c for p in region.points for c in (p.x, p.y)]
            init_state = vot_polygon_to_box(polygon, getattr(params, 'vot_anno_conversion_type', 'preserve_area'))
        else:
            init_state = [float(region.x), float(region.y), float(region.width), float(region.height)]
        image_path = handle.frame()
        if not image_path:
            handle.quit()
            return
        image = self._read_image(image_path)
        validate_init_box(init_state, image.shape, 'VOT')
        tracker.initialize(image, {'init_bbox': init_state})
        while True:
            image_path = handle.frame()
            if not image_path:
                break
            image = self._read_image(image_path)
            out = tracker.track(image, {})
            handle.report(vot.Rectangle(*[float(v) for v in out['target_bbox']]))
            if self.visdom is not None:
                tracker.visdom_draw_tracking(image, out['target_bbox'], out.get('segmentation'))
        handle.quit()

    # ------------------------------------------------------------------ visualization
    def init_visualization(self) -> None:
        """Open the matplotlib figure used when ``params.visualization`` is set."""
        import matplotlib.pyplot as plt
        self.pause_mode = False
        self.fig, self.ax = plt.subplots(1)
        self.fig.canvas.mpl_connect('key_press_event', self.press)
        plt.tight_layout()

    def visualize(self, image: np.ndarray, state, segmentation=None) -> None:
        """Draw the frame with its box(es) ([x, y, w, h], or a dict of them) in the matplotlib figure."""
        import matplotlib.patches as patches
        import matplotlib.pyplot as plt
        if not hasattr(self, 'ax'):
            self.init_visualization()
        self.ax.cla()
        self.ax.imshow(image)
        if segmentation is not None:
            self.ax.imshow(segmentation, alpha=0.5)
        boxes = list(state.values()) if isinstance(state, (dict, OrderedDict)) else [state]
        for i, box in enumerate(boxes, start=1):
            if box is None:
                continue
            col = [c / 255.0 for c in _tracker_disp_colors[(i - 1) % 9 + 1]]
            self.ax.add_patch(patches.Rectangle((box[0], box[1]), box[2], box[3], linewidth=1, edgecolor=col,
                                                facecolor='none'))
        self.ax.set_axis_off()
        self.ax.axis('equal')
        self.fig.canvas.draw()
        plt.pause(0.001)
        if self.pause_mode:
            while not plt.waitforbuttonpress():
                pass

    def reset_tracker(self) -> None:
        pass

    def press(self, event) -> None:
        """Matplotlib key handler: p toggles pause, r resets."""
        if event.key == 'p':
            self.pause_mode = not self.pause_mode
            logger.info("Pause mode %s", 'on' if self.pause_mode else 'off')
        elif event.key == 'r':
            self.reset_tracker()

    def _read_image(self, image_file: str, seq_name: Optional[str] = None) -> np.ndarray:
        return read_image(image_file, seq_name)

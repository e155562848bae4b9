"""Live use: run_video.py / run_webcam.py and the machinery of pytracking/evaluation/_live.py.

End-to-end runs use random-weight checkpoints in the official layout, written with the helper of
tests/tracker/conftest.py (loaded by path, so the checkpoint recipe lives in one place).
"""
import importlib.util
import os
import subprocess
import sys

import cv2 as cv
import numpy as np
import pytest

from pytracking.evaluation import _live

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
W, H = 96, 72
SQUARE = 16


def _tracker_conftest():
    spec = importlib.util.spec_from_file_location('_kt_tracker_conftest',
                                                  os.path.join(REPO, 'tests', 'tracker', 'conftest.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def networks(tmp_path_factory):
    """Folder with a random-weight dimp18 checkpoint (and super_dimp_simple/keep_track when buildable)."""
    root = tmp_path_factory.mktemp('kt_live_networks')
    _tracker_conftest().write_checkpoint(str(root / 'dimp18.pth'), 'dimp18.pth')
    return str(root)


def _square_frame(k: int) -> np.ndarray:
    """BGR frame k: noise background and a yellow square moving right and down."""
    rng = np.random.RandomState(k)
    im = rng.randint(0, 80, (H, W, 3)).astype(np.uint8)
    x, y = 10 + 3 * k, 12 + 2 * k
    im[y:y + SQUARE, x:x + SQUARE] = (40, 200, 230)
    return im


def _write_video(path, n: int) -> str:
    writer = cv.VideoWriter(str(path), cv.VideoWriter_fourcc(*'MJPG'), 10.0, (W, H))
    assert writer.isOpened()
    for k in range(n):
        writer.write(_square_frame(k))
    writer.release()
    return str(path)


def _write_folder(folder, n: int) -> str:
    os.makedirs(folder, exist_ok=True)
    for k in range(n):
        # no zero padding: the natural order must still be 1, 2, ..., 10
        cv.imwrite(os.path.join(str(folder), 'frame{}.png'.format(k + 1)), _square_frame(k))
    return str(folder)


def _read_all(path):
    cap = cv.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    return frames


def _env(tmp_path, networks):
    env = dict(os.environ)
    env.update({'PYTRACKING_NETWORK_PATH': networks, 'PYTRACKING_RESULTS_PATH': str(tmp_path / 'results'),
                'PYTHONPATH': REPO, 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1')})
    env.pop('DISPLAY', None)        # no display: headless mode must be chosen automatically
    env.pop('WAYLAND_DISPLAY', None)
    return env


def _script(name, args, env, cwd):
    return subprocess.run([sys.executable, os.path.join(REPO, 'pytracking', name), *args], env=env, cwd=str(cwd),
                          capture_output=True, text=True, timeout=600)


# ----------------------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_run_video_cli_headless_dimp_writes_annotated_video(tmp_path, networks):
    n = 8
    video = _write_video(tmp_path / 'square.avi', n)
    out = tmp_path / 'out' / 'annotated.avi'
    proc = _script('run_video.py', ['dimp', 'dimp18', video, '--optional_box', '10', '12', str(SQUARE), str(SQUARE),
                                    '--output', str(out), '--save_results'], _env(tmp_path, networks), tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    frames_in, frames_out = _read_all(video), _read_all(out)
    assert len(frames_out) == len(frames_in) == n
    boxes = np.loadtxt(tmp_path / 'results' / 'dimp' / 'dimp18' / 'video_square.txt', delimiter='\t')
    assert boxes.shape == (n, 4) and np.isfinite(boxes).all()
    assert boxes[0].tolist() == [10, 12, SQUARE, SQUARE]
    # The first output frame shows the initial box in green (target 1's colour) on its left edge.
    f0 = frames_out[0].astype(int)
    edge = f0[14:26, 10]
    assert (edge[:, 1] > 150).all() and (edge[:, 0] < 110).all() and (edge[:, 2] < 110).all()
    # The frame rate text is drawn in the top-right corner of the tracked frames, not on the input.
    diff = np.abs(frames_out[3].astype(int) - frames_in[3].astype(int))[:30, W // 2:].mean()
    assert diff > 10


@pytest.mark.slow
def test_run_video_image_folder_source_two_targets(tmp_path, networks, monkeypatch):
    from pytracking import run_video
    monkeypatch.setenv('PYTRACKING_NETWORK_PATH', networks)
    monkeypatch.delenv('DISPLAY', raising=False)
    n = 11
    folder = _write_folder(tmp_path / 'frames', n)
    out = tmp_path / 'folder.mp4'
    assert run_video.main(['dimp', 'dimp18', '--source', folder, '--optional_box', '10', '12', '16', '16',
                           '50', '40', '20', '20', '--output', str(out), '--save_results', '--fps', '5']) == 0
    assert len(_read_all(out)) == n
    cap = cv.VideoCapture(str(out))
    assert abs(cap.get(cv.CAP_PROP_FPS) - 5) < 0.01
    cap.release()
    from pytracking.evaluation import Tracker
    res = Tracker('dimp', 'dimp18').results_dir
    b1 = np.loadtxt(os.path.join(res, 'video_frames.txt'))
    b2 = np.loadtxt(os.path.join(res, 'video_frames_2.txt'))
    assert b1.shape == b2.shape == (n, 4)
    assert b1[0].tolist() == [10, 12, 16, 16] and b2[0].tolist() == [50, 40, 20, 20]


@pytest.mark.slow
def test_run_webcam_cli_headless_on_video_source(tmp_path, networks):
    video = _write_video(tmp_path / 'cam.avi', 5)
    out = tmp_path / 'webcam.avi'
    proc = _script('run_webcam.py', ['dimp', 'dimp18', '--source', video, '--optional_box', '10', '12', '16', '16',
                                     '--output', str(out), '--use_visdom', 'False'], _env(tmp_path, networks), tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(_read_all(out)) == 5


@pytest.mark.slow
def test_headless_without_box_and_bad_sources_are_one_line_errors(tmp_path, networks):
    env = _env(tmp_path, networks)
    video = _write_video(tmp_path / 'v.avi', 2)
    proc = _script('run_video.py', ['dimp', 'dimp18', video], env, tmp_path)
    assert proc.returncode != 0 and '--optional_box' in proc.stderr and 'Traceback' not in proc.stderr

    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'this is not a video' * 50)
    proc = _script('run_video.py', ['dimp', 'dimp18', '--source', str(bad), '--optional_box', '1', '1', '5', '5'],
                   env, tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'broken.mp4' in proc.stderr and 'Traceback' not in proc.stderr

    proc = _script('run_video.py', ['dimp', 'dimp18', '--source', str(tmp_path / 'nope'), '--optional_box',
                                    '1', '1', '5', '5'], env, tmp_path)
    assert proc.returncode == 2 and "not found: '{}'".format(tmp_path / 'nope') in proc.stderr


# ----------------------------------------------------------------------------------------- sources
def test_camera_index_parsing(tmp_path, monkeypatch):
    assert _live.parse_camera_index('0') == 0
    assert _live.parse_camera_index(' 12 ') == 12
    assert _live.parse_camera_index(3) == 3
    assert _live.parse_camera_index('cam0') is None
    assert _live.parse_camera_index('-1') is None and _live.parse_camera_index(-1) is None
    assert _live.parse_camera_index(True) is None
    assert _live.parse_camera_index(str(tmp_path / 'clip.mp4')) is None
    # A folder named '3' in the working directory is a folder, not camera 3.
    _write_folder(tmp_path / '3', 2)
    monkeypatch.chdir(tmp_path)
    assert _live.parse_camera_index('3') is None
    src = _live.open_source('3')
    assert isinstance(src, _live.ImageFolderSource) and len(list(src)) == 2


def test_camera_that_does_not_exist_is_a_clear_error():
    with pytest.raises(_live.SourceError, match="camera '97'"):
        _live.open_source('97')


def test_video_and_folder_sources_yield_the_frames(tmp_path):
    video = _write_video(tmp_path / 'v.avi', 4)
    with _live.open_source(video) as src:
        assert isinstance(src, _live.VideoFileSource) and src.name == 'v' and abs(src.fps - 10) < 1e-6
        frames = list(src)
    assert len(frames) == 4 and frames[0].shape == (H, W, 3)

    folder = _write_folder(tmp_path / 'imgs', 12)
    with open(os.path.join(folder, 'notes.txt'), 'w') as f:
        f.write('not an image')
    src = _live.open_source(folder, fps=7)
    assert src.fps == 7 and [os.path.basename(p) for p in src.files] == ['frame{}.png'.format(k) for k in range(1, 13)]
    frames = list(src)
    assert len(frames) == 12
    np.testing.assert_array_equal(frames[9], _square_frame(9))   # lossless PNG, order 1..12


def test_unreadable_sources(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        _live.open_source(str(tmp_path / 'missing.mp4'))
    bad = tmp_path / 'bad.avi'
    bad.write_bytes(os.urandom(2000))
    with pytest.raises(_live.SourceError, match='bad.avi'):
        _live.open_source(str(bad))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(_live.SourceError, match='no images'):
        _live.open_source(str(tmp_path / 'empty'))
    folder = _write_folder(tmp_path / 'f', 2)
    with open(os.path.join(folder, 'frame3.png'), 'wb') as f:
        f.write(b'garbage')
    with pytest.raises(_live.FrameReadError, match='frame3.png'):
        list(_live.open_source(folder))


def test_gui_detection(monkeypatch):
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    if sys.platform.startswith('linux'):
        assert not _live.gui_available()
    monkeypatch.setenv('DISPLAY', ':0')
    monkeypatch.setattr(_live.cv, 'getBuildInformation', lambda: '  GUI:     NONE\n')
    assert not _live.gui_available()
    monkeypatch.setattr(_live.cv, 'getBuildInformation', lambda: '  GUI:     GTK3\n')
    assert _live.gui_available()


# ----------------------------------------------------------------------------------------- UI pieces
def test_box_selector_drag_and_two_clicks():
    sel = _live.BoxSelector()
    sel.mouse_callback(cv.EVENT_LBUTTONDOWN, 40, 30)
    sel.mouse_callback(cv.EVENT_MOUSEMOVE, 20, 50)
    assert sel.mode == 'select' and sel.current_box() == [20, 30, 20, 20]
    sel.mouse_callback(cv.EVENT_LBUTTONUP, 10, 60)                  # drag: released at the other corner
    # original style: click a corner, move, click the opposite corner
    sel.mouse_callback(cv.EVENT_LBUTTONDOWN, 5, 6)
    sel.mouse_callback(cv.EVENT_LBUTTONUP, 6, 6)                    # a click, not a drag
    assert sel.mode == 'select'
    sel.mouse_callback(cv.EVENT_MOUSEMOVE, 30, 40)
    sel.mouse_callback(cv.EVENT_LBUTTONDOWN, 30, 40)
    assert sel.pop_boxes() == [[10, 30, 30, 30], [5, 6, 25, 34]]
    assert sel.pop_boxes() == []
    sel.mouse_callback(cv.EVENT_LBUTTONDOWN, 5, 5)
    sel.mouse_callback(cv.EVENT_LBUTTONDOWN, 5, 9)                  # zero width: dropped
    assert sel.pop_boxes() == [] and sel.mode == 'init'


class _ShiftTracker:
    """Single-object stand-in: moves the box by (+1, +2) per frame."""

    def initialize(self, image, info):
        self.box = list(info['init_bbox'])

    def track(self, image, info=None):
        self.box = [self.box[0] + 1, self.box[1] + 2, self.box[2], self.box[3]]
        return {'target_bbox': list(self.box)}


def test_live_tracking_multi_object_with_wrapper_and_reset():
    from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper
    from pytracking.utils.params import TrackerParams

    class Cls(_ShiftTracker):
        def __init__(self, params):
            self.params = params

    live = _live.LiveTracking(MultiObjectWrapper(Cls, TrackerParams()), multi=True)
    frame = np.zeros((H, W, 3), np.uint8)
    assert live.step(frame) == {} and not live.active
    assert live.step(frame, [[1, 1, 5, 5]]) == {1: [1, 1, 5, 5]}
    assert live.step(frame) == {1: [2, 3, 5, 5]}
    out = live.step(frame, [[20, 20, 4, 4]])                          # a second target joins
    assert out == {1: [3, 5, 5, 5], 2: [20, 20, 4, 4]}
    assert live.step(frame) == {1: [4, 7, 5, 5], 2: [21, 22, 4, 4]}
    assert live.results[1] == [None, [1, 1, 5, 5], [2, 3, 5, 5], [3, 5, 5, 5], [4, 7, 5, 5]]
    assert live.results[2] == [None, None, None, [20, 20, 4, 4], [21, 22, 4, 4]]
    live.reset(frame)
    assert live.step(frame) == {} and not live.active
    assert live.step(frame, [[7, 7, 3, 3]]) == {1: [7, 7, 3, 3]}      # ids restart at 1
    assert live.fps.fps is not None and live.fps.fps > 0


def test_live_tracking_single_object_new_box_replaces_target():
    live = _live.LiveTracking(_ShiftTracker(), multi=False)
    frame = np.zeros((H, W, 3), np.uint8)
    live.step(frame, [[0, 0, 4, 4]])
    assert live.step(frame) == {1: [1, 2, 4, 4]}
    assert live.step(frame, [[9, 9, 2, 2], [30, 30, 6, 6]]) == {1: [30, 30, 6, 6]}
    assert live.step(frame) == {1: [31, 32, 6, 6]}


def test_run_live_headless_writes_every_frame_and_skips_lost_boxes(tmp_path):
    class LosesTarget(_ShiftTracker):
        def track(self, image, info=None):
            out = super().track(image, info)
            return {'target_bbox': [-1, -1, -1, -1]} if self.box[0] >= 13 else out

    folder = _write_folder(tmp_path / 'f', 6)
    out = tmp_path / 'o.avi'
    live = _live.run_live(LosesTarget(), False, _live.open_source(folder), [[10, 10, 8, 8]], str(out), headless=True)
    assert live.frame_count == 6 and len(_read_all(out)) == 6
    assert live.results[1][3] == [-1, -1, -1, -1]
    with pytest.raises(ValueError, match='optional_box'):
        _live.run_live(LosesTarget(), False, _live.open_source(folder), None, None, headless=True)


def test_writer_and_drawing_helpers(tmp_path):
    frame = np.zeros((40, 60, 3), np.uint8)
    _live.draw_boxes(frame, {2: [5, 5, 10, 10], 3: [-1, -1, -1, -1], 4: [np.nan, 1, 2, 2]}, thickness=1)
    assert tuple(frame[5, 8]) == _live.color_for(2) == (0, 0, 255)
    assert frame[:, 20:].sum() == 0                                    # the lost/invalid boxes are not drawn
    assert _live.color_for(10) == _live.color_for(1)
    fps = _live.FpsMeter(momentum=0.5)
    assert fps.fps is None
    fps.update(0.1)
    assert abs(fps.update(0.3) - 1 / 0.2) < 1e-9
    bad = _live.AnnotatedVideoWriter(str(tmp_path / 'no_such_dir_file' / 'x.avi'), 10)
    bad.write(frame)                                                   # folders are created
    bad.release()
    assert len(_read_all(tmp_path / 'no_such_dir_file' / 'x.avi')) == 1


_KEEP_TRACK_CHECKPOINTS = {
    'super_dimp_simple.pth.tar': ('ltr.models.tracking.dimpnet', 'dimpnet50_simple',
                                  {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5,
                                   'clf_feat_norm': True, 'clf_feat_blocks': 0, 'final_conv': True,
                                   'out_feature_dim': 512, 'optim_init_reg': 0.1, 'score_act': 'relu',
                                   'hinge_threshold': 0.05, 'activation_leak': 0.1,
                                   'frozen_backbone_layers': ['conv1', 'bn1', 'layer1', 'layer2']},
                                  'DiMPnet', 'DiMPSimpleActor'),
    'keep_track.pth.tar': ('ltr.models.target_candidate_matching.target_candidate_matching',
                           'target_candidate_matching_net_resnet50',
                           {'backbone_pretrained': False, 'frozen_backbone_layers': ['conv1', 'bn1', 'layer1', 'layer2']},
                           'TargetCandidateMatchingNetwork', 'TargetCandiateMatchingActor'),
}


@pytest.mark.slow
def test_run_video_cli_headless_keep_track(tmp_path):
    """KeepTrack (random-weight official-layout checkpoints, constructors as recorded in
    tests/data/checkpoints/{keep_track,super_dimp_simple}.txt) headless on a generated video."""
    pytest.importorskip('pytracking.tracker.keep_track')
    mod = _tracker_conftest()
    mod.CHECKPOINTS.update(_KEEP_TRACK_CHECKPOINTS)
    nets = tmp_path / 'nets'
    for name in _KEEP_TRACK_CHECKPOINTS:
        mod.write_checkpoint(str(nets / name), name)
    n = 6
    video = _write_video(tmp_path / 'kt.avi', n)
    out = tmp_path / 'kt_out.mp4'
    proc = _script('run_video.py', ['keep_track', 'default', '--source', video, '--optional_box', '10', '12',
                                    str(SQUARE), str(SQUARE), '--output', str(out), '--save_results'],
                   _env(tmp_path, str(nets)), tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(_read_all(out)) == n
    boxes = np.loadtxt(tmp_path / 'results' / 'keep_track' / 'default' / 'video_kt.txt')
    assert boxes.shape == (n, 4) and np.isfinite(boxes).all()


class _FakeGui:
    """Stands in for OpenCV's window functions: records the shown frames and plays a script of mouse events and
    keys, one step per ``waitKey`` call."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.callback = None
        self.shown = []

    def install(self, monkeypatch):
        monkeypatch.setattr(_live.cv, 'namedWindow', lambda *a, **k: None)
        monkeypatch.setattr(_live.cv, 'resizeWindow', lambda *a, **k: None)
        monkeypatch.setattr(_live.cv, 'destroyAllWindows', lambda *a, **k: None)
        monkeypatch.setattr(_live.cv, 'setMouseCallback', lambda name, cb: setattr(self, 'callback', cb))
        monkeypatch.setattr(_live.cv, 'imshow', lambda name, im: self.shown.append(im.copy()))
        monkeypatch.setattr(_live.cv, 'waitKey', self.wait_key)

    def wait_key(self, delay=0):
        if not self.steps:
            return -1
        events, key = self.steps.pop(0)
        for ev in events:
            self.callback(*ev)
        return -1 if key is None else ord(key)


def test_window_mode_select_several_targets_start_add_and_quit(tmp_path, monkeypatch):
    """With a window: the video waits on its first frame while two boxes are drawn (a drag and two clicks),
    space starts the tracking, a third box drawn during playback becomes target 3, q stops."""
    from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper
    from pytracking.utils.params import TrackerParams

    class Cls(_ShiftTracker):
        def __init__(self, params):
            self.params = params

    down, move, up = cv.EVENT_LBUTTONDOWN, cv.EVENT_MOUSEMOVE, cv.EVENT_LBUTTONUP
    gui = _FakeGui([
        ([(down, 5, 6), (move, 20, 20), (up, 25, 26)], None),     # paused on frame 0: box 1 by dragging
        ([(down, 40, 30), (up, 40, 30), (down, 50, 44)], None),    # box 2 by two clicks
        ([], ' '),                                                 # start: frame 0 is tracked
        ([], None),                                                # frame 0 shown
        ([], None),                                                # frame 1 shown
        ([(down, 60, 10), (up, 70, 22)], None),                    # frame 2 shown; box 3 joins at frame 3
        ([], None),                                                # frame 3 shown
        ([], 'q'),                                                 # frame 4 shown: quit
    ])
    gui.install(monkeypatch)
    n = 8
    out = tmp_path / 'win.avi'
    live = _live.run_live(MultiObjectWrapper(Cls, TrackerParams()), True, _live.open_source(_write_folder(
        tmp_path / 'f', n)), None, str(out), headless=False, window_name='w')
    assert live.frame_count == 5 and len(_read_all(out)) == 5          # frames 0-4 processed and written
    assert live.results[1] == [[5, 6, 20, 20], [6, 8, 20, 20], [7, 10, 20, 20], [8, 12, 20, 20], [9, 14, 20, 20]]
    assert live.results[2][0] == [40, 30, 10, 14]
    assert live.results[3] == [None, None, None, [60, 10, 10, 12], [61, 12, 10, 12]]
    assert len(gui.shown) == 8                                          # 3 paused redraws + 5 tracked frames


def test_window_mode_without_gui_support_is_a_clear_error(tmp_path, monkeypatch):
    from pytracking.evaluation.tracker import Tracker
    monkeypatch.setattr(_live, 'gui_available', lambda: False)
    with pytest.raises(RuntimeError, match='--optional_box'):
        Tracker._live_headless(False)
    assert Tracker._live_headless(None) is True


def test_window_mode_reset_pause_and_given_box(tmp_path, monkeypatch):
    """A given box starts the tracking at once; r drops the targets (ids restart at 1); p pauses on the next
    frame, where a new box is drawn and space resumes."""
    down, up = cv.EVENT_LBUTTONDOWN, cv.EVENT_LBUTTONUP
    gui = _FakeGui([
        ([], None),                                   # frame 0 shown (target from the given box)
        ([], 'r'),                                    # frame 1 shown: reset
        ([], 'p'),                                    # frame 2 shown (nothing tracked): pause
        ([(down, 30, 30), (up, 40, 44)], None),       # paused before frame 3: draw a box
        ([], ' '),                                    # resume: the box is initialised on frame 3
    ])
    gui.install(monkeypatch)
    live = _live.run_live(_ShiftTracker(), False, _live.open_source(_write_folder(tmp_path / 'f', 5)),
                          [[1, 1, 4, 4]], None, headless=False)
    assert live.frame_count == 5
    assert live.results[1] == [[1, 1, 4, 4], [2, 3, 4, 4], None, [30, 30, 10, 14], [31, 32, 10, 14]]


def test_text_lines_are_white_on_a_black_band_and_touch_nothing_else():
    """On a coloured frame: behind each line's text every pixel is a black-to-white grey (B = G = R: band and
    antialiased text, no background showing through), with both black and white present; the rest of the frame
    keeps its colour."""
    colour = np.array([30, 140, 220], dtype=np.uint8)
    frame = np.tile(colour, (120, 300, 1))
    _live.draw_text_lines(frame, ['Tracking', 'FPS'], origin=(10, 30), scale=0.5)
    for baseline, text in ((30, 'Tracking'), (50, 'FPS')):   # line spacing 24 * 0.5 / 0.6 = 20 pixels
        (tw, th), _ = cv.getTextSize(text, cv.FONT_HERSHEY_SIMPLEX, 0.5, 1)
        box = frame[baseline - th:baseline + 1, 10:10 + tw].astype(int)
        assert (box[..., 0] == box[..., 1]).all() and (box[..., 1] == box[..., 2]).all()
        assert (box[..., 0] == 0).any() and (box[..., 0] > 200).any()
    changed = np.any(frame != colour, axis=2)
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    assert rows.min() >= 10 and rows.max() < 65 and cols.min() >= 5 and cols.max() < 100

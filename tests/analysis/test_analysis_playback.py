"""Playback of saved results: rendered frames, headless video, key handling of the interactive viewer."""
import os
import types

import cv2 as cv
import matplotlib
import numpy as np
import pytest

from pytracking.analysis._results_io import MissingResultsError
from pytracking.analysis.playback_results import (Display, load_playback_results, playback_results,
                                                  render_playback_frames, write_playback_video)
from pytracking.evaluation import trackerlist
from pytracking.evaluation.data import Sequence


@pytest.fixture
def clip(analysis_env, tmp_path, H):
    frames = []
    for i in range(6):
        path = str(tmp_path / '{:05d}.png'.format(i))
        cv.imwrite(path, np.full((60, 80, 3), 40, np.uint8))
        frames.append(path)
    gt = np.array([[10 + i, 10, 20, 15] for i in range(6)], dtype=float)
    seq = Sequence('clip', frames, 'otb', gt)
    trackers = trackerlist('red', 'p', None, 'Red') + trackerlist('green', 'p', None, 'Green')
    H.write_results(trackers[0], 'clip', [[30, 20, 10, 10]] * 6)
    H.write_results(trackers[1], 'clip', [[5, 30, 12, 8]] * 4)  # shorter than the sequence
    return seq, trackers


def test_load_playback_results_pads_missing_frames(clip):
    seq, trackers = clip
    res = load_playback_results(trackers, seq)
    assert res.shape == (6, 2, 4)
    assert res[5, 0].tolist() == [30, 20, 10, 10] and np.isnan(res[4, 1]).all() and res[3, 1].tolist() == [5, 30, 12, 8]


def test_rendered_frames_show_boxes_in_tracker_colours(clip):
    seq, trackers = clip
    frames = list(render_playback_frames(trackers, seq, show_legend=False, line_width=1))
    assert len(frames) == 6 and frames[0].shape == (60, 80, 3) and frames[0].dtype == np.uint8
    f = frames[0]
    assert f[25, 30].tolist() == [255, 0, 0]  # left edge of the first tracker's box (style 0: red)
    assert f[29, 39].tolist() == [255, 0, 0]  # bottom-right corner x + w - 1, y + h - 1
    assert f[33, 5].tolist() == [0, 255, 0]  # second tracker (style 1: green)
    assert f[12, 10].tolist() == [0, 255, 0]  # ground truth in green too
    assert f[50, 60].tolist() == [40, 40, 40]  # background untouched
    assert frames[5][33, 5].tolist() == [40, 40, 40]  # no result for frame 5: nothing drawn


def test_headless_playback_writes_a_video(clip, analysis_env):
    seq, trackers = clip
    out = write_playback_video(trackers, seq, os.path.join(str(analysis_env['plots']), 'v', 'clip.avi'), fps=5)
    cap = cv.VideoCapture(out)
    count = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        count += 1
        assert frame.shape == (60, 80, 3)
    assert count == 6
    assert not [f for f in os.listdir(os.path.dirname(out)) if f.startswith('.tmp')]
    if matplotlib.get_backend().lower() == 'agg':
        default = playback_results(trackers, seq)
        assert default == os.path.join(str(analysis_env['plots']), 'playback', 'clip.mp4')
        assert os.path.getsize(default) > 0
    with pytest.raises(ValueError, match='.gif'):
        write_playback_video(trackers, seq, str(analysis_env['plots'] / 'x.gif'))


def test_missing_results_are_named(clip):
    seq, trackers = clip
    os.remove(os.path.join(trackers[1].results_dir, 'clip.txt'))
    with pytest.raises(MissingResultsError, match='green/p/clip.txt'):
        load_playback_results(trackers, seq)


def test_display_keys_step_and_speed():
    matplotlib.use('Agg', force=False)
    d = Display(10, [{'color': (1, 0, 0), 'line_style': '-'}], 'seq')
    key = lambda k: d.key_callback_fn(types.SimpleNamespace(key=k))  # noqa: E731
    key('left')
    assert d.frame_number == 0  # manual mode clamps at the start
    key('right'); key('right')
    assert d.frame_number == 2
    key(' ')  # auto mode, forward at 1x
    assert not d.pause_mode and d._get_speed() == 1
    key('right'); key('right')
    assert d._get_speed() == 4
    d.step()
    assert d.frame_number == 6
    d.step()
    assert d.frame_number == 9  # clamped at the last frame
    key('left'); key('left'); key('left')  # slow down to 1x, then stop
    assert d.step_direction == 'stop' and d._get_speed() == 0
    key('left')
    assert d.step_direction == 'backward' and d._get_speed() == -1
    d.show(np.zeros((20, 20, 3), np.uint8), [[1, 1, 5, 5]], ['T'], gt=[2, 2, 4, 4])
    assert 'Speed: -1x' in d.fig._suptitle.get_text()
    key('q')
    assert not d.active
    import matplotlib.pyplot as plt
    plt.close(d.fig)

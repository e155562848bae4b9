"""Fixtures for the evaluation tests: isolated settings, tiny frames, and a test-only tracker.

The test tracker (``VelocityTracker``) returns the initial box moved by ``params.velocity`` pixels per
frame, so every result file has values known in closed form. It lives in a module written to a temporary
folder on ``sys.path`` so that worker processes (spawned by ``run_dataset(threads>0)``) can import it too.
"""
import importlib
import os
import sys
import textwrap
import types

import cv2 as cv
import numpy as np
import pytest

FAKE_MODULE = 'evaltest_fake_tracker'

FAKE_SOURCE = textwrap.dedent('''
    import json
    import os
    import time

    from pytracking.evaluation.tracker import Tracker
    from pytracking.tracker.base import BaseTracker


    class Params:
        """Minimal parameter object with the TrackerParams interface used by the evaluation code."""

        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

        def get(self, name, *default):
            return getattr(self, name, *default)

        def has(self, name):
            return hasattr(self, name)


    def parameters():
        return Params(velocity=[2.0, 1.0], debug=0, visualization=False, fail_on_x=None, interrupt_on_x=None,
                      log_file=os.environ.get('EVALTEST_LOG'), presence_scores=False)


    class VelocityTracker(BaseTracker):
        """Box at frame k = init box + k * velocity (x, y); size unchanged."""

        def _log(self, event, image, box):
            if self.params.log_file:
                with open(self.params.log_file, 'a') as f:
                    f.write(json.dumps({'event': event, 'shape': list(image.shape), 'dtype': str(image.dtype),
                                        'box': [float(v) for v in box],
                                        'device': str(getattr(self.params, 'device', None)),
                                        'pid': os.getpid()}) + '\\n')

        def initialize(self, image, info):
            box = info['init_bbox']
            self.box0 = [float(v) for v in box]
            self.frame = 0
            self._log('init', image, box)
            if self.params.fail_on_x is not None and self.box0[0] == self.params.fail_on_x:
                raise RuntimeError('tracker failure requested by the test')
            if self.params.interrupt_on_x is not None and self.box0[0] == self.params.interrupt_on_x:
                raise KeyboardInterrupt
            if self.params.get('missing_network', False):
                raise FileNotFoundError("Network file 'nowhere.pth' not found")
            return None

        def track(self, image, info=None):
            self.frame += 1
            if self.params.get('sleep_per_frame', 0):
                time.sleep(self.params.sleep_per_frame)
            vx, vy = self.params.velocity
            x, y, w, h = self.box0
            box = [x + vx * self.frame, y + vy * self.frame, w, h]
            self._log('track', image, box)
            out = {'target_bbox': box}
            if self.params.presence_scores:
                out['object_presence_score'] = 0.9 if self.frame % 2 == 0 else 0.1
            if self.params.get('masks', False):
                import numpy as np
                mask = np.zeros(image.shape[:2], dtype=np.uint8)
                mask[int(box[1]):int(box[1] + box[3]), int(box[0]):int(box[0] + box[2])] = 1
                out['segmentation'] = mask
            return out


    def get_tracker_class():
        return VelocityTracker


    class FakeEvalTracker(Tracker):
        """A Tracker wired to VelocityTracker without a package under pytracking/tracker (picklable)."""

        def __init__(self, overrides=None, run_id=None, name='evaltest_velocity', device=None):
            super().__init__(name, 'default', run_id, device=device)
            self.tracker_class = VelocityTracker
            self.overrides = dict(overrides or {})

        def check_available(self):
            return None

        def get_parameters(self):
            p = parameters()
            p.__dict__.update(self.overrides)
            if self.device is not None:
                p.device = self.device
            return p
''')


@pytest.fixture
def eval_env(tmp_path, monkeypatch):
    """Results/segmentation folders in tmp_path (never in the repository)."""
    results = tmp_path / 'results'
    seg = tmp_path / 'segmentation'
    monkeypatch.setenv('PYTRACKING_RESULTS_PATH', str(results))
    monkeypatch.setenv('PYTRACKING_SEGMENTATION_PATH', str(seg))
    monkeypatch.setenv('EVALTEST_LOG', str(tmp_path / 'tracker_log.jsonl'))
    return types.SimpleNamespace(results=results, seg=seg, root=tmp_path, log=tmp_path / 'tracker_log.jsonl')


@pytest.fixture
def fake(tmp_path, monkeypatch, eval_env):
    """The test tracker module, importable by name and registered as tracker 'evaltest_velocity'
    (``pytracking.tracker.evaltest_velocity`` and ``pytracking.parameter.evaltest_velocity.default``)."""
    mod_dir = tmp_path / 'mods'
    mod_dir.mkdir()
    (mod_dir / (FAKE_MODULE + '.py')).write_text(FAKE_SOURCE)
    monkeypatch.syspath_prepend(str(mod_dir))
    # Spawned workers inherit os.environ; make sure they find the module too.
    monkeypatch.setenv('PYTHONPATH', str(mod_dir) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    sys.modules.pop(FAKE_MODULE, None)
    mod = importlib.import_module(FAKE_MODULE)
    param_pkg = types.ModuleType('pytracking.parameter.evaltest_velocity')
    param_pkg.__path__ = []
    param_mod = types.ModuleType('pytracking.parameter.evaltest_velocity.default')
    param_mod.parameters = mod.parameters
    monkeypatch.setitem(sys.modules, 'pytracking.tracker.evaltest_velocity', mod)
    monkeypatch.setitem(sys.modules, 'pytracking.parameter.evaltest_velocity', param_pkg)
    monkeypatch.setitem(sys.modules, 'pytracking.parameter.evaltest_velocity.default', param_mod)
    yield mod
    sys.modules.pop(FAKE_MODULE, None)


def write_image(path, w=40, h=30, gray=False, value=None):
    """Write a small image (random content, fixed seed from the path) and return its path as str."""
    path = str(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = np.random.default_rng(abs(hash(os.path.basename(path))) % (2 ** 32))
    shape = (h, w) if gray else (h, w, 3)
    im = rng.integers(0, 255, size=shape, dtype=np.uint8) if value is None else np.full(shape, value, np.uint8)
    assert cv.imwrite(path, im)
    return path


def read_log(path):
    import json
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def helpers():
    return types.SimpleNamespace(write_image=write_image, read_log=read_log)

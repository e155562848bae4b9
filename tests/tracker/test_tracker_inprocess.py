"""DiMP driven directly (as run_video / VOT front ends do): grayscale arrays, VOT polygons, device choice."""
import numpy as np
import pytest
import torch

from pytracking.parameter.dimp import dimp18
from pytracking.tracker.dimp import DiMP


@pytest.fixture
def dimp18_params(network_dir, monkeypatch):
    monkeypatch.setenv('PYTRACKING_NETWORK_PATH', network_dir.require('dimp18.pth'))
    params = dimp18.parameters()
    # Fewer first-frame iterations/augmentations: this test is about the input handling.
    params.augmentation = {}
    params.net_opt_iter = 2
    return params


def _frames(n=3, h=48, w=64):
    rng = np.random.RandomState(0)
    return [rng.randint(0, 255, (h, w)).astype(np.uint8) for _ in range(n)]


@pytest.mark.slow
def test_grayscale_arrays_polygon_init_and_cpu_fallback(dimp18_params):
    assert dimp18_params.use_gpu is True      # falls back to the CPU when CUDA is absent
    tracker = DiMP(dimp18_params)
    frames = _frames()
    polygon = [20, 14, 36, 14, 36, 26, 20, 26]   # axis-aligned 16x12 rectangle
    out = tracker.initialize(frames[0], {'init_bbox': polygon})
    assert out['time'] >= 0
    expected_device = 'cuda' if torch.cuda.is_available() else 'cpu'
    assert tracker.device.type == expected_device
    # preserve_area conversion of the polygon: size + 1, same centre
    assert tracker.target_sz.tolist() == [13, 17]
    # box [19.5, 13.5, 17, 13]; the tracker centre is top-left + (size - 1) / 2
    assert tracker.pos.tolist() == [19.5, 27.5]
    for im in frames[1:]:
        box = tracker.track(im[:, :, None] if im is frames[1] else im)['target_bbox']
        assert len(box) == 4 and np.isfinite(box).all()


@pytest.mark.slow
def test_explicit_device_and_not_found_box(dimp18_params):
    dimp18_params.device = 'cpu'
    dimp18_params.output_not_found_box = True
    dimp18_params.target_not_found_threshold = 1e9     # every frame is 'not found'
    tracker = DiMP(dimp18_params)
    frames = _frames(2)
    tracker.initialize(frames[0], {'init_bbox': [20, 14, 16, 12]})
    assert tracker.device == torch.device('cpu')
    assert tracker.track(frames[1])['target_bbox'] == [-1, -1, -1, -1]
    assert tracker.debug_info['flag'] == 'not_found'


def test_invalid_initial_box_is_rejected_before_loading(dimp18_params):
    tracker = DiMP(dimp18_params)
    with pytest.raises(ValueError, match='zero or negative size'):
        tracker.initialize(_frames(1)[0], {'init_bbox': [5, 5, 0, 10]})
    assert dimp18_params.net.net is None

"""Tiny fixture trees in the real on-disk formats of LaSOT, GOT-10k, TrackingNet, COCO and ImageNet VID.

The writers live in ``ltr.train_settings.smoke._fixtures`` (shared with the training tests and benchmarks): every
frame is a grey textured background with pure red rectangles, the targets. Boxes are integers and stay 4 px away
from the image border, so the target's pixels can be checked after cropping. Each writer returns the ground truth
it wrote.
"""
import numpy as np
import pytest

from ltr.train_settings.smoke._fixtures import FIXTURE_H as H, FIXTURE_NUM_FRAMES as NUM_FRAMES, \
    FIXTURE_W as W, draw_frame, write_coco, write_got10k, write_imagenetvid, write_lasot, write_trackingnet


def _make(tmp_path_factory, name, writer):
    root = tmp_path_factory.mktemp(name)
    truth = writer(str(root))
    return str(root), truth


@pytest.fixture(scope='session')
def lasot_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'lasot', write_lasot)


@pytest.fixture(scope='session')
def got10k_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'got10k', write_got10k)


@pytest.fixture(scope='session')
def trackingnet_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'trackingnet', write_trackingnet)


@pytest.fixture(scope='session')
def coco_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'coco', write_coco)


@pytest.fixture(scope='session')
def imagenetvid_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'imagenetvid', write_imagenetvid)


def red_fraction(img: np.ndarray) -> float:
    """Fraction of pixels that are target red (tolerant to JPEG and resampling)."""
    img = np.asarray(img).astype(np.int32)
    if img.size == 0:
        return float('nan')
    red = (img[..., 0] > 170) & (img[..., 1] < 90) & (img[..., 2] < 90)
    return float(red.mean())


class _Fixtures:
    """The writers and constants, handed to tests through the ``fx`` fixture."""
    W, H, NUM_FRAMES = W, H, NUM_FRAMES
    write_lasot = staticmethod(write_lasot)
    write_got10k = staticmethod(write_got10k)
    write_trackingnet = staticmethod(write_trackingnet)
    write_coco = staticmethod(write_coco)
    write_imagenetvid = staticmethod(write_imagenetvid)
    red_fraction = staticmethod(red_fraction)
    draw_frame = staticmethod(draw_frame)


@pytest.fixture
def fx():
    return _Fixtures

import cv2 as cv
import numpy as np
import pytest

from ltr.data import image_loader as il


def test_loaders_return_rgb_uint8(tmp_path):
    bgr = np.zeros((5, 7, 3), np.uint8)
    bgr[..., 0] = 255  # blue in OpenCV's BGR order
    p = str(tmp_path / 'a.png')
    cv.imwrite(p, bgr)
    for loader in (il.opencv_loader, il.jpeg4py_loader, il.default_image_loader):
        im = loader(p)
        assert im.shape == (5, 7, 3) and im.dtype == np.uint8
        assert (im[..., 2] == 255).all() and (im[..., :2] == 0).all()


def test_grayscale_is_replicated(tmp_path):
    g = np.arange(12, dtype=np.uint8).reshape(3, 4) * 10
    p = str(tmp_path / 'g.jpg')
    cv.imwrite(p, g, [cv.IMWRITE_JPEG_QUALITY, 100])
    im = il.default_image_loader(p)
    assert im.shape == (3, 4, 3)
    assert np.array_equal(im[..., 0], im[..., 1]) and np.array_equal(im[..., 1], im[..., 2])


def test_missing_and_corrupt_files_name_the_file(tmp_path):
    with pytest.raises(il.ImageLoadError, match='nothere.jpg'):
        il.default_image_loader(str(tmp_path / 'nothere.jpg'))
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'not an image at all')
    with pytest.raises(il.ImageLoadError, match='bad.jpg'):
        il.default_image_loader(str(bad))


def test_indexed_png_round_trip(tmp_path):
    labels = np.random.RandomState(0).randint(0, 5, size=(6, 9)).astype(np.uint8)
    p = str(tmp_path / 'm.png')
    il.imwrite_indexed(p, labels)
    assert np.array_equal(il.imread_indexed(p), labels)
    pal = il._davis_palette()
    assert tuple(pal[1]) == (128, 0, 0) and tuple(pal[2]) == (0, 128, 0) and tuple(pal[3]) == (128, 128, 0)


class _FakeJPEG:
    """Stands in for ``jpeg4py.JPEG``: records the files it decodes, returns a fixed image."""
    decoded = []

    def __init__(self, source):
        self.source = source

    def decode(self):
        _FakeJPEG.decoded.append(self.source)
        return np.full((2, 3), 77, np.uint8)  # grayscale, as jpeg4py returns for 1-channel files


class _BrokenJPEG:
    """``jpeg4py.JPEG`` when libturbojpeg is missing: construction fails with OSError."""

    def __init__(self, source):
        raise OSError('Could not load libjpeg-turbo library')


def _write_jpeg(tmp_path):
    p = str(tmp_path / 'c.jpg')
    img = np.zeros((4, 6, 3), np.uint8)
    img[..., 2] = 200  # red in BGR
    cv.imwrite(p, img, [cv.IMWRITE_JPEG_QUALITY, 100])
    return p


def test_jpeg4py_used_when_usable(tmp_path, monkeypatch):
    import types
    monkeypatch.setattr(il, 'jpeg4py', types.SimpleNamespace(JPEG=_FakeJPEG))
    monkeypatch.setattr(il, '_jpeg4py_usable', None)
    _FakeJPEG.decoded = []
    p = _write_jpeg(tmp_path)
    im = il.jpeg4py_loader(p)
    assert _FakeJPEG.decoded == [p]
    assert im.shape == (2, 3, 3) and (im == 77).all()  # grayscale replicated to RGB
    # PNG files never go to jpeg4py
    q = str(tmp_path / 'c.png')
    cv.imwrite(q, np.zeros((4, 6, 3), np.uint8))
    assert il.jpeg4py_loader(q).shape == (4, 6, 3) and _FakeJPEG.decoded == [p]


def test_jpeg4py_without_libturbojpeg_falls_back_to_opencv(tmp_path, monkeypatch):
    import types
    monkeypatch.setattr(il, 'jpeg4py', types.SimpleNamespace(JPEG=_BrokenJPEG))
    monkeypatch.setattr(il, '_jpeg4py_usable', None)
    p = _write_jpeg(tmp_path)
    im = il.default_image_loader(p)
    assert il._jpeg4py_usable is False
    assert np.array_equal(im, il.opencv_loader(p))
    assert im.shape == (4, 6, 3) and abs(int(im[0, 0, 0]) - 200) <= 2 and im[0, 0, 1:].max() <= 2


def test_real_jpeg4py_matches_opencv_when_installed(tmp_path, monkeypatch):
    jpeg4py = pytest.importorskip('jpeg4py')
    monkeypatch.setattr(il, 'jpeg4py', jpeg4py)
    monkeypatch.setattr(il, '_jpeg4py_usable', None)
    if not il._jpeg4py_available():
        pytest.skip('jpeg4py is installed but libturbojpeg is missing (the OpenCV fallback is tested above)')
    rng = np.random.default_rng(0)
    p = str(tmp_path / 'r.jpg')
    cv.imwrite(p, (rng.random((30, 41, 3)) * 255).astype(np.uint8), [cv.IMWRITE_JPEG_QUALITY, 90])
    a, b = il.jpeg4py_loader(p), il.opencv_loader(p)
    assert a.shape == b.shape == (30, 41, 3) and a.dtype == np.uint8
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1  # both decode with libjpeg(-turbo)

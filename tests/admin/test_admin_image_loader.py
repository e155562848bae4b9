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

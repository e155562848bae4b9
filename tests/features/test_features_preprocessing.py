"""Patch sampling against brute-force crops, and the init-box / image checks of the trackers."""
import cv2 as cv
import numpy as np
import pytest
import torch

from pytracking.features.preprocessing import (check_init_box, convert_vot_anno_to_rect, image_to_rgb,
                                               numpy_to_torch, sample_patch, sample_patch_multiscale,
                                               sample_patch_transformed, torch_to_numpy)
from pytracking.features import augmentation


def _image(h=37, w=53, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, c, h, w, generator=g) * 255


def _brute_crop(im, tl, size, zero_outside=False):
    """Reference crop: pixel (i, j) of the patch is image pixel (tl + (i, j)) clamped to the image."""
    _, c, h, w = im.shape
    out = torch.zeros(1, c, size[0], size[1])
    for i in range(size[0]):
        for j in range(size[1]):
            y, x = tl[0] + i, tl[1] + j
            if zero_outside and not (0 <= y < h and 0 <= x < w):
                continue
            out[0, :, i, j] = im[0, :, min(max(y, 0), h - 1), min(max(x, 0), w - 1)]
    return out


def test_numpy_torch_round_trip():
    a = np.random.RandomState(0).randint(0, 255, (5, 7, 3)).astype(np.uint8)
    t = numpy_to_torch(a)
    assert t.shape == (1, 3, 5, 7) and t.dtype == torch.float32
    assert t[0, 2, 4, 6].item() == a[4, 6, 2]
    np.testing.assert_array_equal(torch_to_numpy(t), a.astype(np.float32))


@pytest.mark.parametrize('pos,size', [((18, 26), (9, 11)),      # inside
                                      ((2, 3), (10, 12)),        # over the top-left border
                                      ((35, 50), (8, 9)),        # over the bottom-right border
                                      ((-20, 80), (5, 6)),       # completely outside
                                      ((18, 26), (60, 70))])     # larger than the image
def test_sample_patch_equals_brute_force_crop(pos, size):
    im = _image()
    p = torch.tensor(pos, dtype=torch.float32)
    sz = torch.tensor(size, dtype=torch.float32)
    patch, coord = sample_patch(im, p, sz, sz)
    tl = (pos[0] - (size[0] - 1) // 2, pos[1] - (size[1] - 1) // 2)
    assert patch.shape == (1, 3) + tuple(size)
    assert torch.equal(patch, _brute_crop(im, tl, size))
    assert coord.tolist() == [[tl[0], tl[1], tl[0] + size[0], tl[1] + size[1]]]
    # No resize requested: same crop
    patch2, _ = sample_patch(im, p, sz)
    assert torch.equal(patch2, patch)


def test_sample_patch_mask_pads_with_zeros():
    im = _image(c=1)
    patch, _ = sample_patch(im, torch.tensor([1., 1.]), torch.tensor([6., 6.]), is_mask=True)
    assert torch.equal(patch, _brute_crop(im, (-1, -1), (6, 6), zero_outside=True))


def test_sample_patch_resize_matches_subsample_crop_and_bilinear():
    im = _image(h=120, w=150)
    pos = torch.tensor([61., 70.])
    sample_sz = torch.tensor([66., 66.])
    out_sz = torch.tensor([20., 20.])
    patch, coord = sample_patch(im, pos, sample_sz, out_sz)
    # factor 3.3 -> subsample every 3rd pixel, crop 22x22 there, bilinear resize 22 -> 20
    df = 3
    off = (61 % df, 70 % df)
    sub = im[..., off[0]::df, off[1]::df]
    posd = ((61 - off[0]) // df, (70 - off[1]) // df)
    tl = (posd[0] - 21 // 2, posd[1] - 21 // 2)
    crop = _brute_crop(sub, tl, (22, 22))
    ref = cv.resize(crop[0].permute(1, 2, 0).numpy(), (20, 20), interpolation=cv.INTER_LINEAR)
    np.testing.assert_allclose(patch[0].permute(1, 2, 0).numpy(), ref, atol=1e-3)
    assert coord.tolist() == [[df * tl[0], df * tl[1], df * (tl[0] + 22), df * (tl[1] + 22)]]


def test_sample_patch_inside_mode_stays_in_image():
    im = _image(h=40, w=60)
    patch, coord = sample_patch(im, torch.tensor([3., 55.]), torch.tensor([20., 20.]), torch.tensor([20., 20.]),
                                mode='inside')
    top, left, bottom, right = coord[0].tolist()
    assert (top, left, bottom, right) == (0, 40, 20, 60)
    assert torch.equal(patch, im[..., 0:20, 40:60])
    # A crop larger than the image is shrunk to fit the larger dimension ('inside')
    _, coord = sample_patch(im, torch.tensor([20., 30.]), torch.tensor([80., 80.]), torch.tensor([10., 10.]),
                            mode='inside')
    top, left, bottom, right = coord[0].tolist()
    assert bottom - top <= 40 + 1 and right - left <= 60 + 1 and top >= 0 and left >= 0


def test_sample_patch_rejects_unknown_mode():
    with pytest.raises(ValueError, match='border mode'):
        sample_patch(_image(), torch.tensor([5., 5.]), torch.tensor([4., 4.]), mode='wrap')


def test_sample_patch_multiscale_stacks_single_scale_crops():
    im = _image()
    pos = torch.tensor([20., 25.])
    out = torch.tensor([8., 8.])
    scales = torch.tensor([1.0, 1.5, 2.0])
    patches, coords = sample_patch_multiscale(im, pos, scales, out)
    assert patches.shape == (3, 3, 8, 8) and coords.shape == (3, 4)
    for i, s in enumerate(scales):
        p, c = sample_patch(im, pos, s * out, out)
        assert torch.equal(patches[i:i + 1], p) and torch.equal(coords[i:i + 1], c)
    # Scale 1 is an exact crop
    assert torch.equal(patches[0:1], _brute_crop(im, (20 - 3, 25 - 3), (8, 8)))
    patches1, _ = sample_patch_multiscale(im, pos, 1.0, out)
    assert torch.equal(patches1, patches[0:1])


def test_sample_patch_transformed_applies_each_transform():
    im = _image()
    pos = torch.tensor([18., 26.])
    sz = torch.tensor([10., 10.])
    transforms = [augmentation.Identity(), augmentation.FlipHorizontal()]
    patches = sample_patch_transformed(im, pos, 1.0, sz, transforms)
    ref, _ = sample_patch(im, pos, sz, sz)
    assert torch.equal(patches[0:1], ref)
    assert torch.equal(patches[1:2], ref.flip(3))


def test_image_to_rgb():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    rgb = image_to_rgb(gray)
    assert rgb.shape == (3, 4, 3) and (rgb[..., 0] == gray).all() and (rgb[..., 2] == gray).all()
    assert image_to_rgb(gray[:, :, None]).shape == (3, 4, 3)
    assert image_to_rgb(np.zeros((3, 4, 4), np.uint8)).shape == (3, 4, 3)
    with pytest.raises(ValueError, match='shape'):
        image_to_rgb(np.zeros((3, 4, 2), np.uint8))


def test_convert_vot_anno_to_rect():
    square = [10, 10, 20, 10, 20, 20, 10, 20]   # axis aligned 10x10 polygon
    assert convert_vot_anno_to_rect(square, 'union') == [10, 10, 10, 10]
    x, y, w, h = convert_vot_anno_to_rect(square, 'preserve_area')
    assert (w, h) == (11, 11) and (x, y) == (15 - 5.5, 15 - 5.5)
    # A 45-degree rotated square of side sqrt(2)*5: the area is kept (w-1)*(h-1) = 50
    diamond = [10, 5, 15, 10, 10, 15, 5, 10]
    x, y, w, h = convert_vot_anno_to_rect(diamond, 'preserve_area')
    assert (w - 1) * (h - 1) == pytest.approx(50.0)
    assert x + w / 2 == pytest.approx(10) and y + h / 2 == pytest.approx(10)
    assert convert_vot_anno_to_rect([1, 2, 3, 4], 'union') == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        convert_vot_anno_to_rect(square, 'bogus')


@pytest.mark.parametrize('box,msg', [([10, 10, 0, 5], 'negative size'), ([10, 10, 5, -3], 'negative size'),
                                     ([float('nan'), 1, 5, 5], 'NaN'), ([100, 100, 5, 5], 'outside'),
                                     ([-20, 5, 10, 5], 'outside'), ([1, 2, 3], '4 values'),
                                     ('abc', 'not a list of numbers')])
def test_check_init_box_rejects_invalid(box, msg):
    with pytest.raises(ValueError, match=msg):
        check_init_box(box, (50, 60, 3))


def test_check_init_box_accepts_valid_and_partially_outside():
    assert check_init_box(np.array([1, 2, 3, 4]), (50, 60, 3)) == [1.0, 2.0, 3.0, 4.0]
    assert check_init_box([-5, -5, 10, 10], (50, 60, 3)) == [-5.0, -5.0, 10.0, 10.0]
    assert check_init_box([10, 10, 20, 10, 20, 20, 10, 20], (50, 60, 3), 'union') == [10, 10, 10, 10]

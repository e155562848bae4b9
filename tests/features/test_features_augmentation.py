"""Augmentation transforms against hand-worked references."""
import math

import numpy as np
import pytest
import torch

from pytracking.features import augmentation


def _patch(h=10, w=10, c=3, seed=1):
    return torch.rand(1, c, h, w, generator=torch.Generator().manual_seed(seed)) * 255


def test_identity_center_crop_and_pad():
    im = _patch()
    assert torch.equal(augmentation.Identity()(im), im)
    assert torch.equal(augmentation.Identity((6, 6))(im), im[..., 2:8, 2:8])
    # Odd difference: the padding (-1.5, -2.5) is floored on the top/left side, i.e. one more
    # row/column is cut there
    assert torch.equal(augmentation.Identity((7, 5))(im), im[..., 2:9, 3:8])
    # Larger output: replicate padding
    out = augmentation.Identity((12, 12))(im)
    assert out.shape[-2:] == (12, 12)
    assert torch.equal(out[..., 1:11, 1:11], im)
    assert torch.equal(out[..., 0, 1:11], im[..., 0, :])


def test_translation_moves_content_by_shift():
    im = _patch()
    out = augmentation.Translation((1, 2), (6, 6))(im)
    # output pixel (r, c) shows input pixel (r + 2 - 1, c + 2 - 2): content moved down by 1, right by 2
    assert torch.equal(out, im[..., 1:7, 0:6])
    t = augmentation.Translation((3, -4), None, shift=(1, 1))
    assert t.shift == (4, -3)


def test_translation_far_outside_replicates_border():
    im = _patch()
    out = augmentation.Translation((0, 30), (4, 4))(im)
    # the window lies left of the image: every column is the first image column
    assert torch.equal(out, im[..., 3:7, 0:1].expand(-1, -1, -1, 4))


def test_flips():
    im = _patch()
    assert torch.equal(augmentation.FlipHorizontal()(im), im.flip(3))
    assert torch.equal(augmentation.FlipVertical()(im), im.flip(2))
    a = im[0].permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(augmentation.FlipHorizontal()(a), a[:, ::-1])


def test_blur_matches_direct_convolution():
    im = _patch(9, 9, 1)
    sigma = (1.0, 0.5)
    out = augmentation.Blur(sigma)(im)
    ky = [math.exp(-x * x / (2 * sigma[0] ** 2)) for x in range(-2, 3)]
    kx = [math.exp(-x * x / (2 * sigma[1] ** 2)) for x in range(-1, 2)]
    ky, kx = np.array(ky) / sum(ky), np.array(kx) / sum(kx)
    a = im[0, 0].numpy().astype(np.float64)
    ref = np.zeros_like(a)
    for i in range(9):
        for j in range(9):
            for di in range(-2, 3):
                for dj in range(-1, 2):
                    y, x = i + di, j + dj
                    if 0 <= y < 9 and 0 <= x < 9:   # zero padding
                        ref[i, j] += ky[di + 2] * kx[dj + 1] * a[y, x]
    np.testing.assert_allclose(out[0, 0].numpy(), ref, rtol=1e-5, atol=1e-3)
    # multi-channel: channels blurred independently
    im3 = _patch(9, 9, 3)
    out3 = augmentation.Blur(2)(im3)
    assert torch.allclose(out3[:, 1:2], augmentation.Blur(2)(im3[:, 1:2]))


def test_rotate_90_degrees_is_exact_rot90():
    im = _patch(9, 9, 3)
    out = augmentation.Rotate(90)(im)
    expected = torch.from_numpy(np.ascontiguousarray(np.rot90(im[0].numpy(), k=1, axes=(1, 2)))).unsqueeze(0)
    assert torch.allclose(out, expected, atol=1e-3)
    assert torch.allclose(augmentation.Rotate(0)(im), im, atol=1e-4)


def test_scale_resizes_then_crops_to_output():
    im = torch.arange(16.).view(1, 1, 4, 4).repeat(1, 3, 1, 1)
    out = augmentation.Scale(0.5, (4, 4))(im)    # zoom in x2: 8x8 resized, centre 4x4 kept
    assert out.shape == (1, 3, 4, 4)
    big = torch.nn.functional.interpolate(im, [8, 8], mode='bilinear', align_corners=False)
    assert torch.equal(out, big[..., 2:6, 2:6])
    with pytest.raises(ValueError, match='square'):
        augmentation.Scale(2)(torch.zeros(1, 3, 4, 6))


def test_random_affine_identity_and_flip():
    im = _patch(8, 8, 3)
    ident = augmentation.RandomAffine()
    assert torch.allclose(ident(im), im, atol=1e-3)
    flip = augmentation.RandomAffine(p_flip=1.0, border_mode='replicate')
    out = flip(im)
    # flip about x -> w - x: pixel column j maps to column 8 - j, so column 0 comes from outside (replicated)
    assert torch.allclose(out[..., 1:], im.flip(3)[..., :-1], atol=1e-3)
    with pytest.raises(ValueError):
        augmentation.RandomAffine(border_mode='mirror')


def test_first_frame_transforms_order_shifts_and_expansion():
    import torch
    from pytracking.features import augmentation as aug
    sz = torch.Tensor([18, 22])
    augs = {'shift': [(2, -4)], 'relativeshift': [(0.5, -1)], 'fliplr': True, 'blur': [1.0], 'scale': [0.9],
            'rotate': [10], 'dropout': (2, 0.2)}
    transforms, crop_sz = aug.first_frame_transforms(augs, sz, expansion_factor=1.5, random_shift_factor=0,
                                                     global_shift=torch.Tensor([1, -2]))
    assert [type(t).__name__ for t in transforms] == ['Identity', 'Translation', 'Translation', 'FlipHorizontal',
                                                      'Blur', 'Scale', 'Rotate']
    # 18*1.5 = 27 -> 28 and 22*1.5 = 33 -> 34: the crop keeps the parity of the sample size.
    assert crop_sz.tolist() == [28, 34]
    assert tuple(transforms[0].shift) == (1, -2)
    assert tuple(transforms[1].shift) == (3, -6)
    assert tuple(transforms[2].shift) == (1 + 4, -2 - 11)          # 0.5 * 18/2 = 4.5 -> 4, -1 * 22/2 = -11
    # Without a global shift and without expansion (ATOM's defaults) nothing is displaced or cropped.
    transforms, crop_sz = aug.first_frame_transforms({'fliplr': True}, sz)
    assert crop_sz.tolist() == [18, 22] and len(transforms) == 2
    assert all(tuple(t.shift) == (0, 0) for t in transforms)

"""Joint image/box/mask transforms."""
import random

import numpy as np
import pytest
import torch
from scipy import ndimage

from ltr.data import transforms as tfm


def _image_with_box(h=30, w=40, box=(5, 8, 10, 6)):
    img = np.full((h, w, 3), 40, np.uint8)
    x, y, bw, bh = box
    img[y:y + bh, x:x + bw] = (250, 10, 10)
    mask = np.zeros((h, w), np.uint8)
    mask[y:y + bh, x:x + bw] = 1
    return img, torch.tensor(box, dtype=torch.float32), mask


def _box_of_red(img):
    if torch.is_tensor(img):
        img = img.permute(1, 2, 0).numpy()
    ys, xs = np.nonzero(img[..., 0] > img[..., 1] + 100)
    return [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_horizontal_flip_moves_box_with_pixels():
    img, box, mask = _image_with_box()
    t = tfm.Transform(tfm.RandomHorizontalFlip(probability=1.0))
    out_img, out_box, out_mask = t(image=img, bbox=box, mask=mask)
    assert np.array_equal(out_img, img[:, ::-1])
    assert np.array_equal(out_mask, mask[:, ::-1])
    # pixel-index convention: x -> W - 1 - x for both corners
    assert out_box.tolist() == [40 - 1 - (5 + 10), 8, 10, 6]
    red = _box_of_red(out_img)
    assert red[0] == 40 - 15 and red[2] == 10
    # tensors flip too; probability 0 is the identity
    timg = torch.from_numpy(img).permute(2, 0, 1)
    assert torch.equal(t(image=timg), timg.flip(2))
    assert np.array_equal(tfm.Transform(tfm.RandomHorizontalFlip(0.0))(image=img), img)


def test_horizontal_flip_norm_uses_unit_coordinates():
    t = tfm.RandomHorizontalFlip_Norm(probability=1.0)
    coords = torch.tensor([[0.2, 0.5], [0.1, 0.75]])
    out = t(coords=coords, image=np.zeros((4, 4, 3), np.uint8))['coords']
    assert torch.allclose(out, torch.tensor([[0.2, 0.5], [0.9, 0.25]]))


def test_joint_and_independent_rolls():
    random.seed(0)
    imgs = [_image_with_box()[0] for _ in range(40)]
    t = tfm.Transform(tfm.RandomHorizontalFlip(probability=0.5))
    joint = t(image=imgs)
    flipped = [not np.array_equal(o, i) for o, i in zip(joint, imgs)]
    assert len(set(flipped)) == 1  # one roll for the whole list
    indep = t(image=imgs, joint=False)
    flipped = [not np.array_equal(o, i) for o, i in zip(indep, imgs)]
    assert 5 < sum(flipped) < 35  # independent rolls
    # new_roll=False repeats the previous roll
    first = t(image=imgs[:1])
    again = [t(image=imgs[:1], new_roll=False) for _ in range(10)]
    assert all(np.array_equal(a[0], first[0]) for a in again)


def test_bad_input_name_is_rejected():
    with pytest.raises(ValueError, match='Unknown input "img"'):
        tfm.Transform(tfm.ToTensor())(img=np.zeros((2, 2, 3), np.uint8))


def test_to_tensor_and_jitter_normalize():
    img, box, _ = _image_with_box()
    t = tfm.Transform(tfm.ToTensor())(image=img)
    assert t.shape == (3, 30, 40) and t.dtype == torch.float32
    assert torch.allclose(t, torch.from_numpy(img).permute(2, 0, 1).float() / 255)
    np.random.seed(0)
    jit = tfm.ToTensorAndJitter(brightness_jitter=0.5)
    for _ in range(10):
        out = jit(image=img)['image']
        factor = out[2, 0, 0].item() * 255 / 40  # background value 40, never clamped
        assert 0.5 - 1e-4 <= factor <= 1.5 + 1e-4
        assert torch.allclose(out, (torch.from_numpy(img).permute(2, 0, 1).float() * factor / 255).clamp(0, 1),
                              atol=1e-5)
    raw = tfm.ToTensorAndJitter(0.0, normalize=False)(image=img)['image']
    assert raw.max().item() == 250
    norm = tfm.Normalize(mean=[0.5, 0.5, 0.5], std=[0.25, 0.5, 1.0])(image=t)['image']
    assert torch.allclose(norm[1], (t[1] - 0.5) / 0.5)


def test_grayscale_numpy_and_tensor_agree():
    img, _, _ = _image_with_box()
    g = tfm.ToGrayscale(probability=1.0)
    out = g(image=img)['image']
    assert out.shape == img.shape and (out[..., 0] == out[..., 1]).all()
    ref = 0.299 * 250 + 0.587 * 10 + 0.114 * 10
    assert abs(int(out[10, 7, 0]) - ref) <= 1
    t_out = g(image=torch.from_numpy(img).permute(2, 0, 1).float())['image']
    assert torch.allclose(t_out[0], torch.from_numpy(out[..., 0]).float(), atol=1.0)
    assert np.array_equal(tfm.ToGrayscale(probability=0.0)(image=img)['image'], img)
    bgr = tfm.ToBGR()(image=img)['image']
    assert np.array_equal(bgr, img[..., ::-1])


def test_blur_matches_gaussian_filter():
    rng = np.random.RandomState(0)
    img = torch.tensor(rng.rand(3, 20, 24), dtype=torch.float32)
    out = tfm.Blur(1.0)(image=img)['image']
    ref = np.stack([ndimage.gaussian_filter(c, 1.0, mode='constant', truncate=2.0) for c in img.numpy()])
    # interior pixels (away from the zero padding) match scipy's Gaussian filter up to kernel normalisation
    assert np.allclose(out.numpy()[:, 3:-3, 3:-3], ref[:, 3:-3, 3:-3], atol=2e-2)
    const = torch.ones(3, 10, 10)
    assert torch.allclose(tfm.Blur(1.0)(image=const)['image'][:, 3:-3, 3:-3], const[:, 3:-3, 3:-3], atol=1e-6)
    random.seed(0)
    rb = tfm.RandomBlur(1.0, probability=1.0)
    assert torch.allclose(rb(image=img)['image'], out)
    assert torch.equal(tfm.RandomBlur(1.0, probability=0.0)(image=img)['image'], img)


def test_random_affine_identity_flip_and_box():
    img, box, mask = _image_with_box()
    ident = tfm.Transform(tfm.RandomAffine())
    out_img, out_box, out_mask = ident(image=img, bbox=box, mask=torch.from_numpy(mask))
    assert np.array_equal(out_img, img)
    assert torch.allclose(out_box, box) and np.array_equal(out_mask.numpy(), mask)
    flip = tfm.Transform(tfm.RandomAffine(p_flip=1.0))
    f_img, f_box = flip(image=img, bbox=box)
    assert np.array_equal(f_img[:, 1:], img[:, ::-1][:, :-1])  # x -> W - x (continuous coordinates)
    assert f_box.tolist() == pytest.approx([40 - 15, 8, 10, 6])
    random.seed(2)
    rot = tfm.Transform(tfm.RandomAffine(max_rotation=30, max_scale=0.2, border_mode='replicate'))
    r_img, r_box, r_mask = rot(image=img, bbox=box, mask=torch.from_numpy(mask))
    # the transformed box is the bounding box of the transformed rectangle: it contains the warped mask
    ys, xs = np.nonzero(r_mask.numpy())
    x, y, w, h = r_box.tolist()
    assert xs.min() >= x - 1 and xs.max() <= x + w + 1 and ys.min() >= y - 1 and ys.max() <= y + h + 1
    with pytest.raises(ValueError, match='border_mode'):
        tfm.RandomAffine(border_mode='wrap')

"""processing_utils and bounding_box_utils against brute force, closed forms and hand-worked cases."""
import math
import random

import numpy as np
import pytest
import torch
from scipy import stats

from ltr.data import bounding_box_utils as bbu
from ltr.data import processing_utils as prutils


def _brute_iou(a, b):
    """IoU by counting a fine grid of points (0.05 px), independent of any formula."""
    step = 0.05
    xs = np.arange(min(a[0], b[0]), max(a[0] + a[2], b[0] + b[2]), step) + step / 2
    ys = np.arange(min(a[1], b[1]), max(a[1] + a[3], b[1] + b[3]), step) + step / 2
    X, Y = np.meshgrid(xs, ys)
    in_a = (X >= a[0]) & (X < a[0] + a[2]) & (Y >= a[1]) & (Y < a[1] + a[3])
    in_b = (X >= b[0]) & (X < b[0] + b[2]) & (Y >= b[1]) & (Y < b[1] + b[3])
    return (in_a & in_b).sum() / (in_a | in_b).sum()


def test_iou_matches_brute_force():
    rng = np.random.RandomState(0)
    ref = torch.tensor([[3.0, 4.0, 6.0, 5.0]])
    props = torch.tensor(np.concatenate([rng.uniform(0, 8, (12, 2)), rng.uniform(1, 7, (12, 2))], 1),
                         dtype=torch.float32)
    props = torch.cat([props, torch.tensor([[20.0, 20.0, 2.0, 2.0], [3.0, 4.0, 6.0, 5.0]])])  # disjoint, equal
    ious = prutils.iou(ref, props)
    for p, v in zip(props.tolist(), ious.tolist()):
        assert v == pytest.approx(_brute_iou(ref[0].tolist(), p), abs=0.01)
    assert ious[-2] == 0 and ious[-1] == pytest.approx(1.0)
    # hand case: two unit-overlap boxes
    assert prutils.iou(torch.tensor([[0., 0., 2., 2.]]), torch.tensor([[1., 1., 2., 2.]])).item() == pytest.approx(1 / 7)


def test_batch_box_iou_and_format_round_trips():
    rng = np.random.RandomState(1)
    xywh = torch.tensor(np.concatenate([rng.uniform(0, 10, (20, 2)), rng.uniform(1, 5, (20, 2))], 1),
                        dtype=torch.float32)
    corner = bbu.batch_xywh2corner(xywh)
    assert torch.allclose(corner[:, 2:], xywh[:, :2] + xywh[:, 2:])
    assert torch.allclose(bbu.batch_center2corner(bbu.batch_corner2center(corner)), corner, atol=1e-5)
    assert torch.allclose(bbu.box_xyxy_to_xywh(bbu.box_xywh_to_xyxy(xywh)), xywh, atol=1e-5)
    assert torch.allclose(bbu.box_cxcywh_to_xyxy(bbu.box_xyxy_to_cxcywh(corner)), corner, atol=1e-5)
    assert torch.allclose(bbu.batch_xywh2center2(xywh)[:, :2], xywh[:, :2] + xywh[:, 2:] / 2)
    assert torch.allclose(bbu.batch_xywh2center(xywh)[:, :2], xywh[:, :2] + (xywh[:, 2:] - 1) / 2)
    np_out = bbu.batch_xywh2corner(xywh.numpy())
    assert isinstance(np_out, np.ndarray) and np.allclose(np_out, corner.numpy())
    shuffled = xywh[torch.randperm(20, generator=torch.Generator().manual_seed(0))]
    ious = bbu.batch_box_iou(bbu.batch_xywh2corner(xywh), bbu.batch_xywh2corner(shuffled))
    for a, b, v in zip(xywh.tolist(), shuffled.tolist(), ious.tolist()):
        assert v == pytest.approx(_brute_iou(a, b), abs=0.01)


def test_rect_rel_round_trip_and_values():
    box = torch.tensor([[10.0, 20.0, 4.0, 8.0]])
    rel = bbu.rect_to_rel(box)
    assert rel.tolist()[0] == pytest.approx([12 / 4, 24 / 8, math.log(4), math.log(8)])
    norm = torch.tensor([[2.0, 2.0]])
    assert bbu.rect_to_rel(box, norm).tolist()[0][:2] == pytest.approx([6.0, 12.0])
    assert torch.allclose(bbu.rel_to_rect(bbu.rect_to_rel(box, norm), norm), box)
    assert torch.allclose(bbu.rel_to_rect(rel), box)


def test_masks_to_bboxes_hand_case():
    mask = torch.zeros(2, 10, 12)
    mask[0, 2:5, 3:9] = 1  # rows 2..4, cols 3..8
    boxes_t = bbu.masks_to_bboxes(mask, fmt='t')
    assert boxes_t[0].tolist() == [3, 2, 6, 3]
    assert boxes_t[1].tolist() == [0, 0, 1, 1]  # an empty mask gives the zero extent
    assert bbu.masks_to_bboxes(mask, fmt='v')[0].tolist() == [3, 2, 8, 4]
    assert bbu.masks_to_bboxes(mask, fmt='c')[0].tolist() == [6.0, 3.5, 6, 3]
    labels = torch.zeros(10, 12)
    labels[1:3, 1:4] = 1
    labels[5:9, 6:7] = 2
    b1, b2 = bbu.masks_to_bboxes_multi(labels, [1, 2], fmt='t')
    assert b1.tolist() == [1, 1, 3, 2] and b2.tolist() == [6, 5, 1, 4]
    with pytest.raises(ValueError, match='layout'):
        bbu.masks_to_bboxes(mask, fmt='q')


def _index_image(h, w):
    """Image whose channel 0 is the column index and channel 1 the row index (uint8)."""
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = np.arange(w)[None, :]
    img[..., 1] = np.arange(h)[:, None]
    return img


def test_sample_target_crops_and_replicates_border():
    img = _index_image(40, 50)
    box = torch.tensor([10.0, 12.0, 4.0, 4.0])
    crop, rf = prutils.sample_target(img, box, 2.0)  # side 8, centred at (12, 14): cols 8..15, rows 10..17
    assert rf == 1.0 and crop.shape == (8, 8, 3)
    assert crop[0, :, 0].tolist() == list(range(8, 16)) and crop[:, 0, 1].tolist() == list(range(10, 18))
    # partly outside: columns left of 0 repeat column 0, rows below the image repeat the last row
    crop, _ = prutils.sample_target(img, torch.tensor([-3.0, 36.0, 2.0, 2.0]), 3.0)  # side 6 at x -5.., y 34..
    assert crop[0, :, 0].tolist() == [0, 0, 0, 0, 0, 0]  # x range -5..0 -> clipped to column 0
    assert crop[:, 0, 1].tolist() == [34, 35, 36, 37, 38, 39]
    crop, _ = prutils.sample_target(img, torch.tensor([48.0, 38.0, 4.0, 4.0]), 2.0)  # x 46..53, y 36..43
    assert crop[0, :, 0].tolist() == [46, 47, 48, 49, 49, 49, 49, 49]
    assert crop[:, 0, 1].tolist() == [36, 37, 38, 39, 39, 39, 39, 39]
    # fully outside: all border pixels
    crop, _ = prutils.sample_target(img, torch.tensor([100.0, 100.0, 2.0, 2.0]), 2.0)
    assert (crop[..., 0] == 49).all() and (crop[..., 1] == 39).all()
    # resized
    crop, rf = prutils.sample_target(img, box, 2.0, output_sz=16)
    assert crop.shape == (16, 16, 3) and rf == 2.0


def test_sample_target_mask_is_zero_padded_and_bad_boxes_fail():
    img = _index_image(20, 20)
    mask = torch.ones(20, 20)
    _, _, m = prutils.sample_target(img, torch.tensor([-2.0, 5.0, 4.0, 4.0]), 2.0, output_sz=8, mask=mask)
    assert m.shape == (8, 8) and m[:, 0].max() < 1 and m[:, -1].min() == pytest.approx(1.0)
    with pytest.raises(ValueError, match='NaN'):
        prutils.sample_target(img, torch.tensor([float('nan'), 1.0, 2.0, 2.0]), 2.0)
    with pytest.raises(ValueError, match='Too small'):
        prutils.sample_target(img, torch.tensor([1.0, 1.0, 0.0, 2.0]), 2.0)


def test_transform_image_to_crop_centres_the_extract_box():
    box_extract = torch.tensor([10.0, 10.0, 20.0, 10.0])
    crop_sz = torch.tensor([64.0, 64.0])
    out = prutils.transform_image_to_crop(box_extract, box_extract, 2.0, crop_sz)
    assert out.tolist() == pytest.approx([31.5 - 20, 31.5 - 10, 40, 20])
    moved = prutils.transform_image_to_crop(box_extract + torch.tensor([3.0, -1.0, 0, 0]), box_extract, 2.0, crop_sz)
    assert (moved - out).tolist() == pytest.approx([6.0, -2.0, 0, 0])


@pytest.mark.parametrize('mode', ['replicate', 'inside', 'inside_major'])
def test_sample_target_adaptive_crop_box_and_content(mode):
    img = _index_image(60, 80)
    box = torch.tensor([60.0, 40.0, 10.0, 10.0])  # crop side 40 would leave the image at the bottom right
    crop, crop_box = prutils.sample_target_adaptive(img, box, 4.0, (40, 40), mode=mode)
    x, y, w, h = crop_box.int().tolist()
    assert (w, h) == (40, 40)
    assert (x, y) == (40, 20)  # shifted inside the image in every mode
    assert crop[0, :, 0].tolist() == list(range(40, 80)) and crop[:, 0, 1].tolist() == list(range(20, 60))
    # too big for the image: inside shrinks it to fit, inside_major to fit the major axis, replicate centres it
    big = torch.tensor([30.0, 20.0, 20.0, 20.0])  # side 100
    _, cb = prutils.sample_target_adaptive(img, big, 5.0, (50, 50), mode=mode, max_scale_change=None)
    side = {'replicate': 100, 'inside': 60, 'inside_major': 80}[mode]
    assert cb[2].item() == side and cb[3].item() == side
    if mode == 'inside':
        assert cb[0] >= 0 and cb[1] >= 0 and cb[0] + cb[2] <= 80 and cb[1] + cb[3] <= 60
    if mode == 'replicate':
        assert cb[:2].tolist() == [-10, -20]
    _, cb = prutils.sample_target_adaptive(img, big, 5.0, (50, 50), mode=mode, max_scale_change=1.25)
    assert cb[2].item() == {'replicate': 100, 'inside': 80, 'inside_major': 80}[mode]
    with pytest.raises(ValueError, match='crop mode'):
        prutils.sample_target_adaptive(img, box, 4.0, 40, mode='bogus')


def test_target_image_crop_boxes_and_crop_and_resize():
    img = _index_image(60, 80)
    gt = torch.tensor([30.0, 20.0, 10.0, 10.0])
    crops, boxes = prutils.target_image_crop([img], [gt], [gt], 2.0, 40, mode='replicate')
    # crop box: side 20 at (25, 15), scaled by 2
    assert boxes[0].tolist() == pytest.approx([10.0, 10.0, 20.0, 20.0])
    assert crops[0].shape == (40, 40, 3)
    out, b = prutils.crop_and_resize(img, gt.clone(), [25, 15, 20, 20], 40)
    assert b.tolist() == pytest.approx([10.0, 10.0, 20.0, 20.0]) and out.shape == (40, 40, 3)
    assert np.array_equal(out, crops[0])


def test_gauss_1d_and_label_function_closed_form():
    center = torch.tensor([0.3, -1.2])
    g = prutils.gauss_1d(5, 0.8, center, end_pad=1)
    grid = [-2, -1, 0, 1, 2, 3]
    for i, c in enumerate(center.tolist()):
        assert g[i].tolist() == pytest.approx([math.exp(-(k - c) ** 2 / (2 * 0.64)) for k in grid], rel=1e-5)
    gd = prutils.gauss_1d(5, 0.8, center, density=True)
    assert gd[0].tolist() == pytest.approx(stats.norm.pdf(grid[:5], loc=0.3, scale=0.8).tolist(), rel=1e-5)

    # odd kernel, no padding: centre maps to (c - img/2) / img * feat on the grid -(feat-1)/2 .. (feat-1)/2
    boxes = torch.tensor([[50.0, 30.0, 20.0, 40.0], [0.0, 0.0, 10.0, 10.0]])
    lab = prutils.gaussian_label_function(boxes, 0.1, 5, 16, 128)
    assert lab.shape == (2, 16, 16)
    sigma = 0.1 * 16
    for n, (x, y, w, h) in enumerate(boxes.tolist()):
        cx, cy = (x + w / 2 - 64) / 128 * 16, (y + h / 2 - 64) / 128 * 16
        for r in (0, 7, 15):
            for c in (0, 3, 8, 15):
                kx, ky = c - 7.5, r - 7.5
                ref = math.exp(-((kx - cx) ** 2 + (ky - cy) ** 2) / (2 * sigma ** 2))
                assert lab[n, r, c].item() == pytest.approx(ref, rel=1e-4, abs=1e-7)
    # non-square feature/image sizes are (w, h)
    lab = prutils.gaussian_label_function(boxes[:1], 0.1, (4, 3), (10, 6), (100, 60))
    assert lab.shape == (1, 6, 11)
    # densities of a wide grid integrate to ~1; uni_bias mixes in a uniform part
    dens = prutils.gaussian_label_function(torch.tensor([[60.0, 60.0, 8.0, 8.0]]), 0.05, 3, 31, 128, density=True)
    assert dens.sum().item() == pytest.approx(1.0, abs=1e-3)
    mixed = prutils.gaussian_label_function(torch.tensor([[60.0, 60.0, 8.0, 8.0]]), 0.05, 3, 31, 128, density=True,
                                            uni_bias=0.2)
    assert mixed.sum().item() == pytest.approx(1.0, abs=1e-3)
    assert mixed.min().item() == pytest.approx(0.2 / 31 ** 2, rel=1e-3)


def test_gauss_and_gmm_densities_closed_form():
    x = torch.linspace(-3, 3, 13)
    assert prutils.gauss_density_centered(x, 0.7).tolist() == pytest.approx(
        stats.norm.pdf(x.numpy(), scale=0.7).tolist(), rel=1e-5)
    std = torch.tensor([[0.1, 0.5], [0.2, 0.8]])  # 2 dims, 2 components
    pts = torch.tensor([[0.05, -0.1], [0.3, 0.7], [0.0, 0.0]])
    dens = prutils.gmm_density_centered(pts, std.unsqueeze(0))  # std [1, D, K] broadcasts over samples
    for p, d in zip(pts.tolist(), dens.tolist()):
        ref = 0.5 * sum(stats.norm.pdf(p[0], scale=std[0, k].item()) * stats.norm.pdf(p[1], scale=std[1, k].item())
                        for k in range(2))
        assert d == pytest.approx(ref, rel=1e-5)
    with pytest.raises(ValueError):
        prutils.gmm_density_centered(torch.zeros(3, 2, 2), std)


def test_gmm_sampling_distribution_and_densities():
    torch.manual_seed(0)
    std = torch.tensor([[0.1, 1.0]])  # one dimension, two components
    x, d = prutils.sample_gmm_centered(std, num_samples=20000)
    assert x.shape == (20000, 1)
    assert torch.allclose(d, prutils.gmm_density_centered(x, std.unsqueeze(0)))
    # mixture variance = mean of component variances
    assert x.var().item() == pytest.approx((0.01 + 1.0) / 2, rel=0.05)
    assert (x.abs() < 0.3).float().mean().item() == pytest.approx(
        0.5 * (stats.norm.cdf(3) - stats.norm.cdf(-3)) + 0.5 * (stats.norm.cdf(0.3) - stats.norm.cdf(-0.3)), abs=0.02)
    mean = torch.tensor([2.0, -1.0])
    xs, ds = prutils.sample_gmm(mean, torch.tensor([[0.2], [0.4]]), num_samples=5000)
    assert xs.mean(0).tolist() == pytest.approx([2.0, -1.0], abs=0.03)
    assert xs.std(0).tolist() == pytest.approx([0.2, 0.4], rel=0.05)


def test_sample_box_gmm_relative_parametrisation():
    torch.manual_seed(1)
    box = torch.tensor([20.0, 30.0, 10.0, 16.0])
    sigma = [(0.05, 0.05), (0.5, 0.5)]
    props, pdens, gdens = prutils.sample_box_gmm(box, sigma, gt_sigma=(0.05, 0.05), num_samples=64)
    assert props.shape == (64, 4) and pdens.shape == (64,) and gdens.shape == (64,)
    rel = bbu.rect_to_rel(props, box[2:].view(1, 2)) - bbu.rect_to_rel(box.view(1, 4), box[2:].view(1, 2))
    std = torch.tensor([[[0.05, 0.5]] * 4])
    assert torch.allclose(pdens, prutils.gmm_density_centered(rel, std), rtol=1e-3)
    ref_gt = torch.tensor([np.prod(stats.norm.pdf(r, scale=0.05)) for r in rel.double().numpy()])
    assert torch.allclose(gdens.double(), ref_gt, rtol=1e-3)
    props, pdens, gdens = prutils.sample_box_gmm(box, sigma, gt_sigma=(0, 0), num_samples=4, add_mean_box=True)
    assert props.shape == (5, 4) and torch.equal(props[0], box)
    assert pdens[0] == -1 and gdens[0] == 1 and (gdens[1:] == 0).all()


def test_perturb_box_reaches_min_iou():
    random.seed(0)
    torch.manual_seed(0)
    box = torch.tensor([40.0, 30.0, 20.0, 24.0])
    for sigma in (0.1, [0.01, 0.3], torch.tensor([0.05, 0.05, 0.2, 0.2])):
        for _ in range(20):
            p, v = prutils.perturb_box(box, min_iou=0.5, sigma_factor=sigma)
            assert v.item() > 0.5
            assert v.item() == pytest.approx(prutils.iou(box.view(1, 4), p.view(1, 4)).item())
            assert p[2] > 1 and p[3] > 1
    r = prutils.rand_uniform(2.0, 3.0, (1000,))
    assert r.min() >= 2.0 and r.max() < 3.0 and r.mean().item() == pytest.approx(2.5, abs=0.05)


def test_perturb_boxes_noise_statistics():
    torch.manual_seed(3)
    box = torch.tensor([100.0, 80.0, 40.0, 10.0])  # sqrt(w h) = 20
    boxes, ious = prutils.perturb_boxes(box, 4000, min_iou=0.0, sigma_factor=0.1)  # first try always accepted
    assert boxes.shape == (4000, 4) and ious.shape == (4000,)
    centers = boxes[:, :2] + boxes[:, 2:] / 2
    # std 2 px per coordinate (plus the rounding of corners and sizes)
    assert centers[:, 0].mean().item() == pytest.approx(120.0, abs=0.15)
    assert centers[:, 0].std().item() == pytest.approx(math.sqrt(4 + 1 / 12 + 1 / 48), rel=0.06)
    assert boxes[:, 2].std().item() == pytest.approx(math.sqrt(4 + 1 / 12), rel=0.06)
    for b, v in zip(boxes[:50].tolist(), ious[:50].tolist()):
        assert v == pytest.approx(_brute_iou(box.tolist(), b), abs=0.01)
    # a list of factors: each proposal draws one of them
    boxes, _ = prutils.perturb_boxes(box, 4000, min_iou=0.0, sigma_factor=[0.0, 0.5])
    exact = (boxes == box).all(dim=1).float().mean().item()
    assert exact == pytest.approx(0.5, abs=0.04)
    # demanding overlap is met by shrinking the noise
    boxes, ious = prutils.perturb_boxes(box, 500, min_iou=0.7, sigma_factor=0.5)
    assert (ious > 0.7).all()

"""Tests of the pure-PyTorch Precise RoI Pooling against independent numerical integration."""
import numpy as np
import pytest
import torch

from ltr.models.layers.prroi_pool import PrRoIPool2D, prroi_pool2d


# ------------------------------------------------------------------------------------ independent reference
def _bilinear(fmap, y, x):
    """Bilinear interpolation of one [C, H, W] map at points (y, x) (arrays of equal shape); zero outside,
    samples at integer coordinates. Written from the textbook formula, independently of the module."""
    C, H, W = fmap.shape
    padded = np.zeros((C, H + 4, W + 4))
    padded[:, 2:H + 2, 2:W + 2] = fmap
    # Far-away points read from the zero border.
    yc = np.clip(y, -1.5, H + 0.5)
    xc = np.clip(x, -1.5, W + 0.5)
    y0 = np.floor(yc).astype(int)
    x0 = np.floor(xc).astype(int)
    fy = yc - y0
    fx = xc - x0
    val = np.zeros((C,) + np.shape(y))
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            val += padded[:, y0 + dy + 2, x0 + dx + 2] * (wy * wx)
    return val


def _bilinear_scalar(fmap2d, y, x):
    """Scalar version of :func:`_bilinear` for one channel (fast enough for adaptive quadrature)."""
    H, W = fmap2d.shape
    i0, j0 = int(np.floor(y)), int(np.floor(x))
    total = 0.0
    for i in (i0, i0 + 1):
        for j in (j0, j0 + 1):
            if 0 <= i < H and 0 <= j < W:
                total += fmap2d[i, j] * (1.0 - abs(y - i)) * (1.0 - abs(x - j))
    return total


_GL_NODES = np.array([-1.0, 1.0]) / np.sqrt(3.0)


def _split_gauss(a, b):
    """2-point Gauss-Legendre nodes/weights on each piece of [a, b] cut at integers (exact for a piecewise
    linear integrand with kinks at integers; bilinear pieces make the 2-D tensor rule exact too)."""
    cuts = np.concatenate(([a], np.arange(np.floor(a) + 1, np.ceil(b)), [b]))
    nodes, weights = [], []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if hi <= lo:
            continue
        nodes.append(0.5 * (lo + hi) + 0.5 * (hi - lo) * _GL_NODES)
        weights.append(np.full(2, 0.5 * (hi - lo)))
    if not nodes:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(nodes), np.concatenate(weights)


def _reference_pool(feats, rois, ph, pw, scale, rule='gauss', n_dense=200):
    """Mean of the interpolated map over each bin by numerical integration; [K, C, ph, pw]."""
    K = rois.shape[0]
    out = np.zeros((K, feats.shape[1], ph, pw))
    for k in range(K):
        b = int(rois[k, 0])
        x1, y1, x2, y2 = rois[k, 1:] * scale
        bw, bh = max(x2 - x1, 0.0) / pw, max(y2 - y1, 0.0) / ph
        if bw * bh == 0:
            continue
        for p in range(ph):
            for q in range(pw):
                ya, yb = y1 + p * bh, y1 + (p + 1) * bh
                xa, xb = x1 + q * bw, x1 + (q + 1) * bw
                if rule == 'gauss':
                    ny, wy = _split_gauss(ya, yb)
                    nx, wx = _split_gauss(xa, xb)
                else:  # plain midpoint rule on a dense grid, ignorant of the kinks
                    ny = ya + (np.arange(n_dense) + 0.5) * bh / n_dense
                    nx = xa + (np.arange(n_dense) + 0.5) * bw / n_dense
                    wy = np.full(n_dense, bh / n_dense)
                    wx = np.full(n_dense, bw / n_dense)
                yy, xx = np.meshgrid(ny, nx, indexing='ij')
                vals = _bilinear(feats[b], yy, xx)
                out[k, :, p, q] = (vals * (wy[:, None] * wx[None, :])).sum(axis=(1, 2)) / (bw * bh)
    return out


def _random_rois(rng, num, num_images, img_h, img_w, scale=1.0):
    """Rois of all kinds in image coordinates: inside, partly outside, fully outside, sub-pixel (in feature-map
    pixels, i.e. image size * scale < 1), degenerate."""
    cx = rng.uniform(-0.3, 1.3, num) * img_w
    cy = rng.uniform(-0.3, 1.3, num) * img_h
    kind = rng.integers(0, 4, num)
    w = np.where(kind == 0, rng.uniform(0.02, 1.0, num) / scale,  # sub-pixel on the feature map
                 np.exp(rng.uniform(np.log(0.5), np.log(1.5 * img_w), num)))
    h = np.where(kind == 0, rng.uniform(0.02, 1.0, num) / scale,
                 np.exp(rng.uniform(np.log(0.5), np.log(1.5 * img_h), num)))
    rois = np.stack([rng.integers(0, num_images, num).astype(float), cx - w / 2, cy - h / 2, cx + w / 2,
                     cy + h / 2], axis=1)
    # a few degenerate ones (x2 < x1 or zero height) must pool to 0
    rois[:3, 3] = rois[:3, 1] - 1.0
    rois[3:5, 4] = rois[3:5, 2]
    return rois


# ------------------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize('scale,ph,pw', [(0.5, 3, 3), (1.0 / 8, 2, 5)])
def test_forward_matches_numerical_integration(scale, ph, pw):
    rng = np.random.default_rng(0 if scale == 0.5 else 1)
    B, C, H, W = 3, 2, 11, 9
    feats = rng.uniform(0.5, 1.5, (B, C, H, W))  # positive so that relative errors are meaningful
    rois = _random_rois(rng, 220, B, H / scale, W / scale, scale)
    # The bar: >= 200 rois, among them many partly outside the map and many sub-pixel ones.
    fx1, fy1, fx2, fy2 = (rois[:, 1:] * scale).T
    overlaps = (fx2 > -1) & (fx1 < W) & (fy2 > -1) & (fy1 < H) & (fx2 > fx1) & (fy2 > fy1)
    inside = (fx1 >= 0) & (fy1 >= 0) & (fx2 <= W - 1) & (fy2 <= H - 1)
    sub_pixel = (fx2 - fx1 > 0) & (fx2 - fx1 < 1) & (fy2 - fy1 > 0) & (fy2 - fy1 < 1)
    assert rois.shape[0] >= 200
    assert np.count_nonzero(overlaps & ~inside) >= 30 and np.count_nonzero(sub_pixel & overlaps) >= 30
    ref = _reference_pool(feats, rois, ph, pw, scale)
    assert np.count_nonzero(ref) > 0.4 * ref.size  # most rois do overlap the map

    out64 = prroi_pool2d(torch.from_numpy(feats), torch.from_numpy(rois), ph, pw, scale).numpy()
    np.testing.assert_allclose(out64, ref, rtol=1e-4, atol=1e-10)
    assert np.abs(out64 - ref).max() < 1e-10  # the closed form is exact up to rounding

    out32 = prroi_pool2d(torch.from_numpy(feats).float(), torch.from_numpy(rois).float(), ph, pw, scale).numpy()
    np.testing.assert_allclose(out32, ref, rtol=1e-4, atol=1e-6)

    assert np.all(out64[:5] == 0)  # degenerate rois
    module = PrRoIPool2D(ph, pw, scale)
    assert torch.equal(module(torch.from_numpy(feats), torch.from_numpy(rois)), torch.from_numpy(out64))


def test_forward_matches_dense_sampling_and_dblquad():
    """Cross-check with two integration schemes unaware of the integrand's structure."""
    from scipy import integrate

    rng = np.random.default_rng(2)
    B, C, H, W = 2, 1, 7, 8
    feats = rng.uniform(0.5, 1.5, (B, C, H, W))
    rois = np.array([[0, -1.3, 2.2, 3.7, 5.9],      # partly outside (left)
                     [1, 0.25, 0.4, 0.55, 0.61],     # sub-pixel
                     [1, 5.5, 4.5, 9.5, 8.5],        # partly outside (bottom right)
                     [0, 1.1, 1.7, 6.3, 5.2]])       # inside
    out = prroi_pool2d(torch.from_numpy(feats), torch.from_numpy(rois), 2, 2, 1.0).numpy()

    dense = _reference_pool(feats, rois, 2, 2, 1.0, rule='dense', n_dense=400)
    np.testing.assert_allclose(out, dense, rtol=1e-4)

    for k in range(rois.shape[0]):
        b = int(rois[k, 0])
        x1, y1, x2, y2 = rois[k, 1:]
        bw, bh = (x2 - x1) / 2, (y2 - y1) / 2
        for p in range(2):
            for q in range(2):
                xa, xb, ya, yb = x1 + q * bw, x1 + (q + 1) * bw, y1 + p * bh, y1 + (p + 1) * bh
                # adaptive quadrature, told where the kinks are (it knows nothing else of the integrand)
                val, _ = integrate.nquad(lambda y, x: _bilinear_scalar(feats[b, 0], y, x),
                                         [(ya, yb), (xa, xb)],
                                         opts=[{'points': list(np.arange(np.ceil(ya), yb)), 'epsrel': 1e-7},
                                               {'points': list(np.arange(np.ceil(xa), xb)), 'epsrel': 1e-7}])
                assert out[k, 0, p, q] == pytest.approx(val / (bw * bh), rel=1e-4)


def test_constant_map_and_full_coverage_invariants():
    # Inside a constant map far from the border the pooled value is that constant, whatever the roi.
    feats = torch.full((1, 3, 20, 20), 2.5, dtype=torch.float64)
    rois = torch.tensor([[0, 3.3, 4.1, 15.7, 9.2], [0, 10.01, 10.02, 10.03, 10.05]], dtype=torch.float64)
    out = prroi_pool2d(feats, rois, 4, 3, 1.0)
    assert torch.allclose(out, torch.full_like(out, 2.5), rtol=1e-10)
    # A 1x1 bin covering the whole support of the interpolated map integrates every pixel exactly once.
    f = torch.rand(2, 4, 5, 6, dtype=torch.float64)
    roi = torch.tensor([[1, -1.0, -1.0, 6.0, 5.0]], dtype=torch.float64)
    total = prroi_pool2d(f, roi, 1, 1, 1.0)[0, :, 0, 0] * (7.0 * 6.0)
    assert torch.allclose(total, f[1].sum(dim=(1, 2)))
    # A roi that lies wholly outside the map pools to zero.
    assert torch.equal(prroi_pool2d(f, torch.tensor([[0, 8.0, 1.0, 12.0, 4.0]], dtype=torch.float64), 2, 2, 1.0),
                       torch.zeros(1, 4, 2, 2, dtype=torch.float64))


def test_gradcheck_features_and_rois():
    torch.manual_seed(0)
    feats = torch.randn(2, 2, 6, 5, dtype=torch.float64, requires_grad=True)
    batch = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0]], dtype=torch.float64)
    boxes = torch.tensor([[3.1, 2.3, 8.7, 9.9],        # inside
                          [-3.3, -2.1, 4.3, 5.2],      # partly outside
                          [5.05, 6.1, 5.9, 6.4],       # sub-pixel
                          [7.3, 1.7, 13.1, 14.9],      # crosses the right/bottom border
                          [2.2, 3.4, 7.7, 7.6]], dtype=torch.float64, requires_grad=True)

    # (bin edges are kept away from integer lines, where the second derivative jumps)

    def fun(f, bx):
        return prroi_pool2d(f, torch.cat([batch, bx], dim=1), 2, 3, 0.5)

    assert torch.autograd.gradcheck(fun, (feats, boxes), eps=1e-6, atol=1e-7, rtol=1e-5)
    assert torch.autograd.gradgradcheck(fun, (feats, boxes), eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True)

    # the batch-index column gets a zero gradient, as in the CUDA extension
    rois = torch.cat([batch, boxes.detach()], dim=1).requires_grad_(True)
    prroi_pool2d(feats, rois, 2, 3, 0.5).sum().backward()
    assert torch.equal(rois.grad[:, 0], torch.zeros(5, dtype=torch.float64))
    assert rois.grad[:, 1:].abs().sum() > 0


def test_roi_gradient_is_derivative_of_reference():
    """d(out)/d(x1) by central differences of the independent reference."""
    rng = np.random.default_rng(5)
    feats = rng.uniform(0.5, 1.5, (1, 1, 8, 8))
    roi = np.array([[0, 1.3, 2.6, 5.45, 6.2]])
    rois_t = torch.from_numpy(roi).requires_grad_(True)
    out = prroi_pool2d(torch.from_numpy(feats), rois_t, 2, 2, 1.0)
    weights = rng.standard_normal(out.shape)
    (out * torch.from_numpy(weights)).sum().backward()
    h = 1e-5
    for c in range(1, 5):
        plus, minus = roi.copy(), roi.copy()
        plus[0, c] += h
        minus[0, c] -= h
        num = ((_reference_pool(feats, plus, 2, 2, 1.0) - _reference_pool(feats, minus, 2, 2, 1.0)) * weights).sum()
        assert rois_t.grad[0, c].item() == pytest.approx(num / (2 * h), rel=1e-5, abs=1e-8)


def test_batch_grouping_unsorted_and_unbalanced():
    # rois of several images in arbitrary order, unequal counts: each equals pooling it alone
    torch.manual_seed(1)
    feats = torch.randn(4, 3, 9, 7, dtype=torch.float64)
    rois = torch.tensor([[2, 1.0, 1.0, 5.0, 6.0], [0, 0.5, 2.0, 4.0, 3.0], [2, 3.0, 3.5, 6.5, 8.5],
                         [3, -2.0, 1.0, 3.0, 4.0], [2, 0.0, 0.0, 7.0, 9.0]], dtype=torch.float64)
    out = prroi_pool2d(feats, rois, 3, 2, 1.0)
    for k in range(rois.shape[0]):
        b = int(rois[k, 0])
        single = prroi_pool2d(feats[b:b + 1], torch.cat([torch.zeros(1, 1, dtype=torch.float64), rois[k:k + 1, 1:]],
                                                          dim=1), 3, 2, 1.0)
        assert torch.allclose(out[k:k + 1], single, atol=1e-12)


def test_bad_input_and_empty():
    feats = torch.rand(2, 3, 5, 5)
    assert prroi_pool2d(feats, torch.zeros(0, 5), 3, 3, 1.0).shape == (0, 3, 3, 3)
    with pytest.raises(ValueError, match='batch indices'):
        prroi_pool2d(feats, torch.tensor([[2.0, 0, 0, 1, 1]]), 3, 3, 1.0)
    with pytest.raises(ValueError, match=r'\[K, 5\]'):
        prroi_pool2d(feats, torch.zeros(3, 4), 3, 3, 1.0)
    with pytest.raises(ValueError, match='features'):
        prroi_pool2d(feats[0], torch.zeros(1, 5), 3, 3, 1.0)
    # half precision features pool in float32 and come back in their own dtype
    out16 = prroi_pool2d(feats.to(torch.bfloat16), torch.tensor([[1.0, 0.3, 0.2, 3.1, 4.4]]), 2, 2, 1.0)
    out32 = prroi_pool2d(feats.to(torch.bfloat16).float(), torch.tensor([[1.0, 0.3, 0.2, 3.1, 4.4]]), 2, 2, 1.0)
    assert out16.dtype == torch.bfloat16 and torch.allclose(out16.float(), out32, rtol=1e-2)


def test_autocast_does_not_lower_precision():
    torch.manual_seed(2)
    feats = torch.rand(2, 4, 9, 9)
    rois = torch.tensor([[0, 10.0, 12.0, 10.4, 12.3], [1, 3.0, 5.0, 60.0, 50.0]])
    plain = prroi_pool2d(feats, rois, 3, 3, 1 / 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        auto = prroi_pool2d(feats, rois, 3, 3, 1 / 8)
    assert auto.dtype == torch.float32 and torch.equal(auto, plain)


def test_compat_import_path():
    from ltr.external.PreciseRoIPooling.pytorch.prroi_pool import PrRoIPool2D as Compat, prroi_pool2d as fcompat
    assert Compat is PrRoIPool2D and fcompat is prroi_pool2d
    assert 'spatial_scale=0.125' in repr(Compat(3, 3, 1 / 8))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    rng = np.random.default_rng(3)
    B, C, H, W = 2, 16, 18, 18
    feats = torch.from_numpy(rng.uniform(0.5, 1.5, (B, C, H, W)))
    rois = torch.from_numpy(_random_rois(rng, 64, B, H * 8, W * 8, 1 / 8))
    dev = torch.device('cuda')
    for dtype in (torch.float64, torch.float32):
        f_cpu = feats.to(dtype).requires_grad_(True)
        r_cpu = rois.to(dtype).requires_grad_(True)
        out_cpu = prroi_pool2d(f_cpu, r_cpu, 5, 5, 1 / 8)
        f_gpu = feats.to(dev, dtype).requires_grad_(True)
        r_gpu = rois.to(dev, dtype).requires_grad_(True)
        out_gpu = prroi_pool2d(f_gpu, r_gpu, 5, 5, 1 / 8)
        assert out_gpu.device.type == 'cuda'
        tol = 1e-10 if dtype == torch.float64 else 1e-5
        assert torch.allclose(out_gpu.cpu(), out_cpu, atol=tol, rtol=tol)
        g = torch.randn_like(out_cpu)
        out_cpu.backward(g)
        out_gpu.backward(g.to(dev))
        assert torch.allclose(f_gpu.grad.cpu(), f_cpu.grad, atol=tol * 10, rtol=tol * 10)
        assert torch.allclose(r_gpu.grad.cpu(), r_cpu.grad, atol=tol * 100, rtol=tol * 100)
    ref = _reference_pool(feats.numpy(), rois.numpy(), 5, 5, 1 / 8)
    out = prroi_pool2d(feats.to(dev), rois.to(dev), 5, 5, 1 / 8).cpu().numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-10)

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pytracking.libs import TensorList, complex, dcf, operation


# ---------------------------------------------------------------- windows

@pytest.mark.parametrize('sz', [1, 2, 5, 8, 17])
def test_hann1d_centered_matches_numpy_hanning(sz):
    np.testing.assert_allclose(dcf.hann1d(sz).numpy(), np.hanning(sz + 2)[1:-1], atol=1e-6)


@pytest.mark.parametrize('sz', [4, 5, 8, 9])
def test_hann1d_uncentered_peak_at_origin(sz):
    w = dcf.hann1d(sz, centered=False).numpy()
    dist = np.minimum(np.arange(sz), sz - np.arange(sz))  # circular distance to index 0
    np.testing.assert_allclose(w, 0.5 * (1 + np.cos(2 * np.pi * dist / (sz + 2))), atol=1e-6)
    assert w[0] == pytest.approx(1.0)


def test_hann2d_outer_product():
    w = dcf.hann2d(torch.tensor([5, 8]))
    assert w.shape == (1, 1, 5, 8)
    np.testing.assert_allclose(w[0, 0].numpy(), np.outer(np.hanning(7)[1:-1], np.hanning(10)[1:-1]), atol=1e-6)
    wu = dcf.hann2d([6, 4], centered=False)
    assert wu[0, 0, 0, 0].item() == pytest.approx(1.0)


def test_hann2d_clipped():
    sz = torch.tensor([12, 10])
    eff = torch.tensor([7, 6])      # 7 -> 8 so that sz - eff is even
    eff_before = eff.clone()
    w = dcf.hann2d_clipped(sz, eff)
    assert torch.equal(eff, eff_before), 'arguments must not be modified'
    assert w.shape == (1, 1, 12, 10)
    inner = dcf.hann2d(torch.tensor([8, 6]))
    torch.testing.assert_close(w[:, :, 2:10, 2:8], inner)
    # Edge values are replicated outwards.
    torch.testing.assert_close(w[:, :, 0, 2:8], inner[:, :, 0, :])
    torch.testing.assert_close(w[:, :, 2:10, 9], inner[:, :, :, -1])
    # Uncentered: circular shift by half the size.
    wu = dcf.hann2d_clipped(sz, eff, centered=False)
    torch.testing.assert_close(wu, torch.roll(w, shifts=(-6, -5), dims=(2, 3)))
    # Float effective sizes (as trackers pass them) are truncated; a larger one crops.
    assert dcf.hann2d_clipped(sz, torch.tensor([7.9, 6.2])).shape == (1, 1, 12, 10)
    big = dcf.hann2d_clipped(torch.tensor([6, 6]), torch.tensor([10, 10]))
    torch.testing.assert_close(big, dcf.hann2d(torch.tensor([10, 10]))[:, :, 2:8, 2:8])


# ---------------------------------------------------------------- labels

@pytest.mark.parametrize('half', [False, True])
def test_gauss_fourier_is_dft_of_periodic_gaussian(half):
    sz, sigma = 31, 2.3
    n = np.arange(sz)
    # Periodic Gaussian centered at sample 0, summed over neighbouring periods.
    g = sum(np.exp(-((n - p * sz) ** 2) / (2 * sigma ** 2)) for p in range(-3, 4))
    dft = np.fft.fft(g).real / sz
    k = np.arange(0, sz // 2 + 1) if half else np.arange(-((sz - 1) // 2), sz // 2 + 1)
    np.testing.assert_allclose(dcf.gauss_fourier(sz, sigma, half).numpy(), dft[k % sz], atol=1e-6)


def test_gauss_spatial_and_label_function_spatial():
    k = dcf.gauss_spatial(7, 1.5)
    np.testing.assert_allclose(k.numpy(), np.exp(-np.arange(-3, 4) ** 2 / (2 * 1.5 ** 2)), rtol=1e-6)
    assert dcf.gauss_spatial(6, 1.0, end_pad=1).shape == (7,)

    sz, sigma = torch.tensor([9.0, 12.0]), torch.tensor([1.5, 2.0])
    y = dcf.label_function_spatial(sz, sigma)
    assert y.shape == (1, 1, 9, 12)
    # Peak at the middle; for an even size the middle falls between two samples.
    assert y.max().item() == pytest.approx(math.exp(-0.25 / (2 * 4.0)), rel=1e-5)
    assert y[0, 0, 4, 5].item() == pytest.approx(y[0, 0, 4, 6].item())
    # Normalization: the samples sum to the Gaussian integral 2*pi*s0*s1 (sigma >= 1 sampled densely).
    big = dcf.label_function_spatial(torch.tensor([41.0, 41.0]), sigma)
    assert big.sum().item() == pytest.approx(2 * math.pi * 1.5 * 2.0, rel=1e-5)
    # Shifted center: the peak value 1 moves to (middle + center).
    c = torch.tensor([1.0, -2.0])
    ys = dcf.label_function_spatial(torch.tensor([9.0, 11.0]), sigma, c)
    val, idx = dcf.max2d(ys)
    assert idx.view(-1).tolist() == [5, 3] and val.item() == pytest.approx(1.0)
    assert dcf.label_function_spatial(sz, sigma, c, torch.tensor([1, 2])).shape == (1, 1, 10, 14)


def test_label_function_fourier_matches_spatial_mean():
    sz, sigma = torch.tensor([31, 33]), torch.tensor([2.0, 3.0])
    yf = dcf.label_function(sz, sigma)
    assert yf.shape == (1, 1, 31, 17)
    # DC coefficient = mean of the (periodic) spatial label.
    spatial = dcf.label_function_spatial(sz.float(), sigma)
    assert yf[0, 0, 15, 0].item() == pytest.approx(spatial.mean().item(), rel=1e-5)
    np.testing.assert_allclose(yf[0, 0].numpy(), np.outer(dcf.gauss_fourier(31, 2.0).numpy(),
                                                           dcf.gauss_fourier(33, 3.0, True).numpy()), rtol=1e-6)


# ---------------------------------------------------------------- interpolation

def _keys_kernel(x, a):
    ax = np.abs(x)
    out = np.zeros_like(x)
    m1, m2 = ax <= 1, (ax > 1) & (ax < 2)
    out[m1] = (a + 2) * ax[m1] ** 3 - (a + 3) * ax[m1] ** 2 + 1
    out[m2] = a * ax[m2] ** 3 - 5 * a * ax[m2] ** 2 + 8 * a * ax[m2] - 4 * a
    return out


@pytest.mark.parametrize('a', [-0.75, -0.5])
def test_cubic_spline_fourier_matches_numerical_transform(a):
    x = np.linspace(-2, 2, 40001)
    dx = x[1] - x[0]
    f = np.array([0.0, 0.1, 0.3, 0.5, 0.77, 1.3])
    numerical = [np.sum(_keys_kernel(x, a) * np.cos(2 * np.pi * fi * x)) * dx for fi in f]
    np.testing.assert_allclose(dcf.cubic_spline_fourier(torch.tensor(f), a).numpy(), numerical, atol=1e-6)


def test_get_interp_fourier_and_interpolate_dft():
    sz = torch.tensor([5, 7])
    iy, ix = dcf.get_interp_fourier(sz, 'ideal', centering=False)
    assert iy.shape == (1, 1, 5, 1) and ix.shape == (1, 1, 1, 4)
    torch.testing.assert_close(iy, torch.full_like(iy, 1 / 5))
    iy, ix = dcf.get_interp_fourier(sz, 'ideal', centering=True)
    ky = np.arange(-2, 3)
    np.testing.assert_allclose(iy[0, 0, :, 0, 0].numpy() + 1j * iy[0, 0, :, 0, 1].numpy(),
                               np.exp(-1j * np.pi * ky / 5) / 5, atol=1e-7)
    by, bx = dcf.get_interp_fourier(sz, 'bicubic', bicubic_param=-0.75, centering=False)
    torch.testing.assert_close(bx.view(-1), dcf.cubic_spline_fourier(torch.arange(4.0) / 7, -0.75) / 7)
    spec = torch.randn(1, 2, 5, 4, 2)
    out = dcf.interpolate_dft(spec, (iy, ix))
    torch.testing.assert_close(out, complex.mult(complex.mult(spec, iy), ix))
    torch.testing.assert_close(dcf.interpolate_dft(spec, iy), complex.mult(spec, iy))
    with pytest.raises(ValueError):
        dcf.get_interp_fourier(sz, 'nearest')
    with pytest.raises(ValueError):
        dcf.interpolate_dft(spec, 'bad')


# ---------------------------------------------------------------- regularization filter

def _reg_params(**kw):
    p = dict(use_reg_window=True, reg_window_min=1e-4, reg_window_edge=10e-3, reg_window_power=2,
             reg_sparsity_threshold=0.0)
    p.update(kw)
    return SimpleNamespace(**p)


def _np_reg_window(sz, target_sz, p):
    wr = np.arange(-((sz[0] - 1) // 2), sz[0] // 2 + 1)[:, None]
    wc = np.arange(-((sz[1] - 1) // 2), sz[1] // 2 + 1)[None, :]
    scale = 0.5 * np.asarray(target_sz, dtype=np.float64)
    return (p.reg_window_edge - p.reg_window_min) * (np.abs(wr / scale[0]) ** p.reg_window_power +
                                                     np.abs(wc / scale[1]) ** p.reg_window_power) + p.reg_window_min


def test_get_reg_filter_dense_equals_full_dft():
    sz, target = (15, 17), (6.0, 8.0)
    p = _reg_params()
    filt = dcf.get_reg_filter(torch.tensor(sz), torch.tensor(target), p)
    ref = np.real(np.fft.fftshift(np.fft.fft2(_np_reg_window(sz, target, p)))) / (sz[0] * sz[1])
    assert filt.shape == (1, 1) + sz
    np.testing.assert_allclose(filt[0, 0].numpy(), ref, atol=1e-6)


def test_get_reg_filter_sparse():
    sz, target = (21, 21), (6.0, 6.0)
    p = _reg_params(reg_sparsity_threshold=0.05)
    filt = dcf.get_reg_filter(torch.tensor(sz), torch.tensor(target), p)[0, 0].numpy()
    # Reference: the documented ECO procedure on the full complex spectrum.
    n = sz[0] * sz[1]
    dft = np.fft.fft2(_np_reg_window(sz, target, p)) / n
    dft[np.abs(dft) < p.reg_sparsity_threshold * np.abs(dft).max()] = 0
    dft[0, 0] += p.reg_window_min - n * np.real(np.fft.ifft2(dft)).min()
    shifted = np.real(np.fft.fftshift(dft))
    rows, cols = np.nonzero(shifted)
    ref = shifted[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert filt.shape == ref.shape and filt.shape[0] % 2 == 1 and filt.shape[0] < sz[0]
    np.testing.assert_allclose(filt, ref, atol=1e-6)
    np.testing.assert_allclose(filt, filt[::-1, ::-1], atol=1e-7)


def test_get_reg_filter_disabled():
    p = _reg_params(use_reg_window=False)
    out = dcf.get_reg_filter(torch.tensor([5, 5]), torch.tensor([2.0, 2.0]), p)
    assert out.shape == (1, 1, 1, 1) and out.item() == pytest.approx(1e-4)


# ---------------------------------------------------------------- max2d

def test_max2d_against_brute_force():
    g = torch.Generator().manual_seed(3)
    a = torch.randn(3, 4, 6, 9, generator=g)
    val, idx = dcf.max2d(a)
    assert val.shape == (3, 4) and idx.shape == (3, 4, 2) and idx.dtype == torch.long
    an = a.numpy()
    for i in range(3):
        for j in range(4):
            r, c = np.unravel_index(np.argmax(an[i, j]), an[i, j].shape)
            assert idx[i, j].tolist() == [r, c]
            assert val[i, j].item() == an[i, j].max()


def test_max2d_tie_prefers_smallest_column():
    a = torch.zeros(1, 1, 5, 7)
    a[0, 0, 0, 5] = 2.0
    a[0, 0, 3, 1] = 2.0
    val, idx = dcf.max2d(a)
    assert idx.view(-1).tolist() == [3, 1] and val.item() == 2.0
    v2, i2 = dcf.max2d(torch.tensor([[1.0, 3.0], [4.0, 2.0]]))
    assert v2.item() == 4.0 and i2.tolist() == [1, 0]


# ---------------------------------------------------------------- operation

def _np_corr2d(x, w, pad_top, pad_left, out_h, out_w):
    """Brute-force zero-padded cross-correlation of one channel-summed sample."""
    c, h, wd = x.shape
    _, kh, kw = w.shape
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            s = 0.0
            for u in range(kh):
                for v in range(kw):
                    y, z = i + u - pad_top, j + v - pad_left
                    if 0 <= y < h and 0 <= z < wd:
                        s += np.dot(x[:, y, z], w[:, u, v])
            out[i, j] = s
    return out


@pytest.mark.parametrize('ksz', [(3, 3), (4, 4), (4, 3), (2, 5)])
def test_conv2d_modes_against_brute_force(ksz):
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 3, 7, 8, generator=g, dtype=torch.float64)
    w = torch.randn(2, 3, *ksz, generator=g, dtype=torch.float64)
    kh, kw = ksz
    same = operation.conv2d(x, w, mode='same')
    valid = operation.conv2d(x, w, mode='valid')
    full = operation.conv2d(x, w, mode='full')
    assert same.shape == (2, 2, 7, 8)
    assert valid.shape == (2, 2, 7 - kh + 1, 8 - kw + 1)
    assert full.shape == (2, 2, 7 + kh - 1, 8 + kw - 1)
    xn, wn = x.numpy(), w.numpy()
    for n, o in [(0, 0), (1, 1)]:
        np.testing.assert_allclose(same[n, o].numpy(), _np_corr2d(xn[n], wn[o], kh // 2, kw // 2, 7, 8), atol=1e-10)
        np.testing.assert_allclose(valid[n, o].numpy(), _np_corr2d(xn[n], wn[o], 0, 0, 7 - kh + 1, 8 - kw + 1),
                                   atol=1e-10)
        np.testing.assert_allclose(full[n, o].numpy(),
                                   _np_corr2d(xn[n], wn[o], kh - 1, kw - 1, 7 + kh - 1, 8 + kw - 1), atol=1e-10)


def test_conv2d_misc():
    x = torch.randn(1, 2, 5, 5)
    assert operation.conv2d(x, None) is x
    with pytest.raises(ValueError, match='padding'):
        operation.conv2d(x, torch.randn(1, 2, 3, 3), padding=1, mode='same')
    with pytest.raises(ValueError, match='unknown mode'):
        operation.conv2d(x, torch.randn(1, 2, 3, 3), mode='circular')
    b = torch.randn(3)
    w = torch.randn(3, 2, 3, 3)
    torch.testing.assert_close(operation.conv2d(x, w, b, padding=1),
                               torch.nn.functional.conv2d(x, w, b, padding=1))
    xs = TensorList([x, torch.randn(1, 2, 6, 6)])
    ws = TensorList([w, None])
    out = operation.conv2d(xs, ws, mode='same')
    assert isinstance(out, TensorList) and out[0].shape == (1, 3, 5, 5) and out[1] is xs[1]


def test_conv1x1():
    x = torch.randn(2, 4, 3, 5, dtype=torch.float64)
    w = torch.randn(6, 4, 1, 1, dtype=torch.float64)
    ref = np.einsum('oc,nchw->nohw', w[:, :, 0, 0].numpy(), x.numpy())
    np.testing.assert_allclose(operation.conv1x1(x, w).numpy(), ref, atol=1e-12)
    torch.testing.assert_close(operation.conv1x1(x, w), torch.nn.functional.conv2d(x, w))
    assert operation.conv1x1(x, None) is x
    out = operation.conv1x1(TensorList([x, x]), TensorList([w, w[:2]]))
    assert out[1].shape == (2, 2, 3, 5)

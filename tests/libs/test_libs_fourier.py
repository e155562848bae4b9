import math

import numpy as np
import pytest
import torch

from pytracking.libs import TensorList, complex, fourier


def _rand(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def _np_c(a: torch.Tensor) -> np.ndarray:
    """(..., 2) layout -> numpy complex."""
    a = a.detach().numpy()
    return a[..., 0] + 1j * a[..., 1]


# ---------------------------------------------------------------- complex

def test_complex_pointwise_against_numpy():
    a, b = _rand(2, 3, 4, 5, 2, seed=1), _rand(2, 3, 4, 5, 2, seed=2)
    r = _rand(2, 3, 4, 5, seed=3)
    na, nb = _np_c(a), _np_c(b)
    np.testing.assert_allclose(_np_c(complex.mult(a, b)), na * nb, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np_c(complex.mult_conj(a, b)), na * np.conj(nb), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np_c(complex.div(a, b)), na / nb, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(_np_c(complex.conj(a)), np.conj(na))
    np.testing.assert_allclose(complex.abs(a).numpy(), np.abs(na), rtol=1e-12)
    np.testing.assert_allclose(complex.abs_sqr(a).numpy(), np.abs(na) ** 2, rtol=1e-12)
    np.testing.assert_allclose(complex.real(a).numpy(), na.real)
    np.testing.assert_allclose(complex.imag(a).numpy(), na.imag)
    # Real operand on either side.
    np.testing.assert_allclose(_np_c(complex.mult(r, a)), r.numpy() * na, rtol=1e-12)
    np.testing.assert_allclose(_np_c(complex.mult(a, r)), r.numpy() * na, rtol=1e-12)
    np.testing.assert_allclose(_np_c(complex.mult_conj(r, a)), r.numpy() * np.conj(na), rtol=1e-12)
    np.testing.assert_allclose(_np_c(complex.mult_conj(a, r)), na * r.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np_c(complex.div(a, r)), na / r.numpy(), rtol=1e-10)
    # Construction and exp_imag.
    np.testing.assert_allclose(_np_c(complex.complex(r, 2 * r)), r.numpy() + 2j * r.numpy())
    np.testing.assert_allclose(_np_c(complex.complex(r)), r.numpy() + 0j)
    np.testing.assert_allclose(_np_c(complex.complex(None, r)), 1j * r.numpy())
    np.testing.assert_allclose(_np_c(complex.exp_imag(r)), np.exp(1j * r.numpy()), rtol=1e-12)
    # Native complex round trip.
    native = complex.to_torch(a)
    assert native.is_complex()
    assert torch.equal(complex.from_torch(native), a)


def test_complex_broadcasting_and_tensorlist():
    a = _rand(1, 1, 4, 3, 2, seed=4)
    b = _rand(2, 3, 4, 3, 2, seed=5)
    np.testing.assert_allclose(_np_c(complex.mult(a, b)), _np_c(a) * _np_c(b), rtol=1e-12)
    tl = TensorList([a, b])
    out = complex.abs(tl)
    assert isinstance(out, TensorList)
    np.testing.assert_allclose(out[1].numpy(), np.abs(_np_c(b)), rtol=1e-12)


@pytest.mark.parametrize('conj_a', [False, True])
@pytest.mark.parametrize('conj_b', [False, True])
def test_mtimes_against_numpy(conj_a, conj_b):
    a, b = _rand(2, 4, 3, 5, 2, seed=6), _rand(2, 4, 5, 6, 2, seed=7)
    na, nb = _np_c(a), _np_c(b)
    na = np.conj(na) if conj_a else na
    nb = np.conj(nb) if conj_b else nb
    np.testing.assert_allclose(_np_c(complex.mtimes(a, b, conj_a, conj_b)), na @ nb, rtol=1e-10, atol=1e-10)


def test_mtimes_real_operands():
    a = _rand(2, 4, 3, 5, 2, seed=8)
    rm = _rand(2, 4, 5, 3, seed=9)       # real right matrix (last dim != 2, so it counts as real)
    rl = _rand(2, 4, 6, 3, seed=10)      # real left matrix
    np.testing.assert_allclose(_np_c(complex.mtimes(a, rm)), _np_c(a) @ rm.numpy(), rtol=1e-10)
    np.testing.assert_allclose(_np_c(complex.mtimes(a, rm, conj_a=True)), np.conj(_np_c(a)) @ rm.numpy(), rtol=1e-10)
    np.testing.assert_allclose(_np_c(complex.mtimes(rl, a)), rl.numpy() @ _np_c(a), rtol=1e-10)
    np.testing.assert_allclose(_np_c(complex.mtimes(rl, a, conj_b=True)), rl.numpy() @ np.conj(_np_c(a)), rtol=1e-10)


def test_complex_errors():
    real = torch.zeros(2, 3, 4, 5)
    assert complex.is_real(real) and complex.is_complex(torch.zeros(1, 1, 2, 3, 2))
    assert complex.is_real(torch.zeros(3, 2))  # fewer than 4 dims never counts as complex (original rule)
    with pytest.raises(ValueError, match='complex tensor'):
        complex.abs(real)
    with pytest.raises(ValueError, match='incorrect dimensions'):
        complex.mult(torch.zeros(1, 1, 4, 5, 3), torch.zeros(1, 1, 4, 5, 2))


# ---------------------------------------------------------------- fourier

def _np_centered_rfft2(a: np.ndarray) -> np.ndarray:
    """Independent reference for cfft2: numpy rfft2 with rows reordered to frequencies
    -floor((H-1)/2) .. floor(H/2), plus the Nyquist row repeated in front for even H."""
    spec = np.fft.rfft2(a)
    h = a.shape[-2]
    freqs = list(range(-((h - 1) // 2), h // 2 + 1))
    if h % 2 == 0:
        freqs = [h // 2] + freqs
    return np.stack([spec[..., f % h, :] for f in freqs], axis=-2)


@pytest.mark.parametrize('shape', [(2, 3, 7, 9), (1, 2, 8, 6), (1, 1, 5, 4), (2, 1, 6, 7)])
def test_cfft2_against_numpy(shape):
    a = _rand(*shape, seed=11)
    out = fourier.cfft2(a)
    ref = _np_centered_rfft2(a.numpy())
    assert out.shape[2] % 2 == 1 and out.shape[-1] == 2
    np.testing.assert_allclose(_np_c(out), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize('shape', [(2, 3, 7, 9), (1, 2, 5, 6)])
def test_cifft2_inverts_cfft2_for_odd_heights(shape):
    a = _rand(*shape, seed=12)
    back = fourier.cifft2(fourier.cfft2(a), signal_sizes=shape[2:])
    torch.testing.assert_close(back, a)
    if shape[3] % 2 == 0:
        torch.testing.assert_close(fourier.cifft2(fourier.cfft2(a)), a)
    with pytest.raises(ValueError, match='signal_sizes'):
        fourier.cifft2(fourier.cfft2(a), signal_sizes=(shape[2] + 2, shape[3]))


def test_rfftshift_roundtrip_odd():
    a = _rand(1, 2, 7, 4, 2, seed=13)
    torch.testing.assert_close(fourier.irfftshift2(fourier.rfftshift2(a)), a)


def test_get_frequency_coord():
    ky, kx = fourier.get_frequency_coord((6, 7))
    assert ky.shape == (1, 1, 6, 1) and kx.shape == (1, 1, 1, 4)
    assert ky.view(-1).tolist() == [-2, -1, 0, 1, 2, 3]
    assert kx.view(-1).tolist() == [0, 1, 2, 3]
    ky, kx = fourier.get_frequency_coord(torch.tensor([5.0, 5.0]), add_complex_dim=True)
    assert ky.shape == (1, 1, 5, 1, 1) and ky.view(-1).tolist() == [-2, -1, 0, 1, 2]


def test_sample_fs_interpolates_signal():
    # Fourier series coefficients of an odd-sized signal, evaluated on a 3x finer grid, reproduce
    # the signal at every third sample (trigonometric interpolation).
    h, w = 7, 9
    a = _rand(1, 2, h, w, seed=14)
    coeffs = fourier.cfft2(a) / (h * w)
    torch.testing.assert_close(fourier.sample_fs(coeffs), a)
    torch.testing.assert_close(fourier.sample_fs(coeffs, torch.tensor([h, w])), a)
    fine = fourier.sample_fs(coeffs, torch.tensor([3 * h, 3 * w]))
    assert fine.shape == (1, 2, 3 * h, 3 * w)
    torch.testing.assert_close(fine[..., ::3, ::3], a)
    # Even grid sizes too (ATOM samples on an even output grid).
    fine_even = fourier.sample_fs(coeffs, [2 * h, 2 * w])
    assert fine_even.shape == (1, 2, 2 * h, 2 * w)
    torch.testing.assert_close(fine_even[..., ::2, ::2], a)
    # Without rescaling: divided by the number of grid points.
    torch.testing.assert_close(fourier.sample_fs(coeffs, [3 * h, 3 * w], rescale=False) * (9 * h * w), fine)
    with pytest.raises(ValueError, match='smaller'):
        fourier.sample_fs(coeffs, [h - 2, w])


def test_shift_fs_translates_signal():
    # The original's convention: coefficient k is multiplied by exp(i * k * shift), so the series
    # f(x) = sum_k c_k exp(2 pi i k x / N) becomes f(x + shift * N / (2 pi)). With shift = 2 pi s / N
    # the result at x is the input at x + s: torch.roll by -s (roll(a, s)[x] = a[x - s]).
    h, w = 7, 9
    a = _rand(1, 1, h, w, seed=15)
    coeffs = fourier.cfft2(a) / (h * w)
    shift = torch.tensor([2 * math.pi * 2 / h, 2 * math.pi * -3 / w], dtype=torch.float64)
    shifted = fourier.shift_fs(coeffs, shift)
    torch.testing.assert_close(fourier.sample_fs(shifted), torch.roll(a, shifts=(-2, 3), dims=(2, 3)))
    # Independent reference: numpy's full FFT with the textbook shift theorem on every frequency.
    fy = np.fft.fftfreq(h) * h
    fx = np.fft.fftfreq(w) * w
    phase = np.exp(1j * (shift[0].item() * fy[:, None] + shift[1].item() * fx[None, :]))
    ref = np.fft.ifft2(np.fft.fft2(a.numpy()[0, 0]) * phase).real
    np.testing.assert_allclose(fourier.sample_fs(shifted).numpy()[0, 0], ref, rtol=0, atol=1e-12)
    # A sub-sample shift agrees with the trigonometric interpolant evaluated at x + s.
    sub = fourier.shift_fs(coeffs, torch.tensor([0.0, 2 * math.pi * 0.5 / w], dtype=torch.float64))
    fine = fourier.sample_fs(coeffs, [h, 2 * w])
    torch.testing.assert_close(fourier.sample_fs(sub), fine[..., 1::2])
    assert fourier.shift_fs(coeffs, torch.zeros(2)) is coeffs
    with pytest.raises(ValueError):
        fourier.shift_fs(a, torch.ones(2))


def test_sum_fs_aligns_zero_frequency():
    big = _rand(1, 1, 7, 4, 2, seed=16)
    small = _rand(1, 1, 3, 2, 2, seed=17)
    out = fourier.sum_fs(TensorList([small, big]))
    expected = big.clone()
    expected[:, :, 2:5, :2, :] += small
    torch.testing.assert_close(out, expected)
    # The inputs are not modified.
    assert not torch.equal(out, big)
    out12 = fourier.sum_fs12([small[0, 0], big[0, 0]])
    torch.testing.assert_close(out12, expected[0, 0])


def test_inner_prod_fs_equals_spatial_inner_product():
    # Parseval on half spectra: sum over the full spectrum = 2*sum(half) - first column (odd width).
    h, w = 5, 7
    x, y = _rand(1, 1, h, w, seed=18), _rand(1, 1, h, w, seed=19)
    fx, fy = fourier.cfft2(x), fourier.cfft2(y)
    ip = fourier.inner_prod_fs(fx, fy)
    torch.testing.assert_close(ip, (x * y).sum() * h * w)
    ip_real = fourier.inner_prod_fs(complex.real(fx), complex.real(fy))
    full = np.fft.fft2(x.numpy()[0, 0]).real * np.fft.fft2(y.numpy()[0, 0]).real
    np.testing.assert_allclose(ip_real.item(), full.sum(), rtol=1e-10)
    with pytest.raises(NotImplementedError):
        fourier.inner_prod_fs(fx, complex.real(fy))


def test_fourier_tensorlist_and_float32():
    tl = TensorList([torch.randn(1, 2, 5, 5), torch.randn(1, 2, 6, 6)])
    out = fourier.cfft2(tl)
    assert isinstance(out, TensorList) and out[0].dtype == torch.float32
    assert out[0].shape == (1, 2, 5, 3, 2) and out[1].shape == (1, 2, 7, 4, 2)

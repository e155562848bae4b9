"""Fourier-series helpers for DCF trackers (ECO/ATOM conventions).

Spectra are half-spectra (non-negative horizontal frequencies) in the complex layout of
:mod:`pytracking.libs.complex`: real tensors of shape [N, C, H, W//2+1, 2]. "Centered" spectra
(from :func:`cfft2`) have the zero vertical frequency in the middle row and always an odd number
of rows (for an even H the Nyquist row is repeated at both ends). The transforms are computed with
``torch.fft`` on native complex tensors.
"""

from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

from . import complex
from .tensorlist import TensorList, tensor_operation

__all__ = ['rfftshift2', 'irfftshift2', 'cfft2', 'cifft2', 'sample_fs', 'get_frequency_coord', 'shift_fs',
           'sum_fs', 'sum_fs12', 'inner_prod_fs']


@tensor_operation
def rfftshift2(a: torch.Tensor) -> torch.Tensor:
    """Center the vertical frequencies (dim 2) of a half-spectrum [N, C, H, W', 2].

    The result has an odd number of rows with the zero frequency in the middle; for an even H the
    Nyquist row appears at both ends.
    """
    h = a.shape[2] + 2
    return torch.cat((a[:, :, (h - 1) // 2:, ...], a[:, :, :h // 2, ...]), 2)


@tensor_operation
def irfftshift2(a: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rfftshift2`: move the middle row (zero frequency) of dim 2 to the top."""
    mid = (a.shape[2] - 1) // 2
    return torch.cat((a[:, :, mid:, ...], a[:, :, :mid, ...]), 2)


def _rfft2_real_layout(a: torch.Tensor) -> torch.Tensor:
    """Unnormalized 2D real FFT over the last two dims, returned in the (..., 2) layout."""
    return torch.view_as_real(torch.fft.rfft2(a))


def _irfft2_real_layout(a: torch.Tensor, signal_sizes: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Inverse of :func:`_rfft2_real_layout` (1/(H*W) normalization). Without ``signal_sizes`` the
    output has the input's number of rows and 2*(W'-1) columns (the convention of the removed
    ``torch.irfft``)."""
    spec = torch.view_as_complex(a.contiguous())
    s = None if signal_sizes is None else [int(v) for v in signal_sizes]
    return torch.fft.irfft2(spec, s=s)


@tensor_operation
def cfft2(a: torch.Tensor) -> torch.Tensor:
    """Centered 2D FFT of a real [N, C, H, W] tensor -> [N, C, H', W//2+1, 2] with H' odd.

    Unnormalized (as numpy.fft.rfft2), zero frequency in the middle row.
    """
    return rfftshift2(_rfft2_real_layout(a))


@tensor_operation
def cifft2(a: torch.Tensor, signal_sizes: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Inverse of :func:`cfft2`: centered half-spectrum [N, C, H, W', 2] -> real [N, C, *signal_sizes].

    Without ``signal_sizes`` the output is [N, C, H, 2*(W'-1)]. ``signal_sizes[0]`` must equal H
    (the centered rows cannot be cropped or padded here; see :func:`sample_fs` for resampling).
    """
    if signal_sizes is not None and int(signal_sizes[0]) != a.shape[2]:
        raise ValueError('cifft2: signal_sizes {} do not match the spectrum height {} (shape {}).'.format(
            [int(v) for v in signal_sizes], a.shape[2], tuple(a.shape)))
    return _irfft2_real_layout(irfftshift2(a), signal_sizes)


@tensor_operation
def sample_fs(a: torch.Tensor, grid_sz: Optional[Union[torch.Tensor, Sequence[int]]] = None,
              rescale: bool = True) -> torch.Tensor:
    """Sample the Fourier series with centered coefficients ``a`` [N, C, H, W', 2] on a spatial grid.

    args:
        a: centered half-spectrum; the series has size (H, 2*W'-1).
        grid_sz: (rows, cols) of the sampling grid, at least the series size; None = the series
            size (rows, 2*W'-1).
        rescale: multiply by the number of grid points (i.e. evaluate the series itself rather
            than the normalized inverse DFT).
    returns:
        real tensor [N, C, rows, cols].
    """
    sz = torch.tensor([a.shape[2], 2 * a.shape[3] - 1], dtype=torch.float32)

    if grid_sz is not None:
        grid_sz = torch.as_tensor(grid_sz, dtype=torch.float32).reshape(-1).cpu()

    if grid_sz is None or (sz[0] == grid_sz[0] and sz[1] == grid_sz[1]):
        # The series' own grid (rows, 2*W'-1). The original passed no signal size here and so
        # returned 2*W'-2 columns, not the requested grid; the odd width is the consistent one.
        out = cifft2(a, signal_sizes=sz.long().tolist())
        return sz.prod().item() * out if rescale else out

    if sz[0] > grid_sz[0] or sz[1] > grid_sz[1]:
        raise ValueError('sample_fs: grid size {} is smaller than the Fourier series size {}; only grids at '
                         'least as large as the series are supported.'.format(grid_sz.tolist(), sz.tolist()))

    tot_pad = (grid_sz - sz).tolist()
    rows_even = int(sz[0].item()) % 2 == 0

    # Zero-pad the spectrum so that its zero frequency stays where irfftshift2 expects it.
    pad_top = int((tot_pad[0] + 1) / 2) if rows_even else int(tot_pad[0] / 2)
    pad_bottom = int(tot_pad[0] - pad_top)
    pad_right = int((tot_pad[1] + 1) / 2)

    grid = grid_sz.long().tolist()
    out = cifft2(F.pad(a, (0, 0, 0, pad_right, pad_top, pad_bottom)), signal_sizes=grid)
    return grid_sz.prod().item() * out if rescale else out


def get_frequency_coord(sz: Union[torch.Tensor, Sequence[int]], add_complex_dim: bool = False,
                        device: Union[str, torch.device] = 'cpu') -> Tuple[torch.Tensor, torch.Tensor]:
    """Integer frequency coordinates of a centered half-spectrum of a signal of size ``sz`` (rows, cols).

    returns:
        ky: [1, 1, rows, 1] from -floor((rows-1)/2) to floor(rows/2);
        kx: [1, 1, 1, cols//2+1] from 0 to floor(cols/2);
        each with an extra trailing singleton dim if ``add_complex_dim``.
    """
    rows, cols = int(sz[0]), int(sz[1])
    ky = torch.arange(-((rows - 1) // 2), rows // 2 + 1, dtype=torch.float32, device=device).view(1, 1, -1, 1)
    kx = torch.arange(0, cols // 2 + 1, dtype=torch.float32, device=device).view(1, 1, 1, -1)
    if add_complex_dim:
        ky = ky.unsqueeze(-1)
        kx = kx.unsqueeze(-1)
    return ky, kx


@tensor_operation
def shift_fs(a: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Translate a signal by modulating its centered Fourier coefficients (the original's convention).

    Coefficient (ky, kx) is multiplied by ``exp(i * (shift[0] * ky + shift[1] * kx))``, so the series
    f(y, x) becomes f(y + shift[0] * H / (2 pi), x + shift[1] * W / (2 pi)): with
    shift = 2 pi s / size, the result at x is the input at x + s (``torch.roll`` by -s).

    args:
        a: centered half-spectrum [N, C, H, W', 2] of a series of size (H, 2*W'-1).
        shift: (vertical, horizontal) phase step in radians per unit frequency, i.e. the spatial
            shift normalized to [-pi, pi] over the signal size (2*pi*shift_px/size).
    """
    if a.dim() != 5:
        raise ValueError('shift_fs: a must be Fourier coefficients of shape [N, C, H, W, 2], got shape {}.'.format(
            tuple(a.shape)))
    shift = torch.as_tensor(shift)
    if shift[0] == 0 and shift[1] == 0:
        return a

    ky, kx = get_frequency_coord((a.shape[2], 2 * a.shape[3] - 1), device=a.device)
    ky, kx = ky.to(a.dtype), kx.to(a.dtype)
    return complex.mult(complex.mult(a, complex.exp_imag(shift[0].item() * ky)),
                        complex.exp_imag(shift[1].item() * kx))


def sum_fs(a: Union[TensorList, Sequence[torch.Tensor]]) -> torch.Tensor:
    """Sum centered half-spectra of different sizes [..., H_i, W_i, 2], aligned at the zero frequency.

    The result has the size of the largest one (by rows); the inputs are not modified.
    """
    s = None
    mid = None
    for e in sorted(a, key=lambda elem: elem.shape[-3], reverse=True):
        if s is None:
            s = e.clone()
            mid = (s.shape[-3] - 1) // 2
        else:
            top = mid - (e.shape[-3] - 1) // 2
            bottom = mid + e.shape[-3] // 2 + 1
            s[..., top:bottom, :e.shape[-2], :] += e
    return s


def sum_fs12(a: Union[TensorList, Sequence[torch.Tensor]]) -> torch.Tensor:
    """As :func:`sum_fs` for spectra whose frequency dims are the first two: [H_i, W_i, ...]."""
    s = None
    mid = None
    for e in sorted(a, key=lambda elem: elem.shape[0], reverse=True):
        if s is None:
            s = e.clone()
            mid = (s.shape[0] - 1) // 2
        else:
            top = mid - (e.shape[0] - 1) // 2
            bottom = mid + e.shape[0] // 2 + 1
            s[top:bottom, :e.shape[1], ...] += e
    return s


@tensor_operation
def inner_prod_fs(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Real inner product of two signals given by their half-spectra [N, C, H, W', (2)].

    Every column except the first (zero horizontal frequency) stands for itself and its mirror
    image, hence counts twice.
    """
    if complex.is_complex(a) and complex.is_complex(b):
        return 2 * (a.reshape(-1) @ b.reshape(-1)) - a[:, :, :, 0, :].reshape(-1) @ b[:, :, :, 0, :].reshape(-1)
    if complex.is_real(a) and complex.is_real(b):
        return 2 * (a.reshape(-1) @ b.reshape(-1)) - a[:, :, :, 0].reshape(-1) @ b[:, :, :, 0].reshape(-1)
    raise NotImplementedError('inner_prod_fs: mixing real and complex operands is not supported.')


"""Discriminative-correlation-filter helpers: windows, label functions, interpolation kernels,
the spatial regularization filter of CCOT/ECO and a 2D arg-max.

Sizes are (rows, cols) = (height, width) and may be given as tensors or sequences.
"""

import math
from typing import Any, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

from . import complex, fourier

__all__ = ['hann1d', 'hann2d', 'hann2d_clipped', 'gauss_fourier', 'gauss_spatial', 'label_function',
           'label_function_spatial', 'cubic_spline_fourier', 'get_interp_fourier', 'interpolate_dft',
           'get_reg_filter', 'max2d']

SizeLike = Union[torch.Tensor, Sequence[int], Sequence[float]]


def _num(v: Any) -> float:
    """A Python number from a number or a one-element tensor."""
    return v.item() if isinstance(v, torch.Tensor) else v


def hann1d(sz: int, centered: bool = True) -> torch.Tensor:
    """1D cosine (Hann) window of length ``sz``.

    centered=True: w[k] = 0.5 * (1 - cos(2*pi*(k+1)/(sz+1))), peak in the middle, no zero end points.
    centered=False: the window circularly shifted so that its peak (value 1) is at index 0, built
    from 0.5 * (1 + cos(2*pi*k/(sz+2))).
    """
    sz = int(_num(sz))
    if centered:
        return 0.5 * (1 - torch.cos((2 * math.pi / (sz + 1)) * torch.arange(1, sz + 1).float()))
    half = 0.5 * (1 + torch.cos((2 * math.pi / (sz + 2)) * torch.arange(0, sz // 2 + 1).float()))
    return torch.cat([half, half[1:sz - sz // 2].flip((0,))])


def hann2d(sz: SizeLike, centered: bool = True) -> torch.Tensor:
    """2D cosine window of size ``sz`` = (rows, cols), shape [1, 1, rows, cols] (outer product of hann1d)."""
    return hann1d(int(_num(sz[0])), centered).reshape(1, 1, -1, 1) * \
        hann1d(int(_num(sz[1])), centered).reshape(1, 1, 1, -1)


def hann2d_clipped(sz: SizeLike, effective_sz: SizeLike, centered: bool = True) -> torch.Tensor:
    """2D cosine window of size ``effective_sz`` padded (edge values replicated) to size ``sz``.

    ``effective_sz`` is truncated to integers and increased by one where needed so that
    ``sz - effective_sz`` is even (the window stays centered). The arguments are not modified.
    centered=False circularly shifts the window so that its center is at index (0, 0).
    returns: [1, 1, rows, cols] tensor.
    """
    sz = torch.as_tensor(sz).reshape(-1).long().cpu()
    effective_sz = torch.as_tensor(effective_sz).reshape(-1).long().cpu()
    effective_sz = effective_sz + (effective_sz - sz) % 2

    window = hann2d(effective_sz, centered=True)
    pad = ((sz - effective_sz) // 2).tolist()
    # A negative pad (effective size larger than sz) crops the window instead.
    window = F.pad(window, (pad[1], pad[1], pad[0], pad[0]), mode='replicate')

    if centered:
        return window
    mid = (sz // 2).tolist()
    return torch.roll(window, shifts=(-mid[0], -mid[1]), dims=(2, 3))


def gauss_fourier(sz: int, sigma: float, half: bool = False) -> torch.Tensor:
    """Fourier coefficients of a periodic Gaussian of std ``sigma`` (samples) on a grid of ``sz``.

    c[k] = sqrt(2*pi) * sigma / sz * exp(-2 * (pi * sigma * k / sz)^2), for centered frequencies
    k = -floor((sz-1)/2) .. floor(sz/2), or k = 0 .. floor(sz/2) if ``half``.
    """
    sz = _num(sz)
    sigma = _num(sigma)
    if half:
        k = torch.arange(0, int(sz / 2 + 1))
    else:
        k = torch.arange(-int((sz - 1) / 2), int(sz / 2 + 1))
    return (math.sqrt(2 * math.pi) * sigma / sz) * torch.exp(-2 * (math.pi * sigma * k.float() / sz) ** 2)


def gauss_spatial(sz: float, sigma: float, center: Union[float, torch.Tensor] = 0,
                  end_pad: float = 0) -> torch.Tensor:
    """Unnormalized 1D Gaussian exp(-(k - center)^2 / (2 sigma^2)) sampled at
    k = -(sz-1)/2, ..., (sz-1)/2 (+ ``end_pad`` extra samples at the end); k = 0 is the middle."""
    sz = _num(sz)
    sigma = _num(sigma)
    end_pad = _num(end_pad)
    k = torch.arange(-(sz - 1) / 2, (sz + 1) / 2 + end_pad)
    return torch.exp(-1.0 / (2 * sigma ** 2) * (k - center) ** 2)


def label_function(sz: SizeLike, sigma: SizeLike) -> torch.Tensor:
    """Fourier coefficients of a 2D Gaussian label: [1, 1, rows, cols//2+1] (centered rows, half columns)."""
    return gauss_fourier(_num(sz[0]), _num(sigma[0])).reshape(1, 1, -1, 1) * \
        gauss_fourier(_num(sz[1]), _num(sigma[1]), True).reshape(1, 1, 1, -1)


def label_function_spatial(sz: SizeLike, sigma: SizeLike, center: Optional[SizeLike] = None,
                           end_pad: Optional[SizeLike] = None) -> torch.Tensor:
    """2D Gaussian label [1, 1, rows (+end_pad[0]), cols (+end_pad[1])] with peak 1 at ``center``.

    Coordinates have their origin in the middle of the map: the sample (i, j) is at
    (i - (rows-1)/2, j - (cols-1)/2). ``center`` defaults to (0, 0), ``end_pad`` to (0, 0).
    """
    if center is None:
        center = (0.0, 0.0)
    if end_pad is None:
        end_pad = (0, 0)
    return gauss_spatial(_num(sz[0]), _num(sigma[0]), center[0], _num(end_pad[0])).reshape(1, 1, -1, 1) * \
        gauss_spatial(_num(sz[1]), _num(sigma[1]), center[1], _num(end_pad[1])).reshape(1, 1, 1, -1)


def cubic_spline_fourier(f: torch.Tensor, a: float) -> torch.Tensor:
    """Continuous Fourier transform of the cubic (Keys) interpolation kernel with parameter ``a``,
    evaluated at frequencies ``f`` (cycles per sample); 1 at f = 0."""
    bf = (6 * (1 - torch.cos(2 * math.pi * f)) + 3 * a * (1 - torch.cos(4 * math.pi * f))
          - (6 + 8 * a) * math.pi * f * torch.sin(2 * math.pi * f)
          - 2 * a * math.pi * f * torch.sin(4 * math.pi * f)) / (4 * math.pi ** 4 * f ** 4)
    bf[f == 0] = 1
    return bf


def get_interp_fourier(sz: SizeLike, method: str = 'ideal', bicubic_param: float = 0.5, centering: bool = True,
                       windowing: bool = False, device: Union[str, torch.device] = 'cpu'
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Fourier coefficients of the interpolation kernel for a feature map of size ``sz`` (rows, cols).

    args:
        method: 'ideal' (constant 1/size) or 'bicubic' (cubic spline kernel).
        centering: include the half-sample shift exp(-i*pi*k/size) (result in complex layout).
    returns:
        (interp_y [1, 1, rows, 1(, 2)], interp_x [1, 1, 1, cols//2+1(, 2)]).
    """
    if windowing:
        raise NotImplementedError('get_interp_fourier: windowing is not implemented (as in the original).')
    ky, kx = fourier.get_frequency_coord(sz)
    sy, sx = float(_num(sz[0])), float(_num(sz[1]))

    if method == 'ideal':
        interp_y = torch.ones(ky.shape) / sy
        interp_x = torch.ones(kx.shape) / sx
    elif method == 'bicubic':
        interp_y = cubic_spline_fourier(ky / sy, bicubic_param) / sy
        interp_x = cubic_spline_fourier(kx / sx, bicubic_param) / sx
    else:
        raise ValueError("get_interp_fourier: unknown method {!r}; expected 'ideal' or 'bicubic'.".format(method))

    if centering:
        interp_y = complex.mult(interp_y, complex.exp_imag((-math.pi / sy) * ky))
        interp_x = complex.mult(interp_x, complex.exp_imag((-math.pi / sx) * kx))

    return interp_y.to(device), interp_x.to(device)


def interpolate_dft(a: torch.Tensor, interp_fs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """Multiply the spectrum ``a`` by the interpolation kernel coefficients (one tensor, or a (y, x) pair)."""
    if isinstance(interp_fs, torch.Tensor):
        return complex.mult(a, interp_fs)
    if isinstance(interp_fs, (tuple, list)):
        return complex.mult(complex.mult(a, interp_fs[0]), interp_fs[1])
    raise ValueError('interpolate_dft: "interp_fs" must be a tensor or a tuple of tensors, got {}.'.format(
        type(interp_fs).__name__))


def get_reg_filter(sz: SizeLike, target_sz: SizeLike, params: Any) -> torch.Tensor:
    """Spatial regularization filter of CCOT/ECO in the Fourier domain (real, centered, symmetric).

    args:
        sz: filter size (rows, cols).
        target_sz: target size (rows, cols) in the same units.
        params: object with ``use_reg_window``, ``reg_window_min``, ``reg_window_edge``,
            ``reg_window_power``, ``reg_sparsity_threshold`` and optionally ``reg_window_square``
            (default False) and ``reg_window_centered`` (default True).
    returns:
        [1, 1, h, w] tensor, h and w odd (the non-negligible DFT coefficients of the window).
    """
    if not params.use_reg_window:
        return params.reg_window_min * torch.ones(1, 1, 1, 1)

    sz = torch.as_tensor(sz, dtype=torch.float32).reshape(-1).cpu()
    target_sz = torch.as_tensor(target_sz, dtype=torch.float32).reshape(-1).cpu()
    rows, cols = int(sz[0].item()), int(sz[1].item())

    if getattr(params, 'reg_window_square', False):
        target_sz = target_sz.prod().sqrt() * torch.ones(2)

    reg_scale = 0.5 * target_sz

    if getattr(params, 'reg_window_centered', True):
        wrg = torch.arange(-((rows - 1) // 2), rows // 2 + 1, dtype=torch.float32).view(1, 1, -1, 1)
        wcg = torch.arange(-((cols - 1) // 2), cols // 2 + 1, dtype=torch.float32).view(1, 1, 1, -1)
    else:
        wrg = torch.cat([torch.arange(0, rows // 2 + 1, dtype=torch.float32),
                         torch.arange(-((rows - 1) // 2), 0, dtype=torch.float32)]).view(1, 1, -1, 1)
        wcg = torch.cat([torch.arange(0, cols // 2 + 1, dtype=torch.float32),
                         torch.arange(-((cols - 1) // 2), 0, dtype=torch.float32)]).view(1, 1, 1, -1)

    reg_window = (params.reg_window_edge - params.reg_window_min) * \
        (torch.abs(wrg / reg_scale[0]) ** params.reg_window_power +
         torch.abs(wcg / reg_scale[1]) ** params.reg_window_power) + params.reg_window_min

    # Keep only the significant DFT coefficients (sparsity), in the (..., 2) layout.
    numel = float(rows * cols)
    reg_window_dft = torch.view_as_real(torch.fft.rfft2(reg_window)) / numel
    reg_window_dft_abs = complex.abs(reg_window_dft)
    reg_window_dft[reg_window_dft_abs < params.reg_sparsity_threshold * reg_window_dft_abs.max(), :] = 0

    # Raise the DC coefficient so that the sparse window's minimum equals reg_window_min again.
    reg_window_sparse = torch.fft.irfft2(torch.view_as_complex(reg_window_dft.contiguous()), s=(rows, cols))
    reg_window_dft[0, 0, 0, 0, 0] += params.reg_window_min - numel * reg_window_sparse.min()
    reg_window_dft = complex.real(fourier.rfftshift2(reg_window_dft))

    # Crop to the smallest centered block containing every non-zero coefficient.
    max_inds, _ = reg_window_dft.nonzero().max(dim=0)
    mid_ind = (reg_window_dft.shape[2] - 1) // 2
    top = max_inds[-2].item() + 1
    bottom = 2 * mid_ind - max_inds[-2].item()
    right = max_inds[-1].item() + 1
    reg_window_dft = reg_window_dft[..., bottom:top, :right]
    if reg_window_dft.shape[-1] > 1:
        # Mirror the half spectrum to the full (real, symmetric) filter.
        reg_window_dft = torch.cat([reg_window_dft[..., 1:].flip((2, 3)), reg_window_dft], -1)

    return reg_window_dft


def max2d(a: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Maximum and arg-max over the last two dims.

    args:
        a: [..., H, W] tensor.
    returns:
        max_val [...], argmax [..., 2] (long) holding (row, col). On ties the smallest column wins,
        then the smallest row.
    """
    max_val_row, argmax_row = torch.max(a, dim=-2)          # [..., W]: best row per column
    max_val, argmax_col = torch.max(max_val_row, dim=-1)    # [...]: best column
    best_row = torch.gather(argmax_row, -1, argmax_col.unsqueeze(-1)).squeeze(-1)
    return max_val, torch.stack((best_row, argmax_col), dim=-1)

"""Complex arithmetic on real tensors whose last dimension (size 2) holds (real, imaginary).

This is the representation the original ECO-style DCF code uses (that of the removed
``torch.rfft``); all functions accept TensorLists element-wise. Note that, as in the original,
a tensor counts as complex only when it has at least 4 dimensions and a last dimension of size 2.
Use :func:`to_torch` / :func:`from_torch` to convert to and from native complex dtypes.
"""

from typing import Optional

import torch

from .tensorlist import tensor_operation

# This module defines functions named ``abs`` and ``complex`` (the original's API), which shadow
# the builtins inside this file; the builtins are not used here.

__all__ = ['is_complex', 'is_real', 'mult', 'mult_conj', 'mult_real_cplx', 'div', 'div_cplx_real', 'abs_sqr',
           'abs', 'conj', 'real', 'imag', 'complex', 'mtimes', 'mtimes_real_complex', 'mtimes_complex_real',
           'exp_imag', 'to_torch', 'from_torch']


def is_complex(a: torch.Tensor) -> bool:
    """True if ``a`` is in the (..., 2) complex layout (at least 4 dims, last of size 2)."""
    return a.dim() >= 4 and a.shape[-1] == 2


def is_real(a: torch.Tensor) -> bool:
    """True if ``a`` is not in the complex layout."""
    return not is_complex(a)


def _require_complex(a: torch.Tensor, what: str) -> None:
    if is_real(a):
        raise ValueError('{}: expected a complex tensor (>= 4 dims, last dim of size 2), got shape {}.'.format(
            what, tuple(a.shape)))


def _check_real_operand(real_t: torch.Tensor, cplx_t: torch.Tensor, what: str) -> None:
    # A real operand must have fewer dims than the complex one (it lacks the trailing size-2 dim).
    if real_t.dim() >= cplx_t.dim():
        raise ValueError('{}: incorrect dimensions, real operand of shape {} with complex operand of shape {}.'.format(
            what, tuple(real_t.shape), tuple(cplx_t.shape)))


def _pack(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    re, im = torch.broadcast_tensors(re, im)
    return torch.stack((re, im), dim=-1)


@tensor_operation
def mult(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Point-wise product ``a * b`` (either operand may be real, i.e. without the size-2 dim)."""
    if is_real(a):
        _check_real_operand(a, b, 'mult')
        return mult_real_cplx(a, b)
    if is_real(b):
        _check_real_operand(b, a, 'mult')
        return mult_real_cplx(b, a)
    ar, ai, br, bi = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    return _pack(ar * br - ai * bi, ar * bi + ai * br)


@tensor_operation
def mult_conj(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Point-wise product with the conjugate of b: ``a * conj(b)``."""
    if is_real(a):
        _check_real_operand(a, b, 'mult_conj')
        return mult_real_cplx(a, conj(b))
    if is_real(b):
        _check_real_operand(b, a, 'mult_conj')
        return mult_real_cplx(b, a)
    ar, ai, br, bi = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    return _pack(ar * br + ai * bi, ai * br - ar * bi)


@tensor_operation
def mult_real_cplx(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Point-wise product of a real tensor ``a`` with a complex tensor ``b``."""
    _require_complex(b, 'mult_real_cplx')
    return a.unsqueeze(-1) * b


@tensor_operation
def div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Point-wise quotient ``a / b`` of complex tensors (b may be real)."""
    if is_real(b):
        _check_real_operand(b, a, 'div')
        return div_cplx_real(a, b)
    return div_cplx_real(mult_conj(a, b), abs_sqr(b))


@tensor_operation
def div_cplx_real(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Point-wise quotient of a complex tensor ``a`` by a real tensor ``b``."""
    _require_complex(a, 'div_cplx_real')
    return a / b.unsqueeze(-1)


@tensor_operation
def abs_sqr(a: torch.Tensor) -> torch.Tensor:
    """Squared magnitude ``|a|^2`` (real tensor, the size-2 dim removed)."""
    _require_complex(a, 'abs_sqr')
    return torch.sum(a * a, -1)


@tensor_operation
def abs(a: torch.Tensor) -> torch.Tensor:
    """Magnitude ``|a|`` (real tensor)."""
    _require_complex(a, 'abs')
    return torch.sqrt(abs_sqr(a))


@tensor_operation
def conj(a: torch.Tensor) -> torch.Tensor:
    """Complex conjugate."""
    _require_complex(a, 'conj')
    return torch.stack((a[..., 0], -a[..., 1]), dim=-1)


@tensor_operation
def real(a: torch.Tensor) -> torch.Tensor:
    """Real part (a view)."""
    _require_complex(a, 'real')
    return a[..., 0]


@tensor_operation
def imag(a: torch.Tensor) -> torch.Tensor:
    """Imaginary part (a view)."""
    _require_complex(a, 'imag')
    return a[..., 1]


@tensor_operation
def complex(a: Optional[torch.Tensor], b: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Build a complex tensor from real part ``a`` and imaginary part ``b`` (either may be None = zero)."""
    if a is None and b is None:
        raise ValueError('complex: at least one of the real and imaginary parts must be given.')
    if b is None:
        b = torch.zeros_like(a)
    elif a is None:
        a = torch.zeros_like(b)
    return _pack(a, b)


@tensor_operation
def mtimes(a: torch.Tensor, b: torch.Tensor, conj_a: bool = False, conj_b: bool = False) -> torch.Tensor:
    """Complex matrix product over dims (-3, -2) (dim -1 is the complex dim); optional conjugation
    of either operand. Either operand may be real (without the complex dim)."""
    if is_real(a):
        _check_real_operand(a, b, 'mtimes')
        return mtimes_real_complex(a, b, conj_b=conj_b)
    if is_real(b):
        _check_real_operand(b, a, 'mtimes')
        return mtimes_complex_real(a, b, conj_a=conj_a)

    ar, ai = a[..., 0], (-a[..., 1] if conj_a else a[..., 1])
    br, bi = b[..., 0], (-b[..., 1] if conj_b else b[..., 1])
    return _pack(torch.matmul(ar, br) - torch.matmul(ai, bi), torch.matmul(ar, bi) + torch.matmul(ai, br))


@tensor_operation
def mtimes_real_complex(a: torch.Tensor, b: torch.Tensor, conj_b: bool = False) -> torch.Tensor:
    """Matrix product of a real matrix ``a`` with a complex matrix ``b`` (optionally conjugated)."""
    _require_complex(b, 'mtimes_real_complex')
    im = torch.matmul(a, b[..., 1])
    return _pack(torch.matmul(a, b[..., 0]), -im if conj_b else im)


@tensor_operation
def mtimes_complex_real(a: torch.Tensor, b: torch.Tensor, conj_a: bool = False) -> torch.Tensor:
    """Matrix product of a complex matrix ``a`` (optionally conjugated) with a real matrix ``b``."""
    _require_complex(a, 'mtimes_complex_real')
    im = torch.matmul(a[..., 1], b)
    return _pack(torch.matmul(a[..., 0], b), -im if conj_a else im)


@tensor_operation
def exp_imag(a: torch.Tensor) -> torch.Tensor:
    """``exp(i * a)`` for a real tensor ``a`` (result gets a trailing complex dim)."""
    return torch.stack((torch.cos(a), torch.sin(a)), dim=-1)


@tensor_operation
def to_torch(a: torch.Tensor) -> torch.Tensor:
    """Convert the (..., 2) layout to a native complex tensor (a copy if ``a`` is not contiguous)."""
    if a.shape[-1] != 2:
        raise ValueError('to_torch: last dimension must have size 2, got shape {}.'.format(tuple(a.shape)))
    return torch.view_as_complex(a.contiguous())


@tensor_operation
def from_torch(a: torch.Tensor) -> torch.Tensor:
    """Convert a native complex tensor to the (..., 2) real layout."""
    if not torch.is_complex(a):
        raise ValueError('from_torch: expected a complex dtype, got {}.'.format(a.dtype))
    return torch.view_as_real(a)

"""Activation functions used by the DiMP family of target models.

The parametric activations take the slope/blend parameter ``a`` as a second forward
argument (a tensor broadcastable to ``x``) because the target-model optimiser learns it.
"""
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F


def softmax_reg(x: torch.Tensor, dim: int, reg: Optional[Union[float, torch.Tensor]] = None) -> torch.Tensor:
    """Softmax along ``dim`` whose denominator is optionally regularised.

    args:
        x: input scores of any shape.
        dim: dimension to normalise over.
        reg: if given, an extra logit ``reg`` (float, or tensor broadcastable to ``x`` with size 1 along
             ``dim``) is appended along ``dim`` before the softmax and its probability is dropped again, i.e.
             ``exp(x_i) / (exp(reg) + sum_j exp(x_j))``.
    returns:
        tensor of the same shape as ``x``.
    """
    if reg is None:
        return torch.softmax(x, dim=dim)
    dim = dim % x.dim()
    if not torch.is_tensor(reg):
        reg = x.new_tensor([float(reg)])
    extra_shape = list(x.shape)
    extra_shape[dim] = 1
    extra = reg.expand(extra_shape)
    probs = torch.softmax(torch.cat((x, extra), dim=dim), dim=dim)
    return probs.narrow(dim, 0, x.shape[dim])


class MLU(nn.Module):
    """MLU activation: ``elu(leaky_relu(x, 1/min_val), min_val)``.

    Identity for positive inputs, a leaky slope that saturates smoothly at ``-min_val`` for negative ones.
    args:
        min_val: the (positive) saturation value.
        inplace: operate in place.
    """

    def __init__(self, min_val: float, inplace: bool = False):
        super().__init__()
        self.min_val = min_val
        self.inplace = inplace

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        leaky = F.leaky_relu(input, 1.0 / self.min_val, inplace=self.inplace)
        return F.elu(leaky, self.min_val, inplace=self.inplace)


class LeakyReluPar(nn.Module):
    """Parametric leaky ReLU ``(1-a)/2 |x| + (1+a)/2 x`` (slope ``a`` for x<0, 1 for x>0)."""

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return (1.0 - a) / 2.0 * torch.abs(x) + (1.0 + a) / 2.0 * x


class LeakyReluParDeriv(nn.Module):
    """Derivative of :class:`LeakyReluPar` with respect to ``x`` (no gradient flows through ``sign(x)``)."""

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return (1.0 - a) / 2.0 * torch.sign(x.detach()) + (1.0 + a) / 2.0


class BentIdentPar(nn.Module):
    """Parametric bent identity ``(1-a)/2 (sqrt(x^2 + 4b^2) - 2b) + (1+a)/2 x``: a smooth leaky ReLU.

    args:
        b: smoothness of the bend (the larger, the smoother).
    """

    def __init__(self, b: float = 1.0):
        super().__init__()
        self.b = b

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        bent = torch.sqrt(x * x + 4.0 * self.b * self.b) - 2.0 * self.b
        return (1.0 - a) / 2.0 * bent + (1.0 + a) / 2.0 * x


class BentIdentParDeriv(nn.Module):
    """Derivative of :class:`BentIdentPar` with respect to ``x``.

    args:
        b: smoothness of the bend, as in :class:`BentIdentPar`.
    """

    def __init__(self, b: float = 1.0):
        super().__init__()
        self.b = b

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return (1.0 - a) / 2.0 * (x / torch.sqrt(x * x + 4.0 * self.b * self.b)) + (1.0 + a) / 2.0

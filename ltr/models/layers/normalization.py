"""Normalisation layers."""
import torch
import torch.nn as nn


class InstanceL2Norm(nn.Module):
    """Scale every sample so that its squared L2 norm (over C, H, W) equals ``scale^2 * C*H*W``
    (``size_average=True``) or ``scale^2`` (``size_average=False``).

    args:
        size_average: normalise the mean square (True) instead of the sum of squares.
        eps: added to the sum of squares for stability.
        scale: target scale.
    Input/output shape: ``[B, C, H, W]``.
    """

    def __init__(self, size_average: bool = True, eps: float = 1e-5, scale: float = 1.0):
        super().__init__()
        self.size_average = size_average
        self.eps = eps
        self.scale = scale

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        sq_sum = (input * input).reshape(input.shape[0], -1).sum(dim=1).view(-1, 1, 1, 1) + self.eps
        if self.size_average:
            numel = input.shape[1] * input.shape[2] * input.shape[3]
            return input * (self.scale * (numel / sq_sum).sqrt())
        return input * (self.scale / sq_sum.sqrt())

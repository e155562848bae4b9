"""Resizing helpers for feature maps."""
from typing import Dict, List, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F


def interpolate(x: torch.Tensor, sz: Union[Sequence[int], torch.Tensor]) -> torch.Tensor:
    """Bilinearly resize ``x`` ([B, C, H, W]) to ``sz`` = (H', W') (align_corners=False).

    Returns ``x`` itself when it already has that size.
    """
    sz = [int(s) for s in (sz.tolist() if torch.is_tensor(sz) else sz)]
    if list(x.shape[-2:]) == sz:
        return x
    return F.interpolate(x, sz, mode='bilinear', align_corners=False)


class InterpCat(nn.Module):
    """Resize feature maps to the size of the one with the fewest rows, then concatenate over channels.

    forward input: a list of ``[B, C_i, H_i, W_i]`` tensors, or a dict of them (values in order).
    output: ``[B, sum C_i, H, W]``.
    """

    def forward(self, input: Union[List[torch.Tensor], Dict[str, torch.Tensor]]) -> torch.Tensor:
        if isinstance(input, dict):
            input = list(input.values())
        if len(input) == 0:
            raise ValueError('InterpCat: got no feature maps to concatenate')
        output_shape = None
        for x in input:
            if output_shape is None or output_shape[0] > x.shape[-2]:
                output_shape = x.shape[-2:]
        return torch.cat([interpolate(x, output_shape) for x in input], dim=-3)

"""Distance maps: soft binning of the distance of every pixel to a centre location."""
from typing import Sequence

import torch
import torch.nn as nn


class DistanceMap(nn.Module):
    """Encode, for every pixel, its distance to a centre as a soft one-hot vector over ``num_bins`` bins.

    Bin ``k`` (k < num_bins-1) has value ``max(0, 1 - |d/bin_displacement - k|)`` (linear interpolation
    between neighbouring bins); the last bin collects every distance beyond it:
    ``clamp(1 + d/bin_displacement - (num_bins-1), 0, 1)``.
    args:
        num_bins: number of bins.
        bin_displacement: distance (in pixels) between consecutive bin centres.
    """

    def __init__(self, num_bins: int, bin_displacement: float = 1.0):
        super().__init__()
        self.num_bins = num_bins
        self.bin_displacement = bin_displacement

    def forward(self, center: torch.Tensor, output_sz: Sequence[int]) -> torch.Tensor:
        """Compute the map.

        args:
            center: (y, x) centre per batch element, shape ``[B, 2]`` (anything reshapable to it).
            output_sz: (height, width) of the map.
        returns:
            tensor ``[B, num_bins, height, width]``.
        """
        center = center.reshape(-1, 2)
        dtype = center.dtype if center.is_floating_point() else torch.float32
        dev = center.device
        ys = torch.arange(int(output_sz[0]), dtype=dtype, device=dev).view(1, 1, -1, 1)
        xs = torch.arange(int(output_sz[1]), dtype=dtype, device=dev).view(1, 1, 1, -1)
        dy = ys - center[:, 0].to(dtype).view(-1, 1, 1, 1)
        dx = xs - center[:, 1].to(dtype).view(-1, 1, 1, 1)
        dist = torch.sqrt(dy * dy + dx * dx)

        bin_idx = torch.arange(self.num_bins, dtype=dtype, device=dev).view(1, -1, 1, 1)
        offset = dist / self.bin_displacement - bin_idx
        inner = (1.0 - offset[:, :-1].abs()).clamp(min=0.0)
        last = (1.0 + offset[:, -1:]).clamp(0.0, 1.0)
        return torch.cat((inner, last), dim=1)

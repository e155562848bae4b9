"""Small building blocks (conv + batch-norm + ReLU, and a fully connected equivalent)."""
from typing import Union, Tuple

import torch
from torch import nn


def conv_block(in_planes: int, out_planes: int, kernel_size: Union[int, Tuple[int, int]] = 3, stride: int = 1,
               padding: Union[int, Tuple[int, int]] = 1, dilation: int = 1, bias: bool = True,
               batch_norm: bool = True, relu: bool = True, padding_mode: str = 'zeros') -> nn.Sequential:
    """Conv2d, optionally followed by BatchNorm2d and ReLU, as an ``nn.Sequential``.

    Submodule indices (and hence state_dict keys) are ``0`` = conv, ``1`` = batch norm, then the ReLU;
    with ``padding_mode='replicate'`` a padding layer comes first (index 0), as in the original.
    args:
        in_planes, out_planes: input / output channels.
        kernel_size, stride, padding, dilation, bias: passed to ``nn.Conv2d``.
        batch_norm: append a BatchNorm2d.
        relu: append an (in-place) ReLU.
        padding_mode: 'zeros' (conv's own zero padding) or 'replicate' (an explicit padding layer).
    """
    if padding_mode not in ('zeros', 'replicate'):
        raise ValueError("conv_block: padding_mode must be 'zeros' or 'replicate', got {!r}".format(padding_mode))
    layers = []
    if padding_mode == 'replicate' and padding != 0:
        if not isinstance(padding, int):
            raise ValueError('conv_block: padding_mode="replicate" needs an int padding, got {!r}'.format(padding))
        # The original pads by reflection under this name; kept for identical numbers.
        layers.append(nn.ReflectionPad2d(padding))
        padding = 0
    layers.append(nn.Conv2d(in_planes, out_planes, kernel_size=kernel_size, stride=stride,
                            padding=padding, dilation=dilation, bias=bias))
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_planes))
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class LinearBlock(nn.Module):
    """Fully connected layer over a flattened ``[B, in_planes, input_sz, input_sz]`` input, then BN and ReLU.

    args:
        in_planes: input channels.
        out_planes: output features.
        input_sz: spatial size (square) of the input.
        bias, batch_norm, relu: as in :func:`conv_block`.
    Output shape: ``[B, out_planes]``.
    """

    def __init__(self, in_planes: int, out_planes: int, input_sz: int, bias: bool = True, batch_norm: bool = True,
                 relu: bool = True):
        super().__init__()
        self.linear = nn.Linear(in_planes * input_sz * input_sz, out_planes, bias=bias)
        self.bn = nn.BatchNorm2d(out_planes) if batch_norm else None
        self.relu = nn.ReLU(inplace=True) if relu else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x.reshape(x.shape[0], -1))
        if self.bn is not None:
            # BatchNorm2d (not 1d) so that checkpoints of the original load unchanged.
            x = self.bn(x.reshape(x.shape[0], x.shape[1], 1, 1))
        if self.relu is not None:
            x = self.relu(x)
        return x.reshape(x.shape[0], -1)

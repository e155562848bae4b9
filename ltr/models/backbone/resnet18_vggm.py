"""ResNet-18 with an additional VGG-M conv1 branch (used by the ECO-style deep features)."""
import os
import pickle
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from .base import Backbone
from .resnet import BasicBlock, ResNet, _LayerOutputs, _check_output_layers, _init_weights, _resnet_trunk

_VGGM_LAYERS = ('vggconv1', 'conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'fc')


class SpatialCrossMapLRN(nn.Module):
    """Local response normalisation as in (Lua)Torch: ``x / (k + alpha * mean(x^2 over window))^beta``.

    args:
        local_size: window size (channels when ACROSS_CHANNELS, else spatial).
        alpha, beta, k: LRN constants.
        ACROSS_CHANNELS: normalise across channels (True) or spatially within each channel (False).
    """

    def __init__(self, local_size: int = 1, alpha: float = 1.0, beta: float = 0.75, k: float = 1,
                 ACROSS_CHANNELS: bool = True):
        super().__init__()
        self.ACROSS_CHANNELS = ACROSS_CHANNELS
        pad = int((local_size - 1.0) / 2)
        if ACROSS_CHANNELS:
            self.average = nn.AvgPool3d(kernel_size=(local_size, 1, 1), stride=1, padding=(pad, 0, 0))
        else:
            self.average = nn.AvgPool2d(kernel_size=local_size, stride=1, padding=pad)
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sq = x.pow(2)
        if self.ACROSS_CHANNELS:
            mean_sq = self.average(sq.unsqueeze(1)).squeeze(1)
        else:
            mean_sq = self.average(sq)
        return x / (mean_sq * self.alpha + self.k).pow(self.beta)


class ResNetVGGm1(Backbone):
    """ResNet-18 plus a VGG-M conv1 (``vggmconv1`` + ReLU + LRN) branch, output name ``'vggconv1'``.

    args:
        block, layers: as for :class:`ResNet` (standard: BasicBlock, [2, 2, 2, 2]).
        output_layers: default outputs, subset of ('vggconv1', 'conv1', 'layer1', ..., 'fc') or ['default'].
        num_classes: fc outputs.
        frozen_layers: see :class:`Backbone`.
    """

    def __init__(self, block, layers: Sequence[int], output_layers: Sequence[str], num_classes: int = 1000,
                 frozen_layers: Union[str, Sequence[str]] = ()):
        self.inplanes = 64
        super().__init__(frozen_layers=frozen_layers)
        self.output_layers = output_layers
        self.vggmconv1 = nn.Conv2d(3, 96, (7, 7), (2, 2), padding=3)
        self.vgglrn = SpatialCrossMapLRN(5, 0.0005, 0.75, 2)
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = ResNet._make_layer(self, block, 64, layers[0])
        self.layer2 = ResNet._make_layer(self, block, 128, layers[1], stride=2)
        self.layer3 = ResNet._make_layer(self, block, 256, layers[2], stride=2)
        self.layer4 = ResNet._make_layer(self, block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        _init_weights(self)

    def forward(self, x: torch.Tensor, output_layers: Optional[Sequence[str]] = None):
        """Images ``x`` [B, 3, H, W] -> OrderedDict of the requested outputs (or the fc tensor for ['default'])."""
        if output_layers is None:
            output_layers = self.output_layers
        collect = _LayerOutputs(output_layers, _VGGM_LAYERS)
        if 'vggconv1' in collect.wanted:
            if collect.add('vggconv1', self.vgglrn(self.relu(self.vggmconv1(x)))):
                return collect.outputs
        return _resnet_trunk(self, x, collect)


def resnet18_vggmconv1(output_layers: Optional[Sequence[str]] = None, path: Optional[str] = None,
                       **kwargs) -> ResNetVGGm1:
    """ResNet-18 with a VGG-M conv1 branch.

    args:
        output_layers: see :class:`ResNetVGGm1`.
        path: optional weights file (a state_dict); loaded with strict=False as in the original.
        pretrained: accepted for interface uniformity; only False is supported (use ``path``).
    """
    if kwargs.pop('pretrained', False):
        raise ValueError('resnet18_vggmconv1 has no torchvision weights; pass path=<state_dict file> instead')
    output_layers = _check_output_layers(output_layers, _VGGM_LAYERS)
    model = ResNetVGGm1(BasicBlock, [2, 2, 2, 2], output_layers, **kwargs)
    if path is not None:
        if not os.path.isfile(path):
            raise FileNotFoundError('resnet18_vggmconv1: weights file not found: {}'.format(path))
        try:
            state = torch.load(path, map_location='cpu', weights_only=True)
        except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as err:
            raise ValueError('resnet18_vggmconv1: cannot read weights file {} as a state_dict ({}: {})'
                             .format(path, type(err).__name__, err)) from None
        model.load_state_dict(state, strict=False)
    return model

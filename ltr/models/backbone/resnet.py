"""ResNet backbones that return the outputs of any requested blocks.

Module names follow torchvision's ResNet, so torchvision ImageNet weights and the official tracker
checkpoints (``feature_extractor.*`` keys) load unchanged.
"""
import logging
import math
import os
import pickle
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.hub
import torch.nn as nn

from .base import Backbone

logger = logging.getLogger(__name__)

_RESNET_LAYERS = ('conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'fc')


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution without bias, padded to keep the size (for stride 1)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, bias=False,
                     dilation=dilation)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (ResNet-18/34). ``use_bn=False`` drops the BNs."""
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None,
                 dilation: int = 1, use_bn: bool = True):
        super().__init__()
        self.use_bn = use_bn
        self.conv1 = conv3x3(inplanes, planes, stride, dilation=dilation)
        if use_bn:
            self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, dilation=dilation)
        if use_bn:
            self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        if self.use_bn:
            out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        if self.use_bn:
            out = self.bn2(out)
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class Bottleneck(nn.Module):
    """1x1 - 3x3 - 1x1 residual block with 4x channel expansion (ResNet-50/101)."""
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None,
                 dilation: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=dilation, bias=False,
                               dilation=dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


def _init_weights(net: nn.Module) -> None:
    """He-normal convolutions (fan-out), unit/zero batch norms."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class _LayerOutputs:
    """Collects the requested block outputs of a forward pass and says when all have been found."""

    def __init__(self, output_layers: Sequence[str], known: Sequence[str] = _RESNET_LAYERS):
        self.wanted = list(output_layers)
        if self.wanted != ['default']:
            unknown = [name for name in self.wanted if name not in known]
            if unknown:
                raise ValueError('output_layers {}: unknown layer name(s) {}; known: {}'
                                 .format(self.wanted, unknown, list(known)))
        self.outputs = OrderedDict()

    def add(self, name: str, x: torch.Tensor) -> bool:
        if name in self.wanted:
            self.outputs[name] = x
        return len(self.outputs) == len(self.wanted)


def _resnet_trunk(net: nn.Module, x: torch.Tensor, collect: _LayerOutputs):
    """Run conv1..fc of a ResNet-like ``net``, stopping once every requested output is collected.

    Returns the collected OrderedDict, or the fc output when only 'default' was requested.
    """
    x = net.relu(net.bn1(net.conv1(x)))
    if collect.add('conv1', x):
        return collect.outputs
    x = net.maxpool(x)
    for name in ('layer1', 'layer2', 'layer3', 'layer4'):
        x = getattr(net, name)(x)
        if collect.add(name, x):
            return collect.outputs
    x = net.fc(torch.flatten(net.avgpool(x), 1))
    if collect.add('fc', x):
        return collect.outputs
    return x


class ResNet(Backbone):
    """ResNet whose forward returns an OrderedDict with the outputs of the requested blocks.

    args:
        block: BasicBlock or Bottleneck.
        layers: number of blocks in layer1..layer4.
        output_layers: default blocks to return, subset of ('conv1', 'layer1', ..., 'layer4', 'fc'), or
            ['default'] to return the fc output as a tensor.
        num_classes: fc outputs.
        inplanes: channels after conv1 (64 for the standard nets).
        dilation_factor: total stride reduction by dilation (1, 2, 4 or 8): the last blocks use dilation
            instead of stride so that layer4 has stride 32/dilation_factor.
        frozen_layers: see :class:`Backbone`.
    """

    def __init__(self, block, layers: Sequence[int], output_layers: Sequence[str], num_classes: int = 1000,
                 inplanes: int = 64, dilation_factor: int = 1, frozen_layers: Union[str, Sequence[str]] = ()):
        self.inplanes = inplanes
        super().__init__(frozen_layers=frozen_layers)
        self.output_layers = output_layers
        self.conv1 = nn.Conv2d(3, inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        # layer2/3/4 keep stride 2 unless the dilation factor has taken it over.
        strides = [1 if dilation_factor >= lim else 2 for lim in (8, 4, 2)]
        self.layer1 = self._make_layer(block, inplanes, layers[0], dilation=max(dilation_factor // 8, 1))
        self.layer2 = self._make_layer(block, inplanes * 2, layers[1], stride=strides[0],
                                       dilation=max(dilation_factor // 4, 1))
        self.layer3 = self._make_layer(block, inplanes * 4, layers[2], stride=strides[1],
                                       dilation=max(dilation_factor // 2, 1))
        self.layer4 = self._make_layer(block, inplanes * 8, layers[3], stride=strides[2], dilation=dilation_factor)

        self._out_feature_strides = {'conv1': 4, 'layer1': 4, 'layer2': 4 * strides[0],
                                     'layer3': 4 * strides[0] * strides[1],
                                     'layer4': 4 * strides[0] * strides[1] * strides[2]}
        if block is BasicBlock:
            mult = 1
        elif block is Bottleneck:
            mult = 4
        else:
            raise ValueError('ResNet: unsupported block type {}'.format(block))
        self._out_feature_channels = {'conv1': inplanes, 'layer1': inplanes * mult, 'layer2': inplanes * 2 * mult,
                                      'layer3': inplanes * 4 * mult, 'layer4': inplanes * 8 * mult}

        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes * 8 * block.expansion, num_classes)
        _init_weights(self)

    def out_feature_strides(self, layer: Optional[str] = None) -> Union[int, Dict[str, int]]:
        """Stride (in input pixels) of a block's output, or the dict of all of them."""
        return self._out_feature_strides if layer is None else self._out_feature_strides[layer]

    def out_feature_channels(self, layer: Optional[str] = None) -> Union[int, Dict[str, int]]:
        """Number of channels of a block's output, or the dict of all of them."""
        return self._out_feature_channels if layer is None else self._out_feature_channels[layer]

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion))
        # As in the original, only the first block of a stage is dilated.
        layers = [block(self.inplanes, planes, stride, downsample, dilation=dilation)]
        self.inplanes = planes * block.expansion
        layers.extend(block(self.inplanes, planes) for _ in range(1, blocks))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, output_layers: Optional[Sequence[str]] = None):
        """Run the network on images ``x`` ([B, 3, H, W]) up to the last requested block.

        args:
            output_layers: blocks to return (default: the ones given at construction).
        returns:
            OrderedDict name -> tensor, or the fc output tensor when output_layers is ['default'].
        """
        if output_layers is None:
            output_layers = self.output_layers
        return _resnet_trunk(self, x, _LayerOutputs(output_layers))


def _check_output_layers(output_layers: Optional[Sequence[str]], allowed: Sequence[str]) -> List[str]:
    if output_layers is None:
        return ['default']
    for name in output_layers:
        if name not in allowed:
            raise ValueError('Unknown layer: {} (known: {})'.format(name, ', '.join(allowed)))
    return list(output_layers)


class PretrainedWeightsError(RuntimeError):
    """ImageNet weights were requested but are neither cached locally nor downloadable."""


def load_imagenet_state_dict(weights) -> Dict[str, torch.Tensor]:
    """State dict of a torchvision ``WeightsEnum`` entry, read from the torch hub cache.

    The file is looked for in ``<torch hub dir>/checkpoints`` (``$TORCH_HOME/hub/checkpoints``, by default
    ``~/.cache/torch/hub/checkpoints``) and downloaded there if missing. When that is impossible (offline),
    raises :class:`PretrainedWeightsError` naming the file to place and where.
    """
    url = weights.url
    filename = os.path.basename(url)
    ckpt_dir = os.path.join(torch.hub.get_dir(), 'checkpoints')
    path = os.path.join(ckpt_dir, filename)
    if not os.path.isfile(path):
        logger.info('Downloading ImageNet weights %s to %s', url, path)
        try:
            os.makedirs(ckpt_dir, exist_ok=True)
            torch.hub.download_url_to_file(url, path, progress=False)
        except (OSError, RuntimeError, ValueError) as err:
            raise PretrainedWeightsError(
                'ImageNet weights {} are not cached and could not be downloaded ({}: {}). Download {} and place '
                'it at {} (or point TORCH_HOME at a folder whose hub/checkpoints/ holds it), or build the network '
                'with pretrained=False.'.format(weights, type(err).__name__, err, url, path)) from None
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as err:
        raise PretrainedWeightsError('Could not read ImageNet weights file {} ({}: {}); delete it and place a '
                                     'fresh copy of {} there.'.format(path, type(err).__name__, err, url)) from None


def _build(block, layers, output_layers, pretrained: bool, weights_name: Optional[str], **kwargs) -> ResNet:
    output_layers = _check_output_layers(output_layers, _RESNET_LAYERS)
    model = ResNet(block, layers, output_layers, **kwargs)
    if pretrained:
        if weights_name is None:
            raise ValueError('No ImageNet weights exist for this network; use pretrained=False')
        import torchvision.models as tvm
        enum_name, member = weights_name.split('.')
        model.load_state_dict(load_imagenet_state_dict(getattr(getattr(tvm, enum_name), member)))
    return model


def resnet_baby(output_layers: Optional[Sequence[str]] = None, pretrained: bool = False, inplanes: int = 16,
                **kwargs) -> ResNet:
    """A narrow ResNet-18 (``inplanes`` channels after conv1, default 16). No pretrained weights exist."""
    return _build(BasicBlock, [2, 2, 2, 2], output_layers, pretrained, None, inplanes=inplanes, **kwargs)


def resnet18(output_layers: Optional[Sequence[str]] = None, pretrained: bool = False, **kwargs) -> ResNet:
    """ResNet-18. ``pretrained=True`` loads torchvision's ResNet18_Weights.IMAGENET1K_V1."""
    return _build(BasicBlock, [2, 2, 2, 2], output_layers, pretrained, 'ResNet18_Weights.IMAGENET1K_V1', **kwargs)


def resnet50(output_layers: Optional[Sequence[str]] = None, pretrained: bool = False, **kwargs) -> ResNet:
    """ResNet-50. ``pretrained=True`` loads torchvision's ResNet50_Weights.IMAGENET1K_V1."""
    return _build(Bottleneck, [3, 4, 6, 3], output_layers, pretrained, 'ResNet50_Weights.IMAGENET1K_V1', **kwargs)


def resnet101(output_layers: Optional[Sequence[str]] = None, pretrained: bool = False, **kwargs) -> ResNet:
    """ResNet-101. ``pretrained=True`` loads torchvision's ResNet101_Weights.IMAGENET1K_V1."""
    return _build(Bottleneck, [3, 4, 23, 3], output_layers, pretrained, 'ResNet101_Weights.IMAGENET1K_V1',
                  **kwargs)

"""Feature blocks that map backbone features to target-classification features.

Each builder returns an ``nn.Sequential`` of ResNet residual blocks (torchvision's BasicBlock or
Bottleneck), an optional final 3x3 convolution and an optional instance L2 normalisation. The
submodule indices are part of the checkpoint format (``classifier.feature_extractor.<i>...``).
"""
from typing import Optional

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from ltr.models.layers.normalization import InstanceL2Norm
from ltr.models.layers.transform import InterpCat


def _finish(feat_layers: list, in_dim: int, out_dim: int, final_conv: bool, final_relu: bool,
            final_pool: bool, l2norm: bool, norm_scale: float) -> nn.Sequential:
    """Append the optional final conv (+ReLU, +pool) and L2 normalisation."""
    if final_conv:
        feat_layers.append(nn.Conv2d(in_dim, out_dim, kernel_size=3, padding=1, bias=False))
        if final_relu:
            feat_layers.append(nn.ReLU(inplace=True))
        if final_pool:
            feat_layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    if l2norm:
        feat_layers.append(InstanceL2Norm(scale=norm_scale))
    return nn.Sequential(*feat_layers)


def residual_basic_block(feature_dim: int = 256, num_blocks: int = 1, l2norm: bool = True, final_conv: bool = False,
                         norm_scale: float = 1.0, out_dim: Optional[int] = None, interp_cat: bool = False,
                         final_relu: bool = False, init_pool: bool = False) -> nn.Sequential:
    """Classification feature block made of ResNet-18/34 BasicBlocks.

    args:
        feature_dim - input channels (and channels of the residual blocks).
        num_blocks - number of BasicBlocks.
        l2norm - end with InstanceL2Norm(scale=norm_scale).
        final_conv - end with a 3x3 conv to ``out_dim`` channels (without it the last block outputs out_dim).
        norm_scale - scale of the L2 normalisation.
        out_dim - output channels (default feature_dim).
        interp_cat - start with InterpCat (input is a list/dict of feature maps).
        final_relu - ReLU after the final conv.
        init_pool - start with a 3x3 stride-2 max pooling.
    """
    out_dim = feature_dim if out_dim is None else out_dim
    feat_layers = []
    if interp_cat:
        feat_layers.append(InterpCat())
    if init_pool:
        feat_layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    for i in range(num_blocks):
        last_block_sets_dim = not final_conv and i == num_blocks - 1
        feat_layers.append(BasicBlock(feature_dim, out_dim if last_block_sets_dim else feature_dim))
    return _finish(feat_layers, feature_dim, out_dim, final_conv, final_relu, False, l2norm, norm_scale)


def residual_basic_block_pool(feature_dim: int = 256, num_blocks: int = 1, l2norm: bool = True,
                              final_conv: bool = False, norm_scale: float = 1.0, out_dim: Optional[int] = None,
                              pool: bool = True) -> nn.Sequential:
    """As :func:`residual_basic_block`, with a 3x3 stride-2 max pooling before the L2 normalisation."""
    out_dim = feature_dim if out_dim is None else out_dim
    feat_layers = []
    for i in range(num_blocks):
        last_block_sets_dim = not final_conv and i == num_blocks - 1
        feat_layers.append(BasicBlock(feature_dim, out_dim if last_block_sets_dim else feature_dim))
    if final_conv:
        feat_layers.append(nn.Conv2d(feature_dim, out_dim, kernel_size=3, padding=1, bias=False))
    if pool:
        feat_layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return _finish(feat_layers, feature_dim, out_dim, False, False, False, l2norm, norm_scale)


def residual_bottleneck(feature_dim: int = 256, num_blocks: int = 1, l2norm: bool = True, final_conv: bool = False,
                        norm_scale: float = 1.0, out_dim: Optional[int] = None, interp_cat: bool = False,
                        final_relu: bool = False, final_pool: bool = False) -> nn.Sequential:
    """Classification feature block made of ResNet-50 Bottleneck blocks.

    args:
        feature_dim - bottleneck width; the input has 4*feature_dim channels.
        num_blocks - number of Bottleneck blocks.
        l2norm, norm_scale - end with InstanceL2Norm(scale=norm_scale).
        final_conv - end with a 3x3 conv from 4*feature_dim to ``out_dim`` channels.
        out_dim - output channels (default feature_dim).
        interp_cat - start with InterpCat.
        final_relu, final_pool - ReLU / 3x3 stride-2 max pooling after the final conv.
    """
    out_dim = feature_dim if out_dim is None else out_dim
    feat_layers = []
    if interp_cat:
        feat_layers.append(InterpCat())
    for i in range(num_blocks):
        last_block_sets_dim = not final_conv and i == num_blocks - 1
        feat_layers.append(Bottleneck(4 * feature_dim, out_dim // 4 if last_block_sets_dim else feature_dim))
    return _finish(feat_layers, 4 * feature_dim, out_dim, final_conv, final_relu, final_pool, l2norm, norm_scale)

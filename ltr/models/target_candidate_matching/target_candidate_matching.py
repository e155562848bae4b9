"""The KeepTrack target candidate matching network (Mayer et al., ICCV 2021).

A ResNet-50 backbone (shared with the SuperDiMP-simple base tracker), a convolutional descriptor
head sampled at the candidate positions of the score map, and the :class:`SuperGlue` matcher that
associates the candidates of two frames.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

import ltr.models.backbone as backbones
from ltr.admin.model_constructor import model_constructor
from ltr.models.target_candidate_matching.superglue import SuperGlue


class DescriptorExtractor(nn.Module):
    """Per-candidate descriptors: a conv layer on the backbone features, read at score-map coordinates.

    With ``kernel_size`` 4 and padding 2 the conv output is one cell larger than the features, the
    same size as the DiMP score map (4x4 filter), so a score-map cell indexes its descriptor directly.
    Only the requested output cells are computed (a candidate's descriptor is the conv of its input
    window), which is much cheaper than the full conv map and gives the same values.

    args:
        backbone_feat_dim - channels of the backbone layer (1024 for ResNet-50 layer3).
        descriptor_dim - descriptor size.
        kernel_size - conv kernel size.
    """

    def __init__(self, backbone_feat_dim: int, descriptor_dim: int, kernel_size: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(in_channels=backbone_feat_dim, out_channels=descriptor_dim, kernel_size=kernel_size,
                              padding=kernel_size // 2, bias=True)

    def _sample(self, x: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        k, pad = self.conv.kernel_size, self.conv.padding
        out_h = x.shape[2] + 2 * pad[0] - k[0] + 1
        out_w = x.shape[3] + 2 * pad[1] - k[1] + 1
        coords = coords.long().to(x.device)
        if coords.numel() > 0 and (coords.min() < 0 or coords[..., 0].max() >= out_h or coords[..., 1].max() >= out_w):
            raise ValueError('DescriptorExtractor: candidate coordinates outside the {}x{} descriptor map'.format(
                out_h, out_w))
        xp = F.pad(x, (pad[1], pad[1], pad[0], pad[0]))
        # Input window of output cell (i, j): padded rows i..i+k-1, cols j..j+k-1.
        rows = coords[:, :, 0, None, None] + torch.arange(k[0], device=x.device).view(1, 1, -1, 1)
        cols = coords[:, :, 1, None, None] + torch.arange(k[1], device=x.device).view(1, 1, 1, -1)
        batch = torch.arange(x.shape[0], device=x.device).view(-1, 1, 1, 1)
        windows = xp[batch, :, rows, cols]                        # [B, N, kh, kw, C]
        # Flatten each window in the (C, kh, kw) order of the conv weight: one small matrix product.
        windows = windows.permute(0, 1, 4, 2, 3).reshape(coords.shape[0], coords.shape[1], -1)
        desc = F.linear(windows, self.conv.weight.reshape(self.conv.out_channels, -1), self.conv.bias)
        return desc.permute(0, 2, 1)

    def forward(self, x: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        """Descriptors ``[B, D, N]`` of features x ``[B, C, H, W]`` at integer (row, col) coords ``[B, N, 2]``."""
        return self._sample(x, coords)

    def get_descriptors(self, x: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        """As :meth:`forward`; coords may also be ``[N, 2]`` (one image)."""
        if coords.dim() == 2:
            coords = coords.unsqueeze(0)
        return self._sample(x, coords)


class TargetCandidateMatchingNetwork(nn.Module):
    """Backbone + descriptor extractor + matcher.

    args:
        feature_extractor - backbone; ``feature_extractor(im, layers)`` returns a dict of feature maps.
        classification_layer - list of backbone layer names the descriptors are computed from.
        descriptor_extractor - :class:`DescriptorExtractor`.
        matcher - :class:`SuperGlue`.
    """

    def __init__(self, feature_extractor: nn.Module, classification_layer: List[str],
                 descriptor_extractor: nn.Module, matcher: nn.Module):
        super().__init__()
        self.feature_extractor = feature_extractor
        self.classification_layer = [classification_layer] if isinstance(classification_layer, str) \
            else list(classification_layer)
        self.output_layers = sorted(set(self.classification_layer))
        self.descriptor_extractor = descriptor_extractor
        self.matcher = matcher

    def forward(self, img_cropped0: torch.Tensor, img_cropped1: torch.Tensor, candidate_tsm_coords0,
                candidate_tsm_coords1, candidate_img_coords0, candidate_img_coords1, candidate_scores0,
                candidate_scores1, img_shape0, img_shape1, **kwargs) -> Dict:
        """Match the candidates of two search-area crops (training).

        The inputs come from the data loader with a leading frame dimension of size 1 (index [0]
        is taken), as in the original:
            img_cropped0/1 - crops ``[1, B, 3, H, W]``;
            candidate_tsm_coords0/1 - score-map (row, col) ``[1, B, N, 2]``;
            candidate_img_coords0/1 - image coordinates ``[1, B, N, 2]``;
            candidate_scores0/1 - ``[1, B, N]``; img_shape0/1 - ``[1, B, 2]``.
        returns the matcher's output dict.
        """
        frame_feat0 = self.extract_backbone_features(img_cropped0.reshape(-1, *img_cropped0.shape[-3:]))
        frame_feat1 = self.extract_backbone_features(img_cropped1.reshape(-1, *img_cropped1.shape[-3:]))
        descriptors0 = self.descriptor_extractor(self.get_backbone_clf_feat(frame_feat0), candidate_tsm_coords0[0])
        descriptors1 = self.descriptor_extractor(self.get_backbone_clf_feat(frame_feat1), candidate_tsm_coords1[0])
        data = {
            'descriptors0': descriptors0,
            'descriptors1': descriptors1,
            'img_coords0': candidate_img_coords0[0],
            'img_coords1': candidate_img_coords1[0],
            'scores0': candidate_scores0[0],
            'scores1': candidate_scores1[0],
            'image_size0': img_shape0[0],
            'image_size1': img_shape1[0],
        }
        return self.matcher(data)

    def extract_backbone_features(self, im: torch.Tensor, layers: Optional[Sequence[str]] = None):
        """Backbone features (dict) of images ``[N, 3, H, W]``; default: the classification layer(s)."""
        if layers is None:
            layers = self.output_layers
        return self.feature_extractor(im, layers)

    def get_backbone_clf_feat(self, backbone_feat) -> Union[torch.Tensor, Dict[str, torch.Tensor]]:
        """The classification layer's feature map, or a dict when there are several layers."""
        feat = OrderedDict((l, backbone_feat[l]) for l in self.classification_layer)
        if len(self.classification_layer) == 1:
            return feat[self.classification_layer[0]]
        return feat


@model_constructor
def target_candidate_matching_net_resnet50(backbone_pretrained: bool = True, classification_layer=None,
                                           frozen_backbone_layers=(), skip_gnn: bool = False, GNN_layers=None,
                                           num_sinkhorn_iterations: int = 10, output_normalization: str = 'sinkhorn'):
    """KeepTrack's matching network with a ResNet-50 backbone (descriptors from layer3, 256-d,
    two (self, cross) graph layer pairs, 10 Sinkhorn iterations by default)."""
    if classification_layer is None:
        classification_layer = ['layer3']
    if GNN_layers is None:
        GNN_layers = ['self', 'cross'] * 2

    backbone_net = backbones.resnet50(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    descriptor_extractor = DescriptorExtractor(backbone_feat_dim=1024, descriptor_dim=256, kernel_size=4)
    matcher = SuperGlue(conf={'skip_gnn': skip_gnn, 'GNN_layers': GNN_layers,
                              'num_sinkhorn_iterations': num_sinkhorn_iterations,
                              'output_normalization': output_normalization})
    return TargetCandidateMatchingNetwork(feature_extractor=backbone_net, classification_layer=classification_layer,
                                          descriptor_extractor=descriptor_extractor, matcher=matcher)


@model_constructor
def target_candidate_matching_net_tiny(backbone_inplanes: int = 16, classification_layer=None,
                                       descriptor_dim: int = 64, keypoint_encoder=(16, 32, 64), GNN_layers=None,
                                       num_sinkhorn_iterations: int = 10, output_normalization: str = 'sinkhorn',
                                       backbone_pretrained: bool = False):
    """The matching network sized for ``dimpnet_tiny`` (the shipped synthetic-benchmark DiMP).

    Its ``resnet_baby`` backbone (``backbone_inplanes`` wide, no pretrained weights) is meant to be loaded from
    the base network and frozen; descriptors come from layer3 (4 x ``backbone_inplanes`` channels) and are
    ``descriptor_dim``-d, matched by two (self, cross) graph layer pairs. ``backbone_pretrained`` exists because
    network loaders pass it (as False); no pretrained weights exist.
    """
    if backbone_pretrained:
        raise ValueError('target_candidate_matching_net_tiny: no pretrained weights exist for its resnet_baby '
                         'backbone (backbone_pretrained must be False)')
    if classification_layer is None:
        classification_layer = ['layer3']
    if GNN_layers is None:
        GNN_layers = ['self', 'cross'] * 2
    layer_dims = {'layer2': 2 * backbone_inplanes, 'layer3': 4 * backbone_inplanes}
    if len(classification_layer) != 1 or classification_layer[0] not in layer_dims:
        raise ValueError('target_candidate_matching_net_tiny: classification_layer must be one of {}, got {!r}'.format(
            [[l] for l in sorted(layer_dims)], classification_layer))

    backbone_net = backbones.resnet_baby(pretrained=False, inplanes=backbone_inplanes)
    descriptor_extractor = DescriptorExtractor(backbone_feat_dim=layer_dims[classification_layer[0]],
                                               descriptor_dim=descriptor_dim, kernel_size=4)
    matcher = SuperGlue(conf={'input_dim': descriptor_dim, 'descriptor_dim': descriptor_dim,
                              'keypoint_encoder': list(keypoint_encoder), 'GNN_layers': GNN_layers,
                              'num_sinkhorn_iterations': num_sinkhorn_iterations,
                              'output_normalization': output_normalization})
    return TargetCandidateMatchingNetwork(feature_extractor=backbone_net, classification_layer=classification_layer,
                                          descriptor_extractor=descriptor_extractor, matcher=matcher)

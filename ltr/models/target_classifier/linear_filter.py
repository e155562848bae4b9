"""The DiMP target classifier: a linear filter learned from the training samples."""
import math
from typing import Optional

import torch
import torch.nn as nn

import ltr.models.layers.filter as filter_layer


def _init_conv_bn(module: nn.Module, init_weights: str = 'default'):
    """He-normal (fan-out) conv weights and zero biases; unit BN scale, zero BN shift.

    init_weights - 'default' as above, 'zero' for all-zero conv weights.
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            if init_weights == 'default':
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2. / n))
            elif init_weights == 'zero':
                m.weight.data.zero_()
            else:
                raise ValueError("Unknown init_weights '{}': expected 'default' or 'zero'".format(init_weights))
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()


class LinearFilter(nn.Module):
    """Target classification by a single linear filter, predicted by an initializer + optimizer.

    args:
        filter_size - spatial size of the filter.
        filter_initializer - module (feat, bb) -> initial filter.
        filter_optimizer - module (weights, feat=, bb=, ...) -> (filter, iterates, losses), or None.
        feature_extractor - module mapping backbone features to classification features, or None.
    """

    def __init__(self, filter_size: int, filter_initializer: nn.Module, filter_optimizer: Optional[nn.Module] = None,
                 feature_extractor: Optional[nn.Module] = None):
        super().__init__()
        self.filter_size = filter_size
        self.filter_initializer = filter_initializer
        self.filter_optimizer = filter_optimizer
        self.feature_extractor = feature_extractor

        if self.feature_extractor is not None:
            _init_conv_bn(self.feature_extractor)

    def forward(self, train_feat: torch.Tensor, test_feat: torch.Tensor, train_bb: torch.Tensor, *args, **kwargs):
        """Learn a filter on the train samples and apply every iterate to the test samples (training only).

        args:
            train_feat, test_feat - backbone features, (images, sequences, C, H, W) or (images*sequences, C, H, W).
            train_bb - target boxes (x, y, w, h) in image coords, (images, sequences, 4).
            *args, **kwargs - passed to the optimizer.
        returns a list of test score maps (images, sequences, oH, oW), one per filter iterate.
        """
        if train_bb.dim() != 3:
            raise ValueError('LinearFilter expects train_bb of shape (images, sequences, 4), got {}'.format(
                tuple(train_bb.shape)))
        num_sequences = train_bb.shape[1]
        if train_feat.dim() == 5:
            train_feat = train_feat.reshape(-1, *train_feat.shape[-3:])
        if test_feat.dim() == 5:
            test_feat = test_feat.reshape(-1, *test_feat.shape[-3:])

        train_feat = self.extract_classification_feat(train_feat, num_sequences)
        test_feat = self.extract_classification_feat(test_feat, num_sequences)

        _, filter_iter, _ = self.get_filter(train_feat, train_bb, *args, **kwargs)
        return [self.classify(f, test_feat) for f in filter_iter]

    def extract_classification_feat(self, feat: torch.Tensor, num_sequences: Optional[int] = None) -> torch.Tensor:
        """Classification features from backbone features (N, C, H, W).
        With ``num_sequences`` the output is reshaped to (images, sequences, C', H', W')."""
        if self.feature_extractor is None:
            return feat
        output = self.feature_extractor(feat)
        if num_sequences is None:
            return output
        return output.reshape(-1, num_sequences, *output.shape[-3:])

    def classify(self, weights: torch.Tensor, feat: torch.Tensor) -> torch.Tensor:
        """Apply the filter (sequences, C, fH, fW) to features (images, [sequences], C, H, W)."""
        return filter_layer.apply_filter(feat, weights)

    def get_filter(self, feat: torch.Tensor, bb: torch.Tensor, *args, **kwargs):
        """Initial filter, then optimized filter.

        args:
            feat - (images, [sequences], C, H, W); bb - (images, [sequences], 4) boxes (x, y, w, h).
            *args, **kwargs - passed to the optimizer (sample_weight, num_iter, compute_losses).
        returns (final filter (sequences, C, fH, fW), list of iterates, losses or None).
        """
        weights = self.filter_initializer(feat, bb)
        if self.filter_optimizer is None:
            return weights, [weights], None
        return self.filter_optimizer(weights, *args, feat=feat, bb=bb, **kwargs)

    def train_classifier(self, backbone_feat: torch.Tensor, bb: torch.Tensor):
        """Learn the filter from backbone features; bb (images, sequences, 4). Returns (filter, losses)."""
        num_sequences = bb.shape[1]
        if backbone_feat.dim() == 5:
            backbone_feat = backbone_feat.reshape(-1, *backbone_feat.shape[-3:])
        train_feat = self.extract_classification_feat(backbone_feat, num_sequences)
        final_filter, _, train_losses = self.get_filter(train_feat, bb)
        return final_filter, train_losses

    def track_frame(self, filter_weights: torch.Tensor, backbone_feat: torch.Tensor) -> torch.Tensor:
        """Scores of the filter on new backbone features (4 or 5 dims)."""
        num_sequences = None
        if backbone_feat.dim() == 5:
            num_sequences = backbone_feat.shape[1]
            backbone_feat = backbone_feat.reshape(-1, *backbone_feat.shape[-3:])
        test_feat = self.extract_classification_feat(backbone_feat, num_sequences)
        return filter_layer.apply_filter(test_feat, filter_weights)

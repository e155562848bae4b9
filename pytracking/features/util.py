"""Feature combinators."""
from typing import Sequence

import torch

from pytracking.features.featurebase import FeatureBase


class Concatenate(FeatureBase):
    """Concatenate several single-map features with the same stride along the channel axis.

    args:
        features: list of features.
    """

    def __init__(self, features: Sequence[FeatureBase], pool_stride=None, normalize_power=None,
                 use_for_color: bool = True, use_for_gray: bool = True):
        super().__init__(pool_stride=pool_stride, normalize_power=normalize_power,
                         use_for_color=use_for_color, use_for_gray=use_for_gray)
        self.features = features
        self.input_stride = self.features[0].stride()
        for feat in self.features:
            if self.input_stride != feat.stride():
                raise ValueError('Concatenate needs features with the same stride ({} != {})'.format(
                    self.input_stride, feat.stride()))

    def initialize(self, device=None):
        for feat in self.features:
            feat.initialize(device)

    def stride(self):
        return self.input_stride * self.pool_stride

    def dim(self):
        return sum(f.dim() for f in self.features)

    def extract(self, im: torch.Tensor) -> torch.Tensor:
        return torch.cat([f.get_feature(im) for f in self.features], 1)

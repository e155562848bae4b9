"""Feature extractors: crop image patches and run a list of features on them."""
from typing import List, Sequence, Tuple

import torch

from pytracking.features.preprocessing import sample_patch_multiscale, sample_patch_transformed
from pytracking.libs.tensorlist import TensorList


class ExtractorBase:
    """Base feature extractor.

    args:
        features: list of feature objects (:class:`pytracking.features.featurebase.FeatureBase`).
    """

    def __init__(self, features: Sequence):
        self.features = features

    def initialize(self, device=None) -> None:
        """Initialise every feature (load networks) on ``device``."""
        for f in self.features:
            f.initialize(device)

    def free_memory(self) -> None:
        for f in self.features:
            f.free_memory()


class SingleResolutionExtractor(ExtractorBase):
    """Extractor whose features share one stride; their maps are concatenated along channels."""

    def __init__(self, features: Sequence):
        super().__init__(features)
        self.feature_stride = self.features[0].stride()
        if isinstance(self.feature_stride, (list, TensorList)):
            self.feature_stride = self.feature_stride[0]

    def stride(self):
        return self.feature_stride

    def size(self, input_sz):
        return input_sz // self.stride()

    def extract(self, im: torch.Tensor, pos: torch.Tensor, scales, image_sz: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Feature map [S, C, h, w] of patches at each scale, and the patch coordinates [S, 4]."""
        im_patches, patch_coords = sample_patch_multiscale(im, pos, scales, image_sz)
        feature_map = torch.cat(TensorList([f.get_feature(im_patches) for f in self.features]).unroll(), dim=1)
        return feature_map, patch_coords


class MultiResolutionExtractor(ExtractorBase):
    """Extractor returning one map per feature output (a TensorList), possibly of different strides.

    args:
        features: list of features.
        patch_mode: border mode of the patch sampling ('replicate', 'inside', 'inside_major').
        max_scale_change: bound on the shrink factor in the 'inside' modes.
    """

    def __init__(self, features: Sequence, patch_mode: str = 'replicate', max_scale_change=None):
        super().__init__(features)
        self.patch_mode = patch_mode
        self.max_scale_change = max_scale_change
        self.is_color = None

    def stride(self) -> torch.Tensor:
        return torch.Tensor(TensorList([f.stride() for f in self.features if self._return_feature(f)]).unroll())

    def size(self, input_sz) -> TensorList:
        return TensorList([f.size(input_sz) for f in self.features if self._return_feature(f)]).unroll()

    def dim(self) -> TensorList:
        return TensorList([f.dim() for f in self.features if self._return_feature(f)]).unroll()

    def get_fparams(self, name: str = None):
        """The ``fparams`` of each used feature, or their attribute ``name`` flattened into one TensorList."""
        if name is None:
            return [f.fparams for f in self.features if self._return_feature(f)]
        return TensorList([getattr(f.fparams, name) for f in self.features if self._return_feature(f)]).unroll()

    def get_attribute(self, name: str, ignore_missing: bool = False) -> TensorList:
        if ignore_missing:
            return TensorList([getattr(f, name) for f in self.features if self._return_feature(f) and hasattr(f, name)])
        return TensorList([getattr(f, name, None) for f in self.features if self._return_feature(f)])

    def get_unique_attribute(self, name: str):
        """The attribute ``name`` of the single used feature that has it (error if none or several do)."""
        owners = [f for f in self.features if self._return_feature(f) and hasattr(f, name)]
        if len(owners) > 1:
            raise RuntimeError("The attribute '{}' is not unique among the features.".format(name))
        if not owners:
            raise RuntimeError("No feature has the attribute '{}'.".format(name))
        return getattr(owners[0], name)

    def _return_feature(self, f) -> bool:
        return self.is_color is None or (self.is_color and f.use_for_color) or (not self.is_color and f.use_for_gray)

    def set_is_color(self, is_color: bool) -> None:
        self.is_color = is_color

    def extract(self, im: torch.Tensor, pos: torch.Tensor, scales, image_sz: torch.Tensor
                ) -> Tuple[TensorList, torch.Tensor]:
        """Features of patches centred at ``pos`` (y, x) at each scale, resized to ``image_sz`` (h, w).

        returns:
            (TensorList of maps [S, C, h, w], patch coordinates [S, 4] = top, left, bottom, right)
        """
        im_patches, patch_coords = sample_patch_multiscale(im, pos, scales, image_sz, mode=self.patch_mode,
                                                           max_scale_change=self.max_scale_change)
        feature_map = TensorList([f.get_feature(im_patches) for f in self.features]).unroll()
        return feature_map, patch_coords

    def extract_transformed(self, im: torch.Tensor, pos: torch.Tensor, scale, image_sz: torch.Tensor,
                            transforms: List) -> TensorList:
        """Features of one patch under each of the augmentation ``transforms`` (one sample per transform)."""
        im_patches = sample_patch_transformed(im, pos, scale, image_sz, transforms)
        return TensorList([f.get_feature(im_patches) for f in self.features]).unroll()

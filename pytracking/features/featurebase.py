"""Base classes of the hand-crafted / deep feature extractors used by ATOM-style trackers."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from pytracking.libs.tensorlist import TensorList


def _normalize_feature(feat: torch.Tensor, power: float) -> torch.Tensor:
    """Divide each sample of ``feat`` [B, C, H, W] by its mean |value|^power, to the power 1/power."""
    norm = (feat.abs().reshape(feat.shape[0], 1, 1, -1) ** power).sum(dim=3, keepdim=True)
    norm = (norm / (feat.shape[1] * feat.shape[2] * feat.shape[3]) + 1e-10) ** (1 / power)
    return feat / norm


class FeatureBase:
    """Base feature class.

    args:
        fparams: feature specific parameters (a ``FeatureParams``).
        pool_stride: average pooling stride applied to the feature map (1 = none).
        output_size: alternatively, the (h, w) of the output map (adaptive average pooling).
        normalize_power: exponent of the per-sample normalisation; ``None`` disables it.
        use_for_color: use this feature for colour images.
        use_for_gray: use this feature for grayscale images.
    """

    def __init__(self, fparams=None, pool_stride=None, output_size=None, normalize_power: Optional[float] = None,
                 use_for_color: bool = True, use_for_gray: bool = True):
        self.fparams = fparams
        self.pool_stride = 1 if pool_stride is None else pool_stride
        self.output_size = output_size
        self.normalize_power = normalize_power
        self.use_for_color = use_for_color
        self.use_for_gray = use_for_gray

    def initialize(self, device=None):
        """Load whatever the feature needs (networks); ``device`` is where it should run."""

    def free_memory(self):
        """Release large buffers (optional)."""

    def dim(self):
        raise NotImplementedError

    def stride(self):
        raise NotImplementedError

    def size(self, im_sz):
        """Feature map size for an input of size ``im_sz`` (h, w)."""
        if self.output_size is None:
            return im_sz // self.stride()
        if isinstance(im_sz, torch.Tensor):
            return torch.Tensor([self.output_size[0], self.output_size[1]])
        return self.output_size

    def extract(self, im: torch.Tensor):
        """Compute the raw feature of an image batch ``[B, C, H, W]`` (0-255)."""
        raise NotImplementedError

    def _skip(self, im: torch.Tensor) -> bool:
        is_color = im.shape[1] == 3
        return (is_color and not self.use_for_color) or (not is_color and not self.use_for_gray)

    def get_feature(self, im: torch.Tensor) -> torch.Tensor:
        """Feature of image patches ``im`` [B, C, H, W] after pooling and normalisation
        (an empty tensor when the feature is not used for this kind of image)."""
        if self._skip(im):
            return torch.Tensor([])
        feat = self.extract(im)
        if self.output_size is not None:
            feat = F.adaptive_avg_pool2d(feat, self.output_size)
        elif self.pool_stride != 1:
            feat = F.avg_pool2d(feat, self.pool_stride, self.pool_stride)
        if self.normalize_power is not None:
            feat = _normalize_feature(feat, self.normalize_power)
        return feat


class MultiFeatureBase(FeatureBase):
    """A feature with several output maps (e.g. several CNN layers); see :class:`FeatureBase`.
    ``pool_stride`` and ``output_size`` are then per-output lists."""

    def size(self, im_sz):
        if self.output_size is None:
            return TensorList([im_sz // s for s in self.stride()])
        if isinstance(im_sz, torch.Tensor):
            return TensorList([im_sz // s if sz is None else torch.Tensor([sz[0], sz[1]])
                               for sz, s in zip(self.output_size, self.stride())])
        return TensorList(self.output_size)

    def get_feature(self, im: torch.Tensor) -> TensorList:
        if self._skip(im):
            return torch.Tensor([])
        feat_list = self.extract(im)
        output_sz = [None] * len(feat_list) if self.output_size is None else self.output_size
        strides = self.pool_stride if isinstance(self.pool_stride, (list, tuple, TensorList)) \
            else [self.pool_stride] * len(feat_list)
        for i, (sz, s) in enumerate(zip(output_sz, strides)):
            if sz is not None:
                feat_list[i] = F.adaptive_avg_pool2d(feat_list[i], sz)
            elif s != 1:
                feat_list[i] = F.avg_pool2d(feat_list[i], s, s)
        if self.normalize_power is not None:
            for i in range(len(feat_list)):
                feat_list[i] = _normalize_feature(feat_list[i], self.normalize_power)
        return feat_list

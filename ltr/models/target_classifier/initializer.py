"""Modules that produce the initial target-classification filter from the training samples."""
import torch
import torch.nn as nn

from ltr.models.layers.blocks import conv_block
from ltr.models.layers.prroi_pool import PrRoIPool2D
from ltr.models.target_classifier.linear_filter import _init_conv_bn


def _combine_filters(weights: torch.Tensor, num_images: int, filter_norm: bool) -> torch.Tensor:
    """Average per-image filters (images*sequences, C, fH, fW) over the images of each sequence and
    optionally divide by the number of filter elements."""
    if num_images > 1:
        weights = torch.mean(weights.reshape(num_images, -1, *weights.shape[-3:]), dim=0)
    if filter_norm:
        weights = weights / (weights.shape[1] * weights.shape[2] * weights.shape[3])
    return weights


class FilterPool(nn.Module):
    """Pool the target region of a feature map into a filter-sized patch (Precise RoI Pooling).

    args:
        filter_size - output size (filter_size x filter_size).
        feature_stride - stride of the feature map w.r.t. the image.
        pool_square - pool a square of the same area, centred on the box, instead of the box.
    """

    def __init__(self, filter_size: int = 1, feature_stride: int = 16, pool_square: bool = False):
        super().__init__()
        self.prroi_pool = PrRoIPool2D(filter_size, filter_size, 1 / feature_stride)
        self.pool_square = pool_square

    def forward(self, feat: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        """feat - (num_samples, C, H, W); bb - boxes (x, y, w, h) in image coords, reshapable to (num_samples, 4).
        returns (num_samples, C, filter_size, filter_size)."""
        bb = bb.reshape(-1, 4)
        batch_index = torch.arange(bb.shape[0], dtype=bb.dtype, device=bb.device).reshape(-1, 1)
        xy, wh = bb[:, :2], bb[:, 2:]
        if self.pool_square:
            side = wh.prod(dim=1, keepdim=True).sqrt()
            xy = xy + wh / 2 - side / 2
            wh = side.expand(-1, 2)
        rois = torch.cat((batch_index, xy, xy + wh), dim=1)
        return self.prroi_pool(feat, rois)


class FilterInitializer(nn.Module):
    """Initial filter from conv layers before and after pooling the target region.

    args:
        filter_size - filter size.
        feature_dim - feature channels.
        feature_stride - feature stride.
        pool_square - see :class:`FilterPool`.
        filter_norm - divide the filter by its number of elements.
        num_filter_pre_convs - 3x3 conv blocks before pooling.
        num_filter_post_convs - 1x1 conv blocks after pooling (followed by one plain 1x1 conv).
    """

    def __init__(self, filter_size: int = 1, feature_dim: int = 256, feature_stride: int = 16,
                 pool_square: bool = False, filter_norm: bool = True, num_filter_pre_convs: int = 1,
                 num_filter_post_convs: int = 0):
        super().__init__()
        self.filter_pool = FilterPool(filter_size=filter_size, feature_stride=feature_stride, pool_square=pool_square)
        self.filter_norm = filter_norm

        pre = [conv_block(feature_dim, feature_dim, kernel_size=3, padding=1) for _ in range(num_filter_pre_convs)]
        self.filter_pre_layers = nn.Sequential(*pre) if pre else None

        post = [conv_block(feature_dim, feature_dim, kernel_size=1, padding=0) for _ in range(num_filter_post_convs)]
        post.append(nn.Conv2d(feature_dim, feature_dim, kernel_size=1, padding=0))
        self.filter_post_layers = nn.Sequential(*post)

        _init_conv_bn(self)

    def forward(self, feat: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        """feat - (images, [sequences], C, H, W); bb - (images, [sequences], 4) boxes (x, y, w, h).
        returns the filter (sequences, C, fH, fW)."""
        num_images = bb.shape[0] if bb.dim() == 3 else 1
        feat = feat.reshape(-1, *feat.shape[-3:])
        if self.filter_pre_layers is not None:
            feat = self.filter_pre_layers(feat)
        weights = self.filter_post_layers(self.filter_pool(feat, bb))
        return _combine_filters(weights, num_images, self.filter_norm)


class FilterInitializerLinear(nn.Module):
    """Initial filter from one linear conv layer followed by pooling the target region (DiMP).

    args:
        filter_size - filter size.
        feature_dim - feature channels.
        feature_stride - feature stride.
        pool_square - see :class:`FilterPool`.
        filter_norm - divide the filter by its number of elements.
        conv_ksz - kernel size of the conv layer.
        init_weights - 'default' (He-normal) or 'zero' (PrDiMP).
    """

    def __init__(self, filter_size: int = 1, feature_dim: int = 256, feature_stride: int = 16,
                 pool_square: bool = False, filter_norm: bool = True, conv_ksz: int = 3,
                 init_weights: str = 'default'):
        super().__init__()
        self.filter_conv = nn.Conv2d(feature_dim, feature_dim, kernel_size=conv_ksz, padding=conv_ksz // 2)
        self.filter_pool = FilterPool(filter_size=filter_size, feature_stride=feature_stride, pool_square=pool_square)
        self.filter_norm = filter_norm
        _init_conv_bn(self, init_weights)

    def forward(self, feat: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        """feat - (images, [sequences], C, H, W); bb - (images, [sequences], 4) boxes (x, y, w, h).
        returns the filter (sequences, C, fH, fW)."""
        num_images = feat.shape[0]
        feat = self.filter_conv(feat.reshape(-1, *feat.shape[-3:]))
        return _combine_filters(self.filter_pool(feat, bb), num_images, self.filter_norm)


class FilterInitializerZero(nn.Module):
    """All-zero initial filter.

    args:
        filter_size - filter size.
        feature_dim - feature channels.
    """

    def __init__(self, filter_size: int = 1, feature_dim: int = 256):
        super().__init__()
        self.filter_size = (feature_dim, filter_size, filter_size)

    def forward(self, feat: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        """feat - (images, [sequences], C, H, W); returns zeros (sequences, C, fH, fW)."""
        num_sequences = feat.shape[1] if feat.dim() == 5 else 1
        return feat.new_zeros(num_sequences, *self.filter_size)


class FilterInitializerSiamese(nn.Module):
    """Initial filter by pooling the target region only (as in Siamese trackers).

    args:
        filter_size - filter size.
        feature_stride - feature stride.
        pool_square - see :class:`FilterPool`.
        filter_norm - divide the filter by its number of elements.
    """

    def __init__(self, filter_size: int = 1, feature_stride: int = 16, pool_square: bool = False,
                 filter_norm: bool = True):
        super().__init__()
        self.filter_pool = FilterPool(filter_size=filter_size, feature_stride=feature_stride, pool_square=pool_square)
        self.filter_norm = filter_norm

    def forward(self, feat: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        """feat - (images, [sequences], C, H, W); bb - (images, [sequences], 4) boxes (x, y, w, h).
        returns the filter (sequences, C, fH, fW)."""
        num_images = feat.shape[0]
        return _combine_filters(self.filter_pool(feat.reshape(-1, *feat.shape[-3:]), bb), num_images,
                                self.filter_norm)

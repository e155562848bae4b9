"""Precise RoI Pooling (Jiang et al., "Acquisition of Localization Confidence for Accurate Object
Detection", ECCV 2018) in plain PyTorch.

Each output bin is the exact integral of the bilinearly interpolated feature map over the bin, divided by
the bin area. The interpolated map is ``f(y, x) = sum_ij F[i, j] k(y - i) k(x - j)`` with the hat kernel
``k(t) = max(0, 1 - |t|)``: samples sit at integer pixel coordinates and the map is zero outside. The
integral therefore factorises,

    integral over [y0, y1] x [x0, x1] = sum_ij F[i, j] * Ky_i * Kx_j,   Kx_j = int_{x0}^{x1} k(x - j) dx,

where ``Kx_j`` is a closed-form piecewise quadratic of the bin edges. Forward and backward (with respect to
the features and the roi coordinates) thus follow from autograd on a few tensor contractions, on any device.
The conventions (roi format, scaling, empty bins give 0, no gradient for the batch index) are those of the
original CUDA extension.
"""
from typing import Tuple

import torch
import torch.nn as nn

__all__ = ['prroi_pool2d', 'PrRoIPool2D']


def _hat_integrals(start: torch.Tensor, bin_size: torch.Tensor, num_bins: int, length: int) -> torch.Tensor:
    """Integral of the hat kernel centred on each pixel over each bin of one axis.

    args:
        start: [K] first bin edge of each roi (feature-map coordinates).
        bin_size: [K] bin length (>= 0).
        num_bins: bins per roi along this axis.
        length: feature-map size along this axis.
    returns:
        [K, num_bins, length] tensor W with W[k, p, j] = int over bin p of roi k of max(0, 1 - |x - j|) dx.
    """
    pix = torch.arange(length, dtype=start.dtype, device=start.device)
    steps = torch.arange(num_bins + 1, dtype=start.dtype, device=start.device)
    # Edges relative to each pixel. (start - j) first keeps precision for small bins far from the origin.
    rel = (start[:, None, None] - pix[None, None, :]) + (steps[None, :] * bin_size[:, None])[:, :, None]
    lo, hi = rel[:, :-1], rel[:, 1:]
    # Rising flank u in [-1, 0]: k = 1 + u.  Falling flank u in [0, 1]: k = 1 - u.
    s, t = lo.clamp(-1.0, 0.0), hi.clamp(-1.0, 0.0)
    rising = (t - s) * (1.0 + 0.5 * (t + s))
    s, t = lo.clamp(0.0, 1.0), hi.clamp(0.0, 1.0)
    falling = (t - s) * (1.0 - 0.5 * (t + s))
    return rising + falling


def _slots_per_image(batch_idx: torch.Tensor, num_images: int) -> Tuple[torch.Tensor, int]:
    """Position of each roi among the rois of its image, and the largest number of rois of one image."""
    counts = torch.bincount(batch_idx, minlength=num_images)
    order = torch.argsort(batch_idx, stable=True)
    first = torch.cumsum(counts, 0) - counts
    slot = torch.empty_like(batch_idx)
    slot[order] = torch.arange(batch_idx.numel(), device=batch_idx.device) - first[batch_idx[order]]
    return slot, int(counts.max().item())


def prroi_pool2d(features: torch.Tensor, rois: torch.Tensor, pooled_height: int, pooled_width: int,
                 spatial_scale: float) -> torch.Tensor:
    """Precise RoI pooling.

    args:
        features: [B, C, H, W] feature maps.
        rois: [K, 5] boxes ``(batch_index, x1, y1, x2, y2)`` in input-image coordinates (multiplied by
            ``spatial_scale`` to get feature-map coordinates, in which pixel (i, j) sits at y = i, x = j).
        pooled_height, pooled_width: number of bins per roi.
        spatial_scale: feature-map size / input-image size (e.g. 1/8).
    returns:
        [K, C, pooled_height, pooled_width]: mean of the interpolated map over each bin (0 for empty bins).
        Differentiable with respect to ``features`` and the box coordinates of ``rois``.
    """
    if features.dim() != 4:
        raise ValueError('prroi_pool2d: features must be [B, C, H, W], got shape {}'.format(tuple(features.shape)))
    if rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError('prroi_pool2d: rois must be [K, 5] = (batch_index, x1, y1, x2, y2), got shape {}'
                         .format(tuple(rois.shape)))
    pooled_height, pooled_width = int(pooled_height), int(pooled_width)
    if pooled_height < 1 or pooled_width < 1:
        raise ValueError('prroi_pool2d: pooled size must be positive, got {}x{}'.format(pooled_height, pooled_width))
    num_images, num_channels, height, width = features.shape
    num_rois = rois.shape[0]
    if num_rois == 0:
        return features.new_zeros(0, num_channels, pooled_height, pooled_width)

    batch_idx = rois[:, 0].detach().long()
    lo_hi = torch.stack([batch_idx.min(), batch_idx.max()]).tolist()
    if lo_hi[0] < 0 or lo_hi[1] >= num_images:
        raise ValueError('prroi_pool2d: roi batch indices must lie in [0, {}), got [{}, {}]'
                         .format(num_images, lo_hi[0], lo_hi[1]))

    # Half-precision features (or autocast): pool in float32, since bin weights of sub-pixel bins need
    # the precision; the result comes back in the features' dtype.
    work_dtype = features.dtype if features.dtype in (torch.float32, torch.float64) else torch.float32
    with torch.autocast(device_type=features.device.type, enabled=False):
        out = _pool(features.to(work_dtype), rois, batch_idx, pooled_height, pooled_width, spatial_scale)
    return out.to(features.dtype)


def _pool(feats: torch.Tensor, rois: torch.Tensor, batch_idx: torch.Tensor, pooled_height: int, pooled_width: int,
          spatial_scale: float) -> torch.Tensor:
    """prroi_pool2d on validated input; ``feats`` float32/64, returns [K, C, ph, pw] in that dtype."""
    work_dtype = feats.dtype
    num_images, num_channels, height, width = feats.shape
    num_rois = rois.shape[0]
    box = rois[:, 1:5].to(work_dtype) * spatial_scale
    x1, y1, x2, y2 = box.unbind(dim=1)
    bin_w = (x2 - x1).clamp(min=0.0) / pooled_width
    bin_h = (y2 - y1).clamp(min=0.0) / pooled_height
    wx = _hat_integrals(x1, bin_w, pooled_width, width)     # [K, pw, W]
    wy = _hat_integrals(y1, bin_h, pooled_height, height)   # [K, ph, H]
    # Fold the division by the bin area into the (small) y-weights; empty bins get weight 0, hence output 0.
    area = bin_w * bin_h
    nonempty = area > 0
    inv_area = torch.where(nonempty, 1.0 / torch.where(nonempty, area, torch.ones_like(area)),
                           torch.zeros_like(area))
    wy = wy * inv_area[:, None, None]

    # Contract x first, image by image: scatter each roi's x-weights into a zero-padded per-image block so
    # one batched matmul serves all rois without copying the feature map per roi.
    slot, max_per_image = _slots_per_image(batch_idx, num_images)
    # Common case (training batches): rois already ordered by image, the same number per image. Then the
    # per-image blocks are plain views and no scatter/gather copies are needed.
    in_blocks = num_rois == num_images * max_per_image and torch.equal(
        batch_idx, torch.arange(num_images, device=batch_idx.device).repeat_interleave(max_per_image))
    if in_blocks:
        wx_img = wx
    else:
        wx_img = wx.new_zeros(num_images, max_per_image, pooled_width, width).index_put((batch_idx, slot), wx)
    # [B, Kmax*pw, W] x [B, W, C*H]: rois-major output so that picking each roi's block below copies
    # contiguous [pw, C, H] slabs.
    cols = torch.matmul(wx_img.reshape(num_images, max_per_image * pooled_width, width),
                        feats.reshape(num_images, num_channels * height, width).transpose(1, 2))
    if in_blocks:
        cols = cols.view(num_rois, pooled_width * num_channels, height)
    else:
        cols = cols.view(num_images, max_per_image, pooled_width * num_channels, height)[batch_idx, slot]

    # Then y, roi by roi: [K, pw*C, H] x [K, H, ph].
    pooled = torch.bmm(cols, wy.transpose(1, 2))
    pooled = pooled.view(num_rois, pooled_width, num_channels, pooled_height).permute(0, 2, 3, 1)

    return pooled.contiguous()


class PrRoIPool2D(nn.Module):
    """Module form of :func:`prroi_pool2d`.

    args:
        pooled_height, pooled_width: output bins per roi.
        spatial_scale: feature-map size / input-image size.
    forward(features [B, C, H, W], rois [K, 5] = (batch_index, x1, y1, x2, y2)) -> [K, C, ph, pw].
    """

    def __init__(self, pooled_height: int, pooled_width: int, spatial_scale: float):
        super().__init__()
        self.pooled_height = int(pooled_height)
        self.pooled_width = int(pooled_width)
        self.spatial_scale = float(spatial_scale)

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        return prroi_pool2d(features, rois, self.pooled_height, self.pooled_width, self.spatial_scale)

    def extra_repr(self) -> str:
        return 'kernel_size=({}, {}), spatial_scale={}'.format(self.pooled_height, self.pooled_width,
                                                               self.spatial_scale)

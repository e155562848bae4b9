"""Bounding-box format conversions and box/mask helpers used by the training data pipeline.

Formats used in this module:

* ``xywh``   - ``[x, y, w, h]``: top-left corner and size (the format of every dataset annotation),
* ``corner`` - ``[x1, y1, x2, y2]``: top-left and bottom-right corners,
* ``center`` - ``[cx, cy, w, h]``: box centre and size,
* ``rel``    - ``[cx / sw, cy / sh, log(w), log(h)]``: the relative parametrisation used for
  Gaussian-mixture proposal sampling (``sw, sh`` is a normalising size, the box size by default).
"""
from typing import List, Optional, Sequence, Union

import numpy as np
import torch

ArrayLike = Union[torch.Tensor, np.ndarray]

__all__ = ['rect_to_rel', 'rel_to_rect', 'masks_to_bboxes', 'masks_to_bboxes_multi',
           'box_xywh_to_xyxy', 'box_xyxy_to_xywh', 'box_cxcywh_to_xyxy', 'box_xyxy_to_cxcywh',
           'batch_xywh2corner', 'batch_xywh2center', 'batch_xywh2center2', 'batch_center2corner',
           'batch_corner2center', 'batch_box_iou']


def rect_to_rel(bb: torch.Tensor, sz_norm: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``[..., 4]`` xywh boxes -> relative parametrisation ``[cx/sw, cy/sh, log w, log h]``.

    args:
        bb: ``[..., 4]`` boxes in xywh.
        sz_norm: ``[..., 2]`` normalising size ``(sw, sh)``; the box's own size when None.
    """
    c = bb[..., :2] + 0.5 * bb[..., 2:]
    norm = bb[..., 2:] if sz_norm is None else sz_norm
    return torch.cat((c / norm, torch.log(bb[..., 2:])), dim=-1)


def rel_to_rect(bb: torch.Tensor, sz_norm: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Inverse of :func:`rect_to_rel`: ``[..., 4]`` relative boxes -> xywh boxes."""
    sz = torch.exp(bb[..., 2:])
    norm = sz if sz_norm is None else sz_norm
    c = bb[..., :2] * norm
    return torch.cat((c - 0.5 * sz, sz), dim=-1)


def _mask_extent(m: torch.Tensor) -> List[float]:
    """[x_min, y_min, x_max, y_max] of the non-zero pixels of a 2-D mask (inclusive), zeros if empty."""
    cols = torch.nonzero(m.sum(dim=-2)).flatten()
    rows = torch.nonzero(m.sum(dim=-1)).flatten()
    if cols.numel() == 0 or rows.numel() == 0:
        return [0.0, 0.0, 0.0, 0.0]
    return [float(cols.min()), float(rows.min()), float(cols.max()), float(rows.max())]


def _extent_to_format(ext: torch.Tensor, fmt: str) -> torch.Tensor:
    if fmt == 'v':
        return ext
    tl = ext[..., :2]
    sz = ext[..., 2:] - tl + 1  # pixel extents are inclusive
    if fmt == 'c':
        return torch.cat((tl + 0.5 * sz, sz), dim=-1)
    if fmt == 't':
        return torch.cat((tl, sz), dim=-1)
    raise ValueError("Unknown bounding box layout '{}': use 'c' (center+size), 't' (top-left+size) "
                     "or 'v' (vertices)".format(fmt))


def masks_to_bboxes(mask: torch.Tensor, fmt: str = 'c') -> torch.Tensor:
    """Bounding box of the non-zero pixels of each mask.

    args:
        mask: ``[..., H, W]`` masks.
        fmt: ``'c'`` -> (cx, cy, w, h); ``'t'`` -> (x, y, w, h); ``'v'`` -> (x1, y1, x2, y2) inclusive pixels.
    returns:
        ``[..., 4]`` float32 boxes (all zeros for an empty mask in ``'v'`` format).
    """
    if fmt not in ('c', 't', 'v'):
        _extent_to_format(torch.zeros(4), fmt)
    batch_shape = mask.shape[:-2]
    flat = mask.reshape((-1,) + tuple(mask.shape[-2:]))
    ext = torch.tensor([_mask_extent(m) for m in flat], dtype=torch.float32, device=mask.device)
    ext = ext.reshape(tuple(batch_shape) + (4,))
    return _extent_to_format(ext, fmt)


def masks_to_bboxes_multi(mask: torch.Tensor, ids: Sequence[int], fmt: str = 'c') -> List[torch.Tensor]:
    """One box per object id in a 2-D label mask ``[H, W]``; see :func:`masks_to_bboxes` for ``fmt``."""
    if mask.dim() != 2:
        raise ValueError('masks_to_bboxes_multi expects a 2-D label mask, got shape {}'.format(tuple(mask.shape)))
    out = []
    for obj_id in ids:
        ext = torch.tensor(_mask_extent((mask == obj_id).float()), dtype=torch.float32, device=mask.device)
        out.append(_extent_to_format(ext, fmt))
    return out


def box_xywh_to_xyxy(x: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` xywh -> corner format."""
    return torch.cat((x[..., :2], x[..., :2] + x[..., 2:]), dim=-1)


def box_xyxy_to_xywh(x: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` corner -> xywh format."""
    return torch.cat((x[..., :2], x[..., 2:] - x[..., :2]), dim=-1)


def box_cxcywh_to_xyxy(x: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` center format -> corner format."""
    return torch.cat((x[..., :2] - 0.5 * x[..., 2:], x[..., :2] + 0.5 * x[..., 2:]), dim=-1)


def box_xyxy_to_cxcywh(x: torch.Tensor) -> torch.Tensor:
    """``[..., 4]`` corner format -> center format."""
    return torch.cat((0.5 * (x[..., :2] + x[..., 2:]), x[..., 2:] - x[..., :2]), dim=-1)


def _stack_cols(boxes: ArrayLike, cols) -> ArrayLike:
    if isinstance(boxes, np.ndarray):
        return np.stack(cols, 1)
    return torch.stack(cols, 1)


def batch_xywh2corner(boxes: ArrayLike) -> ArrayLike:
    """``[N, 4]`` xywh -> ``[N, 4]`` (x1, y1, x2, y2) with ``x2 = x + w``; numpy or torch."""
    return _stack_cols(boxes, [boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]])


def batch_xywh2center(boxes: ArrayLike) -> ArrayLike:
    """``[N, 4]`` xywh -> center format with the pixel-index centre ``x + (w - 1) / 2``; numpy or torch."""
    return _stack_cols(boxes, [boxes[:, 0] + (boxes[:, 2] - 1) / 2, boxes[:, 1] + (boxes[:, 3] - 1) / 2,
                               boxes[:, 2], boxes[:, 3]])


def batch_xywh2center2(boxes: ArrayLike) -> ArrayLike:
    """``[N, 4]`` xywh -> center format with the continuous centre ``x + w / 2``; numpy or torch."""
    return _stack_cols(boxes, [boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2,
                               boxes[:, 2], boxes[:, 3]])


def batch_center2corner(boxes: ArrayLike) -> ArrayLike:
    """``[N, 4]`` (cx, cy, w, h) -> ``[N, 4]`` (x1, y1, x2, y2); numpy or torch."""
    return _stack_cols(boxes, [boxes[:, 0] - 0.5 * boxes[:, 2], boxes[:, 1] - 0.5 * boxes[:, 3],
                               boxes[:, 0] + 0.5 * boxes[:, 2], boxes[:, 1] + 0.5 * boxes[:, 3]])


def batch_corner2center(boxes: ArrayLike) -> ArrayLike:
    """``[N, 4]`` (x1, y1, x2, y2) -> ``[N, 4]`` (cx, cy, w, h); numpy or torch."""
    return _stack_cols(boxes, [(boxes[:, 0] + boxes[:, 2]) * 0.5, (boxes[:, 1] + boxes[:, 3]) * 0.5,
                               boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]])


def batch_box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Element-wise IoU of two ``[N, 4]`` sets of corner-format boxes ``(x1, y1, x2, y2)``; returns ``[N]``."""
    area1 = (boxes1[:, 2] - boxes1[:, 0]).clamp(min=0) * (boxes1[:, 3] - boxes1[:, 1]).clamp(min=0)
    area2 = (boxes2[:, 2] - boxes2[:, 0]).clamp(min=0) * (boxes2[:, 3] - boxes2[:, 1]).clamp(min=0)
    lt = torch.max(boxes1[:, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    return inter / (area1 + area2 - inter)

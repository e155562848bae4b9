"""Image conversion and patch sampling used by the trackers.

Positions and sizes follow the tracker convention: ``pos`` is the (row, col) = (y, x) centre of the
crop, sizes are (height, width). Patch coordinates are returned as ``[1, 4]`` tensors
``(top, left, bottom, right)`` in full-image pixels, with ``bottom``/``right`` exclusive.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

_BORDER_MODES = ('replicate', 'inside', 'inside_major', 'constant')


def numpy_to_torch(a: np.ndarray) -> torch.Tensor:
    """Convert an ``H x W x C`` image array to a float ``[1, C, H, W]`` tensor (values unchanged)."""
    return torch.from_numpy(np.ascontiguousarray(a)).float().permute(2, 0, 1).unsqueeze(0)


def torch_to_numpy(a: torch.Tensor) -> np.ndarray:
    """Convert a ``[1, C, H, W]`` (or ``[C, H, W]``) tensor to an ``H x W x C`` numpy array."""
    return a.squeeze(0).permute(1, 2, 0).cpu().numpy()


def sample_patch_transformed(im: torch.Tensor, pos: torch.Tensor, scale, image_sz: torch.Tensor,
                             transforms: Sequence, is_mask: bool = False) -> torch.Tensor:
    """Crop one patch and apply each of a list of augmentation transforms to it.

    args:
        im: image ``[1, C, H, W]``.
        pos: crop centre (y, x).
        scale: image scale; the crop covers ``scale * image_sz`` image pixels.
        image_sz: (h, w) the crop is resized to before the transforms are applied.
        transforms: callables from :mod:`pytracking.features.augmentation`.
    returns:
        ``[len(transforms), C, h', w']`` tensor (``h', w'`` = the transforms' output size).
    """
    im_patch, _ = sample_patch(im, pos, scale * image_sz, image_sz, is_mask=is_mask)
    return torch.cat([T(im_patch, is_mask=is_mask) for T in transforms])


def sample_patch_multiscale(im: torch.Tensor, pos: torch.Tensor, scales, image_sz: torch.Tensor,
                            mode: str = 'replicate', max_scale_change: Optional[float] = None
                            ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Crop patches around ``pos`` at several scales, all resized to ``image_sz``.

    args:
        im: image ``[1, C, H, W]``.
        pos: crop centre (y, x).
        scales: number or 1-D tensor/list of scales; crop size is ``scale * image_sz``.
        image_sz: output (h, w).
        mode: border handling, see :func:`sample_patch`.
        max_scale_change: bound on the shrink factor in the 'inside' modes.
    returns:
        patches ``[S, C, h, w]`` and their coordinates ``[S, 4]`` (top, left, bottom, right).
    """
    if isinstance(scales, (int, float)):
        scales = [scales]
    patches, coords = [], []
    for s in scales:
        p, c = sample_patch(im, pos, s * image_sz, image_sz, mode=mode, max_scale_change=max_scale_change)
        patches.append(p)
        coords.append(c)
    return torch.cat(patches), torch.cat(coords)


def sample_patch(im: torch.Tensor, pos: torch.Tensor, sample_sz: torch.Tensor,
                 output_sz: Optional[torch.Tensor] = None, mode: str = 'replicate',
                 max_scale_change: Optional[float] = None, is_mask: bool = False
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Crop an image patch of size ``sample_sz`` centred at ``pos`` and resize it to ``output_sz``.

    Large crops are first subsampled by an integer stride (taking every df-th pixel) so that the
    final bilinear resize never downsamples by much more than a factor of one; this matches the
    original implementation and keeps the crop cheap.

    args:
        im: image ``[1, C, H, W]``.
        pos: crop centre (y, x) in pixels; truncated to integers.
        sample_sz: crop size (h, w) in image pixels.
        output_sz: size (h, w) to resize to; ``None`` keeps the crop size.
        mode: 'replicate' pads outside the image by repeating border pixels; 'inside' shrinks and shifts the crop so that it lies inside the image;
            'inside_major' shrinks only by the smaller of the two overflow ratios (so the crop may
            still exceed the image along one axis, where it is centred);
            'constant' pads with zeros.
        max_scale_change: maximal shrink factor in the 'inside' modes.
        is_mask: pad with zeros and resize with nearest neighbour.
    returns:
        the patch ``[1, C, h, w]`` and its coordinates ``[1, 4]`` = (top, left, bottom, right).
    """
    if mode not in _BORDER_MODES:
        raise ValueError("Unknown border mode '{}' (expected one of {})".format(mode, ', '.join(_BORDER_MODES)))
    if not torch.is_tensor(sample_sz):
        sample_sz = torch.tensor(sample_sz, dtype=torch.float32)
    if output_sz is not None and not torch.is_tensor(output_sz):
        output_sz = torch.tensor(output_sz, dtype=torch.float32)

    posl = pos.long().clone()
    inside = mode in ('inside', 'inside_major')
    pad_mode = 'replicate' if inside else mode

    if inside:
        im_sz = torch.tensor([im.shape[2], im.shape[3]], dtype=torch.float32)
        ratio = sample_sz.float() / im_sz
        shrink = ratio.max() if mode == 'inside' else ratio.min()
        shrink = shrink.clamp(min=1, max=max_scale_change)
        sample_sz = (sample_sz.float() / shrink).long()

    # Integer pre-subsampling factor
    if output_sz is not None:
        resize_factor = torch.min(sample_sz.float() / output_sz.float()).item()
        df = int(max(int(resize_factor - 0.1), 1))
    else:
        df = 1

    sz = sample_sz.float() / df
    if df > 1:
        offset = posl % df
        posl = torch.div(posl - offset, df, rounding_mode='floor')
        im2 = im[..., offset[0].item()::df, offset[1].item()::df]
    else:
        im2 = im

    szl = torch.max(sz.round(), torch.tensor([2.0])).long()
    tl = posl - torch.div(szl - 1, 2, rounding_mode='floor')
    br = posl + torch.div(szl, 2, rounding_mode='floor') + 1

    if inside:
        im2_sz = torch.tensor([im2.shape[2], im2.shape[3]], dtype=torch.long)
        shift = (-tl).clamp(0) - (br - im2_sz).clamp(0)
        tl = tl + shift
        br = br + shift
        # A crop larger than the image (possible with max_scale_change) is centred on the image.
        outside = torch.div((-tl).clamp(0) + (br - im2_sz).clamp(0), 2, rounding_mode='floor')
        shift = (-tl - outside) * (outside > 0).long()
        tl = tl + shift
        br = br + shift

    im_patch = _crop_pad(im2, tl, br, 'constant' if is_mask else pad_mode)

    patch_coord = df * torch.cat((tl, br)).view(1, 4)

    if output_sz is None or (im_patch.shape[-2] == output_sz[0] and im_patch.shape[-1] == output_sz[1]):
        return im_patch.clone(), patch_coord

    out_hw = output_sz.long().tolist()
    if is_mask:
        im_patch = F.interpolate(im_patch, out_hw, mode='nearest')
    else:
        im_patch = F.interpolate(im_patch, out_hw, mode='bilinear', align_corners=False)
    return im_patch, patch_coord


def _crop_pad(im: torch.Tensor, tl: torch.Tensor, br: torch.Tensor, mode: str) -> torch.Tensor:
    """Rows ``tl[0]:br[0]`` and columns ``tl[1]:br[1]`` of ``im``, where the range may extend past
    the image. 'replicate' repeats the border pixels (also for a crop lying fully outside the image,
    which ``F.pad`` cannot do); 'constant' fills with zeros."""
    h, w = im.shape[-2], im.shape[-1]
    rows = torch.arange(int(tl[0]), int(br[0]), device=im.device)
    cols = torch.arange(int(tl[1]), int(br[1]), device=im.device)
    patch = im.index_select(-2, rows.clamp(0, h - 1)).index_select(-1, cols.clamp(0, w - 1))
    if mode == 'constant':
        valid = ((rows >= 0) & (rows < h)).view(-1, 1) & ((cols >= 0) & (cols < w)).view(1, -1)
        patch = patch * valid.to(patch.dtype)
    return patch


def image_to_rgb(image: np.ndarray) -> np.ndarray:
    """Return an ``H x W x 3`` version of a tracker input frame.

    Grayscale frames (``H x W`` or ``H x W x 1``) are replicated to three channels, an alpha channel
    is dropped; anything else raises a ValueError describing the shape.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 4:
        return image[:, :, :3]
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError('Expected an image of shape HxW, HxWx1, HxWx3 or HxWx4, got shape {}'.format(image.shape))


def convert_vot_anno_to_rect(vot_anno: Sequence[float], type: str) -> list:
    """Convert a VOT polygon (x1, y1, ..., x4, y4) to an axis-aligned box [x, y, w, h].

    args:
        vot_anno: 4 values (returned unchanged) or the 8 polygon corner coordinates.
        type: 'union' (bounding box of the polygon) or 'preserve_area' (box with the polygon's
            centre whose area equals the area of the rotated rectangle, aspect ratio of the union box).
    """
    vot_anno = [float(v) for v in vot_anno]
    if len(vot_anno) == 4:
        return vot_anno
    if len(vot_anno) != 8:
        raise ValueError('A VOT polygon needs 8 values, got {}: {}'.format(len(vot_anno), vot_anno))
    xs, ys = vot_anno[0::2], vot_anno[1::2]
    x1, x2, y1, y2 = min(xs), max(xs), min(ys), max(ys)
    if type == 'union':
        return [x1, y1, x2 - x1, y2 - y1]
    if type == 'preserve_area':
        p = np.array(vot_anno, dtype=np.float64)
        # Area of the rotated rectangle from two adjacent sides
        area_poly = np.linalg.norm(p[0:2] - p[2:4]) * np.linalg.norm(p[2:4] - p[4:6])
        area_union = (x2 - x1) * (y2 - y1)
        s = np.sqrt(area_poly / area_union)
        w = s * (x2 - x1) + 1
        h = s * (y2 - y1) + 1
        cx, cy = float(np.mean(xs)), float(np.mean(ys))
        return [cx - 0.5 * w, cy - 0.5 * h, float(w), float(h)]
    raise ValueError("Unknown VOT annotation conversion type '{}' (expected 'union' or 'preserve_area')".format(type))


def check_init_box(box, image_shape: Sequence[int], conversion_type: str = 'preserve_area') -> list:
    """Validate the initial target box given to a tracker and return it as [x, y, w, h] floats.

    The checks are those of :func:`pytracking.evaluation.tracker.validate_init_box` (run again here
    because trackers are also driven directly, e.g. by the video, webcam and VOT front ends).

    args:
        box: [x, y, w, h] (0-based pixels) or an 8-value VOT polygon (converted with ``conversion_type``).
        image_shape: shape of the first frame (H, W, ...).
    raises:
        ValueError (``InvalidInitBoxError``) naming the box when it is not 4/8 finite numbers, has a
        width or height <= 0, or lies completely outside the image.
    """
    from pytracking.evaluation.tracker import validate_init_box
    values = box.tolist() if hasattr(box, 'tolist') else box
    validate_init_box(values, image_shape, seq_name='tracker input')
    return convert_vot_anno_to_rect(values, conversion_type)

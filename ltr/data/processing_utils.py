"""Crops, box perturbation, label functions and Gaussian(-mixture) densities for training data.

Boxes are ``[x, y, w, h]`` (top-left corner and size, image pixels) unless stated otherwise.
Images are ``H x W x C`` numpy arrays (as returned by the image loaders); masks are ``H x W``
torch tensors or numpy arrays.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import cv2 as cv
import numpy as np
import torch
import torch.nn.functional as F

from .bounding_box_utils import rect_to_rel, rel_to_rect

__all__ = ['sample_target', 'transform_image_to_crop', 'jittered_center_crop', 'sample_target_adaptive',
           'crop_and_resize', 'transform_box_to_crop', 'target_image_crop', 'iou', 'rand_uniform',
           'perturb_box', 'perturb_boxes', 'gauss_1d', 'gauss_2d', 'gaussian_label_function', 'gauss_density_centered',
           'gmm_density_centered', 'sample_gmm_centered', 'sample_gmm', 'sample_box_gmm']

SizeLike = Union[int, float, Sequence[Union[int, float]]]


def _check_box(box: torch.Tensor, what: str = 'box') -> Tuple[float, float, float, float]:
    vals = [float(v) for v in torch.as_tensor(box).reshape(-1).tolist()]
    if len(vals) != 4:
        raise ValueError('Expected a {} [x, y, w, h] with 4 values, got {}'.format(what, vals))
    if not all(math.isfinite(v) for v in vals):
        raise ValueError('The {} {} contains NaN or infinite values'.format(what, vals))
    return vals[0], vals[1], vals[2], vals[3]


def _crop_replicate(im: np.ndarray, x1: int, y1: int, x2: int, y2: int,
                    mask: Optional[torch.Tensor] = None) -> Tuple[np.ndarray, Optional[torch.Tensor]]:
    """Crop rows ``y1:y2`` and columns ``x1:x2``; outside the image the border pixels are replicated
    for the image and zeros are used for the mask. Works for crops partly or fully outside the image."""
    h, w = im.shape[:2]
    # Clipped index arrays give border replication for any crop position, even one with no overlap.
    xs = np.clip(np.arange(x1, x2), 0, w - 1)
    ys = np.clip(np.arange(y1, y2), 0, h - 1)
    if 0 <= x1 and x2 <= w and 0 <= y1 and y2 <= h:
        im_crop = im[y1:y2, x1:x2]
    else:
        im_crop = im[ys[:, None], xs[None, :]]
    mask_crop = None
    if mask is not None:
        m = torch.as_tensor(mask)
        mask_crop = torch.zeros((y2 - y1, x2 - x1), dtype=m.dtype)
        ix1, ix2 = max(x1, 0), min(x2, w)
        iy1, iy2 = max(y1, 0), min(y2, h)
        if ix2 > ix1 and iy2 > iy1:
            mask_crop[iy1 - y1:iy2 - y1, ix1 - x1:ix2 - x1] = m[iy1:iy2, ix1:ix2]
    return np.ascontiguousarray(im_crop), mask_crop


def sample_target(im: np.ndarray, target_bb: torch.Tensor, search_area_factor: float,
                  output_sz: Optional[int] = None, mask: Optional[torch.Tensor] = None):
    """Square crop centred at ``target_bb`` with area ``search_area_factor^2`` times the box area.

    args:
        im: ``H x W x C`` image.
        target_bb: box ``[x, y, w, h]``.
        search_area_factor: crop side relative to ``sqrt(w * h)``.
        output_sz: side the crop is resized to (no resizing when None).
        mask: optional ``H x W`` mask cropped the same way (zero padded, bilinear resize).
    returns:
        crop, resize factor (``output_sz / crop_sz``, 1.0 when not resized) [, cropped mask]
    """
    x, y, w, h = _check_box(target_bb, 'target box')
    crop_sz = math.ceil(math.sqrt(w * h) * search_area_factor) if w > 0 and h > 0 else 0
    if crop_sz < 1:
        raise ValueError('Too small bounding box {} for cropping (crop size {}).'.format([x, y, w, h], crop_sz))

    x1 = round(x + 0.5 * w - crop_sz * 0.5)
    y1 = round(y + 0.5 * h - crop_sz * 0.5)
    im_crop, mask_crop = _crop_replicate(im, x1, y1, x1 + crop_sz, y1 + crop_sz, mask)

    if output_sz is None:
        return (im_crop, 1.0) if mask is None else (im_crop, 1.0, mask_crop)

    resize_factor = output_sz / crop_sz
    im_out = cv.resize(im_crop, (output_sz, output_sz))
    if mask is None:
        return im_out, resize_factor
    mask_out = F.interpolate(mask_crop.float()[None, None], (output_sz, output_sz), mode='bilinear',
                             align_corners=False)[0, 0]
    return im_out, resize_factor, mask_out


def transform_image_to_crop(box_in: torch.Tensor, box_extract: torch.Tensor, resize_factor: float,
                            crop_sz: torch.Tensor) -> torch.Tensor:
    """Map ``box_in`` (image coordinates, xywh) into the crop made by :func:`sample_target` around
    ``box_extract`` with the given ``resize_factor``; ``crop_sz`` is the ``[2]`` output size."""
    extract_center = box_extract[0:2] + 0.5 * box_extract[2:4]
    in_center = box_in[0:2] + 0.5 * box_in[2:4]
    out_center = (crop_sz - 1) / 2 + (in_center - extract_center) * resize_factor
    out_wh = box_in[2:4] * resize_factor
    return torch.cat((out_center - 0.5 * out_wh, out_wh))


def jittered_center_crop(frames: List[np.ndarray], box_extract: List[torch.Tensor], box_gt: List[torch.Tensor],
                         search_area_factor: float, output_sz: int, masks: Optional[List[torch.Tensor]] = None):
    """Square crops (:func:`sample_target`) around each ``box_extract``, resized to ``output_sz``.

    returns:
        (crops, ``box_gt`` in crop coordinates, cropped masks or None)
    """
    if masks is None:
        results = [sample_target(f, a, search_area_factor, output_sz) for f, a in zip(frames, box_extract)]
        frames_crop, resize_factors = zip(*results)
        masks_crop = None
    else:
        results = [sample_target(f, a, search_area_factor, output_sz, m)
                   for f, a, m in zip(frames, box_extract, masks)]
        frames_crop, resize_factors, masks_crop = zip(*results)
    crop_sz = torch.Tensor([output_sz, output_sz])
    box_crop = [transform_image_to_crop(a_gt, a_ex, rf, crop_sz)
                for a_gt, a_ex, rf in zip(box_gt, box_extract, resize_factors)]
    return frames_crop, box_crop, masks_crop


def _as_size_pair(sz: SizeLike) -> Tuple[float, float]:
    if isinstance(sz, (int, float)):
        return sz, sz
    sz = tuple(sz)
    if len(sz) != 2:
        raise ValueError('Expected an output size (w, h), got {}'.format(sz))
    return sz[0], sz[1]


def sample_target_adaptive(im: np.ndarray, target_bb: torch.Tensor, search_area_factor: float, output_sz: SizeLike,
                           mode: str = 'replicate', max_scale_change: Optional[float] = None,
                           mask: Optional[torch.Tensor] = None):
    """Crop of area ``search_area_factor^2 * w * h`` (aspect ratio of ``output_sz``) centred at ``target_bb``.

    args:
        im: ``H x W x C`` image; target_bb: ``[x, y, w, h]``; output_sz: int or ``(w, h)``.
        mode: ``'replicate'`` pads with border pixels; ``'inside'`` shifts/shrinks the crop to lie
              inside the image; ``'inside_major'`` does so along at least one axis.
        max_scale_change: largest shrink factor allowed by the inside modes.
        mask: optional ``H x W`` mask cropped the same way (zero padded, nearest resize).
    returns:
        crop resized to ``output_sz``, crop box ``[x, y, w, h]`` in the image [, cropped mask]
    """
    if mode not in ('replicate', 'inside', 'inside_major'):
        raise ValueError("Unknown crop mode '{}': use 'replicate', 'inside' or 'inside_major'".format(mode))
    if max_scale_change is None:
        max_scale_change = float('inf')
    out_w, out_h = _as_size_pair(output_sz)
    im_h, im_w = im.shape[:2]
    bbx, bby, bbw, bbh = _check_box(target_bb, 'target box')

    # float32 tensor arithmetic, as the original, so that the ceil lands on the same integer
    out_sz_t = torch.tensor([out_w, out_h], dtype=torch.float32)
    bb_sz = torch.tensor([max(bbw, 0.0), max(bbh, 0.0)], dtype=torch.float32)
    crop_sz_x, crop_sz_y = (out_sz_t * (bb_sz.prod() / out_sz_t.prod()).sqrt()
                            * search_area_factor).ceil().long().tolist()

    if mode in ('inside', 'inside_major'):
        ratios = [crop_sz_x / im_w, crop_sz_y / im_h]
        rescale = max(ratios) if mode == 'inside' else min(ratios)
        rescale = min(max(1, rescale), max_scale_change)
        crop_sz_x = math.floor(crop_sz_x / rescale)
        crop_sz_y = math.floor(crop_sz_y / rescale)

    if crop_sz_x < 1 or crop_sz_y < 1:
        raise ValueError('Too small bounding box {} for cropping.'.format([bbx, bby, bbw, bbh]))

    x1 = round(bbx + 0.5 * bbw - crop_sz_x * 0.5)
    y1 = round(bby + 0.5 * bbh - crop_sz_y * 0.5)
    x2, y2 = x1 + crop_sz_x, y1 + crop_sz_y

    # In every mode the crop is shifted inside the image (as the original does); a crop larger than
    # the image along an axis is centred on the image there, and only then is the border replicated.
    shift_x = max(0, -x1) + min(0, im_w - x2)
    shift_y = max(0, -y1) + min(0, im_h - y2)
    x1, x2, y1, y2 = x1 + shift_x, x2 + shift_x, y1 + shift_y, y2 + shift_y
    out_x = (max(0, -x1) + max(0, x2 - im_w)) // 2
    out_y = (max(0, -y1) + max(0, y2 - im_h)) // 2
    shift_x = (-x1 - out_x) * (out_x > 0)
    shift_y = (-y1 - out_y) * (out_y > 0)
    x1, x2, y1, y2 = x1 + shift_x, x2 + shift_x, y1 + shift_y, y2 + shift_y

    im_crop, mask_crop = _crop_replicate(im, x1, y1, x2, y2, mask)
    im_out = cv.resize(im_crop, (int(out_w), int(out_h)))
    crop_box = torch.Tensor([x1, y1, x2 - x1, y2 - y1])
    if mask is None:
        return im_out, crop_box
    mask_out = F.interpolate(mask_crop.float()[None, None], (int(out_h), int(out_w)), mode='nearest')[0, 0]
    return im_out, crop_box, mask_out


def crop_and_resize(im: np.ndarray, box: Optional[torch.Tensor], crop_bb: Sequence[int], output_sz: SizeLike,
                    mask: Optional[torch.Tensor] = None):
    """Crop the integer region ``crop_bb = [x, y, w, h]`` (border replicated outside the image), resize
    to ``output_sz`` and map ``box`` (xywh, may be None) into the resized crop.

    returns:
        resized crop, mapped box (or None) [, resized mask]
    """
    out_w, out_h = _as_size_pair(output_sz)
    if crop_bb[2] < 1 or crop_bb[3] < 1:
        raise ValueError('Too small crop box {}.'.format(list(crop_bb)))
    x1, y1 = int(crop_bb[0]), int(crop_bb[1])
    x2, y2 = x1 + int(crop_bb[2]), y1 + int(crop_bb[3])
    im_crop, mask_crop = _crop_replicate(im, x1, y1, x2, y2, mask)
    im_out = cv.resize(im_crop, (int(out_w), int(out_h)))
    rescale_factor = out_w / crop_bb[2]
    box_crop = None
    if box is not None:
        box_crop = box.clone()
        box_crop[0] -= crop_bb[0]
        box_crop[1] -= crop_bb[1]
        box_crop *= rescale_factor
    if mask is None:
        return im_out, box_crop
    mask_out = F.interpolate(mask_crop.float()[None, None], (int(out_h), int(out_w)), mode='nearest')[0, 0]
    return im_out, box_crop, mask_out


def transform_box_to_crop(box: torch.Tensor, crop_box: torch.Tensor, crop_sz: torch.Tensor) -> torch.Tensor:
    """Map ``box`` (xywh, image coordinates) into a crop of the region ``crop_box`` (xywh) resized to
    ``crop_sz = [w, h]``."""
    box_out = box.clone()
    scale = crop_sz / crop_box[2:]
    box_out[:2] = (box[:2] - crop_box[:2]) * scale
    box_out[2:] = box[2:] * scale
    return box_out


def target_image_crop(frames: List[np.ndarray], box_extract: List[torch.Tensor], box_gt: List[torch.Tensor],
                      search_area_factor: float, output_sz: SizeLike, mode: str = 'replicate',
                      max_scale_change: Optional[float] = None, masks: Optional[List[torch.Tensor]] = None):
    """Crops (:func:`sample_target_adaptive`) around each ``box_extract``; ``box_gt`` mapped into them.

    returns:
        (crops, boxes in crop coordinates) or (crops, boxes, masks) when ``masks`` is given
    """
    output_sz = _as_size_pair(output_sz)
    if masks is None:
        results = [sample_target_adaptive(f, a, search_area_factor, output_sz, mode, max_scale_change)
                   for f, a in zip(frames, box_extract)]
        frames_crop, crop_boxes = zip(*results)
    else:
        results = [sample_target_adaptive(f, a, search_area_factor, output_sz, mode, max_scale_change, mask=m)
                   for f, a, m in zip(frames, box_extract, masks)]
        frames_crop, crop_boxes, masks_crop = zip(*results)
    crop_sz = torch.Tensor(output_sz)
    box_crop = [transform_box_to_crop(bb_gt, crop_bb, crop_sz) for bb_gt, crop_bb in zip(box_gt, crop_boxes)]
    if masks is None:
        return frames_crop, box_crop
    return frames_crop, box_crop, masks_crop


def iou(reference: torch.Tensor, proposals: torch.Tensor) -> torch.Tensor:
    """IoU of reference box(es) ``[1, 4]`` (or ``[N, 4]``) with ``[N, 4]`` proposals, all xywh; returns ``[N]``."""
    tl = torch.max(reference[:, :2], proposals[:, :2])
    br = torch.min(reference[:, :2] + reference[:, 2:], proposals[:, :2] + proposals[:, 2:])
    inter = (br - tl).clamp(0).prod(dim=1)
    union = reference[:, 2:].prod(dim=1) + proposals[:, 2:].prod(dim=1) - inter
    return inter / union


def rand_uniform(a: float, b: float, shape=1) -> torch.Tensor:
    """Tensor of the given shape with values uniform in ``[a, b)``."""
    return (b - a) * torch.rand(shape) + a


def _sigma_rows(sigma_factor, num: int) -> torch.Tensor:
    """``[num, 4]`` per-proposal noise factors: one entry of a list chosen at random per proposal."""
    def as4(sf):
        return sf.float().view(4) if isinstance(sf, torch.Tensor) else float(sf) * torch.ones(4)
    if isinstance(sigma_factor, list):
        choices = torch.stack([as4(sf) for sf in sigma_factor])
        return choices[torch.randint(len(sigma_factor), (num,))]
    return as4(sigma_factor).expand(num, 4).clone()


def perturb_boxes(box: torch.Tensor, num_boxes: int, min_iou: float = 0.5,
                  sigma_factor=0.1) -> Tuple[torch.Tensor, torch.Tensor]:
    """``num_boxes`` independent :func:`perturb_box` draws around ``box``, computed together.

    returns:
        boxes ``[num_boxes, 4]`` (xywh), their IoU with ``box`` ``[num_boxes]``
    """
    box = box.float().view(4)
    bw, bh = box[2], box[3]
    center = box[:2] + 0.5 * box[2:]
    perturb_factor = torch.sqrt(bw * bh) * _sigma_rows(sigma_factor, num_boxes)
    out = torch.zeros(num_boxes, 4)
    out_iou = torch.zeros(num_boxes)
    pending = torch.arange(num_boxes)
    for _ in range(100):
        n = len(pending)
        noise = torch.randn(n, 4) * perturb_factor[pending]
        w = bw + noise[:, 2]
        h = bh + noise[:, 3]
        # Degenerate sizes are replaced by a random fraction of the original size.
        w = torch.where(w <= 1, bw * rand_uniform(0.15, 0.5, n), w)
        h = torch.where(h <= 1, bh * rand_uniform(0.15, 0.5, n), h)
        cand = torch.stack([center[0] + noise[:, 0] - 0.5 * w, center[1] + noise[:, 1] - 0.5 * h, w, h], 1).round()
        cand[:, 2] = torch.where(cand[:, 2] <= 1, bw * rand_uniform(0.15, 0.5, n), cand[:, 2])
        cand[:, 3] = torch.where(cand[:, 3] <= 1, bh * rand_uniform(0.15, 0.5, n), cand[:, 3])
        ious = iou(box.view(1, 4), cand)
        out[pending] = cand
        out_iou[pending] = ious
        pending = pending[~(ious > min_iou)]
        if len(pending) == 0:
            break
        perturb_factor[pending] *= 0.9  # a smaller perturbation on each failed try
    return out, out_iou


def perturb_box(box: torch.Tensor, min_iou: float = 0.5, sigma_factor=0.1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Gaussian perturbation of ``box`` (xywh) until its IoU with the input exceeds ``min_iou``.

    args:
        box: ``[4]`` box.
        min_iou: required overlap; after each failed try the noise is reduced by 10 % (100 tries).
        sigma_factor: noise std relative to ``sqrt(w * h)``: a float, a ``[4]`` tensor (per coordinate:
                      centre x, centre y, width, height), or a list of these of which one is chosen at random.
    returns:
        perturbed box ``[4]`` (rounded to integers), its IoU with ``box`` (``[1]``)
    """
    boxes, ious = perturb_boxes(box, 1, min_iou, sigma_factor)
    return boxes[0], ious[0:1]


def gauss_1d(sz: int, sigma: float, center: torch.Tensor, end_pad: int = 0, density: bool = False) -> torch.Tensor:
    """Gaussians on the grid ``k = -(sz-1)/2, ..., (sz-1)/2 + end_pad`` centred at each ``center``.

    returns:
        ``[len(center), sz + end_pad]``; divided by ``sqrt(2 pi) sigma`` when ``density``.
    """
    k = torch.arange(-(sz - 1) / 2, (sz + 1) / 2 + end_pad).reshape(1, -1)
    gauss = torch.exp(-1.0 / (2 * sigma ** 2) * (k - center.reshape(-1, 1)) ** 2)
    if density:
        gauss = gauss / (math.sqrt(2 * math.pi) * sigma)
    return gauss


def gauss_2d(sz: torch.Tensor, sigma, center: torch.Tensor, end_pad=(0, 0), density: bool = False) -> torch.Tensor:
    """Separable 2-D Gaussians: ``sz = [w, h]``, ``center`` ``[N, 2]`` (x, y); returns ``[N, h+pad, w+pad]``."""
    if isinstance(sigma, (float, int)):
        sigma = (sigma, sigma)
    gx = gauss_1d(int(sz[0].item()), sigma[0], center[:, 0], end_pad[0], density)
    gy = gauss_1d(int(sz[1].item()), sigma[1], center[:, 1], end_pad[1], density)
    return gx.reshape(center.shape[0], 1, -1) * gy.reshape(center.shape[0], -1, 1)


def gaussian_label_function(target_bb: torch.Tensor, sigma_factor: float, kernel_sz: SizeLike, feat_sz: SizeLike,
                            image_sz: SizeLike, end_pad_if_even: bool = True, density: bool = False,
                            uni_bias: float = 0) -> torch.Tensor:
    """Gaussian label maps centred at the targets, on the classifier's output grid.

    args:
        target_bb: ``[N, 4]`` boxes (xywh) in image coordinates.
        sigma_factor: Gaussian std relative to ``sqrt(feat_w * feat_h)``.
        kernel_sz: filter size (int or (w, h)); an even kernel shifts the centre by half a cell and,
                   with ``end_pad_if_even``, adds one row/column to the output.
        feat_sz: feature map size (int or (w, h)); image_sz: image size (int or (w, h)).
        density: normalise each 1-D Gaussian to a density; uni_bias: added uniform part.
    returns:
        ``[N, feat_h (+1), feat_w (+1)]`` label maps.
    """
    kernel_sz = _as_size_pair(kernel_sz)
    feat_sz = torch.Tensor(_as_size_pair(feat_sz))
    image_sz = torch.Tensor(_as_size_pair(image_sz))

    target_center = target_bb[:, 0:2] + 0.5 * target_bb[:, 2:4]
    target_center_norm = (target_center - image_sz / 2) / image_sz
    center = feat_sz * target_center_norm + 0.5 * torch.Tensor([(kernel_sz[0] + 1) % 2, (kernel_sz[1] + 1) % 2])
    sigma = sigma_factor * feat_sz.prod().sqrt().item()

    if end_pad_if_even:
        end_pad = (int(kernel_sz[0] % 2 == 0), int(kernel_sz[1] % 2 == 0))
    else:
        end_pad = (0, 0)

    gauss_label = gauss_2d(feat_sz, sigma, center, end_pad, density=density)
    if density:
        sz = (feat_sz + torch.Tensor(end_pad)).prod()
        return (1.0 - uni_bias) * gauss_label + uni_bias / sz
    return gauss_label + uni_bias


def gauss_density_centered(x: torch.Tensor, std) -> torch.Tensor:
    """Density of the zero-mean normal with standard deviation ``std`` at ``x`` (element-wise)."""
    return torch.exp(-0.5 * (x / std) ** 2) / (math.sqrt(2 * math.pi) * std)


def gmm_density_centered(x: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Density of an equally weighted zero-mean Gaussian mixture with diagonal covariances.

    args:
        x: ``[..., D]`` samples (or ``[..., D, 1]``).
        std: ``[..., D, K]`` standard deviations (dim -2: feature dimension, dim -1: components).
    returns:
        ``[...]`` densities.
    """
    if x.dim() == std.dim() - 1:
        x = x.unsqueeze(-1)
    elif not (x.dim() == std.dim() and x.shape[-1] == 1):
        raise ValueError('x must have shape [..., D] or [..., D, 1] for std of shape [..., D, K]; got {} and {}'
                         .format(tuple(x.shape), tuple(std.shape)))
    return gauss_density_centered(x, std).prod(-2).mean(-1)


def sample_gmm_centered(std: torch.Tensor, num_samples: int = 1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Draw samples from the zero-mean mixture with stds ``std`` (``[D, K]``).

    returns:
        samples ``[num_samples, D]``, their mixture densities ``[num_samples]``
    """
    num_components = std.shape[-1]
    num_dims = std.numel() // num_components
    std = std.view(1, num_dims, num_components)
    k = torch.randint(num_components, (num_samples,), dtype=torch.int64)
    std_samp = std[0, :, k].t()
    x_centered = std_samp * torch.randn(num_samples, num_dims)
    return x_centered, gmm_density_centered(x_centered, std)


def sample_gmm(mean: torch.Tensor, std: torch.Tensor, num_samples: int = 1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Samples ``[num_samples, D]`` from the mixture with mean ``mean`` (``[D]``) and stds ``std``
    (``[D, K]``), with their densities ``[num_samples]``."""
    num_dims = mean.numel()
    num_components = std.shape[-1]
    mean = mean.view(1, num_dims)
    std = std.view(1, -1, num_components)
    k = torch.randint(num_components, (num_samples,), dtype=torch.int64)
    std_samp = std[0, :, k].t()
    x_centered = std_samp * torch.randn(num_samples, num_dims)
    return x_centered + mean, gmm_density_centered(x_centered, std)


def sample_box_gmm(mean_box: torch.Tensor, proposal_sigma, gt_sigma=None, num_samples: int = 1,
                   add_mean_box: bool = False) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sample boxes around ``mean_box`` from a Gaussian mixture in the relative parametrisation
    (centre relative to the box size, log size).

    args:
        mean_box: ``[4]`` box (xywh).
        proposal_sigma: list of ``(center_std, size_std)`` pairs, one per mixture component.
        gt_sigma: ``(center_std, size_std)`` of the ground-truth density; zeros/None gives zero density.
        num_samples: number of proposals.
        add_mean_box: prepend the mean box itself (proposal density -1, gt density 1).
    returns:
        proposals ``[N, 4]`` (xywh), proposal densities ``[N]``, ground-truth densities ``[N]``
    """
    center_std = torch.Tensor([s[0] for s in proposal_sigma])
    sz_std = torch.Tensor([s[1] for s in proposal_sigma])
    std = torch.stack([center_std, center_std, sz_std, sz_std])

    mean_box = mean_box.view(1, 4)
    sz_norm = mean_box[:, 2:].clone()

    proposals_rel_centered, proposal_density = sample_gmm_centered(std, num_samples)
    proposals_rel = proposals_rel_centered + rect_to_rel(mean_box, sz_norm)
    proposals = rel_to_rect(proposals_rel, sz_norm)

    if gt_sigma is None or (gt_sigma[0] == 0 and gt_sigma[1] == 0):
        gt_density = torch.zeros_like(proposal_density)
    else:
        std_gt = torch.Tensor([gt_sigma[0], gt_sigma[0], gt_sigma[1], gt_sigma[1]]).view(1, 4)
        gt_density = gauss_density_centered(proposals_rel_centered, std_gt).prod(-1)

    if add_mean_box:
        proposals = torch.cat((mean_box, proposals))
        proposal_density = torch.cat((torch.Tensor([-1]), proposal_density))
        gt_density = torch.cat((torch.Tensor([1]), gt_density))
    return proposals, proposal_density, gt_density


def find_local_maxima(scores: torch.Tensor, th: float, ks: int):
    """Local maxima of a score map: cells equal to the maximum of their ``ks x ks`` neighbourhood and above ``th``.

    args:
        scores - ``[H, W]`` map, or ``[B, 1, H, W]`` batch of maps.
        th - minimum value of a maximum (strictly greater).
        ks - neighbourhood size (odd); two maxima are at least ``ks // 2 + 1`` cells apart unless tied.
    returns:
        For a 2-D map: (coords ``[N, 2]`` (row, col) long, values ``[N]``), highest value first.
        For a batch: lists (one entry per map) of the same.
    """
    if scores.dim() not in (2, 4):
        raise ValueError('find_local_maxima expects a [H, W] or [B, 1, H, W] map, got shape {}'.format(
            tuple(scores.shape)))
    batched = scores.dim() == 4
    maps = scores if batched else scores.reshape(1, 1, *scores.shape)
    neighbourhood_max = F.max_pool2d(maps, kernel_size=ks, stride=1, padding=ks // 2)
    peak_mask = (maps == neighbourhood_max) & (maps > th)
    coords = torch.nonzero(peak_mask)
    values = maps[peak_mask]
    order = torch.argsort(-values)
    coords, values = coords[order], values[order]
    if not batched:
        return coords[:, 2:], values
    per_map = [coords[:, 0] == i for i in range(maps.shape[0])]
    return [coords[m, 2:] for m in per_map], [values[m] for m in per_map]

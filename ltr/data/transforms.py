"""Joint image / coordinate / box / mask transforms for data augmentation.

A :class:`Transform` chains :class:`TransformBase` objects and is called with keyword inputs
``image`` (``H x W x C`` numpy array or ``C x H x W`` tensor), ``coords`` (``2 x N`` tensor of
``[y, x]`` rows), ``bbox`` (``[x, y, w, h]`` tensor), ``bboxes`` (dict of boxes) and ``mask``
(``H x W``); each may be a single item or a list. Arguments:

* ``joint`` (default True): transform every item of the lists with the same random roll;
  if False each (image, bbox, ...) tuple gets its own roll.
* ``new_roll`` (default True): if False, reuse the previous random roll (e.g. to give test
  frames the same augmentation as train frames).
"""
import math
import random
from typing import Any, Dict, List, Optional, Tuple

import cv2 as cv
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as tvisf

__all__ = ['Transform', 'TransformBase', 'ToTensor', 'ToTensorAndJitter', 'Normalize', 'ToGrayscale', 'ToBGR',
           'RandomHorizontalFlip', 'RandomHorizontalFlip_Norm', 'Blur', 'RandomBlur', 'RandomAffine']

_VALID_INPUTS = ['image', 'coords', 'bbox', 'mask', 'bboxes']


class Transform:
    """Chain of transforms applied in order; see the module docstring for the call convention.

    Returns the transformed input when one input kind is given, else a tuple in the order given.
    """

    def __init__(self, *transforms):
        if len(transforms) == 1 and isinstance(transforms[0], (list, tuple)):
            transforms = transforms[0]
        self.transforms = transforms
        self._valid_inputs = list(_VALID_INPUTS)
        self._valid_args = ['joint', 'new_roll']
        self._valid_all = self._valid_inputs + self._valid_args

    def __call__(self, **inputs):
        for name in inputs:
            if name not in self._valid_all:
                raise ValueError('Unknown input "{}" to transform; valid inputs are {} and arguments {}.'
                                 .format(name, self._valid_inputs, self._valid_args))
        var_names = [k for k in inputs if k in self._valid_inputs]
        joint = inputs.get('joint', True)
        new_roll = inputs.get('new_roll', True)

        if not joint:
            results = [self(**inp) for inp in self._split_inputs(inputs)]
            if len(var_names) == 1:
                return list(results)
            return tuple(list(o) for o in zip(*results))

        out = {k: v for k, v in inputs.items() if k in self._valid_inputs}
        for t in self.transforms:
            out = t(**out, joint=joint, new_roll=new_roll)
        if len(var_names) == 1:
            return out[var_names[0]]
        return tuple(out[v] for v in var_names)

    def _split_inputs(self, inputs: Dict[str, Any]) -> List[Dict[str, Any]]:
        var_names = [k for k in inputs if k in self._valid_inputs]
        split = [dict(zip(var_names, vals)) for vals in zip(*[inputs[v] for v in var_names])]
        # new_roll may be given per item as a list
        if 'new_roll' in inputs:
            roll = inputs['new_roll']
            for i, inp in enumerate(split):
                inp['new_roll'] = roll[i] if isinstance(roll, list) else roll
        return split

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + '(']
        lines += ['    {}'.format(t) for t in self.transforms]
        return '\n'.join(lines) + '\n)'


class TransformBase:
    """Base class of a single transform.

    Subclasses override ``roll()`` (draw random parameters) and any of ``transform_image``,
    ``transform_coords``, ``transform_bbox``, ``transform_mask``; each receives the rolled parameters,
    the coordinate/box ones also the image size ``(H, W)`` first. A subclass that only defines
    ``transform_coords`` gets boxes transformed through their four corners.
    """

    def __init__(self):
        self._valid_inputs = list(_VALID_INPUTS)
        self._valid_args = ['new_roll']
        self._valid_all = self._valid_inputs + self._valid_args
        self._rand_params = None

    def __call__(self, **inputs) -> Dict[str, Any]:
        input_vars = {k: v for k, v in inputs.items() if k in self._valid_inputs}
        if inputs.get('new_roll', True) or self._rand_params is None:
            params = self.roll()
            if params is None:
                params = ()
            elif not isinstance(params, tuple):
                params = (params,)
            self._rand_params = params

        outputs = {}
        for name, var in input_vars.items():
            if var is None:
                outputs[name] = None
                continue
            func = getattr(self, 'transform_' + name)
            if name in ('coords', 'bbox', 'bboxes'):
                params = (self._get_image_size(input_vars),) + self._rand_params
            else:
                params = self._rand_params
            if isinstance(var, (list, tuple)):
                outputs[name] = [func(x, *params) for x in var]
            else:
                outputs[name] = func(var, *params)
        return outputs

    @staticmethod
    def _get_image_size(inputs: Dict[str, Any]) -> Optional[Tuple[int, int]]:
        im = None
        for name in ('image', 'mask'):
            if inputs.get(name) is not None:
                im = inputs[name]
                break
        if im is None:
            return None
        if isinstance(im, (list, tuple)):
            im = im[0]
        if isinstance(im, np.ndarray):
            return im.shape[:2]
        if torch.is_tensor(im):
            return im.shape[-2], im.shape[-1]
        raise TypeError('Unknown image type {}'.format(type(im)))

    def roll(self):
        """Draw this transform's random parameters (None for a deterministic transform)."""
        return None

    def transform_image(self, image, *rand_params):
        """Transform an image (deterministic given ``rand_params``)."""
        return image

    def transform_coords(self, coords, image_shape, *rand_params):
        """Transform ``2 x N`` ``[y, x]`` coordinates."""
        return coords

    def transform_bboxes(self, bboxes: dict, image_shape, *rand_params) -> dict:
        """Transform a dict of ``[x, y, w, h]`` boxes."""
        return {k: self.transform_bbox(b, image_shape, *rand_params) for k, b in bboxes.items()}

    def transform_bbox(self, bbox, image_shape, *rand_params):
        """Transform an ``[x, y, w, h]`` box as the bounding box of its transformed corners."""
        if type(self).transform_coords is TransformBase.transform_coords:
            return bbox
        x1, y1 = bbox[0], bbox[1]
        x2, y2 = bbox[0] + bbox[2], bbox[1] + bbox[3]
        corners = torch.tensor([[y1, y1, y2, y2], [x1, x2, x2, x1]], dtype=torch.float32)
        corners_t = self.transform_coords(corners, image_shape, *rand_params).flip(0)  # -> [x, y] rows
        tl = corners_t.min(dim=1)[0]
        sz = corners_t.max(dim=1)[0] - tl
        return torch.cat((tl, sz)).reshape(bbox.shape).to(bbox.dtype)

    def transform_mask(self, mask, *rand_params):
        """Transform a mask (deterministic given ``rand_params``)."""
        return mask


def _hwc_to_tensor(image: np.ndarray) -> torch.Tensor:
    if image.ndim == 2:
        image = image[:, :, None]
    return torch.from_numpy(np.ascontiguousarray(image.transpose((2, 0, 1))))


class ToTensor(TransformBase):
    """``H x W x C`` numpy image -> ``C x H x W`` tensor (uint8 scaled to float in [0, 1])."""

    def transform_image(self, image):
        if torch.is_tensor(image):
            return image
        t = _hwc_to_tensor(image)
        if t.dtype == torch.uint8:
            return t.float().div(255)
        return t

    def transform_mask(self, mask):
        if isinstance(mask, np.ndarray):
            return torch.from_numpy(mask)
        return mask


class ToTensorAndJitter(TransformBase):
    """To tensor with a random brightness factor in ``[max(0, 1 - j), 1 + j]``.

    args:
        brightness_jitter: ``j``.
        normalize: if True scale to [0, 1] (clamped), else keep [0, 255] (clamped).
    """

    def __init__(self, brightness_jitter: float = 0.0, normalize: bool = True):
        super().__init__()
        self.brightness_jitter = brightness_jitter
        self.normalize = normalize

    def roll(self):
        return np.random.uniform(max(0, 1 - self.brightness_jitter), 1 + self.brightness_jitter)

    def transform_image(self, image, brightness_factor):
        t = image if torch.is_tensor(image) else _hwc_to_tensor(image)
        if self.normalize:
            return t.float().mul(brightness_factor / 255.0).clamp(0.0, 1.0)
        return t.float().mul(brightness_factor).clamp(0.0, 255.0)

    def transform_mask(self, mask, brightness_factor):
        if isinstance(mask, np.ndarray):
            return torch.from_numpy(mask)
        return mask


class Normalize(TransformBase):
    """Per-channel ``(image - mean) / std`` on a ``C x H x W`` tensor."""

    def __init__(self, mean, std, inplace: bool = False):
        super().__init__()
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def transform_image(self, image):
        return tvisf.normalize(image, self.mean, self.std, self.inplace)


_GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601, as OpenCV's RGB2GRAY


class ToGrayscale(TransformBase):
    """With the given probability replace the image by its grey level replicated in 3 channels."""

    def __init__(self, probability: float = 0.5):
        super().__init__()
        self.probability = probability
        self.color_weights = np.array(_GRAY_WEIGHTS, dtype=np.float32)

    def roll(self):
        return random.random() < self.probability

    def transform_image(self, image, do_grayscale):
        if not do_grayscale:
            return image
        if torch.is_tensor(image):
            w = torch.tensor(_GRAY_WEIGHTS, dtype=torch.float32).view(3, 1, 1)
            gray = (image.float() * w).sum(dim=0, keepdim=True).to(image.dtype)
            return gray.expand(3, -1, -1).clone()
        gray = cv.cvtColor(image, cv.COLOR_RGB2GRAY)
        return np.stack([gray, gray, gray], axis=2)


class ToBGR(TransformBase):
    """RGB -> BGR channel order."""

    def transform_image(self, image):
        if torch.is_tensor(image):
            return image.flip(0)
        return cv.cvtColor(image, cv.COLOR_RGB2BGR)


class RandomHorizontalFlip(TransformBase):
    """Flip horizontally with the given probability (pixel coordinates ``x -> W - 1 - x``)."""

    def __init__(self, probability: float = 0.5):
        super().__init__()
        self.probability = probability

    def roll(self):
        return random.random() < self.probability

    def transform_image(self, image, do_flip):
        if not do_flip:
            return image
        if torch.is_tensor(image):
            return image.flip((2,))
        return np.fliplr(image).copy()

    def transform_coords(self, coords, image_shape, do_flip):
        if not do_flip:
            return coords
        out = coords.clone()
        out[1, :] = (image_shape[1] - 1) - coords[1, :]
        return out

    def transform_mask(self, mask, do_flip):
        if not do_flip:
            return mask
        if torch.is_tensor(mask):
            return mask.flip((-1,))
        return np.fliplr(mask).copy()


class RandomHorizontalFlip_Norm(RandomHorizontalFlip):
    """As :class:`RandomHorizontalFlip` for coordinates normalised to [0, 1] (``x -> 1 - x``)."""

    def transform_coords(self, coords, image_shape, do_flip):
        if not do_flip:
            return coords
        out = coords.clone()
        out[1, :] = 1 - coords[1, :]
        return out


def _gauss_kernels(sigma) -> Tuple[List[int], List[torch.Tensor]]:
    if isinstance(sigma, (float, int)):
        sigma = (sigma, sigma)
    sizes = [math.ceil(2 * s) for s in sigma]
    kernels = []
    for sz, s in zip(sizes, sigma):
        x = torch.arange(-sz, sz + 1, dtype=torch.float32)
        g = torch.exp(-(x ** 2) / (2 * s ** 2))
        kernels.append(g / g.sum())
    return sizes, [kernels[0].view(1, 1, -1, 1), kernels[1].view(1, 1, 1, -1)]


def _separable_blur(image: torch.Tensor, sizes: List[int], kernels: List[torch.Tensor]) -> torch.Tensor:
    if not torch.is_tensor(image):
        raise TypeError('Blur works on C x H x W tensors; apply it after ToTensor')
    h, w = image.shape[-2:]
    x = image.reshape(-1, 1, h, w).float()
    x = F.conv2d(x, kernels[0], padding=(sizes[0], 0))
    x = F.conv2d(x, kernels[1], padding=(0, sizes[1]))
    return x.reshape(image.shape).to(image.dtype)


class Blur(TransformBase):
    """Gaussian blur of a ``C x H x W`` tensor image; ``sigma`` is a float or ``(sigma_y, sigma_x)``."""

    def __init__(self, sigma):
        super().__init__()
        self.sigma = (sigma, sigma) if isinstance(sigma, (float, int)) else tuple(sigma)
        self.filter_size, self.filter = _gauss_kernels(self.sigma)

    def transform_image(self, image):
        return _separable_blur(image, self.filter_size, self.filter)


class RandomBlur(Blur):
    """Gaussian blur (see :class:`Blur`) applied with the given probability."""

    def __init__(self, sigma, probability: float = 0.1):
        super().__init__(sigma)
        self.probability = probability

    def roll(self):
        return random.random() < self.probability

    def transform_image(self, image, do_blur=False):
        if not do_blur:
            return image
        return _separable_blur(image, self.filter_size, self.filter)


class RandomAffine(TransformBase):
    """Random affine warp: flip, rotation (degrees), shear, scale, aspect-ratio change, shift.

    args:
        p_flip: flip probability; max_rotation: degrees; max_shear: shear coefficient;
        max_scale / max_ar_factor: log-scale bounds; border_mode: 'constant' or 'replicate';
        pad_amount: pixels added on each side of the output; scale_center: shift amount
        (fraction 0.2 of the image per unit).
    """

    def __init__(self, p_flip: float = 0.0, max_rotation: float = 0.0, max_shear: float = 0.0, max_scale: float = 0.0,
                 max_ar_factor: float = 0.0, border_mode: str = 'constant', pad_amount: int = 0,
                 scale_center: float = 0.0):
        super().__init__()
        self.p_flip = p_flip
        self.max_rotation = max_rotation
        self.max_shear = max_shear
        self.max_scale = max_scale
        self.max_ar_factor = max_ar_factor
        self.scale_center = scale_center
        if border_mode == 'constant':
            self.border_flag = cv.BORDER_CONSTANT
        elif border_mode == 'replicate':
            self.border_flag = cv.BORDER_REPLICATE
        else:
            raise ValueError("Unknown border_mode '{}': use 'constant' or 'replicate'".format(border_mode))
        self.pad_amount = pad_amount

    def roll(self):
        do_flip = random.random() < self.p_flip
        theta = random.uniform(-self.max_rotation, self.max_rotation)
        shear_x = random.uniform(-self.max_shear, self.max_shear)
        shear_y = random.uniform(-self.max_shear, self.max_shear)
        ar_factor = np.exp(random.uniform(-self.max_ar_factor, self.max_ar_factor))
        scale_factor = np.exp(random.uniform(-self.max_scale, self.max_scale))
        scale_center = random.uniform(-self.scale_center, self.scale_center)
        return do_flip, theta, (shear_x, shear_y), (scale_factor, scale_factor * ar_factor), scale_center

    def _construct_t_mat(self, image_shape, do_flip, theta, shear_values, scale_factors, scale_center) -> np.ndarray:
        im_h, im_w = image_shape
        t_flip = np.identity(3)
        if do_flip:
            t_flip[0, 0] = -1.0
            t_flip[0, 2] = im_w
        t_rot = np.concatenate((cv.getRotationMatrix2D((im_w * 0.5, im_h * 0.5), theta, 1.0), [[0.0, 0.0, 1.0]]))
        t_shear = np.array([[1.0, shear_values[0], -shear_values[0] * 0.5 * im_w],
                            [shear_values[1], 1.0, -shear_values[1] * 0.5 * im_h],
                            [0.0, 0.0, 1.0]])
        t_scale = np.array([[scale_factors[0], 0.0, (1.0 - scale_factors[0]) * 0.5 * im_w],
                            [0.0, scale_factors[1], (1.0 - scale_factors[1]) * 0.5 * im_h],
                            [0.0, 0.0, 1.0]])
        t_trans = np.array([[1.0, 0.0, -0.2 * im_w * scale_center],
                            [0.0, 1.0, -0.2 * im_w * scale_center],
                            [0.0, 0.0, 1.0]])
        t_mat = t_scale @ t_rot @ t_shear @ t_flip @ t_trans
        t_mat[0, 2] += self.pad_amount
        t_mat[1, 2] += self.pad_amount
        return t_mat[:2, :]

    def transform_image(self, image, do_flip, theta, shear_values, scale_factors, scale_center):
        if torch.is_tensor(image):
            raise TypeError('RandomAffine works on numpy images; apply it before ToTensor')
        t_mat = self._construct_t_mat(image.shape[:2], do_flip, theta, shear_values, scale_factors, scale_center)
        out_sz = (image.shape[1] + 2 * self.pad_amount, image.shape[0] + 2 * self.pad_amount)
        return cv.warpAffine(image, t_mat, out_sz, flags=cv.INTER_LINEAR, borderMode=self.border_flag)

    def transform_coords(self, coords, image_shape, do_flip, theta, shear_values, scale_factors, scale_center):
        t_mat = torch.from_numpy(
            self._construct_t_mat(image_shape, do_flip, theta, shear_values, scale_factors, scale_center)).float()
        xy1 = torch.stack((coords[1, :], coords[0, :], torch.ones_like(coords[1, :]))).float()
        xy = t_mat @ xy1
        xy = torch.stack([xy[0].clamp(0, image_shape[1]), xy[1].clamp(0, image_shape[0])], dim=0)
        return xy[[1, 0], :]

    def transform_mask(self, mask, do_flip, theta, shear_values, scale_factors, scale_center):
        was_tensor = torch.is_tensor(mask)
        m = mask.numpy() if was_tensor else mask
        t_mat = self._construct_t_mat(m.shape[:2], do_flip, theta, shear_values, scale_factors, scale_center)
        out_sz = (m.shape[1] + 2 * self.pad_amount, m.shape[0] + 2 * self.pad_amount)
        m_t = cv.warpAffine(m, t_mat, out_sz, flags=cv.INTER_NEAREST, borderMode=self.border_flag)
        return torch.from_numpy(m_t)

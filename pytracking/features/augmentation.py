"""Image transforms used to augment the first-frame training samples of the trackers.

Every transform takes a ``[1, C, H, W]`` tensor patch (pixel range as given) and returns a
``[1, C, h, w]`` patch: it is applied to an enlarged crop, then :meth:`Transform.crop_to_output`
cuts the ``output_sz`` window out of its centre, displaced by ``shift`` = (dy, dx) pixels. The
shift is what the trackers add to the target box of each augmented sample.
"""
import math
import random
from typing import Optional, Sequence, Tuple

import cv2 as cv
import numpy as np
import torch
import torch.nn.functional as F

from ltr.data.transforms import RandomAffine as _DataRandomAffine
from ltr.data.transforms import _gauss_kernels, _separable_blur
from pytracking.features.preprocessing import numpy_to_torch, torch_to_numpy


class Transform:
    """Base class of the augmentation transforms.

    args:
        output_sz: (h, w) of the output patch; ``None`` keeps the input size.
        shift: (dy, dx) displacement, in output pixels, of the window taken from the transformed patch.
    """

    def __init__(self, output_sz: Optional[Sequence[int]] = None, shift: Optional[Sequence[int]] = None):
        self.output_sz = output_sz
        self.shift = (0, 0) if shift is None else shift

    def __call__(self, image, is_mask: bool = False):
        raise NotImplementedError

    def crop_to_output(self, image: torch.Tensor) -> torch.Tensor:
        """Cut (or replicate-pad to) the ``output_sz`` window, centred and displaced by ``shift``."""
        if not isinstance(image, torch.Tensor):
            raise TypeError('crop_to_output expects a torch.Tensor patch, got {}'.format(type(image).__name__))
        imsz = image.shape[2:]
        if self.output_sz is None:
            pad_h = pad_w = 0
        else:
            pad_h = (self.output_sz[0] - imsz[0]) / 2
            pad_w = (self.output_sz[1] - imsz[1]) / 2
        # The padding is negative (a crop) when the input is larger than the output.
        left = math.floor(pad_w) + self.shift[1]
        right = math.ceil(pad_w) - self.shift[1]
        top = math.floor(pad_h) + self.shift[0]
        bottom = math.ceil(pad_h) - self.shift[0]
        return _replicate_pad(image, left, right, top, bottom)


def _replicate_pad(image: torch.Tensor, left: int, right: int, top: int, bottom: int) -> torch.Tensor:
    """Same result as ``F.pad(image, (left, right, top, bottom), 'replicate')``; negative amounts
    crop. Clamped index selection also handles a window lying entirely outside the image."""
    h, w = image.shape[-2], image.shape[-1]
    rows = torch.arange(-top, h + bottom, device=image.device).clamp(0, h - 1)
    cols = torch.arange(-left, w + right, device=image.device).clamp(0, w - 1)
    return image.index_select(-2, rows).index_select(-1, cols)


class Identity(Transform):
    """No change besides the output crop."""

    def __call__(self, image, is_mask: bool = False):
        return self.crop_to_output(image)


class FlipHorizontal(Transform):
    """Mirror left-right."""

    def __call__(self, image, is_mask: bool = False):
        if isinstance(image, torch.Tensor):
            return self.crop_to_output(image.flip((3,)))
        return np.fliplr(image)


class FlipVertical(Transform):
    """Mirror top-bottom."""

    def __call__(self, image, is_mask: bool = False):
        if isinstance(image, torch.Tensor):
            return self.crop_to_output(image.flip((2,)))
        return np.flipud(image)


class Translation(Transform):
    """Translate by ``translation`` = (dy, dx) pixels (added to ``shift``)."""

    def __init__(self, translation: Sequence[int], output_sz=None, shift=None):
        super().__init__(output_sz, shift)
        self.shift = (self.shift[0] + translation[0], self.shift[1] + translation[1])

    def __call__(self, image, is_mask: bool = False):
        if not isinstance(image, torch.Tensor):
            raise TypeError('Translation is only implemented for tensors')
        return self.crop_to_output(image)


class Scale(Transform):
    """Zoom by ``scale_factor`` (>1 zooms out: the content shrinks). Square inputs only."""

    def __init__(self, scale_factor: float, output_sz=None, shift=None):
        super().__init__(output_sz, shift)
        self.scale_factor = scale_factor

    def __call__(self, image, is_mask: bool = False):
        if not isinstance(image, torch.Tensor):
            raise TypeError('Scale is only implemented for tensors')
        h_orig, w_orig = image.shape[2:]
        if h_orig != w_orig:
            raise ValueError('Scale augmentation needs a square patch, got {}x{}'.format(h_orig, w_orig))
        # Keep the size parity of the input so that the centre crop stays symmetric.
        h_new = round(h_orig / self.scale_factor)
        h_new += (h_new - h_orig) % 2
        w_new = round(w_orig / self.scale_factor)
        w_new += (w_new - w_orig) % 2
        resized = F.interpolate(image, [h_new, w_new], mode='bilinear', align_corners=False)
        return self.crop_to_output(resized)


class Affine(Transform):
    """Warp with a 2x3 affine matrix (OpenCV convention, replicate border)."""

    def __init__(self, transform_matrix: np.ndarray, output_sz=None, shift=None):
        super().__init__(output_sz, shift)
        self.transform_matrix = transform_matrix

    def __call__(self, image, is_mask: bool = False):
        if isinstance(image, torch.Tensor):
            return self.crop_to_output(numpy_to_torch(self(torch_to_numpy(image))))
        return cv.warpAffine(image, self.transform_matrix, image.shape[1::-1], borderMode=cv.BORDER_REPLICATE)


class Rotate(Transform):
    """Rotate by ``angle`` degrees (counter-clockwise on screen) about the patch centre."""

    def __init__(self, angle: float, output_sz=None, shift=None):
        super().__init__(output_sz, shift)
        self.angle = math.pi * angle / 180

    def rotation_matrix(self, shape: Tuple[int, int]) -> np.ndarray:
        """2x3 matrix rotating about the centre ((h-1)/2, (w-1)/2) of an image of ``shape`` = (h, w)."""
        # Note: the centre vector is in (row, col) order while the matrix acts on (x, y); for the
        # square patches used by the trackers both orders coincide (as in the original).
        c = (np.array(shape[:2], dtype=np.float64).reshape(2, 1) - 1) / 2
        cos_a, sin_a = math.cos(self.angle), math.sin(self.angle)
        R = np.array([[cos_a, sin_a], [-sin_a, cos_a]])
        return np.concatenate([R, c - R @ c], 1)

    def __call__(self, image, is_mask: bool = False):
        if isinstance(image, torch.Tensor):
            return self.crop_to_output(numpy_to_torch(self(torch_to_numpy(image))))
        H = self.rotation_matrix(image.shape[:2])
        return cv.warpAffine(np.ascontiguousarray(image), H, image.shape[1::-1], borderMode=cv.BORDER_REPLICATE)


class Blur(Transform):
    """Separable Gaussian blur with ``sigma`` (one value or (sigma_y, sigma_x)), kernel radius
    ceil(2 sigma), zero padded (the kernels of :mod:`ltr.data.transforms`)."""

    def __init__(self, sigma, output_sz=None, shift=None):
        super().__init__(output_sz, shift)
        if isinstance(sigma, (float, int)):
            sigma = (sigma, sigma)
        self.sigma = sigma
        self.filter_size, self.filter = _gauss_kernels(self.sigma)

    def __call__(self, image, is_mask: bool = False):
        if not isinstance(image, torch.Tensor):
            raise TypeError('Blur is only implemented for tensors')
        kernels = [k.to(image.device) for k in self.filter]
        return self.crop_to_output(_separable_blur(image, self.filter_size, kernels))


class RandomAffine(Transform):
    """Random flip, rotation, shear, scale and aspect-ratio change (drawn once at construction).

    args:
        p_flip: probability of a horizontal flip.
        max_rotation: maximal rotation in degrees.
        max_shear: maximal shear factor.
        max_scale: maximal log scale change.
        max_ar_factor: maximal log aspect-ratio change.
        border_mode: 'constant' or 'replicate'.
    """

    def __init__(self, p_flip: float = 0.0, max_rotation: float = 0.0, max_shear: float = 0.0,
                 max_scale: float = 0.0, max_ar_factor: float = 0.0, border_mode: str = 'constant',
                 output_sz=None, shift=None):
        super().__init__(output_sz, shift)
        self.p_flip = p_flip
        self.max_rotation = max_rotation
        self.max_shear = max_shear
        self.max_scale = max_scale
        self.max_ar_factor = max_ar_factor
        self.pad_amount = 0
        if border_mode == 'constant':
            self.border_flag = cv.BORDER_CONSTANT
        elif border_mode == 'replicate':
            self.border_flag = cv.BORDER_REPLICATE
        else:
            raise ValueError("Unknown border_mode '{}' (expected 'constant' or 'replicate')".format(border_mode))
        self.roll_values = self.roll()

    def roll(self):
        """Draw the random parameters: (do_flip, theta, (shear_x, shear_y), (scale_x, scale_y))."""
        do_flip = random.random() < self.p_flip
        theta = random.uniform(-self.max_rotation, self.max_rotation)
        shear_x = random.uniform(-self.max_shear, self.max_shear)
        shear_y = random.uniform(-self.max_shear, self.max_shear)
        ar_factor = np.exp(random.uniform(-self.max_ar_factor, self.max_ar_factor))
        scale_factor = np.exp(random.uniform(-self.max_scale, self.max_scale))
        return do_flip, theta, (shear_x, shear_y), (scale_factor, scale_factor * ar_factor)

    def _construct_t_mat(self, image_shape, do_flip, theta, shear_values, scale_factors) -> np.ndarray:
        # Same matrix as the training-time RandomAffine, without its random centre shift.
        return _DataRandomAffine._construct_t_mat(self, image_shape, do_flip, theta, shear_values, scale_factors, 0.0)

    def __call__(self, image, is_mask: bool = False):
        input_tensor = torch.is_tensor(image)
        if input_tensor:
            image = torch_to_numpy(image)
        do_flip, theta, shear_values, scale_factors = self.roll_values
        t_mat = self._construct_t_mat(image.shape[:2], do_flip, theta, shear_values, scale_factors)
        output_sz = (image.shape[1] + 2 * self.pad_amount, image.shape[0] + 2 * self.pad_amount)
        flags = cv.INTER_NEAREST if is_mask else cv.INTER_LINEAR
        image_t = cv.warpAffine(np.ascontiguousarray(image), t_mat, output_sz, flags=flags, borderMode=self.border_flag)
        if is_mask:
            image_t = image_t.reshape(image.shape)
        if input_tensor:
            if image_t.ndim == 2:
                image_t = image_t[:, :, None]
            image_t = numpy_to_torch(image_t)
        return self.crop_to_output(image_t)


def first_frame_transforms(augs: dict, img_sample_sz: torch.Tensor, expansion_factor: Optional[float] = None,
                           random_shift_factor: float = 0, global_shift: Optional[torch.Tensor] = None
                           ) -> Tuple[list, torch.Tensor]:
    """The first-frame augmentation of the DiMP/ATOM trackers, from a parameter file's ``augmentation`` dict.

    args:
        augs: keys ``shift`` (list of (dy, dx) pixels), ``relativeshift`` (fractions of half the sample size),
              ``fliplr`` (bool), ``blur`` (sigmas), ``scale`` (factors), ``rotate`` (degrees); other keys are
              ignored here (e.g. ATOM's ``dropout``).
        img_sample_sz: (h, w) sample size in pixels.
        expansion_factor: crop this much more than the sample, so that transforms have content at the border.
        random_shift_factor: each flip/blur/scale/rotate sample is displaced by a uniform random shift of up to
                             +-factor/2 of the sample size.
        global_shift: (dy, dx) added to every shift (DiMP's 'inside' border mode); None for no shift at all.
    returns: (transforms, the size of the crop to extract) — the unaugmented sample comes first.
    """
    expansion_sz = img_sample_sz.clone()
    output_sz = None
    if expansion_factor is not None and expansion_factor != 1:
        expansion_sz = (img_sample_sz * expansion_factor).long()
        expansion_sz += (expansion_sz - img_sample_sz.long()) % 2   # keep the parity of the sample size
        expansion_sz = expansion_sz.float()
        output_sz = img_sample_sz.long().tolist()
    offset = torch.zeros(2) if global_shift is None else global_shift
    gshift = None if global_shift is None else global_shift.long().tolist()

    def rand_shift():
        if random_shift_factor > 0:
            return ((torch.rand(2) - 0.5) * img_sample_sz * random_shift_factor + offset).long().tolist()
        return None

    # The order matters: it fixes the order of the random draws, hence the numbers.
    transforms = [Identity(output_sz, gshift)]
    transforms.extend(Translation(shift, output_sz, gshift) for shift in augs.get('shift', ()))
    transforms.extend(Translation((torch.Tensor(shift) * img_sample_sz / 2).long().tolist(), output_sz, gshift)
                      for shift in augs.get('relativeshift', ()))
    if augs.get('fliplr', False):
        transforms.append(FlipHorizontal(output_sz, rand_shift()))
    transforms.extend(Blur(sigma, output_sz, rand_shift()) for sigma in augs.get('blur', ()))
    transforms.extend(Scale(factor, output_sz, rand_shift()) for factor in augs.get('scale', ()))
    transforms.extend(Rotate(angle, output_sz, rand_shift()) for angle in augs.get('rotate', ()))
    return transforms, expansion_sz

"""Processing of sampled frames into network inputs: jittered search-region crops, augmentation,
IoU-Net proposals, Gaussian label maps and label densities.

Input (from a sampler): TensorDict with ``train_images``/``test_images`` (lists of ``H x W x 3``
uint8 images) and ``train_anno``/``test_anno`` (lists of ``[4]`` xywh boxes). Output in
``mode='sequence'``: ``train_images`` ``[n, 3, S, S]``, ``train_anno`` ``[n, 4]`` (box in crop
coordinates), and the mode-specific fields documented on each class; in ``mode='pair'`` the frame
dimension is dropped (one frame each).
"""
import logging

import torch

from . import processing_utils as prutils
from . import transforms as tfm
from .loader import TensorDict

logger = logging.getLogger(__name__)

__all__ = ['stack_tensors', 'BaseProcessing', 'ATOMProcessing', 'KLBBregProcessing', 'DiMPProcessing',
           'KLDiMPProcessing']


def stack_tensors(x):
    """Stack a list/tuple of tensors into one tensor; anything else is returned unchanged."""
    if isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], torch.Tensor):
        return torch.stack(x)
    return x


def _first_if_list(x):
    return x[0] if isinstance(x, (list, tuple)) else x


class BaseProcessing:
    """Base class of the processing classes.

    args:
        transform: transform applied to train and test crops when the specific one is None.
        train_transform / test_transform: transforms for the train / test crops.
        joint_transform: transform applied to the full train and test images with the same roll
                         (e.g. grayscale conversion) before cropping.
    """

    def __init__(self, transform=None, train_transform=None, test_transform=None, joint_transform=None):
        if transform is None:
            transform = tfm.Transform(tfm.ToTensor())
        self.transform = {'train': transform if train_transform is None else train_transform,
                          'test': transform if test_transform is None else test_transform,
                          'joint': joint_transform}

    def __call__(self, data: TensorDict):
        raise NotImplementedError

    def _apply_joint_transform(self, data: TensorDict) -> None:
        if self.transform['joint'] is not None:
            data['train_images'], data['train_anno'] = self.transform['joint'](
                image=data['train_images'], bbox=data['train_anno'])
            data['test_images'], data['test_anno'] = self.transform['joint'](
                image=data['test_images'], bbox=data['test_anno'], new_roll=False)

    def _finalize(self, data: TensorDict, mode: str) -> TensorDict:
        if mode == 'sequence':
            return data.apply(stack_tensors)
        return data.apply(_first_if_list)


class _JitteredCropProcessing(BaseProcessing):
    """Shared part of the processing classes: box jitter, search-region crop, transforms."""

    def __init__(self, search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor, mode='pair',
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        if mode not in ('pair', 'sequence'):
            raise ValueError("Unknown processing mode '{}': use 'pair' or 'sequence'".format(mode))
        self.search_area_factor = search_area_factor
        self.output_sz = output_sz
        self.center_jitter_factor = center_jitter_factor
        self.scale_jitter_factor = scale_jitter_factor
        self.mode = mode

    def _get_jittered_box(self, box: torch.Tensor, mode: str) -> torch.Tensor:
        """Jitter ``box`` (xywh): size times ``exp(N(0, scale_jitter_factor[mode]))`` per side, centre
        shifted uniformly by up to ``center_jitter_factor[mode] * sqrt(jittered area) / 2`` per axis.

        args:
            box: ``[4]`` box; mode: 'train' or 'test'.
        """
        jittered_size = box[2:4] * torch.exp(torch.randn(2) * self.scale_jitter_factor[mode])
        max_offset = jittered_size.prod().sqrt() * torch.tensor(self.center_jitter_factor[mode]).float()
        jittered_center = box[0:2] + 0.5 * box[2:4] + max_offset * (torch.rand(2) - 0.5)
        return torch.cat((jittered_center - 0.5 * jittered_size, jittered_size), dim=0)

    def _crop(self, frames, jittered_anno, anno):
        crops, boxes, _ = prutils.jittered_center_crop(frames, jittered_anno, anno, self.search_area_factor,
                                                       self.output_sz)
        return crops, boxes

    def _process_frames(self, data: TensorDict) -> None:
        self._apply_joint_transform(data)
        for s in ('train', 'test'):
            if self.mode != 'sequence' and len(data[s + '_images']) != 1:
                raise ValueError("In 'pair' mode the number of {} frames must be 1, got {}"
                                 .format(s, len(data[s + '_images'])))
            jittered_anno = [self._get_jittered_box(a, s) for a in data[s + '_anno']]
            crops, boxes = self._crop(data[s + '_images'], jittered_anno, data[s + '_anno'])
            data[s + '_images'], data[s + '_anno'] = self.transform[s](image=crops, bbox=boxes, joint=False)


def _iou_proposals(proposal_params: dict, box: torch.Tensor):
    """Proposals around ``box`` and their IoU with it mapped to [-1, 1] (``proposal_method`` 'default':
    :func:`perturb_boxes`, 'gmm': :func:`sample_box_gmm`)."""
    num_proposals = proposal_params['boxes_per_frame']
    method = proposal_params.get('proposal_method', 'default')
    if method == 'default':
        proposals, gt_iou = prutils.perturb_boxes(box, num_proposals, min_iou=proposal_params['min_iou'],
                                                  sigma_factor=proposal_params['sigma_factor'])
    elif method == 'gmm':
        proposals, _, _ = prutils.sample_box_gmm(box, proposal_params['proposal_sigma'], num_samples=num_proposals)
        gt_iou = prutils.iou(box.view(1, 4), proposals.view(-1, 4))
    else:
        raise ValueError("Unknown proposal_method '{}': use 'default' or 'gmm'".format(method))
    return proposals, gt_iou * 2 - 1


def _gmm_proposals(proposal_params: dict, box: torch.Tensor):
    """Proposals from the GMM around ``box`` with proposal and ground-truth densities."""
    return prutils.sample_box_gmm(box, proposal_params['proposal_sigma'], gt_sigma=proposal_params['gt_sigma'],
                                  num_samples=proposal_params['boxes_per_frame'],
                                  add_mean_box=proposal_params.get('add_mean_box', False))


def _add_density_proposals(data: TensorDict, generate) -> None:
    """Store GMM proposals of every test box with their proposal and ground-truth densities."""
    proposals, proposal_density, gt_density = zip(*[generate(a) for a in data['test_anno']])
    data['test_proposals'] = list(proposals)
    data['proposal_density'] = list(proposal_density)
    data['gt_density'] = list(gt_density)


class ATOMProcessing(_JitteredCropProcessing):
    """Processing for ATOM: jittered square crops (:func:`jittered_center_crop`) and IoU proposals.

    args:
        search_area_factor: crop side relative to the jittered box size; output_sz: crop side in pixels.
        center_jitter_factor / scale_jitter_factor: dicts with 'train' and 'test' jitter amounts.
        proposal_params: dict with 'boxes_per_frame', 'min_iou', 'sigma_factor' (or 'proposal_method'
                         'gmm' with 'proposal_sigma').
        mode: 'pair' or 'sequence'.
    Output adds ``test_proposals`` ``[n, P, 4]`` and ``proposal_iou`` ``[n, P]`` in [-1, 1].
    """

    def __init__(self, search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor, proposal_params,
                 mode='pair', *args, **kwargs):
        super().__init__(search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor, mode,
                         *args, **kwargs)
        self.proposal_params = proposal_params

    def _generate_proposals(self, box: torch.Tensor):
        return _iou_proposals(self.proposal_params, box)

    def __call__(self, data: TensorDict) -> TensorDict:
        self._process_frames(data)
        proposals, gt_iou = zip(*[self._generate_proposals(a) for a in data['test_anno']])
        data['test_proposals'] = list(proposals)
        data['proposal_iou'] = list(gt_iou)
        return self._finalize(data, self.mode)


class KLBBregProcessing(ATOMProcessing):
    """Processing for ATOM trained with ML/KL bounding-box regression (PrDiMP paper); arguments as
    ATOMProcessing.

    ``proposal_params``: 'boxes_per_frame', 'proposal_sigma' (list of (center, size) stds),
    'gt_sigma', optional 'add_mean_box'. Output adds ``test_proposals`` ``[n, P, 4]``,
    ``proposal_density`` ``[n, P]`` and ``gt_density`` ``[n, P]``.
    """

    def _generate_proposals(self, box: torch.Tensor):
        return _gmm_proposals(self.proposal_params, box)

    def __call__(self, data: TensorDict) -> TensorDict:
        self._process_frames(data)
        _add_density_proposals(data, self._generate_proposals)
        return self._finalize(data, self.mode)


class DiMPProcessing(_JitteredCropProcessing):
    """Processing for DiMP: crops by :func:`target_image_crop`, IoU proposals and Gaussian labels.

    args:
        search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor: see ATOMProcessing.
        crop_type: 'replicate', 'inside' or 'inside_major' (see :func:`sample_target_adaptive`).
        max_scale_change: largest shrink of the crop allowed by the inside crop types.
        mode: 'pair' or 'sequence'.
        proposal_params: as ATOMProcessing; None disables proposals.
        label_function_params: dict with 'sigma_factor', 'kernel_sz', 'feature_sz' and optional
            'end_pad_if_even'; None disables labels.
    Output adds ``test_proposals`` ``[n, P, 4]``, ``proposal_iou`` ``[n, P]``, ``train_label`` and
    ``test_label`` ``[n, L, L]`` (``L = feature_sz + 1`` for an even kernel with end padding).
    """

    def __init__(self, search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor,
                 crop_type='replicate', max_scale_change=None, mode='pair', proposal_params=None,
                 label_function_params=None, *args, **kwargs):
        super().__init__(search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor, mode,
                         *args, **kwargs)
        self.crop_type = crop_type
        self.max_scale_change = max_scale_change
        self.proposal_params = proposal_params
        self.label_function_params = label_function_params

    def _crop(self, frames, jittered_anno, anno):
        return prutils.target_image_crop(frames, jittered_anno, anno, self.search_area_factor, self.output_sz,
                                         mode=self.crop_type, max_scale_change=self.max_scale_change)

    def _generate_proposals(self, box: torch.Tensor):
        return _iou_proposals(self.proposal_params, box)

    def _generate_label_function(self, target_bb: torch.Tensor) -> torch.Tensor:
        """Gaussian labels ``[N, L, L]`` for the ``[N, 4]`` (or ``[4]``) boxes in crop coordinates."""
        p = self.label_function_params
        return prutils.gaussian_label_function(target_bb.view(-1, 4), p['sigma_factor'], p['kernel_sz'],
                                               p['feature_sz'], self.output_sz,
                                               end_pad_if_even=p.get('end_pad_if_even', True))

    def __call__(self, data: TensorDict) -> TensorDict:
        self._process_frames(data)
        if self.proposal_params:
            proposals, gt_iou = zip(*[self._generate_proposals(a) for a in data['test_anno']])
            data['test_proposals'] = list(proposals)
            data['proposal_iou'] = list(gt_iou)
        data = self._finalize(data, self.mode)
        if self.label_function_params is not None:
            data['train_label'] = self._generate_label_function(data['train_anno'])
            data['test_label'] = self._generate_label_function(data['test_anno'])
        return data


class KLDiMPProcessing(DiMPProcessing):
    """Processing for PrDiMP: as DiMPProcessing with GMM proposals (densities instead of IoUs) and
    optional label densities.

    args:
        proposal_params: 'boxes_per_frame', 'proposal_sigma', 'gt_sigma', optional 'add_mean_box'.
        label_density_params: dict with 'sigma_factor', 'kernel_sz', 'feature_sz' and optional
            'interp_factor', 'end_pad_if_even', 'uni_weight', 'threshold', 'normalize', 'shrink'.
    Output adds ``test_proposals``, ``proposal_density``, ``gt_density`` and, when configured,
    ``train_label``/``test_label`` and ``train_label_density``/``test_label_density``.
    """

    def __init__(self, search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor,
                 crop_type='replicate', max_scale_change=None, mode='pair', proposal_params=None,
                 label_function_params=None, label_density_params=None, *args, **kwargs):
        super().__init__(search_area_factor, output_sz, center_jitter_factor, scale_jitter_factor, crop_type,
                         max_scale_change, mode, proposal_params, label_function_params, *args, **kwargs)
        self.label_density_params = label_density_params

    def _generate_proposals(self, box: torch.Tensor):
        return _gmm_proposals(self.proposal_params, box)

    def _generate_label_density(self, target_bb: torch.Tensor) -> torch.Tensor:
        """Label densities ``[N, L, L]`` (each map sums to ``1 - shrink`` when normalised)."""
        p = self.label_density_params
        feat_sz = p['feature_sz'] * p.get('interp_factor', 1)
        density = prutils.gaussian_label_function(target_bb.view(-1, 4), p['sigma_factor'], p['kernel_sz'],
                                                  feat_sz, self.output_sz,
                                                  end_pad_if_even=p.get('end_pad_if_even', True), density=True,
                                                  uni_bias=p.get('uni_weight', 0.0))
        density = density * (density > p.get('threshold', 0.0)).float()
        if p.get('normalize', False):
            g_sum = density.sum(dim=(-2, -1))
            valid = g_sum > 0.01
            density[valid, :, :] /= g_sum[valid].view(-1, 1, 1)
            # A target far outside the crop leaves (almost) no mass: use a uniform density instead.
            density[~valid, :, :] = 1.0 / (density.shape[-2] * density.shape[-1])
        return density * (1.0 - p.get('shrink', 0.0))

    def __call__(self, data: TensorDict) -> TensorDict:
        self._process_frames(data)
        _add_density_proposals(data, self._generate_proposals)

        for s in ('train', 'test'):
            is_distractor = data.get('is_distractor_{}_frame'.format(s), None)
            if is_distractor is not None:
                # A distractor frame's box is moved far away so that its label is all zero.
                for is_dist, box in zip(is_distractor, data[s + '_anno']):
                    if is_dist:
                        box[0] = 99999999.9
                        box[1] = 99999999.9

        data = self._finalize(data, self.mode)
        if self.label_function_params is not None:
            data['train_label'] = self._generate_label_function(data['train_anno'])
            data['test_label'] = self._generate_label_function(data['test_anno'])
        if self.label_density_params is not None:
            data['train_label_density'] = self._generate_label_density(data['train_anno'])
            data['test_label_density'] = self._generate_label_density(data['test_anno'])
        return data


# KeepTrack processing, importable from its original module path (ltr.data.processing).
def __getattr__(attr: str):
    # Resolved on first access: processing_candidate_matching imports this module, so an import at load time
    # would be circular.
    if attr == 'TargetCandiateMatchingProcessing':
        from .processing_candidate_matching import TargetCandiateMatchingProcessing
        return TargetCandiateMatchingProcessing
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, attr))

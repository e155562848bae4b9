"""ATOM tracker (Danelljan et al., CVPR 2019): online factorized-convolution classifier for
localisation, trained with Gauss-Newton / conjugate gradient, and an offline IoU-Net for the box.

Conventions as in :mod:`pytracking.tracker.dimp.dimp`: ``pos`` = target centre (y, x),
``target_sz`` = (h, w), image pixels.
"""
import logging
import math
import time
from typing import Optional

import torch
import torch.nn.functional as F

from pytracking.features import augmentation
from pytracking.features.preprocessing import check_init_box, image_to_rgb, numpy_to_torch
from pytracking.libs import dcf, fourier, operation
from pytracking.libs.tensorlist import TensorList
from pytracking.libs.optimization import ConjugateGradient, GaussNewtonCG, GradientDescentL2
from pytracking.tracker.atom.iounet_refinement import IoUNetRefinement
from pytracking.tracker.atom.optim import ConvProblem, FactorizedConvProblem
from pytracking.tracker.atom.sample_memory import update_sample_weights
from pytracking.tracker.base import BaseTracker

logger = logging.getLogger(__name__)


def _make_activation(spec, what: str):
    """'none' | 'relu' | 'elu' | ('mlu', a) -> callable."""
    act_param = None
    if isinstance(spec, tuple):
        spec, act_param = spec
    if spec == 'none':
        return lambda x: x
    if spec == 'relu':
        return torch.nn.ReLU(inplace=True)
    if spec == 'elu':
        return torch.nn.ELU(inplace=True)
    if spec == 'mlu':
        return lambda x: F.elu(F.leaky_relu(x, 1 / act_param), act_param)
    raise ValueError("Unknown {} '{}' (expected 'none', 'relu', 'elu' or ('mlu', a))".format(what, spec))


class ATOM(BaseTracker, IoUNetRefinement):
    """ATOM tracker; ``params.features`` is a ``MultiResolutionExtractor`` holding an ``ATOMResNet18``."""

    def initialize_features(self) -> None:
        if not getattr(self, 'features_initialized', False):
            self.params.features.initialize(self.device)
        self.features_initialized = True

    def initialize(self, image, info: dict) -> dict:
        """Start tracking in ``image`` (H x W x 3 RGB) at ``info['init_bbox']`` = [x, y, w, h]."""
        from ltr.admin.device import resolve_device
        self.frame_num = 1
        self.device = resolve_device(self.params.get('use_gpu', True), self.params.get('device', None))
        image = image_to_rgb(image)
        state = check_init_box(info['init_bbox'], image.shape, self.params.get('vot_anno_conversion_type', 'preserve_area'))

        self.initialize_features()
        self.params.features.set_is_color(image.shape[2] == 3)
        self.fparams = self.params.features.get_fparams('feature_params')

        tic = time.time()

        self.pos = torch.Tensor([state[1] + (state[3] - 1) / 2, state[0] + (state[2] - 1) / 2])
        self.target_sz = torch.Tensor([state[3], state[2]])

        # Image scale keeping the search area between min and max sample size
        self.target_scale = 1.0
        search_area = torch.prod(self.target_sz * self.params.search_area_scale).item()
        if search_area > self.params.max_image_sample_size:
            self.target_scale = math.sqrt(search_area / self.params.max_image_sample_size)
        elif search_area < self.params.min_image_sample_size:
            self.target_scale = math.sqrt(search_area / self.params.min_image_sample_size)

        self.use_iou_net = self.params.get('use_iou_net', True)
        self.base_target_sz = self.target_sz / self.target_scale

        # Sample size, made compatible with the feature stride
        feat_max_stride = max(self.params.features.stride())
        shape = self.params.get('search_area_shape', 'square')
        if shape == 'square':
            self.img_sample_sz = torch.round(torch.sqrt(torch.prod(self.base_target_sz * self.params.search_area_scale))) * torch.ones(2)
        elif shape == 'initrect':
            self.img_sample_sz = torch.round(self.base_target_sz * self.params.search_area_scale)
        else:
            raise ValueError("Unknown search_area_shape '{}' (expected 'square' or 'initrect')".format(shape))
        if self.params.feature_size_odd:
            self.img_sample_sz += feat_max_stride - self.img_sample_sz % (2 * feat_max_stride)
        else:
            self.img_sample_sz += feat_max_stride - (self.img_sample_sz + feat_max_stride) % (2 * feat_max_stride)

        self.img_support_sz = self.img_sample_sz
        self.feature_sz = self.params.features.size(self.img_sample_sz)
        self.output_sz = self.params.score_upsample_factor * self.img_support_sz
        self.kernel_size = self.fparams.attribute('kernel_size')
        self.iou_img_sample_sz = self.img_sample_sz

        self.params.precond_learning_rate = self.fparams.attribute('learning_rate')
        if self.params.CG_forgetting_rate is None or max(self.params.precond_learning_rate) >= 1:
            self.params.direction_forget_factor = 0
        else:
            self.params.direction_forget_factor = (1 - max(self.params.precond_learning_rate)) ** self.params.CG_forgetting_rate

        self.output_window = None
        if self.params.get('window_output', False):
            if self.params.get('use_clipped_window', False):
                self.output_window = dcf.hann2d_clipped(self.output_sz.long(), (self.output_sz * self.params.effective_search_area /
                                                        self.params.search_area_scale).long(), centered=False).to(self.device)
            else:
                self.output_window = dcf.hann2d(self.output_sz.long(), centered=False).to(self.device)

        self.init_learning()

        im = numpy_to_torch(image)
        self.image_sz = torch.Tensor([im.shape[2], im.shape[3]])
        self.min_scale_factor = torch.max(10 / self.base_target_sz)
        self.max_scale_factor = torch.min(self.image_sz / self.base_target_sz)

        x = self.generate_init_samples(im)
        if self.use_iou_net:
            self.init_iou_net()
        self.init_projection_matrix(x)
        train_x = self.preprocess_sample(x)
        init_y = self.init_label_function(train_x)
        self.init_memory(train_x)
        self.init_optimization(train_x, init_y)
        self.pos_iounet = self.pos.clone()

        return {'time': time.time() - tic}

    def init_optimization(self, train_x: TensorList, init_y: TensorList) -> None:
        """First-frame optimisation of filter (and projection matrix), then set up the filter optimiser."""
        filter_init_method = self.params.get('filter_init_method', 'zeros')
        self.filter = TensorList([x.new_zeros(1, cdim, sz[0], sz[1])
                                  for x, cdim, sz in zip(train_x, self.compressed_dim, self.kernel_size)])
        if filter_init_method == 'randn':
            for f in self.filter:
                f.normal_(0, 1 / f.numel())
        elif filter_init_method != 'zeros':
            raise ValueError("Unknown filter_init_method '{}' (expected 'zeros' or 'randn')".format(filter_init_method))

        self.params.update_projection_matrix = self.params.get('update_projection_matrix', True) and \
            self.params.use_projection_matrix
        optimizer = self.params.get('optimizer', 'GaussNewtonCG')
        if optimizer not in ('GaussNewtonCG', 'GradientDescentL2'):
            raise ValueError("Unknown optimizer '{}' (expected 'GaussNewtonCG' or 'GradientDescentL2')".format(optimizer))
        debug = self.params.get('debug', 0)

        if self.params.update_projection_matrix:
            self.joint_problem = FactorizedConvProblem(self.init_training_samples, init_y, self.filter_reg,
                                                       self.fparams.attribute('projection_reg'), self.params,
                                                       self.init_sample_weights, self.projection_activation,
                                                       self.response_activation)
            joint_var = self.filter.concat(self.projection_matrix)
            if optimizer == 'GaussNewtonCG':
                self.joint_optimizer = GaussNewtonCG(self.joint_problem, joint_var, debug=(debug >= 1),
                                                     plotting=(debug >= 3), visdom=self.visdom)
            else:
                self.joint_optimizer = GradientDescentL2(self.joint_problem, joint_var, self.params.optimizer_step_length,
                                                         self.params.optimizer_momentum, plotting=(debug >= 3),
                                                         debug=(debug >= 1), visdom=self.visdom)
            if isinstance(self.params.init_CG_iter, (list, tuple)):
                self.joint_optimizer.run(self.params.init_CG_iter)
            else:
                self.joint_optimizer.run(self.params.init_CG_iter // self.params.init_GN_iter, self.params.init_GN_iter)

        # Compress the initial samples with the optimised projection
        compressed_samples = self.project_sample(self.init_training_samples, self.projection_matrix)
        for train_samp, init_samp in zip(self.training_samples, compressed_samples):
            train_samp[:init_samp.shape[0], ...] = init_samp

        self.hinge_mask = None
        self.conv_problem = ConvProblem(self.training_samples, self.y, self.filter_reg, self.sample_weights,
                                        self.response_activation)
        if optimizer == 'GaussNewtonCG':
            self.filter_optimizer = ConjugateGradient(self.conv_problem, self.filter, fletcher_reeves=self.params.fletcher_reeves,
                                                      direction_forget_factor=self.params.direction_forget_factor,
                                                      debug=(debug >= 1), plotting=(debug >= 3), visdom=self.visdom)
        else:
            self.filter_optimizer = GradientDescentL2(self.conv_problem, self.filter, self.params.optimizer_step_length,
                                                      self.params.optimizer_momentum, debug=(debug >= 1),
                                                      plotting=(debug >= 3), visdom=self.visdom)

        if self.params.update_projection_matrix:
            # Continue the loss history of the joint optimisation
            self.filter_optimizer.residuals = self.joint_optimizer.residuals
            self.filter_optimizer.losses = self.joint_optimizer.losses
        else:
            self.filter_optimizer.run(self.params.init_CG_iter)

        self.filter_optimizer.run(self.params.post_init_CG_iter)

        del self.init_training_samples
        if self.params.update_projection_matrix:
            del self.joint_problem, self.joint_optimizer

    def track(self, image, info: dict = None) -> dict:
        """Track in a new frame; returns dict with ``target_bbox`` = [x, y, w, h]."""
        self.debug_info = {}
        self.frame_num += 1
        self.debug_info['frame_num'] = self.frame_num

        im = numpy_to_torch(image_to_rgb(image))

        sample_pos = self.pos.round()
        sample_scales = self.target_scale * self.params.scale_factors
        test_x = self.extract_processed_sample(im, self.pos, sample_scales, self.img_sample_sz)

        scores_raw = self.apply_filter(test_x)
        translation_vec, scale_ind, s, flag = self.localize_target(scores_raw)

        if flag != 'not_found':
            if self.use_iou_net:
                update_scale_flag = self.params.get('update_scale_when_uncertain', True) or flag != 'uncertain'
                if self.params.get('use_classifier', True):
                    self.update_state(sample_pos + translation_vec)
                self.refine_target_box(sample_pos, sample_scales[scale_ind], scale_ind, update_scale_flag)
            elif self.params.get('use_classifier', True):
                self.update_state(sample_pos + translation_vec, sample_scales[scale_ind])

        score_map = s[scale_ind, ...]
        max_score = torch.max(score_map).item()
        self.debug_info['max_score'] = max_score
        self.debug_info['flag'] = flag
        if self.visdom is not None:
            self.visdom.register(score_map, 'heatmap', 2, 'Score Map')
            self.visdom.register(self.debug_info, 'info_dict', 1, 'Status')
        elif self.params.get('debug', 0) >= 2:
            from pytracking.utils.plotting import show_tensor
            show_tensor(score_map, 5, title='Max score = {:.2f}'.format(max_score))

        update_flag = flag not in ('not_found', 'uncertain')
        hard_negative = flag == 'hard_negative'
        learning_rate = self.params.hard_negative_learning_rate if hard_negative else None

        if update_flag:
            train_x = TensorList([x[scale_ind:scale_ind + 1, ...] for x in test_x])
            train_y = self.get_label_function(sample_pos, sample_scales[scale_ind])
            self.update_memory(train_x, train_y, learning_rate)

        if hard_negative:
            self.filter_optimizer.run(self.params.hard_negative_CG_iter)
        elif (self.frame_num - 1) % self.params.train_skipping == 0:
            self.filter_optimizer.run(self.params.CG_iter)

        if self.use_iou_net and flag != 'not_found':
            self.pos = self.pos_iounet.clone()

        new_state = torch.cat((self.pos[[1, 0]] - (self.target_sz[[1, 0]] - 1) / 2, self.target_sz[[1, 0]]))
        return {'target_bbox': new_state.tolist()}

    def apply_filter(self, sample_x: TensorList) -> TensorList:
        return operation.conv2d(sample_x, self.filter, mode='same')

    def localize_target(self, scores_raw: TensorList):
        """Combine the feature scores (Fourier interpolation to ``output_sz``) and find the target.

        returns: (translation (y, x) in image pixels, scale index, scores, flag)
        """
        weight = self.fparams.attribute('translation_weight', 1.0)
        scores_raw = weight * scores_raw
        sf_weighted = fourier.cfft2(scores_raw) / (scores_raw.size(2) * scores_raw.size(3))
        for i, (sz, ksz) in enumerate(zip(self.feature_sz, self.kernel_size)):
            # Even kernels put the response half a cell off: shift back in the Fourier domain.
            sf_weighted[i] = fourier.shift_fs(sf_weighted[i], math.pi * (1 - torch.Tensor([ksz[0] % 2, ksz[1] % 2]) / sz))

        scores_fs = fourier.sum_fs(sf_weighted)
        scores = fourier.sample_fs(scores_fs, self.output_sz)

        if self.output_window is not None and not self.params.get('perform_hn_without_windowing', False):
            scores = scores * self.output_window

        if self.params.get('advanced_localization', False):
            return self.localize_advanced(scores)

        max_score, max_disp = dcf.max2d(scores)
        _, scale_ind = torch.max(max_score, dim=0)
        max_disp = max_disp.float().cpu()
        # The score map is circular with zero displacement at index 0
        disp = (max_disp + self.output_sz / 2) % self.output_sz - self.output_sz / 2
        translation_vec = disp[scale_ind, ...].view(-1) * (self.img_support_sz / self.output_sz) * self.target_scale
        translation_vec *= self.params.scale_factors[scale_ind]

        if self.params.get('debug', 0) >= 2:
            sz = scores.shape[-2:]
            scores = torch.roll(scores, shifts=(sz[0] // 2, sz[1] // 2), dims=(-2, -1))
        return translation_vec, scale_ind, scores, None

    def localize_advanced(self, scores: torch.Tensor):
        """Localisation with target-not-found and distractor (hard negative) detection."""
        sz = scores.shape[-2:]
        centre_shift = (-((sz[0] + 1) // 2), -((sz[1] + 1) // 2))

        scores_orig = None
        if self.output_window is not None and self.params.get('perform_hn_without_windowing', False):
            scores_orig = torch.roll(scores, shifts=centre_shift, dims=(-2, -1))
            scores = scores * self.output_window

        # Move zero displacement to the centre of the map
        scores = torch.roll(scores, shifts=centre_shift, dims=(-2, -1))

        max_score1, max_disp1 = dcf.max2d(scores)
        _, scale_ind = torch.max(max_score1, dim=0)
        max_score1 = max_score1[scale_ind]
        max_disp1 = max_disp1[scale_ind, ...].float().cpu().view(-1)
        target_disp1 = max_disp1 - self.output_sz // 2
        translation_vec1 = target_disp1 * (self.img_support_sz / self.output_sz) * self.target_scale

        if max_score1.item() < self.params.target_not_found_threshold:
            return translation_vec1, scale_ind, scores, 'not_found'

        if scores_orig is not None:
            scores = scores_orig

        target_neigh_sz = self.params.target_neighborhood_scale * self.target_sz / self.target_scale
        top = max(round(max_disp1[0].item() - target_neigh_sz[0].item() / 2), 0)
        bottom = min(round(max_disp1[0].item() + target_neigh_sz[0].item() / 2 + 1), sz[0])
        left = max(round(max_disp1[1].item() - target_neigh_sz[1].item() / 2), 0)
        right = min(round(max_disp1[1].item() + target_neigh_sz[1].item() / 2 + 1), sz[1])
        scores_masked = scores[scale_ind:scale_ind + 1, ...].clone()
        scores_masked[..., top:bottom, left:right] = 0

        max_score2, max_disp2 = dcf.max2d(scores_masked)
        max_disp2 = max_disp2.float().cpu().view(-1)
        target_disp2 = max_disp2 - self.output_sz // 2
        translation_vec2 = target_disp2 * (self.img_support_sz / self.output_sz) * self.target_scale

        if max_score2 > self.params.distractor_threshold * max_score1:
            disp_norm1 = torch.sqrt(torch.sum(target_disp1 ** 2))
            disp_norm2 = torch.sqrt(torch.sum(target_disp2 ** 2))
            disp_threshold = self.params.dispalcement_scale * math.sqrt(sz[0] * sz[1]) / 2
            if disp_norm2 > disp_threshold and disp_norm1 < disp_threshold:
                return translation_vec1, scale_ind, scores, 'hard_negative'
            if disp_norm2 < disp_threshold and disp_norm1 > disp_threshold:
                return translation_vec2, scale_ind, scores, 'hard_negative'
            return translation_vec1, scale_ind, scores, 'uncertain'

        if max_score2 > self.params.hard_negative_threshold * max_score1 and \
                max_score2 > self.params.target_not_found_threshold:
            return translation_vec1, scale_ind, scores, 'hard_negative'

        return translation_vec1, scale_ind, scores, None

    # ------------------------------------------------------------------ features
    def extract_sample(self, im: torch.Tensor, pos: torch.Tensor, scales, sz: torch.Tensor) -> TensorList:
        return self.params.features.extract(im, pos, scales, sz)[0]

    def get_iou_features(self) -> TensorList:
        return self.params.features.get_unique_attribute('iounet_features')

    def get_iou_backbone_features(self) -> TensorList:
        return self.params.features.get_unique_attribute('iounet_backbone_features')

    def extract_processed_sample(self, im: torch.Tensor, pos: torch.Tensor, scales, sz: torch.Tensor) -> TensorList:
        return self.preprocess_sample(self.project_sample(self.extract_sample(im, pos, scales, sz)))

    def preprocess_sample(self, x: TensorList) -> TensorList:
        if self.params.get('_feature_window', False):
            x = x * self.feature_window
        return x

    def project_sample(self, x: TensorList, proj_matrix: Optional[TensorList] = None) -> TensorList:
        if proj_matrix is None:
            proj_matrix = self.projection_matrix
        return operation.conv2d(x, proj_matrix).apply(self.projection_activation)

    def init_learning(self) -> None:
        self.feature_window = TensorList([dcf.hann2d(sz).to(self.device) for sz in self.feature_sz])
        self.filter_reg = self.fparams.attribute('filter_reg')
        self.projection_activation = _make_activation(self.params.get('projection_activation', 'none'),
                                                      'projection_activation')
        self.response_activation = _make_activation(self.params.get('response_activation', 'none'),
                                                    'response_activation')

    def generate_init_samples(self, im: torch.Tensor) -> TensorList:
        """Augmented first-frame samples (one feature map batch per feature)."""
        augs = self.params.augmentation
        self.transforms, aug_expansion_sz = augmentation.first_frame_transforms(
            augs, self.img_sample_sz, self.params.get('augmentation_expansion_factor', None),
            self.params.get('random_shift_factor', 0))

        init_samples = self.params.features.extract_transformed(im, self.pos, self.target_scale, aug_expansion_sz,
                                                                self.transforms)

        for i, use_aug in enumerate(self.fparams.attribute('use_augmentation')):
            if not use_aug:
                init_samples[i] = init_samples[i][0:1, ...]

        if 'dropout' in augs:
            num, prob = augs['dropout']
            self.transforms.extend(self.transforms[:1] * num)
            for i, use_aug in enumerate(self.fparams.attribute('use_augmentation')):
                if use_aug:
                    init_samples[i] = torch.cat([init_samples[i], F.dropout2d(
                        init_samples[i][0:1, ...].expand(num, -1, -1, -1), p=prob, training=True)])
        return init_samples

    def init_projection_matrix(self, x: TensorList) -> None:
        """Initial projection matrices (PCA of the samples or random), or none."""
        self.params.use_projection_matrix = self.params.get('use_projection_matrix', True)
        if not self.params.use_projection_matrix:
            self.compressed_dim = x.size(1)
            self.projection_matrix = TensorList([None] * len(x))
            return
        self.compressed_dim = self.fparams.attribute('compressed_dim', None)
        proj_init_method = self.params.get('proj_init_method', 'pca')
        if proj_init_method == 'pca':
            mats = []
            for e, cdim in zip(x, self.compressed_dim):
                if cdim is None:
                    mats.append(None)
                    continue
                x_mat = e.permute(1, 0, 2, 3).reshape(e.shape[1], -1).clone()
                x_mat -= x_mat.mean(dim=1, keepdim=True)
                cov_x = x_mat @ x_mat.t()
                U = torch.linalg.svd(cov_x)[0]
                mats.append(U[:, :cdim].t().unsqueeze(-1).unsqueeze(-1).clone())
            self.projection_matrix = TensorList(mats)
        elif proj_init_method == 'randn':
            self.projection_matrix = TensorList(
                [None if cdim is None else ex.new_zeros(cdim, ex.shape[1], 1, 1).normal_(0, 1 / math.sqrt(ex.shape[1]))
                 for ex, cdim in zip(x, self.compressed_dim)])
        else:
            raise ValueError("Unknown proj_init_method '{}' (expected 'pca' or 'randn')".format(proj_init_method))

    def _label_centre(self, sz: torch.Tensor, ksz, target_center_norm: torch.Tensor) -> torch.Tensor:
        return sz * target_center_norm + 0.5 * torch.Tensor([(ksz[0] + 1) % 2, (ksz[1] + 1) % 2])

    def init_label_function(self, train_x: TensorList) -> TensorList:
        """Gaussian labels of the initial samples (memory of labels allocated for all slots)."""
        self.y = TensorList([x.new_zeros(self.params.sample_memory_size, 1, x.shape[2], x.shape[3]) for x in train_x])
        output_sigma_factor = self.fparams.attribute('output_sigma_factor')
        self.sigma = (self.feature_sz / self.img_support_sz * self.base_target_sz).prod().sqrt() * \
            output_sigma_factor * torch.ones(2)
        target_center_norm = (self.pos - self.pos.round()) / (self.target_scale * self.img_support_sz)
        for y, sig, sz, ksz, x in zip(self.y, self.sigma, self.feature_sz, self.kernel_size, train_x):
            center_pos = self._label_centre(sz, ksz, target_center_norm)
            for i, T in enumerate(self.transforms[:x.shape[0]]):
                sample_center = center_pos + torch.Tensor(T.shift) / self.img_support_sz * sz
                y[i, 0, ...] = dcf.label_function_spatial(sz, sig, sample_center).reshape(y.shape[-2:])
        return TensorList([y[:x.shape[0], ...] for y, x in zip(self.y, train_x)])

    def init_memory(self, train_x: TensorList) -> None:
        self.num_init_samples = train_x.size(0)
        self.init_sample_weights = TensorList([x.new_ones(1) / x.shape[0] for x in train_x])
        self.init_training_samples = train_x

        self.num_stored_samples = self.num_init_samples.copy()
        self.previous_replace_ind = [None] * len(self.num_stored_samples)
        self.sample_weights = TensorList([x.new_zeros(self.params.sample_memory_size) for x in train_x])
        for sw, init_sw, num in zip(self.sample_weights, self.init_sample_weights, self.num_init_samples):
            sw[:num] = init_sw

        self.training_samples = TensorList(
            [x.new_zeros(self.params.sample_memory_size, cdim, x.shape[2], x.shape[3])
             for x, cdim in zip(train_x, self.compressed_dim)])

    def update_memory(self, sample_x: TensorList, sample_y: TensorList, learning_rate: Optional[float] = None) -> None:
        replace_ind = self.update_sample_weights(self.sample_weights, self.previous_replace_ind, self.num_stored_samples,
                                                 self.num_init_samples, self.fparams, learning_rate)
        self.previous_replace_ind = replace_ind
        for train_samp, x, ind in zip(self.training_samples, sample_x, replace_ind):
            train_samp[ind:ind + 1, ...] = x
        for y_memory, y, ind in zip(self.y, sample_y, replace_ind):
            y_memory[ind:ind + 1, ...] = y
        if self.hinge_mask is not None:
            for m, y, ind in zip(self.hinge_mask, sample_y, replace_ind):
                m[ind:ind + 1, ...] = (y >= self.params.hinge_threshold).float()
        self.num_stored_samples += 1

    def update_sample_weights(self, sample_weights, previous_replace_ind, num_stored_samples, num_init_samples,
                              fparams, learning_rate: Optional[float] = None):
        """Decay the memory weights for a new sample; the new sample replaces the lowest-weighted slot
        (see :func:`pytracking.tracker.atom.sample_memory.update_sample_weights`)."""
        lrs = [fpar.learning_rate if learning_rate is None else learning_rate for fpar in fparams]
        min_weights = [getattr(fpar, 'init_samples_minimum_weight', None) for fpar in fparams]
        return update_sample_weights(sample_weights, previous_replace_ind, num_stored_samples, num_init_samples,
                                     lrs, min_weights, fill_free_slots_first=False)

    def get_label_function(self, sample_pos: torch.Tensor, sample_scale) -> TensorList:
        """Gaussian label [1, 1, h, w] per feature for a sample taken at ``sample_pos`` / ``sample_scale``."""
        train_y = TensorList()
        target_center_norm = (self.pos - sample_pos) / (sample_scale * self.img_support_sz)
        for sig, sz, ksz in zip(self.sigma, self.feature_sz, self.kernel_size):
            center = self._label_centre(sz, ksz, target_center_norm)
            train_y.append(dcf.label_function_spatial(sz, sig, center).reshape(1, 1, int(sz[0]), int(sz[1])).to(self.device))
        return train_y

    # ------------------------------------------------------------------ IoU-Net
    def init_iou_net(self) -> None:
        """Modulation vector of the IoU-Net from the (unaugmented) first-frame sample."""
        self.iou_predictor = self.params.features.get_unique_attribute('iou_predictor')
        for p in self.iou_predictor.parameters():
            p.requires_grad = False

        self.iou_target_box = self.get_iounet_box(self.pos, self.target_sz, self.pos.round(), self.target_scale)
        boxes = []
        if self.params.iounet_augmentation:
            for T in self.transforms:
                if not isinstance(T, (augmentation.Identity, augmentation.Translation, augmentation.FlipHorizontal,
                                      augmentation.FlipVertical, augmentation.Blur)):
                    break
                boxes.append(self.iou_target_box + torch.Tensor([T.shift[1], T.shift[0], 0, 0]))
        else:
            boxes.append(self.iou_target_box.clone())
        target_boxes = torch.stack(boxes).to(self.device)

        iou_backbone_features = TensorList([x[:target_boxes.shape[0], ...] for x in self.get_iou_backbone_features()])
        with torch.no_grad():
            target_feat = self.iou_predictor.get_modulation(iou_backbone_features, target_boxes)
        self.target_feat = TensorList([x.detach().mean(0) for x in target_feat])

        if self.params.get('iounet_not_use_reference', False):
            self.target_feat = TensorList([torch.full_like(tf, tf.norm() / tf.numel()) for tf in self.target_feat])

    def _predict_iou(self, iou_features, boxes: torch.Tensor) -> torch.Tensor:
        return self.iou_predictor.predict_iou(self.target_feat, iou_features, boxes)

    def refine_target_box(self, sample_pos: torch.Tensor, sample_scale, scale_ind: int, update_scale: bool = True) -> None:
        """IoU-Net refinement of the box on the features of the current frame."""
        init_box = self.get_iounet_box(self.pos, self.target_sz, sample_pos, sample_scale)
        iou_features = TensorList([x[scale_ind:scale_ind + 1, ...] for x in self.get_iou_features()])
        self._refine_with_iou_features(iou_features, init_box, sample_pos, sample_scale, update_scale)

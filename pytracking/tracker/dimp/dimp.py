"""DiMP tracker (Bhat et al., ICCV 2019) and its probabilistic variants PrDiMP / SuperDiMP.

The same class runs every network of the family; the parameter file chooses the network and the
options (score pre-processing, box refinement space, border mode...).

Conventions: ``pos`` is the target centre (y, x) and ``target_sz`` its (h, w), in image pixels.
Boxes handed to the networks are (x, y, w, h) in the coordinates of the sampled image patch.
"""
import logging
import math
import time
from typing import Optional

import torch
import torch.nn.functional as F

from pytracking.features import augmentation
from pytracking.features.preprocessing import (check_init_box, image_to_rgb, numpy_to_torch,
                                               sample_patch_multiscale, sample_patch_transformed)
from pytracking.libs import dcf
from pytracking.libs.tensorlist import TensorList
from pytracking.tracker.atom.iounet_refinement import IoUNetRefinement
from pytracking.tracker.atom.sample_memory import update_sample_weights
from pytracking.tracker.base import BaseTracker

logger = logging.getLogger(__name__)


class DiMP(BaseTracker, IoUNetRefinement):
    """Discriminative Model Prediction tracker.

    ``params`` is a :class:`pytracking.utils.params.TrackerParams` from ``pytracking/parameter/dimp``;
    ``params.net`` a :class:`pytracking.features.net_wrappers.NetWithBackbone`.
    """

    multiobj_mode = 'parallel'

    # ------------------------------------------------------------------ setup
    def initialize_features(self) -> None:
        """Load the network once (on ``self.device``)."""
        if not getattr(self, 'features_initialized', False):
            # Also called before initialize() (multi-object fast load, live tracking): decide the device here then.
            self.params.net.initialize(device=getattr(self, 'device', None) or self._decide_device())
        self.features_initialized = True

    def _decide_device(self) -> torch.device:
        from ltr.admin.device import resolve_device
        return resolve_device(self.params.get('use_gpu', True), self.params.get('device', None))

    def initialize(self, image, info: dict) -> dict:
        """Start tracking.

        args:
            image: first frame, ``H x W x 3`` RGB uint8 (grayscale ``H x W`` is accepted).
            info: dict with ``init_bbox`` = [x, y, w, h] (or an 8-value VOT polygon) and optionally
                ``object_ids``.
        returns:
            dict with ``time`` (seconds spent).
        """
        self.frame_num = 1
        self.device = self._decide_device()
        image = image_to_rgb(image)
        state = check_init_box(info['init_bbox'], image.shape, self.params.get('vot_anno_conversion_type', 'preserve_area'))

        self.initialize_features()
        self.net = self.params.net

        tic = time.time()
        im = numpy_to_torch(image)

        self.pos = torch.Tensor([state[1] + (state[3] - 1) / 2, state[0] + (state[2] - 1) / 2])
        self.target_sz = torch.Tensor([state[3], state[2]])

        self.object_id = info.get('object_ids', [None])[0]
        self.id_str = '' if self.object_id is None else ' {}'.format(self.object_id)

        # Sample size (h, w) fed to the network
        self.image_sz = torch.Tensor([im.shape[2], im.shape[3]])
        sz = self.params.image_sample_size
        sz = torch.Tensor([sz, sz] if isinstance(sz, int) else sz)
        if self.params.get('use_image_aspect_ratio', False):
            sz = self.image_sz * sz.prod().sqrt() / self.image_sz.prod().sqrt()
            stride = self.params.get('feature_stride', 32)
            sz = torch.round(sz / stride) * stride
        self.img_sample_sz = sz
        self.img_support_sz = self.img_sample_sz

        # Image scale such that the search area maps to the sample size
        search_area = torch.prod(self.target_sz * self.params.search_area_scale).item()
        self.target_scale = math.sqrt(search_area) / self.img_sample_sz.prod().sqrt()
        self.base_target_sz = self.target_sz / self.target_scale

        if not self.params.has('scale_factors'):
            self.params.scale_factors = torch.ones(1)
        elif isinstance(self.params.scale_factors, (list, tuple)):
            self.params.scale_factors = torch.Tensor(self.params.scale_factors)

        self.min_scale_factor = torch.max(10 / self.base_target_sz)
        self.max_scale_factor = torch.min(self.image_sz / self.base_target_sz)

        init_backbone_feat = self.generate_init_samples(im)
        self.init_classifier(init_backbone_feat)
        if self.params.get('use_iou_net', True):
            self.init_iou_net(init_backbone_feat)

        return {'time': time.time() - tic}

    # ------------------------------------------------------------------ tracking
    def track(self, image, info: dict = None) -> dict:
        """Track in a new frame; returns dict with ``target_bbox`` = [x, y, w, h]."""
        self.debug_info = {}
        self.frame_num += 1
        self.debug_info['frame_num'] = self.frame_num

        im = numpy_to_torch(image_to_rgb(image))

        # Localisation
        backbone_feat, sample_coords, im_patches = self.extract_backbone_features(
            im, self.get_centered_sample_pos(), self.target_scale * self.params.scale_factors, self.img_sample_sz)
        test_x = self.get_classification_features(backbone_feat)
        sample_pos, sample_scales = self.get_sample_location(sample_coords)
        scores_raw = self.classify_target(test_x)
        translation_vec, scale_ind, s, flag = self.localize_target(scores_raw, sample_pos, sample_scales)
        new_pos = sample_pos[scale_ind, :] + translation_vec

        if flag != 'not_found':
            if self.params.get('use_iou_net', True):
                update_scale_flag = self.params.get('update_scale_when_uncertain', True) or flag != 'uncertain'
                if self.params.get('use_classifier', True):
                    self.update_state(new_pos)
                self.refine_target_box(backbone_feat, sample_pos[scale_ind, :], sample_scales[scale_ind],
                                       scale_ind, update_scale_flag)
            elif self.params.get('use_classifier', True):
                self.update_state(new_pos, sample_scales[scale_ind])

        # Model update
        update_flag = flag not in ('not_found', 'uncertain')
        hard_negative = flag == 'hard_negative'
        learning_rate = self.params.get('hard_negative_learning_rate', None) if hard_negative else None

        if update_flag and self.params.get('update_classifier', False):
            train_x = test_x[scale_ind:scale_ind + 1, ...]
            target_box = self.get_iounet_box(self.pos, self.target_sz, sample_pos[scale_ind, :], sample_scales[scale_ind])
            self.update_classifier(train_x, target_box, learning_rate, s[scale_ind, ...])

        if self.params.get('use_iou_net', True) and flag != 'not_found' and hasattr(self, 'pos_iounet'):
            self.pos = self.pos_iounet.clone()

        score_map = s[scale_ind, ...]
        max_score = torch.max(score_map).item()

        self.search_area_box = torch.cat((sample_coords[scale_ind, [1, 0]],
                                          sample_coords[scale_ind, [3, 2]] - sample_coords[scale_ind, [1, 0]] - 1))
        self.debug_info['flag' + self.id_str] = flag
        self.debug_info['max_score' + self.id_str] = max_score
        if self.visdom is not None:
            self.visdom.register(score_map, 'heatmap', 2, 'Score Map' + self.id_str)
            self.visdom.register(self.debug_info, 'info_dict', 1, 'Status')
        elif self.params.get('debug', 0) >= 2:
            from pytracking.utils.plotting import show_tensor
            show_tensor(score_map, 5, title='Max score = {:.2f}'.format(max_score))

        new_state = torch.cat((self.pos[[1, 0]] - (self.target_sz[[1, 0]] - 1) / 2, self.target_sz[[1, 0]]))
        if self.params.get('output_not_found_box', False) and flag == 'not_found':
            output_state = [-1, -1, -1, -1]
        else:
            output_state = new_state.tolist()
        return {'target_bbox': output_state}

    def get_sample_location(self, sample_coord: torch.Tensor):
        """Centres (y, x) [S, 2] and scales [S] of patches with coordinates [S, 4] (top, left, bottom, right)."""
        sample_coord = sample_coord.float()
        sample_pos = 0.5 * (sample_coord[:, :2] + sample_coord[:, 2:] - 1)
        sample_scales = ((sample_coord[:, 2:] - sample_coord[:, :2]) / self.img_sample_sz).prod(dim=1).sqrt()
        return sample_pos, sample_scales

    def get_centered_sample_pos(self) -> torch.Tensor:
        """Sample centre that puts the target on a score-map cell centre when feature+kernel size is odd."""
        return self.pos + ((self.feature_sz + self.kernel_size) % 2) * self.target_scale * \
            self.img_support_sz / (2 * self.feature_sz)

    def classify_target(self, sample_x: torch.Tensor) -> torch.Tensor:
        """Scores [S, 1, H, W] of the target filter on classification features [S, C, H', W']."""
        with torch.no_grad():
            return self.net.classifier.classify(self.target_filter, sample_x)

    def localize_target(self, scores: torch.Tensor, sample_pos: torch.Tensor, sample_scales: torch.Tensor):
        """Find the target in the score maps.

        returns:
            (translation (y, x) in image pixels relative to the sample centre, scale index,
             processed scores [S, H, W], flag: None/'normal'/'not_found'/'uncertain'/'hard_negative')
        """
        scores = scores.squeeze(1)

        preprocess_method = self.params.get('score_preprocess', 'none')
        if preprocess_method == 'none':
            pass
        elif preprocess_method == 'exp':
            scores = scores.exp()
        elif preprocess_method == 'softmax':
            from ltr.models.layers.activation import softmax_reg
            reg_val = getattr(self.net.classifier.filter_optimizer, 'softmax_reg', None)
            scores_view = scores.reshape(scores.shape[0], -1)
            scores = softmax_reg(scores_view, dim=-1, reg=reg_val).view(scores.shape)
        else:
            raise ValueError("Unknown score_preprocess '{}' in params (expected none, exp or softmax)".format(
                preprocess_method))

        score_filter_ksz = self.params.get('score_filter_ksz', 1)
        if score_filter_ksz > 1:
            if score_filter_ksz % 2 != 1:
                raise ValueError('score_filter_ksz must be odd, got {}'.format(score_filter_ksz))
            kernel = scores.new_ones(1, 1, score_filter_ksz, score_filter_ksz)
            scores = F.conv2d(scores.view(-1, 1, *scores.shape[-2:]), kernel,
                              padding=score_filter_ksz // 2).view(scores.shape)

        if self.params.get('advanced_localization', False):
            return self.localize_advanced(scores, sample_pos, sample_scales)

        score_sz = torch.Tensor(list(scores.shape[-2:]))
        score_center = (score_sz - 1) / 2
        max_score, max_disp = dcf.max2d(scores)
        _, scale_ind = torch.max(max_score, dim=0)
        max_disp = max_disp[scale_ind, ...].float().cpu().view(-1)
        target_disp = max_disp - score_center
        output_sz = score_sz - (self.kernel_size + 1) % 2
        translation_vec = target_disp * (self.img_support_sz / output_sz) * sample_scales[scale_ind]
        return translation_vec, scale_ind, scores, None

    def localize_advanced(self, scores: torch.Tensor, sample_pos: torch.Tensor, sample_scales: torch.Tensor):
        """Localisation with target-not-found detection and distractor (second peak) handling."""
        sz = scores.shape[-2:]
        score_sz = torch.Tensor(list(sz))
        output_sz = score_sz - (self.kernel_size + 1) % 2
        score_center = (score_sz - 1) / 2

        scores_hn = scores
        if self.output_window is not None and self.params.get('perform_hn_without_windowing', False):
            scores_hn = scores.clone()
            scores = scores * self.output_window

        max_score1, max_disp1 = dcf.max2d(scores)
        _, scale_ind = torch.max(max_score1, dim=0)
        sample_scale = sample_scales[scale_ind]
        max_score1 = max_score1[scale_ind]
        max_disp1 = max_disp1[scale_ind, ...].float().cpu().view(-1)
        target_disp1 = max_disp1 - score_center
        cell_to_image = (self.img_support_sz / output_sz) * sample_scale
        translation_vec1 = target_disp1 * cell_to_image

        if max_score1.item() < self.params.target_not_found_threshold:
            return translation_vec1, scale_ind, scores_hn, 'not_found'
        if max_score1.item() < self.params.get('uncertain_threshold', -float('inf')):
            return translation_vec1, scale_ind, scores_hn, 'uncertain'
        if max_score1.item() < self.params.get('hard_sample_threshold', -float('inf')):
            return translation_vec1, scale_ind, scores_hn, 'hard_negative'

        # Suppress the neighbourhood of the first peak and look for a second one
        target_neigh_sz = self.params.target_neighborhood_scale * (self.target_sz / sample_scale) * \
            (output_sz / self.img_support_sz)
        top = max(round(max_disp1[0].item() - target_neigh_sz[0].item() / 2), 0)
        bottom = min(round(max_disp1[0].item() + target_neigh_sz[0].item() / 2 + 1), sz[0])
        left = max(round(max_disp1[1].item() - target_neigh_sz[1].item() / 2), 0)
        right = min(round(max_disp1[1].item() + target_neigh_sz[1].item() / 2 + 1), sz[1])
        scores_masked = scores_hn[scale_ind:scale_ind + 1, ...].clone()
        scores_masked[..., top:bottom, left:right] = 0

        max_score2, max_disp2 = dcf.max2d(scores_masked)
        max_disp2 = max_disp2.float().cpu().view(-1)
        target_disp2 = max_disp2 - score_center
        translation_vec2 = target_disp2 * cell_to_image

        prev_target_vec = (self.pos - sample_pos[scale_ind, :]) / cell_to_image

        if max_score2 > self.params.distractor_threshold * max_score1:
            disp_norm1 = torch.sqrt(torch.sum((target_disp1 - prev_target_vec) ** 2))
            disp_norm2 = torch.sqrt(torch.sum((target_disp2 - prev_target_vec) ** 2))
            disp_threshold = self.params.dispalcement_scale * math.sqrt(sz[0] * sz[1]) / 2

            if disp_norm2 > disp_threshold and disp_norm1 < disp_threshold:
                return translation_vec1, scale_ind, scores_hn, 'hard_negative'
            if disp_norm2 < disp_threshold and disp_norm1 > disp_threshold:
                return translation_vec2, scale_ind, scores_hn, 'hard_negative'
            # Both peaks far from (or both close to) the previous position: keep the highest one.
            return translation_vec1, scale_ind, scores_hn, 'uncertain'

        if max_score2 > self.params.hard_negative_threshold * max_score1 and \
                max_score2 > self.params.target_not_found_threshold:
            return translation_vec1, scale_ind, scores_hn, 'hard_negative'

        return translation_vec1, scale_ind, scores_hn, 'normal'

    # ------------------------------------------------------------------ features
    def extract_backbone_features(self, im: torch.Tensor, pos: torch.Tensor, scales, sz: torch.Tensor):
        """Backbone features of patches at ``scales`` around ``pos``; returns (features, coords [S, 4], patches)."""
        im_patches, patch_coords = sample_patch_multiscale(im, pos, scales, sz,
                                                           mode=self.params.get('border_mode', 'replicate'),
                                                           max_scale_change=self.params.get('patch_max_scale_change', None))
        with torch.no_grad():
            backbone_feat = self.net.extract_backbone(im_patches)
        return backbone_feat, patch_coords, im_patches

    def get_classification_features(self, backbone_feat):
        with torch.no_grad():
            return self.net.extract_classification_feat(backbone_feat)

    def get_iou_backbone_features(self, backbone_feat):
        return self.net.get_backbone_bbreg_feat(backbone_feat)

    def get_iou_features(self, backbone_feat):
        with torch.no_grad():
            return self.net.bb_regressor.get_iou_feat(self.get_iou_backbone_features(backbone_feat))

    def get_iou_modulation(self, iou_backbone_feat, target_boxes: torch.Tensor):
        with torch.no_grad():
            return self.net.bb_regressor.get_modulation(iou_backbone_feat, target_boxes)

    # ------------------------------------------------------------------ initialisation
    def generate_init_samples(self, im: torch.Tensor):
        """Crop the first-frame patch, augment it and return the backbone features of all samples."""
        mode = self.params.get('border_mode', 'replicate')
        if mode == 'inside':
            # Shrink the sample so that it fits in the image, and shift the augmented crops accordingly.
            im_sz = torch.Tensor([im.shape[2], im.shape[3]])
            sample_sz = self.target_scale * self.img_sample_sz
            shrink_factor = (sample_sz.float() / im_sz).max()
            shrink_factor = shrink_factor.clamp(min=1, max=self.params.get('patch_max_scale_change', None))
            sample_sz = sample_sz.float() / shrink_factor
            self.init_sample_scale = (sample_sz / self.img_sample_sz).prod().sqrt()
            tl = self.pos - (sample_sz - 1) / 2
            br = self.pos + sample_sz / 2 + 1
            global_shift = - ((-tl).clamp(0) - (br - im_sz).clamp(0)) / self.init_sample_scale
        else:
            self.init_sample_scale = self.target_scale
            global_shift = torch.zeros(2)

        self.init_sample_pos = self.pos.round()

        augs = self.params.augmentation if self.params.get('use_augmentation', True) else {}
        self.transforms, aug_expansion_sz = augmentation.first_frame_transforms(
            augs, self.img_sample_sz, self.params.get('augmentation_expansion_factor', None),
            self.params.get('random_shift_factor', 0), global_shift)

        im_patches = sample_patch_transformed(im, self.init_sample_pos, self.init_sample_scale, aug_expansion_sz,
                                              self.transforms)
        with torch.no_grad():
            return self.net.extract_backbone(im_patches)

    def init_target_boxes(self) -> torch.Tensor:
        """Target boxes [N, 4] (x, y, w, h in sample coordinates) of the initial augmented samples."""
        self.classifier_target_box = self.get_iounet_box(self.pos, self.target_sz, self.init_sample_pos,
                                                         self.init_sample_scale)
        init_target_boxes = torch.stack([self.classifier_target_box + torch.Tensor([T.shift[1], T.shift[0], 0, 0])
                                         for T in self.transforms]).to(self.device)
        self.target_boxes = init_target_boxes.new_zeros(self.params.sample_memory_size, 4)
        self.target_boxes[:init_target_boxes.shape[0], :] = init_target_boxes
        return init_target_boxes

    def init_memory(self, train_x: TensorList) -> None:
        """Fill the sample memory with the initial samples (equal weights)."""
        self.num_init_samples = train_x.size(0)
        init_sample_weights = TensorList([x.new_ones(1) / x.shape[0] for x in train_x])

        self.num_stored_samples = self.num_init_samples.copy()
        self.previous_replace_ind = [None] * len(self.num_stored_samples)
        self.sample_weights = TensorList([x.new_zeros(self.params.sample_memory_size) for x in train_x])
        for sw, init_sw, num in zip(self.sample_weights, init_sample_weights, self.num_init_samples):
            sw[:num] = init_sw

        self.training_samples = TensorList(
            [x.new_zeros(self.params.sample_memory_size, x.shape[1], x.shape[2], x.shape[3]) for x in train_x])
        for ts, x in zip(self.training_samples, train_x):
            ts[:x.shape[0], ...] = x

    def update_memory(self, sample_x: TensorList, target_box: torch.Tensor, learning_rate: Optional[float] = None) -> None:
        """Insert a new sample (and its target box) into the memory, updating the sample weights."""
        replace_ind = self.update_sample_weights(self.sample_weights, self.previous_replace_ind,
                                                 self.num_stored_samples, self.num_init_samples, learning_rate)
        self.previous_replace_ind = replace_ind
        for train_samp, x, ind in zip(self.training_samples, sample_x, replace_ind):
            train_samp[ind:ind + 1, ...] = x
        self.target_boxes[replace_ind[0], :] = target_box
        self.num_stored_samples += 1

    def update_sample_weights(self, sample_weights, previous_replace_ind, num_stored_samples, num_init_samples,
                              learning_rate: Optional[float] = None):
        """Decay the memory weights for a new sample; returns the slot per memory it goes to
        (see :func:`pytracking.tracker.atom.sample_memory.update_sample_weights`)."""
        lr = self.params.learning_rate if learning_rate is None else learning_rate
        n = len(sample_weights)
        return update_sample_weights(sample_weights, previous_replace_ind, num_stored_samples, num_init_samples,
                                     [lr] * n, [self.params.get('init_samples_minimum_weight', None)] * n,
                                     fill_free_slots_first=True)

    def init_iou_net(self, backbone_feat) -> None:
        """Compute the IoU-Net modulation vector from the first-frame sample."""
        for p in self.net.bb_regressor.parameters():
            p.requires_grad = False

        self.classifier_target_box = self.get_iounet_box(self.pos, self.target_sz, self.init_sample_pos,
                                                         self.init_sample_scale)
        boxes = []
        if self.params.iounet_augmentation:
            for T in self.transforms:
                if not isinstance(T, (augmentation.Identity, augmentation.Translation, augmentation.FlipHorizontal,
                                      augmentation.FlipVertical, augmentation.Blur)):
                    break
                boxes.append(self.classifier_target_box + torch.Tensor([T.shift[1], T.shift[0], 0, 0]))
        else:
            T = self.transforms[0]
            boxes.append(self.classifier_target_box + torch.Tensor([T.shift[1], T.shift[0], 0, 0]))
        target_boxes = torch.stack(boxes).to(self.device)

        iou_backbone_feat = self.get_iou_backbone_features(backbone_feat)
        # Only the leading (geometry-preserving) samples match the boxes
        iou_backbone_feat = TensorList([x[:target_boxes.shape[0], ...] for x in iou_backbone_feat])

        self.iou_modulation = self.get_iou_modulation(iou_backbone_feat, target_boxes)
        if torch.is_tensor(self.iou_modulation[0]):
            self.iou_modulation = TensorList([x.detach().mean(0) for x in self.iou_modulation])

    def init_classifier(self, init_backbone_feat) -> None:
        """Predict the initial target filter from the augmented first-frame samples."""
        x = self.get_classification_features(init_backbone_feat)
        self._overwrite_classifier_params(feature_dim=x.shape[-3])

        # Dropout augmentation works on classification features, hence done here.
        if 'dropout' in self.params.augmentation and self.params.get('use_augmentation', True):
            num, prob = self.params.augmentation['dropout']
            self.transforms.extend(self.transforms[:1] * num)
            x = torch.cat([x, F.dropout2d(x[0:1, ...].expand(num, -1, -1, -1), p=prob, training=True)])

        self.feature_sz = torch.Tensor(list(x.shape[-2:]))
        ksz = self.net.classifier.filter_size
        self.kernel_size = torch.Tensor([ksz, ksz] if isinstance(ksz, (int, float)) else ksz)
        self.output_sz = self.feature_sz + (self.kernel_size + 1) % 2

        self.output_window = None
        if self.params.get('window_output', False):
            if self.params.get('use_clipped_window', False):
                self.output_window = dcf.hann2d_clipped(
                    self.output_sz.long(), (self.output_sz * self.params.effective_search_area /
                                            self.params.search_area_scale).long(), centered=True).to(self.device)
            else:
                self.output_window = dcf.hann2d(self.output_sz.long(), centered=True).to(self.device)
            self.output_window = self.output_window.squeeze(0)

        target_boxes = self.init_target_boxes()

        plot_loss = self.params.get('debug', 0) > 0
        num_iter = self.params.get('net_opt_iter', None)
        self.target_filter, losses = self._initial_filter(x, target_boxes, num_iter, plot_loss)

        if self.params.get('update_classifier', True):
            self.init_memory(TensorList([x]))

        if plot_loss:
            if isinstance(losses, dict):
                losses = losses['train']
            self.losses = torch.cat([l.reshape(-1) for l in losses])
            self._show_losses()

    def _initial_filter(self, x: torch.Tensor, target_boxes: torch.Tensor, num_iter, compute_losses: bool):
        """Initial target filter from the first-frame samples x [N, C, H, W] and their boxes [N, 4];
        returns (filter, losses). Subclasses with other classifier inputs (labels) override this."""
        with torch.no_grad():
            target_filter, _, losses = self.net.classifier.get_filter(x, target_boxes, num_iter=num_iter,
                                                                      compute_losses=compute_losses)
        return target_filter, losses

    def _optimize_filter(self, num_iter: int, compute_losses: bool):
        """Refine ``self.target_filter`` with ``num_iter`` optimizer steps on the sample memory; returns the losses."""
        samples = self.training_samples[0][:self.num_stored_samples[0], ...]
        target_boxes = self.target_boxes[:self.num_stored_samples[0], :].clone()
        sample_weights = self.sample_weights[0][:self.num_stored_samples[0]]
        with torch.no_grad():
            self.target_filter, _, losses = self.net.classifier.filter_optimizer(
                self.target_filter, num_iter=num_iter, feat=samples, bb=target_boxes,
                sample_weight=sample_weights, compute_losses=compute_losses)
        return losses

    def _show_losses(self) -> None:
        if self.visdom is not None:
            self.visdom.register((self.losses, torch.arange(self.losses.numel())), 'lineplot', 3,
                                 'Training Loss' + self.id_str)
        elif self.params.get('debug', 0) >= 3:
            from pytracking.utils.plotting import plot_graph
            plot_graph(self.losses, 10, title='Training Loss' + self.id_str)

    def _overwrite_classifier_params(self, feature_dim: int) -> None:
        """Apply optional classifier overrides from the parameters (label threshold, filter reg...)."""
        filter_optimizer = self.net.classifier.filter_optimizer
        pred_module = getattr(filter_optimizer, 'score_predictor', filter_optimizer)
        if self.params.get('label_threshold', None) is not None:
            filter_optimizer.label_threshold = self.params.label_threshold
        if self.params.get('label_shrink', None) is not None:
            filter_optimizer.label_shrink = self.params.label_shrink
        if self.params.get('softmax_reg', None) is not None:
            filter_optimizer.softmax_reg = self.params.softmax_reg
        if self.params.get('filter_reg', None) is not None:
            pred_module.filter_reg[0] = self.params.filter_reg
            pred_module.min_filter_reg = self.params.filter_reg
        if self.params.get('filter_init_zero', False):
            from ltr.models.target_classifier.initializer import FilterInitializerZero
            self.net.classifier.filter_initializer = FilterInitializerZero(self.net.classifier.filter_size, feature_dim)

    def update_classifier(self, train_x: torch.Tensor, target_box: torch.Tensor, learning_rate: Optional[float] = None,
                          scores: Optional[torch.Tensor] = None) -> None:
        """Store the new sample and, every ``train_skipping`` frames (or on hard negatives), refine the filter."""
        hard_negative_flag = learning_rate is not None
        if learning_rate is None:
            learning_rate = self.params.learning_rate

        if hard_negative_flag or self.frame_num % self.params.get('train_sample_interval', 1) == 0:
            self.update_memory(TensorList([train_x]), target_box, learning_rate)

        num_iter = 0
        low_score_th = self.params.get('low_score_opt_threshold', None)
        if hard_negative_flag:
            num_iter = self.params.get('net_opt_hn_iter', None)
        elif low_score_th is not None and low_score_th > scores.max().item():
            num_iter = self.params.get('net_opt_low_iter', None)
        elif (self.frame_num - 1) % self.params.train_skipping == 0:
            num_iter = self.params.get('net_opt_update_iter', None)

        plot_loss = self.params.get('debug', 0) > 0
        if num_iter:
            losses = self._optimize_filter(num_iter, plot_loss)
            if plot_loss:
                if isinstance(losses, dict):
                    losses = losses['train']
                self.losses = torch.cat((self.losses, torch.cat([l.reshape(-1) for l in losses])))
                self._show_losses()

    def refine_target_box(self, backbone_feat, sample_pos: torch.Tensor, sample_scale, scale_ind: int,
                          update_scale: bool = True) -> None:
        """Refine position and size with the IoU-Net (gradient ascent on predicted IoU from random boxes)."""
        if hasattr(self.net.bb_regressor, 'predict_bb'):
            return self.direct_box_regression(backbone_feat, sample_pos, sample_scale, scale_ind, update_scale)

        init_box = self.get_iounet_box(self.pos, self.target_sz, sample_pos, sample_scale)
        iou_features = self.get_iou_features(backbone_feat)
        iou_features = TensorList([x[scale_ind:scale_ind + 1, ...] for x in iou_features])
        self._refine_with_iou_features(iou_features, init_box, sample_pos, sample_scale, update_scale)

    def _predict_iou(self, iou_features, boxes: torch.Tensor) -> torch.Tensor:
        return self.net.bb_regressor.predict_iou(self.iou_modulation, iou_features, boxes)

    def direct_box_regression(self, backbone_feat, sample_pos: torch.Tensor, sample_scale, scale_ind: int,
                              update_scale: bool = True) -> None:
        """Box refinement for regressors that predict the box directly (``bb_regressor.predict_bb``)."""
        init_box = self.get_iounet_box(self.pos, self.target_sz, sample_pos, sample_scale)
        iou_features = self.get_iou_features(backbone_feat)
        iou_features = TensorList([x[scale_ind:scale_ind + 1, ...] for x in iou_features])
        init_boxes = init_box.view(1, 1, 4).clone().to(self.device)
        with torch.no_grad():
            output_boxes = self.net.bb_regressor.predict_bb(self.iou_modulation, iou_features, init_boxes).view(-1, 4).cpu()
        output_boxes[:, 2:].clamp_(1)
        self._set_refined_box(output_boxes[0, :], sample_pos, sample_scale, update_scale)

    def visdom_draw_tracking(self, image, box, segmentation=None):
        if hasattr(self, 'search_area_box'):
            self.visdom.register((image, box, self.search_area_box), 'Tracking', 1, 'Tracking')
        else:
            self.visdom.register((image, box), 'Tracking', 1, 'Tracking')

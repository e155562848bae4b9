"""KeepTrack (Mayer et al., "Learning Target Candidate Association to Keep Track of What Not to Track",
ICCV 2021).

The base tracker is SuperDiMP-simple (:class:`pytracking.tracker.dimp_simple.DiMPSimple`). Each frame,
the local maxima of the score map are the target candidates; a learned matcher associates them with
the previous frame's candidates, so that the target keeps its identity among look-alike distractors
(:class:`CandidateCollection`). When the target is lost the search area is enlarged back to the
target sizes seen before. The memory weights each sample by the certainty of its label (the score of
the target peak), so that uncertain samples neither dominate the filter nor push out good ones.

Conventions as in DiMP: ``pos`` is the target centre (y, x), sizes are (h, w), image pixels;
score-map coordinates are (row, col).
"""
from collections import defaultdict
from typing import List, Optional, Sequence

import torch

import ltr.data.processing_utils as prutils
from pytracking.features.preprocessing import image_to_rgb, numpy_to_torch
from pytracking.libs.tensorlist import TensorList
from pytracking.tracker.atom.sample_memory import update_sample_weights
from pytracking.tracker.dimp_simple import DiMPSimple

from .candidates import CandidateCollection


def update_sample_weights_based_on_certainty(certainties: Sequence[torch.Tensor],
                                             sample_weights: Sequence[torch.Tensor],
                                             previous_replace_ind: Sequence[Optional[int]],
                                             num_stored_samples: Sequence[int], num_init_samples: Sequence[int],
                                             learning_rate: float, init_samp_weight: Optional[float]) -> List[int]:
    """Memory weight update of KeepTrack (in place); returns the slot for the new sample, per memory.

    As DiMP's update, except that a full memory replaces the sample with the lowest
    certainty x weight (``certainties``, [memory size] per memory) instead of the lowest weight, and
    that re-using the previous slot leaves the weights unchanged before normalisation. See
    :func:`pytracking.tracker.atom.sample_memory.update_sample_weights` for the other arguments.
    """
    n = len(sample_weights)
    return update_sample_weights(sample_weights, previous_replace_ind, num_stored_samples, num_init_samples,
                                 [learning_rate] * n, [init_samp_weight] * n, fill_free_slots_first=True,
                                 replace_scores=certainties, keep_weights_on_same_slot=True)


class KeepTrack(DiMPSimple):
    """KeepTrack tracker (``params`` from ``pytracking/parameter/keep_track``)."""

    multiobj_mode = 'parallel'

    # Limits of the search-area rescaling while the target is lost.
    MIN_RESCALE_HISTORY, MAX_RESCALE_HISTORY, MAX_SCALE_HISTORY = 2, 30, 60

    # ------------------------------------------------------------------ setup
    def initialize(self, image, info: dict) -> dict:
        """Start tracking (see :meth:`pytracking.tracker.dimp.DiMP.initialize`); also loads the matching network."""
        out = super().initialize(image, info)

        self.logging_dict = defaultdict(list)
        self.params.target_candidate_matching_net.initialize(device=self.device)
        self.target_candidate_matching_net = self.params.target_candidate_matching_net
        self.previous_candidates = None
        self.candidate_collection = None
        self.previous_im_patches = None
        self.previous_score_map = None

        self.target_scales = []
        self.target_not_found_counter = 0
        # Memory slots ordered from the oldest to the newest sample.
        self.mem_sort_indices = torch.arange(0, self.num_init_samples[0]) if hasattr(self, 'num_init_samples') \
            else torch.zeros(0, dtype=torch.long)
        return out

    def _initial_filter(self, x: torch.Tensor, target_boxes: torch.Tensor, num_iter, compute_losses: bool):
        self.init_target_label_certainties(x.shape[0])
        return super()._initial_filter(x, target_boxes, num_iter, compute_losses)

    def init_target_label_certainties(self, num_train_samples: int) -> None:
        """Certainty memory [memory size, 1, 1, 1]: 1 for the initial (ground-truth) samples."""
        self.target_label_certainties = torch.zeros(self.params.sample_memory_size, 1, 1, 1, device=self.device)
        self.target_label_certainties[:num_train_samples] = 1.0

    # ------------------------------------------------------------------ tracking
    def track(self, image, info: dict = None) -> dict:
        """Track in a new frame.

        returns dict with ``target_bbox`` = [x, y, w, h] and ``object_presence_score`` (the maximum of
        the score map, lifted to its square root while the target is the first-frame object).
        """
        self.debug_info = {}
        self.frame_num += 1
        self.debug_info['frame_num'] = self.frame_num

        im = numpy_to_torch(image_to_rgb(image))

        # Localisation
        backbone_feat, sample_coords, im_patches = self.extract_backbone_features(
            im, self.get_centered_sample_pos(), self.target_scale * self.params.scale_factors, self.img_sample_sz)
        test_x = self.get_classification_features(backbone_feat)
        sample_pos, sample_scales = self.get_sample_location(sample_coords)
        scores = self.classify_target(test_x)
        if self.params.get('window_output', False):
            scores = self.output_window * scores

        search_area_box = torch.cat((sample_coords[0, [1, 0]], sample_coords[0, [3, 2]] - sample_coords[0, [1, 0]] - 1))
        translation_vec, scale_ind, s, flag, candidate_score, matching_visualization_data = \
            self.localize_target_by_candidate_matching(im_patches, backbone_feat, scores, search_area_box,
                                                       sample_pos, sample_scales, im.shape[2:])

        object_presence_score = scores.max()
        if self.candidate_collection is None or self.candidate_collection.object_id_of_selected_candidate == 0:
            # The original takes sqrt of a possibly negative maximum (NaN); clamp so that it stays a number.
            object_presence_score = torch.max(object_presence_score, object_presence_score.clamp(min=0).sqrt())

        new_pos = sample_pos[scale_ind, :] + translation_vec
        self.debug_info['flag' + self.id_str] = flag
        self.search_area_box = torch.cat((sample_coords[scale_ind, [1, 0]],
                                          sample_coords[scale_ind, [3, 2]] - sample_coords[scale_ind, [1, 0]] - 1))

        if flag == 'not_found':
            self.search_area_rescaling()
        else:
            self.target_not_found_counter = 0
            self.target_scales.append(torch.as_tensor(self.target_scale, dtype=torch.float32).reshape(()))
            if self.params.get('use_iou_net', True):
                update_scale_flag = self.params.get('update_scale_when_uncertain', True) or flag != 'uncertain'
                if self.params.get('use_classifier', True):
                    self.update_state(new_pos)
                self.refine_target_box(backbone_feat, sample_pos[scale_ind, :], sample_scales[scale_ind],
                                       scale_ind, update_scale_flag)
            elif self.params.get('use_classifier', True):
                self.update_state(new_pos, sample_scales[scale_ind])

        # Unlike DiMP, the refined position is taken before the model update (it defines the new label).
        if self.params.get('use_iou_net', True) and flag != 'not_found' and hasattr(self, 'pos_iounet'):
            self.pos = self.pos_iounet.clone()

        score_map = s[scale_ind, ...]
        max_score = torch.max(score_map).item()
        self.debug_info['max_score' + self.id_str] = max_score
        target_label_certainty = score_map.max()

        # Model update
        update_flag = flag not in ('not_found', 'uncertain')
        hard_negative = flag == 'hard_negative'
        learning_rate = self.params.get('hard_negative_learning_rate', None) if hard_negative else None

        if update_flag and self.params.get('update_classifier', False):
            train_x = test_x[scale_ind:scale_ind + 1, ...]
            sample_pos1, sample_scale1 = sample_pos[scale_ind, :], sample_scales[scale_ind]
            target_box = self.get_iounet_box(self.pos, self.target_sz, sample_pos1, sample_scale1)
            train_y = self.get_label_function(self.pos, sample_pos1, sample_scale1).to(self.device)
            self.update_classifier(train_x, train_y, target_box, learning_rate, s[scale_ind, ...],
                                   target_label_certainty)

        new_state = torch.cat((self.pos[[1, 0]] - (self.target_sz[[1, 0]] - 1) / 2, self.target_sz[[1, 0]]))
        if self.params.get('output_not_found_box', False) and flag == 'not_found':
            output_state = [-1, -1, -1, -1]
        else:
            output_state = new_state.tolist()

        if self.visdom is not None:
            self.visdom.register(self.debug_info, 'info_dict', 1, 'Status')
            self.visdom.register(score_map, 'heatmap', 2, 'Score Map' + self.id_str)
            if matching_visualization_data is not None and \
                    self.params.get('visualize_candidate_assignment_matrix', False) and \
                    'log_assignment' in matching_visualization_data['match_preds']:
                assignment = matching_visualization_data['match_preds']['log_assignment'][0].exp()
                self.visdom.register(assignment, 'heatmap', 2, 'Candidate assignment' + self.id_str)
        elif self.params.get('debug', 0) >= 2:
            from pytracking.utils.plotting import show_tensor
            show_tensor(score_map, 5, title='Max score = {:.2f}'.format(max_score))

        return {'target_bbox': output_state, 'object_presence_score': object_presence_score.cpu().item()}

    def search_area_rescaling(self) -> None:
        """While the target is lost, set the scale to the mean of recent target scales at least as large
        as the last one (more of them the longer the target stays lost), so the search area grows back."""
        if len(self.target_scales) == 0:
            return
        self.target_not_found_counter += 1
        num_scales = max(self.MIN_RESCALE_HISTORY, min(self.MAX_RESCALE_HISTORY, self.target_not_found_counter))
        target_scales = torch.stack(self.target_scales)[-self.MAX_SCALE_HISTORY:]
        target_scales = target_scales[target_scales >= target_scales[-1]]
        target_scales = target_scales[-num_scales:]
        self.target_scale = torch.mean(target_scales)

    def localize_target_by_candidate_matching(self, im_patches1, backbone_feat1, score_map1: torch.Tensor,
                                              search_area_box1: torch.Tensor, sample_pos: torch.Tensor,
                                              sample_scales: torch.Tensor, img_shape):
        """Localise the target among the score-map candidates, associated with the previous frame's.

        args:
            im_patches1 - the search-area patch(es) [S, 3, H, W] (for visualisation).
            backbone_feat1 - their backbone features.
            score_map1 - scores [S, 1, h, w].
            search_area_box1 - the search area in the image, (x, y, w, h).
            sample_pos, sample_scales - patch centres [S, 2] (y, x) and scales [S].
            img_shape - (H, W) of the frame.
        returns:
            (translation (y, x) from the patch centre, scale index, scores [S, h, w], flag,
             score of the selected candidate, visualisation data or None)
        """
        matching_visualization_data = None
        max_score1 = score_map1.max()
        candidate_score = max_score1

        th = self.params.get('local_max_candidate_score_th', 0.05)
        current_candidates = None
        if max_score1 >= th:
            current_candidates = self.extract_descriptors_and_keypoints(backbone_feat1, score_map1, search_area_box1)
        if current_candidates is None or current_candidates['scores'].numel() == 0:
            # No candidate at all: plain DiMP localisation, association state kept for later frames.
            translation_vec, scale_ind, scores, flag = self.localize_target(score_map1, sample_pos, sample_scales)
            return translation_vec, scale_ind, scores, flag, max_score1, matching_visualization_data

        if self.previous_candidates is None or (self.frame_num - self.previous_candidates['frame_num']) > 1:
            # No candidates in the previous frame: start the association from scratch.
            translation_vec, scale_ind, s, flag = self.localize_target(score_map1, sample_pos, sample_scales)
            self.candidate_collection = None
        else:
            prev = self.previous_candidates
            if prev['scores'].shape[0] == 1 and current_candidates['scores'].shape[0] == 1 and \
                    prev['scores'].max() > 0.5 and current_candidates['scores'].max() > 0.5:
                # A single confident candidate in both frames: the match is obvious.
                match_preds = {'matches1': torch.zeros(1, dtype=torch.long), 'match_scores1': torch.ones(1)}
            else:
                match_preds = self.extract_matches(descriptors0=prev['descriptors'], img_coords0=prev['img_coords'],
                                                   scores0=prev['scores'],
                                                   descriptors1=current_candidates['descriptors'],
                                                   img_coords1=current_candidates['img_coords'],
                                                   scores1=current_candidates['scores'], image_shape=img_shape)
                if self.visdom is not None:
                    matching_visualization_data = dict(match_preds=match_preds, im_patches0=self.previous_im_patches,
                                                       im_patches1=im_patches1, score_map0=self.previous_score_map,
                                                       score_map1=score_map1, frameid0=prev['frame_num'],
                                                       frameid1=self.frame_num)

            self.candidate_collection.update(scores=current_candidates['scores'],
                                             tsm_coords=current_candidates['tsm_coords'],
                                             matches=match_preds['matches1'],
                                             match_scores=match_preds['match_scores1'])

            selected = self.candidate_collection.candidate_id_of_selected_candidate
            flag = self.candidate_collection.flag
            scale_ind = 0
            s = score_map1.squeeze(1)
            score_sz = torch.Tensor(list(score_map1.shape[-2:]))
            output_sz = score_sz - (self.kernel_size + 1) % 2
            score_center = (score_sz - 1) / 2
            if selected is None:
                # Target lost (flag 'not_found'): the position is not used.
                translation_vec = torch.zeros(2)
            else:
                candidate_coord = current_candidates['tsm_coords'][selected]
                candidate_score = current_candidates['scores'][selected]
                target_disp = candidate_coord.cpu().float() - score_center
                translation_vec = target_disp * (self.img_support_sz / output_sz) * sample_scales[scale_ind]

        if self.candidate_collection is None:
            self.candidate_collection = CandidateCollection(scores=current_candidates['scores'],
                                                            tsm_coords=current_candidates['tsm_coords'],
                                                            candidate_selection_is_certain=(self.frame_num < 10))

        self.previous_candidates = dict(frame_num=self.frame_num, descriptors=current_candidates['descriptors'],
                                        img_coords=current_candidates['img_coords'],
                                        scores=current_candidates['scores'])
        if self.visdom is not None:
            self.previous_im_patches = im_patches1
            self.previous_score_map = score_map1

        return translation_vec, scale_ind, s, flag, candidate_score, matching_visualization_data

    def extract_descriptors_and_keypoints(self, backbone_feat, score_map: torch.Tensor, search_area_box: torch.Tensor):
        """Candidates of a score map [1, 1, h, w]: local maxima (in a ``local_max_candidate_kernel_size``
        square neighbourhood, 5 as in the original, above ``local_max_candidate_score_th``), highest first, with
        descriptors and image coordinates.

        returns dict with descriptors [1, D, N], img_coords [N, 2] (y, x), scores [N], tsm_coords [N, 2] (row, col).
        """
        th = self.params.get('local_max_candidate_score_th', 0.05)
        score_map = score_map.squeeze()
        frame_feat_clf = self.target_candidate_matching_net.get_backbone_clf_feat(backbone_feat)
        ks = self.params.get('local_max_candidate_kernel_size', 5)
        tsm_coords, scores = prutils.find_local_maxima(score_map, ks=ks, th=th)

        with torch.no_grad():
            descriptors = self.target_candidate_matching_net.descriptor_extractor.get_descriptors(frame_feat_clf,
                                                                                                   tsm_coords)
        rows = tsm_coords[:, 0].float() / (score_map.shape[0] - 1)
        cols = tsm_coords[:, 1].float() / (score_map.shape[1] - 1)
        if self.params.get('matching_coordinate_system_reference', 'full') == 'full':
            x, y, w, h = search_area_box.tolist()
            img_coords = torch.stack([h * rows + y, w * cols + x], dim=1)
        else:
            size = self.params.image_sample_size
            img_coords = torch.stack([size * rows, size * cols], dim=1)
        return dict(descriptors=descriptors, img_coords=img_coords, scores=scores, tsm_coords=tsm_coords)

    def extract_matches(self, descriptors0, descriptors1, img_coords0, img_coords1, scores0, scores1,
                        image_shape) -> dict:
        """Run the matcher on the candidates of the previous (0) and current (1) frame."""
        data = {
            'descriptors0': descriptors0,
            'descriptors1': descriptors1,
            'img_coords0': img_coords0,
            'img_coords1': img_coords1,
            'scores0': scores0.unsqueeze(0),
            'scores1': scores1.unsqueeze(0),
            'image_size0': tuple(image_shape[-2:]),
            'image_size1': tuple(image_shape[-2:]),
        }
        with torch.no_grad():
            return self.target_candidate_matching_net.matcher(data)

    # ------------------------------------------------------------------ memory and learning
    def update_memory(self, sample_x: TensorList, sample_y: TensorList, target_box: torch.Tensor,
                      learning_rate: Optional[float] = None, target_label_certainty=None) -> None:
        """Insert a sample with its label, box and label certainty; the slot is chosen by certainty x weight."""
        if self.candidate_collection is None or self.candidate_collection.object_id_of_selected_candidate == 0:
            # Samples of the first-frame object count as more certain.
            target_label_certainty = torch.max(target_label_certainty,
                                               torch.sqrt(target_label_certainty.clone().detach()))

        certainties = [self.target_label_certainties.view(-1) * self.sample_weights[0].view(-1)]
        lr = self.params.learning_rate if learning_rate is None else learning_rate
        replace_ind = update_sample_weights_based_on_certainty(
            certainties, self.sample_weights, self.previous_replace_ind, self.num_stored_samples,
            self.num_init_samples, lr, self.params.get('init_samples_minimum_weight', None))
        self.previous_replace_ind = replace_ind

        for train_samp, x, ind in zip(self.training_samples, sample_x, replace_ind):
            train_samp[ind:ind + 1, ...] = x
        for y_memory, y, ind in zip(self.target_labels, sample_y, replace_ind):
            y_memory[ind:ind + 1, ...] = y
        self.target_label_certainties[replace_ind[0]] = target_label_certainty
        self.target_boxes[replace_ind[0], :] = target_box

        slot = replace_ind[0]
        if slot >= len(self.mem_sort_indices):
            self.mem_sort_indices = torch.cat([self.mem_sort_indices, torch.tensor([slot])])
        else:
            order = [i for i in self.mem_sort_indices.tolist() if i != slot] + [slot]
            self.mem_sort_indices = torch.tensor(order)

        self.num_stored_samples += 1

    def update_classifier(self, train_x: torch.Tensor, train_y: TensorList, target_box: torch.Tensor,
                          learning_rate: Optional[float] = None, scores: Optional[torch.Tensor] = None,
                          target_label_certainty=None) -> None:
        """Store the new sample and refine the filter every ``train_skipping`` frames or on hard negatives
        (hard negatives with a label certainty below ``certainty_for_weight_computation_ths`` are stored only)."""
        if target_label_certainty is None:
            target_label_certainty = torch.ones(())
        hard_negative_flag = learning_rate is not None
        if learning_rate is None:
            learning_rate = self.params.learning_rate

        if hard_negative_flag or self.frame_num % self.params.get('train_sample_interval', 1) == 0:
            self.update_memory(TensorList([train_x]), train_y, target_box, learning_rate, target_label_certainty)

        use_certainty = self.params.get('use_certainty_for_weight_computation', False)
        ths_cert = self.params.get('certainty_for_weight_computation_ths', 0.5)
        num_iter = 0
        low_score_th = self.params.get('low_score_opt_threshold', None)
        if hard_negative_flag:
            num_iter = self.params.get('net_opt_hn_iter', None)
            if use_certainty and ths_cert > target_label_certainty:
                # The sample would get zero weight anyway.
                num_iter = 0
        elif low_score_th is not None and low_score_th > scores.max().item():
            num_iter = self.params.get('net_opt_low_iter', None)
        elif (self.frame_num - 1) % self.params.train_skipping == 0:
            num_iter = self.params.get('net_opt_update_iter', None)
        if self.params.get('net_opt_every_frame', False):
            num_iter = self.params.get('net_opt_every_frame_iter', 1)
        self.logging_dict['num_iters'].append(num_iter)

        if use_certainty:
            # As in the original, certainties below the threshold are zeroed in the memory itself (not
            # only in the weights), which also makes those slots the first to be replaced.
            certainties = self.target_label_certainties[:self.num_stored_samples[0]].view(-1)
            certainties[certainties < ths_cert] = 0.0

        plot_loss = self.params.get('debug', 0) > 0
        if num_iter:
            losses = self._optimize_filter(num_iter, plot_loss)
            if plot_loss:
                if isinstance(losses, dict):
                    losses = losses['train']
                self.losses = torch.cat((self.losses, torch.cat([l.reshape(-1) for l in losses])))
                self._show_losses()

    def _memory_sample_weights(self) -> torch.Tensor:
        weights = super()._memory_sample_weights()
        if self.params.get('use_certainty_for_weight_computation', False):
            weights = self.target_label_certainties[:self.num_stored_samples[0]].view(-1, 1, 1, 1) * weights
        return weights

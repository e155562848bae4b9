"""DiMP-simple: the DiMP tracker for networks whose filter is learned against explicit label maps
(``ltr.models.tracking.dimpnet.dimpnet50_simple``, the SuperDiMP-simple network of KeepTrack).

Everything is DiMP's (:class:`pytracking.tracker.dimp.DiMP`) except that the tracker keeps a Gaussian
label map per memory sample and hands the labels to the filter optimizer. The tracker also records,
per frame, the data that ``util_scripts/create_distractor_dataset.py`` stores for KeepTrack training
(``distractor_dataset_data``).

Conventions as in DiMP: ``pos`` is the target centre (y, x), sizes are (h, w), image pixels.
"""
import inspect
from typing import Optional

import torch

from pytracking.libs import dcf
from pytracking.libs.tensorlist import TensorList
from pytracking.tracker.dimp import DiMP


class DiMPSimple(DiMP):
    """DiMP with label-map supervision of the online filter (``params`` from ``parameter/dimp_simple``)."""

    multiobj_mode = 'parallel'

    # ------------------------------------------------------------------ tracking
    def track(self, image, info: dict = None) -> dict:
        """Track in a new frame; returns dict with ``target_bbox`` = [x, y, w, h]."""
        out = super().track(image, info)
        self.distractor_dataset_data = dict(score_map=self._score_map, sample_pos=self._sample_pos,
                                            sample_scale=self._sample_scale, search_area_box=self.search_area_box)
        return out

    def localize_target(self, scores: torch.Tensor, sample_pos: torch.Tensor, sample_scales: torch.Tensor):
        """DiMP's localisation; also remembers the chosen sample (for the label of the new memory sample)."""
        out = super().localize_target(scores, sample_pos, sample_scales)
        scale_ind = out[1]
        self._sample_pos = sample_pos[scale_ind, :]
        self._sample_scale = sample_scales[scale_ind]
        self._score_map = out[2][scale_ind, ...]
        return out

    # ------------------------------------------------------------------ labels
    def _label_center(self, pos: torch.Tensor, sample_pos: torch.Tensor, sample_scale) -> torch.Tensor:
        """Label-map coordinates of a target at ``pos`` in a sample at ``sample_pos`` / ``sample_scale``."""
        target_center_norm = (pos - sample_pos) / (sample_scale * self.img_support_sz)
        return self.feature_sz * target_center_norm + 0.5 * self._ksz_even()

    def _ksz_even(self) -> torch.Tensor:
        return torch.Tensor([(self.kernel_size[0] + 1) % 2, (self.kernel_size[1] + 1) % 2])

    def init_target_labels(self, train_x: TensorList) -> torch.Tensor:
        """Allocate the label memory and fill it with the labels of the initial (augmented) samples.

        The label is a Gaussian of std ``output_sigma_factor`` times the target size (in feature cells),
        one cell larger than the features for an even filter size (like the score map).
        returns the labels of the initial samples [N, 1, H, W].
        """
        ksz_even = self._ksz_even()
        self.target_labels = TensorList([x.new_zeros(self.params.sample_memory_size, 1,
                                                     x.shape[2] + int(ksz_even[0]), x.shape[3] + int(ksz_even[1]))
                                         for x in train_x])
        output_sigma_factor = self.params.get('output_sigma_factor', 1 / 4)
        self.sigma = (self.feature_sz / self.img_support_sz * self.base_target_sz).prod().sqrt() * \
            output_sigma_factor * torch.ones(2)

        center_pos = self._label_center(self.pos, self.init_sample_pos, self.init_sample_scale)
        for target, x in zip(self.target_labels, train_x):
            for i, T in enumerate(self.transforms[:x.shape[0]]):
                sample_center = center_pos + torch.Tensor(T.shift) / self.img_support_sz * self.feature_sz
                target[i, 0, ...] = dcf.label_function_spatial(self.feature_sz, self.sigma, sample_center,
                                                               end_pad=ksz_even)
        return self.target_labels[0][:train_x[0].shape[0]]

    def get_label_function(self, pos: torch.Tensor, sample_pos: torch.Tensor, sample_scale) -> TensorList:
        """Label [1, 1, H, W] (in a TensorList) of a target at ``pos`` in the sample taken at
        ``sample_pos`` / ``sample_scale``."""
        center = self._label_center(pos, sample_pos, sample_scale)
        return TensorList([dcf.label_function_spatial(self.feature_sz, self.sigma, center, end_pad=self._ksz_even())])

    # ------------------------------------------------------------------ classifier
    def _set_optimizer_losses(self, compute_losses: bool) -> None:
        # The losses only serve the debug plots; computing them costs an extra residual evaluation.
        optimizer = self.net.classifier.filter_optimizer
        if hasattr(optimizer, 'compute_losses'):
            optimizer.compute_losses = compute_losses

    def _initial_filter(self, x: torch.Tensor, target_boxes: torch.Tensor, num_iter, compute_losses: bool):
        target_labels = self.init_target_labels(TensorList([x]))
        kwargs = self._optimizer_kwargs(target_labels, compute_losses)
        with torch.no_grad():
            target_filter, _, losses = self.net.classifier.get_filter(x, target_boxes, num_iter=num_iter, **kwargs)
        return target_filter, losses

    def _optimizer_kwargs(self, target_labels: torch.Tensor, compute_losses: bool) -> dict:
        """Label and loss arguments of the filter optimizer.

        Label-map optimizers (SuperDiMP-simple's generic steepest descent) get ``train_label``; DiMP's
        optimizer (``DiMPSteepestDescentGN``, e.g. ``dimpnet_tiny``) learns its own labels and takes
        ``compute_losses`` instead, so that KeepTrack can also run on a plain DiMP network.
        """
        optimizer = self.net.classifier.filter_optimizer
        params = inspect.signature(optimizer.forward).parameters
        if 'train_label' in params or any(p.kind == p.VAR_KEYWORD for p in params.values()):
            self._set_optimizer_losses(compute_losses)
            return {'train_label': target_labels}
        return {'compute_losses': compute_losses}

    def _memory_sample_weights(self) -> torch.Tensor:
        """Weights [n, 1, 1, 1] of the stored samples in the filter loss."""
        return self.sample_weights[0][:self.num_stored_samples[0]].view(-1, 1, 1, 1)

    def _optimize_filter(self, num_iter: int, compute_losses: bool):
        n = self.num_stored_samples[0]
        samples = self.training_samples[0][:n, ...]
        target_labels = self.target_labels[0][:n, ...]
        target_boxes = self.target_boxes[:n, :].clone()
        sample_weights = self._memory_sample_weights()
        kwargs = self._optimizer_kwargs(target_labels, compute_losses)
        with torch.no_grad():
            self.target_filter, _, losses = self.net.classifier.filter_optimizer(
                self.target_filter, num_iter=num_iter, feat=samples, bb=target_boxes, sample_weight=sample_weights,
                **kwargs)
        return losses

    def update_memory(self, sample_x: TensorList, target_box: torch.Tensor,
                      learning_rate: Optional[float] = None) -> None:
        """DiMP's memory update, plus the label of the new sample (target at the current ``pos``)."""
        super().update_memory(sample_x, target_box, learning_rate)
        train_y = self.get_label_function(self.pos, self._sample_pos, self._sample_scale).to(self.device)
        for y_memory, y, ind in zip(self.target_labels, train_y, self.previous_replace_ind):
            y_memory[ind:ind + 1, ...] = y

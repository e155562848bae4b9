"""IoU-Net box refinement and state update shared by the ATOM and DiMP trackers.

The IoU-Net predicts the overlap of candidate boxes with the target; the trackers start from the
classifier's box plus random jittered boxes and follow the gradient of the predicted IoU.
Boxes here are (x, y, w, h) in the coordinates of the sampled image patch of size ``img_sample_sz``.
"""
from typing import Optional

import torch


class IoUNetRefinement:
    """Mixin: needs ``self.params``, ``self.device``, ``self.img_sample_sz``, ``self.base_target_sz``,
    ``self.image_sz`` and an implementation of :meth:`_predict_iou`."""

    def _predict_iou(self, iou_features, boxes: torch.Tensor) -> torch.Tensor:
        """Predicted IoU [1, N] of boxes [1, N, 4] (must be differentiable w.r.t. the boxes)."""
        raise NotImplementedError

    def update_state(self, new_pos: torch.Tensor, new_scale: Optional[torch.Tensor] = None) -> None:
        """Set the new position (clamped so that part of the target stays in the image) and scale."""
        if new_scale is not None:
            self.target_scale = new_scale.clamp(self.min_scale_factor, self.max_scale_factor)
            self.target_sz = self.base_target_sz * self.target_scale
        inside_ratio = self.params.get('target_inside_ratio', 0.2)
        inside_offset = (inside_ratio - 0.5) * self.target_sz
        self.pos = torch.max(torch.min(new_pos, self.image_sz - inside_offset), inside_offset)

    def get_iounet_box(self, pos: torch.Tensor, sz: torch.Tensor, sample_pos: torch.Tensor, sample_scale) -> torch.Tensor:
        """Box (x, y, w, h) in the coordinates of a sample taken at ``sample_pos``/``sample_scale``,
        of a target at ``pos`` (y, x) with size ``sz`` (h, w), all given in image coordinates."""
        box_center = (pos - sample_pos) / sample_scale + (self.img_sample_sz - 1) / 2
        box_sz = sz / sample_scale
        target_ul = box_center - (box_sz - 1) / 2
        return torch.cat([target_ul.flip((0,)), box_sz.flip((0,))])

    def _random_init_boxes(self, init_box: torch.Tensor) -> torch.Tensor:
        """``init_box`` followed by ``params.num_init_random_boxes`` jittered copies: [N, 4] (x, y, w, h)."""
        init_boxes = init_box.view(1, 4).clone()
        if self.params.num_init_random_boxes > 0:
            square_box_sz = init_box[2:].prod().sqrt()
            rand_factor = square_box_sz * torch.cat([self.params.box_jitter_pos * torch.ones(2),
                                                     self.params.box_jitter_sz * torch.ones(2)])
            minimal_edge_size = init_box[2:].min() / 3
            rand_bb = (torch.rand(self.params.num_init_random_boxes, 4) - 0.5) * rand_factor
            new_sz = (init_box[2:] + rand_bb[:, 2:]).clamp(minimal_edge_size)
            new_center = (init_box[:2] + init_box[2:] / 2) + rand_bb[:, :2]
            init_boxes = torch.cat([init_box.view(1, 4), torch.cat([new_center - new_sz / 2, new_sz], 1)])
        return init_boxes

    def _select_box(self, output_boxes: torch.Tensor, output_iou: torch.Tensor) -> Optional[torch.Tensor]:
        """Mean of the top-k (``params.iounet_k``) boxes after dropping extreme aspect ratios; None if none is left."""
        output_boxes[:, 2:].clamp_(1)
        aspect_ratio = output_boxes[:, 2] / output_boxes[:, 3]
        max_ar = self.params.maximal_aspect_ratio
        keep_ind = (aspect_ratio < max_ar) & (aspect_ratio > 1 / max_ar)
        output_boxes = output_boxes[keep_ind, :]
        output_iou = output_iou[keep_ind]
        if output_boxes.shape[0] == 0:
            return None
        topk = min(self.params.get('iounet_k', 5), output_boxes.shape[0])
        _, inds = torch.topk(output_iou, topk)
        return output_boxes[inds, :].mean(0)

    def _set_refined_box(self, predicted_box: torch.Tensor, sample_pos: torch.Tensor, sample_scale,
                         update_scale: bool) -> None:
        """Move the target state to ``predicted_box`` (sample coordinates of the sample at ``sample_pos``)."""
        new_pos = predicted_box[:2] + predicted_box[2:] / 2
        new_pos = (new_pos.flip((0,)) - (self.img_sample_sz - 1) / 2) * sample_scale + sample_pos
        new_target_sz = predicted_box[2:].flip((0,)) * sample_scale
        new_scale = torch.sqrt(new_target_sz.prod() / self.base_target_sz.prod())

        self.pos_iounet = new_pos.clone()
        if self.params.get('use_iounet_pos_for_learning', True):
            self.pos = new_pos.clone()
        self.target_sz = new_target_sz
        if update_scale:
            self.target_scale = new_scale

    def _refine_with_iou_features(self, iou_features, init_box: torch.Tensor, sample_pos: torch.Tensor,
                                  sample_scale, update_scale: bool) -> None:
        init_boxes = self._random_init_boxes(init_box)
        output_boxes, output_iou = self.optimize_boxes(iou_features, init_boxes)
        predicted_box = self._select_box(output_boxes, output_iou)
        if predicted_box is not None:
            self._set_refined_box(predicted_box, sample_pos, sample_scale, update_scale)

    def optimize_boxes(self, iou_features, init_boxes: torch.Tensor):
        """Refine boxes [N, 4]; returns (boxes [N, 4], predicted IoU [N]), both on the CPU."""
        box_refinement_space = self.params.get('box_refinement_space', 'default')
        if box_refinement_space == 'default':
            return self.optimize_boxes_default(iou_features, init_boxes)
        if box_refinement_space == 'relative':
            return self.optimize_boxes_relative(iou_features, init_boxes)
        raise ValueError("Unknown box_refinement_space '{}' (expected 'default' or 'relative')".format(
            box_refinement_space))

    def _step_length(self):
        step_length = self.params.box_refinement_step_length
        if isinstance(step_length, (tuple, list)):
            # separate steps for position and size
            step_length = torch.Tensor([step_length[0], step_length[0], step_length[1], step_length[1]]
                                       ).to(self.device).view(1, 1, 4)
        return step_length

    def _iou_and_grad(self, iou_features, boxes_var: torch.Tensor, to_rect=None) -> torch.Tensor:
        with torch.enable_grad():
            boxes = boxes_var if to_rect is None else to_rect(boxes_var)
            outputs = self._predict_iou(iou_features, boxes)
            if isinstance(outputs, (list, tuple)):
                outputs = outputs[0]
            outputs.backward(gradient=torch.ones_like(outputs))
        return outputs

    def optimize_boxes_default(self, iou_features, init_boxes: torch.Tensor):
        """Gradient ascent in (x, y, w, h), steps scaled by the box size."""
        output_boxes = init_boxes.view(1, -1, 4).to(self.device)
        step_length = self._step_length()
        outputs = None
        for _ in range(self.params.box_refinement_iter):
            bb_init = output_boxes.clone().detach().requires_grad_(True)
            outputs = self._iou_and_grad(iou_features, bb_init)
            output_boxes = (bb_init + step_length * bb_init.grad * bb_init[:, :, 2:].repeat(1, 1, 2)).detach()
            step_length *= self.params.box_refinement_step_decay
        if outputs is None:
            with torch.no_grad():
                outputs = self._predict_iou(iou_features, output_boxes)
        return output_boxes.view(-1, 4).cpu(), outputs.detach().view(-1).cpu()

    def optimize_boxes_relative(self, iou_features, init_boxes: torch.Tensor):
        """Gradient ascent in the relative parametrisation of PrDiMP: centre divided by the first box's
        size, log width/height."""
        from ltr.data.bounding_box_utils import rect_to_rel, rel_to_rect
        output_boxes = init_boxes.view(1, -1, 4).to(self.device)
        step_length = self._step_length()
        sz_norm = output_boxes[:, :1, 2:].clone()
        output_boxes_rel = rect_to_rel(output_boxes, sz_norm)
        outputs = None
        for _ in range(self.params.box_refinement_iter):
            bb_init_rel = output_boxes_rel.clone().detach().requires_grad_(True)
            outputs = self._iou_and_grad(iou_features, bb_init_rel, lambda b: rel_to_rect(b, sz_norm))
            output_boxes_rel = (bb_init_rel + step_length * bb_init_rel.grad).detach()
            step_length *= self.params.box_refinement_step_decay
        output_boxes = rel_to_rect(output_boxes_rel, sz_norm)
        if outputs is None:
            with torch.no_grad():
                outputs = self._predict_iou(iou_features, output_boxes)
        return output_boxes.view(-1, 4).cpu(), outputs.detach().view(-1).cpu()

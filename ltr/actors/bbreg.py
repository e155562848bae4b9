"""Actors for training the ATOM IoU-Net bounding-box regressor."""
from typing import Dict, Tuple

import torch

from .base_actor import BaseActor


def _flatten_proposals(x: torch.Tensor) -> torch.Tensor:
    """[Nte, B, P] (or any leading shape) -> [Nte * B, P]."""
    return x.reshape(-1, x.shape[-1])


class AtomActor(BaseActor):
    """Trains the IoU-Net of ATOM: regression (the objective, e.g. MSELoss) of the predicted IoU of each proposal
    onto its true IoU."""

    def __call__(self, data) -> Tuple[torch.Tensor, Dict[str, float]]:
        """args:
            data - dict with 'train_images', 'test_images', 'train_anno', 'test_proposals' [Nte, B, P, 4] and
                'proposal_iou' [Nte, B, P].
        returns:
            (loss, stats)
        """
        iou_pred = self.net(data['train_images'], data['test_images'], data['train_anno'], data['test_proposals'])
        loss = self.objective(_flatten_proposals(iou_pred), _flatten_proposals(data['proposal_iou']))
        return loss, {'Loss/total': loss.item(), 'Loss/iou': loss.item()}


class AtomBBKLActor(BaseActor):
    """Trains the IoU-Net as a probabilistic box regressor with a KL / ML objective on proposal densities."""

    def __call__(self, data) -> Tuple[torch.Tensor, Dict[str, float]]:
        """args:
            data - dict with 'train_images', 'test_images', 'train_anno', 'test_proposals' [Nte, B, P, 4],
                'proposal_density' [Nte, B, P] and 'gt_density' [Nte, B, P].
        returns:
            (loss, stats)
        """
        bb_scores = self.net(data['train_images'], data['test_images'], data['train_anno'], data['test_proposals'])
        loss = self.objective(_flatten_proposals(bb_scores),
                              sample_density=_flatten_proposals(data['proposal_density']),
                              gt_density=_flatten_proposals(data['gt_density']), mc_dim=1)
        return loss, {'Loss/total': loss.item(), 'Loss/bb_ce': loss.item()}

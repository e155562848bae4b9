"""Actor for training KeepTrack's target candidate matching network."""
from typing import Dict, Mapping, Tuple

import torch

from .base_actor import BaseActor

__all__ = ['TargetCandiateMatchingActor']


class TargetCandiateMatchingActor(BaseActor):
    """Runs the matching network on a batch and applies ``objective['target_candidate_matching']``
    (:class:`ltr.models.loss.target_candidate_matching_loss.TargetCandidateMatchingLoss`).

    The batch (from ``TargetCandiateMatchingProcessing`` via a loader with ``stack_dim=1``) is passed whole to
    the network and to the loss, which pick their entries by name. The original's class name (typo included).
    """

    def __call__(self, data: Mapping) -> Tuple[torch.Tensor, Dict[str, float]]:
        """returns (loss, stats): the mean matching loss over the batch and the logged statistics (losses,
        numbers of matchable / unmatchable candidates, Sinkhorn row sums, dustbin score, match recall and
        precision of frame 1's candidates)."""
        preds = self.net(**data)
        objective = self.objective['target_candidate_matching']
        losses = objective(**data, **preds)
        loss = losses['total'].mean()
        if not torch.isfinite(loss):
            raise ValueError('The candidate matching loss is {} (NaN/Inf): check the learning rate and the '
                             'candidate data'.format(loss.item()))

        stats = {'Loss/total': loss.item()}
        for key in ('nll_pos', 'nll_neg', 'num_matchable', 'num_unmatchable', 'sinkhorn_norm', 'bin_score'):
            stats['Loss/' + key] = losses[key].float().mean().item()
        if hasattr(objective, 'metrics'):
            for key, val in objective.metrics(**data, **preds).items():
                known = val[~torch.isnan(val)]
                if known.numel() > 0:   # a batch without any true match has no recall / precision
                    stats[key] = known.mean().item()
        return loss, stats

"""Loss of KeepTrack's target candidate matching network (negative log-likelihood of the assignment).

Ground truth for a batch of B frame pairs with M candidates in frame 0 and N in frame 1:
    gt_assignment ``[B, M, N]``: 1 where candidate i of frame 0 is candidate j of frame 1;
    gt_matches0 ``[B, M]``: the partner in frame 1, -1 when the candidate has none (it goes to the dustbin),
        -2 when unknown (partial supervision: ignored);
    gt_matches1 ``[B, N]``: the same for frame 1.
The prediction ``log_assignment`` ``[B, M+1, N+1]`` is the log of the Sinkhorn-normalised assignment with the
dustbin as last row and column.
"""
from typing import Dict

import torch
import torch.nn as nn


def recall(matches: torch.Tensor, gt_matches: torch.Tensor) -> torch.Tensor:
    """Fraction of the candidates with a ground-truth partner (gt >= 0) whose predicted partner is right, per
    pair. ``matches``/``gt_matches`` ``[B, K]``; returns ``[B]`` (NaN when a pair has no true match)."""
    known = (gt_matches > -1).float()
    return ((matches == gt_matches).float() * known).sum(1) / known.sum(1)


def precision(matches: torch.Tensor, gt_matches: torch.Tensor) -> torch.Tensor:
    """Fraction of the predicted matches (``matches > -1``) whose ground truth is known and equal, per pair;
    NaN for pairs without any true match. Shapes as :func:`recall`."""
    predicted = ((matches > -1) & (gt_matches >= -1)).float()
    prec = ((matches == gt_matches).float() * predicted).sum(1) / predicted.sum(1).clamp(min=1)
    prec[(gt_matches > -1).sum(1) == 0] = float('nan')
    return prec


class TargetCandidateMatchingLoss(nn.Module):
    """Balanced negative log-likelihood of the ground-truth assignment.

    ``nll = b * nll_pos + (1 - b) * nll_neg`` with ``b = nll_balancing``; ``nll_pos`` is the mean of
    ``-log P(i <-> j)`` over the true matches and ``nll_neg`` the mean of ``-log P(i -> dustbin)`` over the
    candidates of either frame that have no partner (gt = -1). Candidates with unknown partner (-2) do not count.

    args:
        nll_balancing: Weight ``b`` of the matched term.
        nll_weight: Factor of the total loss (0 disables it; the statistics are still returned).
    """

    def __init__(self, nll_balancing: float = 0.5, nll_weight: float = 1.0):
        super().__init__()
        self.nll_balancing = nll_balancing
        self.nll_weight = nll_weight

    def metrics(self, matches1: torch.Tensor, gt_matches1: torch.Tensor, **kwargs) -> Dict[str, torch.Tensor]:
        """Match recall and precision of frame 1's candidates (``gt_matches1`` with the leading frame dim)."""
        return {'match_recall': recall(matches1, gt_matches1[0]), 'match_precision': precision(matches1, gt_matches1[0])}

    def forward(self, gt_assignment: torch.Tensor, gt_matches0: torch.Tensor, gt_matches1: torch.Tensor,
                log_assignment: torch.Tensor, bin_score: torch.Tensor, **kwargs) -> Dict[str, torch.Tensor]:
        """Per-pair losses.

        args:
            gt_assignment, gt_matches0, gt_matches1: Ground truth with a leading frame dimension of size 1, as the
                data loader stacks them: ``[1, B, M, N]``, ``[1, B, M]``, ``[1, B, N]``.
            log_assignment: ``[B, M+1, N+1]``.
            bin_score: The matcher's dustbin score (logged).
        returns:
            dict of ``[B]`` tensors: ``total``, ``assignment_nll``, ``nll_pos``, ``nll_neg``, ``num_matchable``,
            ``num_unmatchable``, ``sinkhorn_norm`` (mean row sum of the non-dustbin rows), and ``bin_score`` ``[1]``.
        """
        positive = gt_assignment[0].float()
        neg0 = (gt_matches0[0] == -1).float()
        neg1 = (gt_matches1[0] == -1).float()

        num_pos = positive.sum((1, 2)).clamp(min=1)
        num_neg = (neg0.sum(1) + neg1.sum(1)).clamp(min=1)

        nll_pos = -(log_assignment[:, :-1, :-1] * positive).sum((1, 2)) / num_pos
        nll_neg0 = -(log_assignment[:, :-1, -1] * neg0).sum(1)
        nll_neg1 = -(log_assignment[:, -1, :-1] * neg1).sum(1)
        nll_neg = (nll_neg0 + nll_neg1) / num_neg
        nll = self.nll_balancing * nll_pos + (1 - self.nll_balancing) * nll_neg

        losses = {'total': nll * self.nll_weight if self.nll_weight > 0 else torch.zeros_like(nll),
                  'assignment_nll': nll,
                  'nll_pos': nll_pos,
                  'nll_neg': nll_neg,
                  'num_matchable': num_pos,
                  'num_unmatchable': num_neg,
                  'sinkhorn_norm': log_assignment.exp()[:, :-1].sum(2).mean(1),
                  'bin_score': torch.as_tensor(bin_score).detach().reshape(1)}
        return losses

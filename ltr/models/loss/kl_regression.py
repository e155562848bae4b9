"""Losses for probabilistic regression (PrDiMP, ATOM-KL).

The network predicts an unnormalised log-density s(y); the predictive density is
p(y) = exp(s(y)) / Z with Z = integral of exp(s). The losses below estimate the cross entropy
-E_gt[log p(y)] = log Z - E_gt[s(y)] (the KL divergence to the ground-truth density up to the
ground truth's own entropy, which does not depend on the network).
"""
import math

import torch
import torch.nn as nn


class KLRegression(nn.Module):
    """KL-divergence loss estimated with Monte-Carlo samples y_k ~ q.

    log Z is estimated as log mean_k exp(s_k) / q_k and E_gt[s] as mean_k s_k p_gt(y_k) / q_k.

    args:
        eps - added to the sample density before dividing by it.
    """

    def __init__(self, eps: float = 0.0):
        super().__init__()
        self.eps = eps

    def forward(self, scores: torch.Tensor, sample_density: torch.Tensor, gt_density: torch.Tensor,
                mc_dim: int = -1) -> torch.Tensor:
        """args:
            scores - predicted log-density values s(y_k).
            sample_density - density q(y_k) of the distribution the samples were drawn from.
            gt_density - ground-truth density p_gt(y_k).
            mc_dim - dimension holding the samples.
        returns the loss averaged over all other dimensions."""
        q = sample_density + self.eps
        log_z = torch.logsumexp(scores - torch.log(q), dim=mc_dim) - math.log(scores.shape[mc_dim])
        expected_score = torch.mean(scores * (gt_density / q), dim=mc_dim)
        return (log_z - expected_score).mean()


class MLRegression(nn.Module):
    """Maximum-likelihood (negative log-likelihood) loss estimated with Monte-Carlo samples.

    The first sample along ``mc_dim`` must be the ground truth itself (its sample density is
    marked with -1); the remaining samples estimate log Z.

    args:
        eps - added to the sample density before dividing by it.
    """

    def __init__(self, eps: float = 0.0):
        super().__init__()
        self.eps = eps

    def forward(self, scores: torch.Tensor, sample_density: torch.Tensor, gt_density=None,
                mc_dim: int = -1) -> torch.Tensor:
        """args:
            scores - (batch, 1 + num_samples, ...) predicted log-density; index 0 is the ground truth.
            sample_density - same shape; index 0 must be -1, the rest q(y_k).
            gt_density - unused.
            mc_dim - must denote dimension 1 (-1 is accepted for 2-dimensional scores)."""
        if mc_dim % scores.dim() != 1:
            raise ValueError('MLRegression supports only mc_dim=1, got {}'.format(mc_dim))
        if not bool((sample_density[:, 0, ...] == -1).all()):
            raise ValueError('MLRegression expects the first sample to be the ground truth, '
                             'marked by sample_density[:, 0] == -1')
        q = sample_density[:, 1:, ...] + self.eps
        log_z = torch.logsumexp(scores[:, 1:, ...] - torch.log(q), dim=1) - math.log(scores.shape[1] - 1)
        return (log_z - scores[:, 0, ...]).mean()


class KLRegressionGrid(nn.Module):
    """KL-divergence loss computed by integration over a regular grid (PrDiMP classifier)."""

    def forward(self, scores: torch.Tensor, gt_density: torch.Tensor, grid_dim=-1,
                grid_scale: float = 1.0) -> torch.Tensor:
        """args:
            scores - predicted log-density on the grid.
            gt_density - ground-truth density on the same grid.
            grid_dim - dimension(s) spanning the grid (int or tuple).
            grid_scale - area of one grid cell.
        returns the loss averaged over all other dimensions."""
        expected_score = grid_scale * torch.sum(scores * gt_density, dim=grid_dim)
        log_z = torch.logsumexp(scores, dim=grid_dim) + math.log(grid_scale)
        return (log_z - expected_score).mean()

"""KLRegression / KLRegressionGrid / MLRegression against closed forms and brute-force integration.

Scores are unnormalised log-densities s(y) = -|y - mu|^2 / (2 sigma^2) + c, so that the predicted
density is Gaussian and the cross entropy to a Gaussian ground truth has a closed form.
"""
import math

import numpy as np
import pytest
import torch
from scipy.special import ndtri

from ltr.models.loss import KLRegression, KLRegressionGrid, MLRegression


def gauss_pdf(y, mu, sigma):
    """Isotropic Gaussian density; y (..., d)."""
    d = y.shape[-1]
    return torch.exp(-((y - mu) ** 2).sum(-1) / (2 * sigma ** 2)) / (2 * math.pi * sigma ** 2) ** (d / 2)


def quad_scores(y, mu, sigma, c):
    return -((y - mu) ** 2).sum(-1) / (2 * sigma ** 2) + c


def cross_entropy_gauss(mu_gt, s_gt, mu_p, s_p, d):
    """-E_{N(mu_gt, s_gt^2 I)} [log N(y; mu_p, s_p^2 I)], closed form."""
    sq = float(((torch.as_tensor(mu_gt) - torch.as_tensor(mu_p)) ** 2).sum())
    return 0.5 * d * math.log(2 * math.pi * s_p ** 2) + (sq + d * s_gt ** 2) / (2 * s_p ** 2)


def entropy_gauss(s, d):
    return 0.5 * d * math.log(2 * math.pi * math.e * s ** 2)


CASES = [  # (mu_gt, s_gt, mu_pred, s_pred, c)
    ((0.0, 0.0), 0.5, (0.0, 0.0), 0.5, 0.0),
    ((0.3, -0.2), 0.4, (-0.1, 0.25), 0.7, 1.3),
    ((1.0, 0.5), 0.8, (0.2, -0.4), 0.6, -2.0),
]


@pytest.mark.parametrize('mu_gt, s_gt, mu_p, s_p, c', CASES)
def test_kl_regression_grid_matches_closed_form(mu_gt, s_gt, mu_p, s_p, c):
    h = 0.05
    ax = torch.arange(-8, 8 + h / 2, h, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(ax, ax, indexing='ij'), dim=-1)          # (H, W, 2)
    gt = gauss_pdf(grid, torch.tensor(mu_gt, dtype=torch.float64), s_gt)
    scores = quad_scores(grid, torch.tensor(mu_p, dtype=torch.float64), s_p, c)

    loss = KLRegressionGrid()(scores[None], gt[None], grid_dim=(-2, -1), grid_scale=h * h)
    expected_ce = cross_entropy_gauss(mu_gt, s_gt, mu_p, s_p, 2)
    assert abs(loss.item() - expected_ce) < 1e-3
    # The loss is the KL divergence plus the (network independent) entropy of the ground truth.
    kl = expected_ce - entropy_gauss(s_gt, 2)
    assert abs((loss.item() - entropy_gauss(s_gt, 2)) - kl) < 1e-3
    if mu_gt == mu_p and s_gt == s_p:
        assert abs(loss.item() - entropy_gauss(s_gt, 2)) < 1e-3   # KL = 0


def test_kl_regression_grid_matches_brute_force_kl_for_arbitrary_scores():
    """Non-Gaussian scores: compare with the KL divergence summed cell by cell in numpy."""
    rng = np.random.default_rng(0)
    h = 0.25
    n = 21
    scores = rng.normal(size=(3, n, n))
    gt = rng.random(size=(3, n, n))
    gt /= gt.sum(axis=(1, 2), keepdims=True) * h * h            # densities integrating to one

    kl = []
    for s, p in zip(scores, gt):
        q = np.exp(s) / (np.exp(s).sum() * h * h)
        kl.append(np.sum(p * (np.log(p) - np.log(q))) * h * h)
    entropy = [-np.sum(p * np.log(p)) * h * h for p in gt]
    expected = np.mean(np.array(kl) + np.array(entropy))

    loss = KLRegressionGrid()(torch.from_numpy(scores), torch.from_numpy(gt), grid_dim=(-2, -1), grid_scale=h * h)
    assert abs(loss.item() - expected) < 1e-9


@pytest.mark.parametrize('mu_gt, s_gt, mu_p, s_p, c', CASES)
def test_kl_regression_monte_carlo_matches_closed_form(mu_gt, s_gt, mu_p, s_p, c):
    """Samples from a wide Gaussian proposal (stratified, i.e. quasi Monte-Carlo), one dim at a time."""
    n = 200000
    mu_q, s_q = 0.0, 1.5
    y = mu_q + s_q * torch.from_numpy(ndtri((np.arange(n) + 0.5) / n))[:, None]       # (n, 1)
    q = gauss_pdf(y, torch.tensor([mu_q], dtype=torch.float64), s_q)

    total, expected = 0.0, 0.0
    for dim in range(2):
        gt = gauss_pdf(y, torch.tensor([mu_gt[dim]], dtype=torch.float64), s_gt)
        scores = quad_scores(y, torch.tensor([mu_p[dim]], dtype=torch.float64), s_p, c)
        total += KLRegression()(scores[None], q[None], gt[None], mc_dim=-1).item()
        expected += cross_entropy_gauss([mu_gt[dim]], s_gt, [mu_p[dim]], s_p, 1)
    assert abs(total - expected) < 1e-3


def test_kl_regression_random_samples_and_batch_layout():
    """Plain random sampling (loose tolerance), batch of 4 problems, samples along dim 0 or -1."""
    gen = torch.Generator().manual_seed(3)
    n = 400000
    mu_gt = torch.tensor([0.0, 0.5, -0.3, 1.0], dtype=torch.float64)
    mu_p = torch.tensor([0.2, 0.4, 0.0, 0.7], dtype=torch.float64)
    s_gt, s_p, s_q = 0.5, 0.6, 1.2
    y = s_q * torch.randn(4, n, generator=gen, dtype=torch.float64)
    q = torch.exp(-y ** 2 / (2 * s_q ** 2)) / math.sqrt(2 * math.pi * s_q ** 2)
    gt = torch.exp(-(y - mu_gt[:, None]) ** 2 / (2 * s_gt ** 2)) / math.sqrt(2 * math.pi * s_gt ** 2)
    scores = -(y - mu_p[:, None]) ** 2 / (2 * s_p ** 2)

    expected = np.mean([cross_entropy_gauss([a], s_gt, [b], s_p, 1) for a, b in zip(mu_gt.tolist(), mu_p.tolist())])
    loss_last = KLRegression()(scores, q, gt, mc_dim=-1)
    loss_first = KLRegression()(scores.t(), q.t(), gt.t(), mc_dim=0)
    assert abs(loss_last.item() - expected) < 1e-2
    assert abs(loss_first.item() - loss_last.item()) < 1e-10


def test_ml_regression_matches_negative_log_likelihood():
    n = 200000
    mu_p, s_p, c = 0.3, 0.5, 0.8
    s_q = 1.5
    y = s_q * torch.from_numpy(ndtri((np.arange(n) + 0.5) / n))
    q = torch.exp(-y ** 2 / (2 * s_q ** 2)) / math.sqrt(2 * math.pi * s_q ** 2)
    y_gt = torch.tensor([0.1, 0.9], dtype=torch.float64)

    samples = torch.cat((y_gt[:, None], y[None].expand(2, -1)), dim=1)              # (2, 1 + n)
    density = torch.cat((-torch.ones(2, 1, dtype=torch.float64), q[None].expand(2, -1)), dim=1)
    scores = -(samples - mu_p) ** 2 / (2 * s_p ** 2) + c

    expected = np.mean([0.5 * math.log(2 * math.pi * s_p ** 2) + (v - mu_p) ** 2 / (2 * s_p ** 2)
                        for v in y_gt.tolist()])
    assert abs(MLRegression()(scores, density, mc_dim=1).item() - expected) < 1e-3


def test_ml_regression_rejects_missing_ground_truth_sample():
    with pytest.raises(ValueError, match='ground truth'):
        MLRegression()(torch.zeros(2, 5), torch.ones(2, 5), mc_dim=1)
    with pytest.raises(ValueError, match='mc_dim'):
        MLRegression()(torch.zeros(2, 5, 3), -torch.ones(2, 5, 3), mc_dim=2)

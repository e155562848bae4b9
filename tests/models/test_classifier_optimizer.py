"""The unrolled filter optimizers against their definitions.

References are built independently of the module: scores by a plain per-image conv2d, loss maps
by a direct evaluation of the distance bins, Jacobians / Hessians by autograd, so that one
iteration of the module can be compared with a hand-computed Gauss-Newton (or Newton) step.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import hessian, jacobian

from ltr.models.target_classifier.optimizer import (DiMPL2SteepestDescentGN, DiMPSteepestDescentGN,
                                                    PrDiMPSteepestDescentNewton)

STRIDE = 16


def make_problem(seed, num_images=3, num_sequences=2, channels=4, size=6, filter_size=3, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    feat = torch.randn(num_images, num_sequences, channels, size, size, generator=gen, dtype=dtype)
    weights = 0.1 * torch.randn(num_sequences, channels, filter_size, filter_size, generator=gen, dtype=dtype)
    img = size * STRIDE
    xy = (0.2 + 0.5 * torch.rand(num_images, num_sequences, 2, generator=gen, dtype=dtype)) * img
    wh = (0.1 + 0.2 * torch.rand(num_images, num_sequences, 2, generator=gen, dtype=dtype)) * img
    return feat, weights, torch.cat((xy, wh), dim=-1)


def centers_yx(bb, filter_size):
    """Target centre (y, x) in score-map cells. Feature cell i is centred at i + 0.5 (in units of the
    stride); with an odd filter score i sits on cell i, with an even one between cells i-1 and i."""
    c = (bb[..., :2] + bb[..., 2:] / 2) / STRIDE
    return c.flip(-1) - (filter_size % 2) / 2.0


def scores_of(feat_s, w_s):
    """Scores of one sequence: feat_s (images, C, H, W), w_s (C, f, f) -> (images, oH, oW)."""
    return F.conv2d(feat_s, w_s[None], padding=w_s.shape[-1] // 2)[:, 0]


def distance_bins(center, out_sz, num_bins, disp):
    """Soft distance bins evaluated pixel by pixel: (num_bins, oH, oW)."""
    ys = torch.arange(out_sz, dtype=center.dtype)[:, None]
    xs = torch.arange(out_sz, dtype=center.dtype)[None, :]
    d = torch.sqrt((ys - center[0]) ** 2 + (xs - center[1]) ** 2) / disp
    bins = [torch.clamp(1 - (d - k).abs(), min=0) for k in range(num_bins - 1)]
    bins.append(torch.clamp(1 + d - (num_bins - 1), 0, 1))
    return torch.stack(bins)


def dimp_optimizer(num_bins=10, disp=0.5, seed=0):
    opt = DiMPSteepestDescentGN(num_iter=1, feat_stride=STRIDE, init_step_length=0.9, init_filter_reg=0.1,
                                init_gauss_sigma=0.9, num_dist_bins=num_bins, bin_displacement=disp,
                                mask_init_factor=3.0).double()
    # Move away from the initialisation so that label, mask and weight are "learned" functions.
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in (opt.label_map_predictor, opt.target_mask_predictor[0], opt.spatial_weight_predictor):
            conv.weight.add_(0.2 * torch.randn(conv.weight.shape, generator=gen, dtype=torch.float64))
    return opt


@pytest.mark.parametrize('filter_size', [1, 3, 4])
@pytest.mark.parametrize('use_sample_weight', [False, True])
def test_dimp_gn_one_iteration_equals_hand_computed_step(filter_size, use_sample_weight):
    feat, w0, bb = make_problem(1 + filter_size, filter_size=filter_size)
    num_images, num_sequences = feat.shape[:2]
    opt = dimp_optimizer(seed=filter_size)
    sample_weight = torch.tensor([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]], dtype=torch.float64) \
        if use_sample_weight else None

    w1, iterates, losses = opt(w0, feat=feat, bb=bb, sample_weight=sample_weight, num_iter=1)

    reg = opt.filter_reg.item() ** 2
    step = math.exp(opt.log_step_length.item())
    k_label = opt.label_map_predictor.weight.detach()[0, :, 0, 0]
    k_mask = opt.target_mask_predictor[0].weight.detach()[0, :, 0, 0]
    k_weight = opt.spatial_weight_predictor.weight.detach()[0, :, 0, 0]
    out_sz = feat.shape[-1] + (filter_size + 1) % 2
    expected_loss = 0.0
    for s in range(num_sequences):
        y, m, v = [], [], []
        for i in range(num_images):
            bins = distance_bins(centers_yx(bb[i, s], filter_size), out_sz, opt.distance_map.num_bins,
                                 opt.distance_map.bin_displacement)
            y.append(torch.einsum('k,khw->hw', k_label, bins))
            m.append(torch.sigmoid(torch.einsum('k,khw->hw', k_mask, bins)))
            per_image = 1.0 / num_images if sample_weight is None else sample_weight[i, s]
            v.append(math.sqrt(per_image) * torch.einsum('k,khw->hw', k_weight, bins))
        y, m, v = torch.stack(y), torch.stack(m), torch.stack(v)

        def residual(w_flat):
            scores = scores_of(feat[:, s], w_flat.reshape(w0.shape[1:]))
            act = (1 - m) / 2 * scores.abs() + (1 + m) / 2 * scores
            return torch.cat(((v * (act - y)).flatten(), math.sqrt(reg) * w_flat))

        w_flat = w0[s].flatten()
        r = residual(w_flat)
        J = jacobian(residual, w_flat)
        g = J.t() @ r                                  # gradient of |r|^2 / 2
        alpha = (g @ g) / ((J @ g) @ (J @ g))          # Gauss-Newton step length along g
        expected = (w_flat - step * alpha * g).reshape(w0.shape[1:])
        assert torch.allclose(w1[s], expected, rtol=1e-9, atol=1e-12)
        expected_loss += (r @ r).item()

    assert len(iterates) == 2 and iterates[0] is w0 and torch.equal(iterates[1], w1)
    assert losses[0].item() == pytest.approx(expected_loss / num_sequences, rel=1e-10)


@pytest.mark.parametrize('filter_size', [1, 4])
def test_l2_gn_one_iteration_equals_hand_computed_step(filter_size):
    feat, w0, bb = make_problem(7, filter_size=filter_size)
    num_images, num_sequences = feat.shape[:2]
    opt = DiMPL2SteepestDescentGN(num_iter=1, feat_stride=STRIDE, init_step_length=0.8, gauss_sigma=1.2,
                                  hinge_threshold=0.05, init_filter_reg=0.2).double()
    w1, _, _ = opt(w0, feat=feat, bb=bb, num_iter=1)

    reg, step = opt.filter_reg.item() ** 2, math.exp(opt.log_step_length.item())
    out_sz = feat.shape[-1] + (filter_size + 1) % 2
    ys = torch.arange(out_sz, dtype=torch.float64)
    for s in range(num_sequences):
        y = []
        for i in range(num_images):
            cy, cx = centers_yx(bb[i, s], filter_size)
            y.append(torch.exp(-(ys[:, None] - cy) ** 2 / (2 * 1.2 ** 2) - (ys[None, :] - cx) ** 2 / (2 * 1.2 ** 2)))
        y = torch.stack(y)
        hinge = y > 0.05

        def residual(w_flat):
            scores = scores_of(feat[:, s], w_flat.reshape(w0.shape[1:]))
            act = torch.where(hinge, scores, F.relu(scores))
            return torch.cat((math.sqrt(1 / num_images) * (act - y * hinge).flatten(), math.sqrt(reg) * w_flat))

        w_flat = w0[s].flatten()
        J = jacobian(residual, w_flat)
        g = J.t() @ residual(w_flat)
        alpha = (g @ g) / ((J @ g) @ (J @ g))
        assert torch.allclose(w1[s], (w_flat - step * alpha * g).reshape(w0.shape[1:]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize('filter_size', [1, 4])
def test_prdimp_newton_one_iteration_equals_hand_computed_step(filter_size):
    feat, w0, bb = make_problem(11, filter_size=filter_size)
    num_images, num_sequences = feat.shape[:2]
    sigma = 0.9
    opt = PrDiMPSteepestDescentNewton(num_iter=1, feat_stride=STRIDE, init_step_length=1.0, init_filter_reg=0.05,
                                      gauss_sigma=sigma, min_filter_reg=0.01, normalize_label=True).double()
    w1, _, losses = opt(w0, feat=feat, bb=bb, num_iter=1)

    reg = opt.filter_reg.item() ** 2
    out_sz = feat.shape[-1] + (filter_size + 1) % 2
    ys = torch.arange(out_sz, dtype=torch.float64)
    expected_loss = 0.0
    for s in range(num_sequences):
        p = []
        for i in range(num_images):
            cy, cx = centers_yx(bb[i, s], filter_size)
            g = torch.exp(-(ys[:, None] - cy) ** 2 / (2 * sigma ** 2) - (ys[None, :] - cx) ** 2 / (2 * sigma ** 2))
            g = g / (2 * math.pi * sigma ** 2)
            p.append(g / (g.sum() + 1e-8))  # the module guards the normalisation with 1e-8
        p = torch.stack(p)

        def data_term(w_flat):
            scores = scores_of(feat[:, s], w_flat.reshape(w0.shape[1:])).reshape(num_images, -1)
            return (torch.logsumexp(scores, dim=1) - (p.reshape(num_images, -1) * scores).sum(1)).sum() / num_images

        # The step is a Newton step along the gradient of data + reg/2 |w|^2.
        def objective(w_flat):
            return data_term(w_flat) + 0.5 * reg * (w_flat @ w_flat)

        w_flat = w0[s].flatten().clone().requires_grad_(True)
        grad = torch.autograd.grad(objective(w_flat), w_flat)[0]
        H = hessian(objective, w_flat.detach())
        alpha = (grad @ grad) / (grad @ H @ grad)
        expected = (w_flat.detach() - alpha * grad).reshape(w0.shape[1:])
        assert torch.allclose(w1[s], expected, rtol=1e-8, atol=1e-12)
        expected_loss += data_term(w0[s].flatten()).item() + reg * (w0[s] ** 2).sum().item()
    assert losses[0].item() == pytest.approx(expected_loss / num_sequences, rel=1e-10)


def _random_classification_problem(seed, num_images=4, num_sequences=2, channels=16, size=10, filter_size=4):
    feat, _, bb = make_problem(seed, num_images, num_sequences, channels, size, filter_size, dtype=torch.float32)
    feat = F.relu(feat)
    feat = feat / torch.linalg.vector_norm(feat, dim=(-3, -2, -1), keepdim=True) * math.sqrt(size * size / filter_size ** 2)
    weights = 0.01 * torch.randn(num_sequences, channels, filter_size, filter_size,
                                 generator=torch.Generator().manual_seed(seed + 100))
    return feat, weights, bb


OFFICIAL_OPTIMIZERS = {
    # The optimizer settings of the dimp18/dimp50 and prdimp18/prdimp50 model-zoo networks.
    'dimp': lambda: DiMPSteepestDescentGN(num_iter=5, init_step_length=0.9, init_filter_reg=0.1,
                                          init_gauss_sigma=0.9, num_dist_bins=100, bin_displacement=0.1,
                                          mask_init_factor=3.0),
    'l2': lambda: DiMPL2SteepestDescentGN(num_iter=5, init_step_length=0.9, init_filter_reg=0.1,
                                          hinge_threshold=0.05),
    'prdimp': lambda: PrDiMPSteepestDescentNewton(num_iter=5, init_step_length=1.0, init_filter_reg=0.05,
                                                  min_filter_reg=0.05, gauss_sigma=0.9, alpha_eps=0.05,
                                                  normalize_label=True),
}


@pytest.mark.parametrize('kind', sorted(OFFICIAL_OPTIMIZERS))
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_loss_decreases_monotonically(kind, seed):
    feat, weights, bb = _random_classification_problem(seed)
    opt = OFFICIAL_OPTIMIZERS[kind]()
    with torch.no_grad():
        _, iterates, losses = opt(weights, feat=feat, bb=bb, num_iter=15, compute_losses=True)
    losses = torch.stack(losses).flatten()
    assert len(iterates) == 16 and losses.numel() == 16
    if kind == 'prdimp':
        # As in the original, PrDiMP reports data + lambda |w|^2 but its gradient and Newton step are
        # those of data + lambda/2 |w|^2: that is the objective it descends.
        reg = opt.filter_reg.item() ** 2
        num_sequences = weights.shape[0]
        losses = losses - torch.stack([0.5 * reg * (w ** 2).sum() / num_sequences for w in iterates])
    assert torch.all(losses[1:] <= losses[:-1] + 1e-6 * losses[0]), losses
    assert losses[-1] < 0.9 * losses[0]


def test_optimizer_runs_under_no_grad_and_accepts_4d_features():
    """Tracking calls the optimizer with 4-D features of one sequence, under no_grad."""
    feat, weights, bb = _random_classification_problem(5, num_sequences=1)
    opt = OFFICIAL_OPTIMIZERS['dimp']()
    sample_weight = torch.tensor([0.4, 0.3, 0.2, 0.1])
    with torch.no_grad():
        w5, _, l5 = opt(weights, feat=feat, bb=bb, sample_weight=sample_weight.reshape(4, 1), num_iter=3)
        w4, _, l4 = opt(weights, feat=feat[:, 0], bb=bb[:, 0], sample_weight=sample_weight, num_iter=3)
    assert torch.allclose(w5, w4, atol=1e-7) and torch.allclose(torch.stack(l5), torch.stack(l4))
    assert not w4.requires_grad


def test_unknown_activation_names_are_rejected():
    with pytest.raises(ValueError, match='score_act'):
        DiMPSteepestDescentGN(score_act='tanh')
    with pytest.raises(ValueError, match='mask_act'):
        DiMPSteepestDescentGN(mask_act='softplus')


def test_generic_gn_steepest_descent_matches_dimp_optimizer():
    """meta.GNSteepestDescent (autograd Jacobian products) on the DiMP residuals equals the explicit
    DiMP optimizer for an even filter (where both place the label alike) with unit step length."""
    from ltr.models.meta.steepestdescent import GNSteepestDescent
    from ltr.models.target_classifier.residual_modules import LinearFilterLearnGen
    from pytracking.libs.tensorlist import TensorList

    feat, w0, bb = make_problem(21, filter_size=4)
    dimp = DiMPSteepestDescentGN(num_iter=3, feat_stride=STRIDE, init_step_length=1.0, init_filter_reg=0.1,
                                 init_gauss_sigma=0.9, num_dist_bins=10, bin_displacement=0.5,
                                 mask_init_factor=3.0).double()
    residual = LinearFilterLearnGen(feat_stride=STRIDE, init_filter_reg=0.1, init_gauss_sigma=0.9, num_dist_bins=10,
                                    bin_displacement=0.5, mask_init_factor=3.0, score_act='relu').double()
    generic = GNSteepestDescent(residual, num_iter=3, compute_losses=True, residual_batch_dim=1)

    with torch.no_grad():
        w_dimp, it_dimp, _ = dimp(w0, feat=feat, bb=bb, num_iter=3)
        w_gen, it_gen, losses = generic(TensorList([w0]), feat=feat, bb=bb)
    assert isinstance(w_gen, TensorList) and not w_gen[0].requires_grad
    assert len(it_gen) == 4 and len(losses) == 4
    for a, b in zip(it_dimp, it_gen):
        assert torch.allclose(a, b[0], rtol=1e-9, atol=1e-12)
    assert torch.all(torch.stack(losses)[1:] <= torch.stack(losses)[:-1])

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


def dimp_optimizer(num_bins=10, disp=0.5, seed=0, score_act='relu', act_param=None, mask_act='sigmoid'):
    opt = DiMPSteepestDescentGN(num_iter=1, feat_stride=STRIDE, init_step_length=0.9, init_filter_reg=0.1,
                                init_gauss_sigma=0.9, num_dist_bins=num_bins, bin_displacement=disp,
                                mask_init_factor=3.0, score_act=score_act, act_param=act_param,
                                mask_act=mask_act).double()
    # Move away from the initialisation so that label, mask and weight are "learned" functions.
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in (opt.label_map_predictor, opt.target_mask_predictor[0], opt.spatial_weight_predictor):
            conv.weight.add_(0.2 * torch.randn(conv.weight.shape, generator=gen, dtype=torch.float64))
    return opt


BENT_B = 0.3    # smoothness of the bent identity in the 'bentpar' variant


def score_activation(scores, m, score_act):
    """The DiMP score activation written out: a leaky ReLU (or its smooth 'bent identity' form) whose
    negative slope is the target mask m."""
    if score_act == 'relu':
        return (1 - m) / 2 * scores.abs() + (1 + m) / 2 * scores
    bent = torch.sqrt(scores ** 2 + 4 * BENT_B ** 2) - 2 * BENT_B
    return (1 - m) / 2 * bent + (1 + m) / 2 * scores


@pytest.mark.parametrize('filter_size', [1, 3, 4])
@pytest.mark.parametrize('use_sample_weight', [False, True])
@pytest.mark.parametrize('score_act, mask_act', [('relu', 'sigmoid'), ('bentpar', 'linear')])
def test_dimp_gn_one_iteration_equals_hand_computed_step(filter_size, use_sample_weight, score_act, mask_act):
    feat, w0, bb = make_problem(1 + filter_size, filter_size=filter_size)
    num_images, num_sequences = feat.shape[:2]
    opt = dimp_optimizer(seed=filter_size, score_act=score_act, act_param=BENT_B, mask_act=mask_act)
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
            mask_logit = torch.einsum('k,khw->hw', k_mask, bins)
            m.append(torch.sigmoid(mask_logit) if mask_act == 'sigmoid' else mask_logit)
            per_image = 1.0 / num_images if sample_weight is None else sample_weight[i, s]
            v.append(math.sqrt(per_image) * torch.einsum('k,khw->hw', k_weight, bins))
        y, m, v = torch.stack(y), torch.stack(m), torch.stack(v)

        def residual(w_flat):
            scores = scores_of(feat[:, s], w_flat.reshape(w0.shape[1:]))
            act = score_activation(scores, m, score_act)
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


@pytest.mark.parametrize('mask_act', ['sigmoid', 'linear'])
@pytest.mark.parametrize('init_gauss_sigma', [0.0, 0.9])
def test_loss_predictors_start_from_the_published_initialisation(mask_act, init_gauss_sigma):
    """Before training, the label is a Gaussian of the bin distance shifted to a zero minimum (a spike at
    distance 0 for sigma 0), the mask logit is factor * tanh(2 - d) (+0.5 when the mask is linear, i.e.
    without sigmoid) and the spatial weight is 1 in every bin. Written out bin by bin here."""
    num_bins, disp, factor = 7, 0.5, 3.0
    opt = DiMPSteepestDescentGN(num_dist_bins=num_bins, bin_displacement=disp, init_gauss_sigma=init_gauss_sigma,
                                mask_init_factor=factor, mask_act=mask_act)
    d = [k * disp for k in range(num_bins)]
    if init_gauss_sigma == 0:
        label = [1.0] + [0.0] * (num_bins - 1)
    else:
        g = [math.exp(-0.5 * (dk / init_gauss_sigma) ** 2) for dk in d]
        label = [gk - min(g) for gk in g]
    mask = [factor * math.tanh(2.0 - dk) + (0.5 if mask_act == 'linear' else 0.0) for dk in d]

    assert opt.label_map_predictor.weight.flatten().tolist() == pytest.approx(label, abs=1e-6)
    assert opt.target_mask_predictor[0].weight.flatten().tolist() == pytest.approx(mask, abs=1e-6)
    assert opt.spatial_weight_predictor.weight.flatten().tolist() == [1.0] * num_bins
    for conv in (opt.label_map_predictor, opt.target_mask_predictor[0], opt.spatial_weight_predictor):
        assert conv.bias is None and conv.weight.shape == (1, num_bins, 1, 1)

    # The maps at one score cell: y = sum_k label_k bin_k(d), m = sigmoid(sum_k mask_k bin_k(d)) (or linear).
    bb = torch.tensor([[[40.0, 24.0, 32.0, 16.0]]])                       # centre (56, 32) px -> (2, 3.5) cells
    y, m, v = opt.get_loss_maps(bb, 1, 1, (4, 4), (6, 6))
    # Cell (row 3, col 2): distance sqrt(1 + 1.5^2) = 1.80 cells = 3.6 bins, shared by bins 3 and 4.
    bins = distance_bins(torch.tensor([2.0, 3.5]), 6, num_bins, disp)[:, 3, 2]
    assert bins[3].item() == pytest.approx(0.4 - (math.hypot(1, 1.5) / disp - 3.6), abs=1e-6)
    assert bins[3] > 0 and bins[4] > 0
    mask_logit = float(torch.dot(bins, torch.tensor(mask, dtype=bins.dtype)))
    expected_y = float(torch.dot(bins, torch.tensor(label, dtype=bins.dtype)))
    assert y[0, 0, 3, 2].item() == pytest.approx(expected_y, abs=1e-6)
    expected_m = 1 / (1 + math.exp(-mask_logit)) if mask_act == 'sigmoid' else mask_logit
    assert m[0, 0, 3, 2].item() == pytest.approx(expected_m, abs=1e-6)
    assert torch.allclose(v, torch.ones_like(v))                            # the bins sum to one


def _optimizer_cases():
    """(name, optimizer) pairs with every learned parameter moved off its initial value."""
    dimp = dimp_optimizer(num_bins=6, disp=0.6, seed=3)
    l2 = DiMPL2SteepestDescentGN(feat_stride=STRIDE, init_step_length=0.8, gauss_sigma=1.0, hinge_threshold=0.05,
                                 init_filter_reg=0.2).double()
    prdimp = PrDiMPSteepestDescentNewton(feat_stride=STRIDE, init_step_length=0.9, init_filter_reg=0.2,
                                         gauss_sigma=0.9, min_filter_reg=0.05, alpha_eps=0.05,
                                         normalize_label=True).double()
    return [('dimp', dimp), ('l2', l2), ('prdimp', prdimp)]


@pytest.mark.parametrize('case', range(3))
def test_unrolled_optimizer_gradients_reach_every_learned_parameter_and_are_exact(case):
    """Backpropagation through 3 unrolled iterations: gradcheck (float64) of the test scores with respect to
    every learned parameter of the optimizer and to the initial filter, and a non-zero gradient of a
    training-style loss for each of them."""
    from torch.func import functional_call

    name, opt = _optimizer_cases()[case]
    opt.train()
    feat, w0, bb = make_problem(31 + case, num_images=2, num_sequences=2, channels=2, size=5, filter_size=3)
    test_feat = torch.randn(feat.shape, generator=torch.Generator().manual_seed(40 + case), dtype=torch.float64)
    names = [n for n, _ in opt.named_parameters()]
    expected = {'log_step_length', 'filter_reg'}
    if name == 'dimp':
        expected |= {'label_map_predictor.weight', 'target_mask_predictor.0.weight', 'spatial_weight_predictor.weight'}
    assert set(names) == expected

    def test_scores(*tensors):
        params = dict(zip(names, tensors[:-1]))
        w, _, _ = functional_call(opt, params, (tensors[-1],),
                                  dict(feat=feat, bb=bb, num_iter=3, compute_losses=False))
        return scores_of(test_feat[:, 0], w[0]), scores_of(test_feat[:, 1], w[1])

    inputs = tuple(p.detach().clone().requires_grad_(True) for _, p in opt.named_parameters()) + \
        (w0.clone().requires_grad_(True),)
    assert torch.autograd.gradcheck(test_scores, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)

    label = torch.rand(test_scores(*inputs)[0].shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    loss = sum(((s - label) ** 2).mean() for s in test_scores(*inputs))
    grads = torch.autograd.grad(loss, inputs)
    for n, g in zip(names + ['initial filter'], grads):
        assert torch.isfinite(g).all() and g.abs().sum() > 0, n


def prdimp_label_density(center, out_sz, sigma, threshold=0.0, normalize=False, uni_weight=0.0, shrink=0.0):
    """PrDiMP's label density on an out_sz x out_sz map, cell by cell: a Gaussian density (or, for sigma 0,
    a one-hot at the nearest cell), thresholded, optionally normalised, mixed with a uniform density and shrunk."""
    ys = torch.arange(out_sz, dtype=torch.float64)
    cy, cx = float(center[0]), float(center[1])
    if sigma == 0:
        g = torch.zeros(out_sz, out_sz, dtype=torch.float64)
        g[int(torch.argmin((ys - cy).abs())), int(torch.argmin((ys - cx).abs()))] = 1.0
    else:
        d2 = (ys[:, None] - cy) ** 2 + (ys[None, :] - cx) ** 2
        g = torch.exp(-d2 / (2 * sigma ** 2)) / (2 * math.pi * sigma ** 2)
    g = torch.where(g > threshold, g, torch.zeros_like(g))
    if normalize:
        g = g / (g.sum() + 1e-8)
    return (1 - shrink) * ((1 - uni_weight) * g + uni_weight / out_sz ** 2)


PRDIMP_OPTIONS = {
    'one_hot_label': dict(gauss_sigma=0.0),
    'all_label_options': dict(gauss_sigma=1.1, label_threshold=0.02, init_uni_weight=0.1, label_shrink=0.05,
                              normalize_label=True, softmax_reg=-2.0, alpha_eps=0.05),
}


@pytest.mark.parametrize('option', sorted(PRDIMP_OPTIONS))
def test_prdimp_newton_step_with_label_and_softmax_options(option):
    """The PrDiMP options change the objective sum_i w_i (log(sum exp s_i [+ exp(softmax_reg)]) - <p_i, s_i>)
    + reg/2 |f|^2 and the step length |g|^2 / (g^T H g + alpha_eps |g|^2): compare one iteration with that,
    for a per-image sample weight and a non-unit step factor."""
    opts = dict(PRDIMP_OPTIONS[option])
    filter_size = 3
    feat, w0, bb = make_problem(13, filter_size=filter_size)
    num_images, num_sequences = feat.shape[:2]
    opt = PrDiMPSteepestDescentNewton(num_iter=1, feat_stride=STRIDE, init_step_length=0.7, init_filter_reg=0.1,
                                      min_filter_reg=0.01, **opts).double()
    sample_weight = torch.tensor([[0.5, 0.2], [0.3, 0.3], [0.2, 0.5]], dtype=torch.float64)
    w1, _, losses = opt(w0, feat=feat, bb=bb, sample_weight=sample_weight, num_iter=1)

    reg, step = opt.filter_reg.item() ** 2, math.exp(opt.log_step_length.item())   # 0.7 up to float32 rounding
    log_extra = opts.get('softmax_reg')
    out_sz = feat.shape[-1]
    expected_loss = 0.0
    for s in range(num_sequences):
        p = torch.stack([prdimp_label_density(centers_yx(bb[i, s], filter_size), out_sz, opts['gauss_sigma'],
                                              opts.get('label_threshold', 0.0), opts.get('normalize_label', False),
                                              opts.get('init_uni_weight', 0.0), opts.get('label_shrink', 0.0))
                         for i in range(num_images)]).reshape(num_images, -1)
        if opts['gauss_sigma'] == 0:
            assert (p.sum(1) == 1).all() and ((p == 0) | (p == 1)).all()

        def data_term(w_flat):
            scores = scores_of(feat[:, s], w_flat.reshape(w0.shape[1:])).reshape(num_images, -1)
            log_z = torch.logsumexp(scores, dim=1)
            if log_extra is not None:
                log_z = torch.log(torch.exp(scores).sum(1) + math.exp(log_extra))
            return (sample_weight[:, s] * (log_z - (p * scores).sum(1))).sum()

        def objective(w_flat):
            return data_term(w_flat) + 0.5 * reg * (w_flat @ w_flat)

        w_flat = w0[s].flatten().clone().requires_grad_(True)
        grad = torch.autograd.grad(objective(w_flat), w_flat)[0]
        H = hessian(objective, w_flat.detach())
        alpha = (grad @ grad) / (grad @ H @ grad + opts.get('alpha_eps', 0.0) * (grad @ grad))
        expected = (w_flat.detach() - step * alpha * grad).reshape(w0.shape[1:])
        assert torch.allclose(w1[s], expected, rtol=1e-8, atol=1e-12)
        expected_loss += data_term(w0[s].flatten()).item() + reg * (w0[s] ** 2).sum().item()
    assert losses[0].item() == pytest.approx(expected_loss / num_sequences, rel=1e-10)


@pytest.mark.parametrize('case', range(3))
def test_detach_length_cuts_the_graph_every_n_iterations(case):
    """detach_length=2: the filter is detached before iterations 2, 4, ...; iterate 2 still depends on the
    initial filter, iterate 3 only through the learned parameters."""
    _, opt = _optimizer_cases()[case]
    opt.detach_length = 2
    feat, w0, bb = make_problem(50 + case, num_images=2, num_sequences=1, channels=2, size=5, filter_size=3)
    w0 = w0.clone().requires_grad_(True)
    _, iterates, _ = opt(w0, feat=feat, bb=bb, num_iter=3, compute_losses=False)
    g2 = torch.autograd.grad(iterates[2].sum(), w0, allow_unused=True)[0]
    assert g2 is not None and g2.abs().sum() > 0
    assert torch.autograd.grad(iterates[3].sum(), w0, allow_unused=True)[0] is None
    assert torch.autograd.grad(iterates[3].sum(), opt.log_step_length)[0].abs() > 0

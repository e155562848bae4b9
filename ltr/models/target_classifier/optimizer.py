"""Unrolled filter optimizers of the DiMP family (DiMP, DiMP with L2 loss, PrDiMP).

All three run steepest descent on a target-classification filter f with a step length that is
optimal for a local quadratic model of the loss:
    f <- f - exp(log_step_length) * alpha * g,   alpha = |g|^2 / (g^T H g + (lambda + alpha_eps) |g|^2),
with g the loss gradient and H the Gauss-Newton (DiMP) or exact (PrDiMP) Hessian of the data
term. Gradients and Hessian-vector products are written out explicitly (no autograd), so the
optimizers also run under ``torch.no_grad()`` during tracking.

Conventions (``[]`` marks an optional dimension):
    weights  (sequences, feat_dim, fH, fW)
    feat     (images, [sequences], feat_dim, H, W)
    bb       (images, [sequences], 4), boxes (x, y, w, h) in image coordinates
    sample_weight  (images, [sequences]) or None (uniform)
"""
import math
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

import ltr.models.layers.activation as activation
import ltr.models.layers.filter as filter_layer
from ltr.models.layers.distance import DistanceMap


def _problem_sizes(weights: torch.Tensor, feat: torch.Tensor) -> Tuple[int, int, Tuple[int, int], Tuple[int, int]]:
    """Number of images and sequences, filter size and score-map size for a filter/feature pair."""
    num_images = feat.shape[0]
    num_sequences = feat.shape[1] if feat.dim() == 5 else 1
    filter_sz = (weights.shape[-2], weights.shape[-1])
    # An even filter with padding k//2 produces one more output row/column than the input.
    output_sz = (feat.shape[-2] + (weights.shape[-2] + 1) % 2, feat.shape[-1] + (weights.shape[-1] + 1) % 2)
    return num_images, num_sequences, filter_sz, output_sz


def _target_centers(bb: torch.Tensor, feat_stride: float, filter_sz) -> torch.Tensor:
    """Target centres (y, x) in score-map coordinates, shape (*bb.shape[:-1], 2).

    Feature cell i is centred at i + 0.5 (in stride units). With an odd filter, score i sits on
    cell i, hence the half-cell offset; with an even filter (one more output) it sits between
    cells i-1 and i, i.e. at i, and no offset is needed.
    """
    offset = (torch.tensor(filter_sz, dtype=bb.dtype, device=bb.device) % 2) / 2.0
    return ((bb[..., :2] + bb[..., 2:] / 2) / feat_stride).flip((-1,)) - offset


def _add_loss_predictors(module: nn.Module, num_dist_bins: int, bin_displacement: float, init_gauss_sigma: float,
                         mask_init_factor: float, mask_act: str):
    """Register the learned label, target-mask and spatial-weight predictors of the DiMP loss on ``module``.

    Each is a 1x1 conv over the distance bins (attribute names are part of the checkpoint format):
    the label starts as a Gaussian of std ``init_gauss_sigma`` (shifted to a zero minimum), the mask
    as ``mask_init_factor * tanh(2 - d)`` (through a sigmoid, or linear around 0.5), the weight as 1.
    """
    bin_dist = torch.arange(num_dist_bins, dtype=torch.float32).reshape(1, -1, 1, 1) * bin_displacement
    if init_gauss_sigma == 0:
        init_gauss = torch.zeros_like(bin_dist)
        init_gauss[0, 0, 0, 0] = 1
    else:
        init_gauss = torch.exp(-0.5 * (bin_dist / init_gauss_sigma) ** 2)

    module.label_map_predictor = nn.Conv2d(num_dist_bins, 1, kernel_size=1, bias=False)
    with torch.no_grad():
        module.label_map_predictor.weight.copy_(init_gauss - init_gauss.min())

    if mask_act == 'sigmoid':
        mask_layers = [nn.Conv2d(num_dist_bins, 1, kernel_size=1, bias=False), nn.Sigmoid()]
        init_bias = 0.0
    elif mask_act == 'linear':
        mask_layers = [nn.Conv2d(num_dist_bins, 1, kernel_size=1, bias=False)]
        init_bias = 0.5
    else:
        raise ValueError("Unknown mask_act '{}': expected 'sigmoid' or 'linear'".format(mask_act))
    module.target_mask_predictor = nn.Sequential(*mask_layers)
    with torch.no_grad():
        module.target_mask_predictor[0].weight.copy_(mask_init_factor * torch.tanh(2.0 - bin_dist) + init_bias)

    module.spatial_weight_predictor = nn.Conv2d(num_dist_bins, 1, kernel_size=1, bias=False)
    with torch.no_grad():
        module.spatial_weight_predictor.weight.fill_(1.0)


def _predict_loss_maps(module: nn.Module, dist_map: torch.Tensor, num_images: int, num_sequences: int):
    """Label map y, target mask m and spatial weight v (each (images, sequences, oH, oW)) from the
    distance bins (images*sequences, bins, oH, oW), with the predictors of :func:`_add_loss_predictors`."""
    shape = (num_images, num_sequences, *dist_map.shape[-2:])
    return (module.label_map_predictor(dist_map).reshape(shape),
            module.target_mask_predictor(dist_map).reshape(shape),
            module.spatial_weight_predictor(dist_map).reshape(shape))


def _squared_offsets(center: torch.Tensor, output_sz):
    """Squared row and column offsets of every score cell from the centres (y, x).

    center - (images, [sequences], 2). Returns (images, sequences, oH, 1) and (images, sequences, 1, oW).
    """
    center = center.reshape(center.shape[0], -1, center.shape[-1])
    k0 = torch.arange(output_sz[0], dtype=center.dtype, device=center.device).reshape(1, 1, -1, 1)
    k1 = torch.arange(output_sz[1], dtype=center.dtype, device=center.device).reshape(1, 1, 1, -1)
    dist0 = (k0 - center[:, :, 0].reshape(*center.shape[:2], 1, 1)) ** 2
    dist1 = (k1 - center[:, :, 1].reshape(*center.shape[:2], 1, 1)) ** 2
    return dist0, dist1


def _detach_now(i: int, detach_length: float) -> bool:
    """Whether to cut the graph before iteration ``i`` (``detach_length <= 0``: always)."""
    return detach_length <= 0 or (i > 0 and i % detach_length == 0)


def _gauss_newton_descent(weights: torch.Tensor, feat: torch.Tensor, label_map: torch.Tensor, sample_weight,
                          act: Callable, act_deriv: Callable, reg_weight: torch.Tensor,
                          step_length_factor: torch.Tensor, alpha_eps: float, num_iter: int, detach_length: float,
                          compute_losses: bool, training: bool) -> Tuple[torch.Tensor, List[torch.Tensor], List]:
    """Steepest descent with Gauss-Newton step length on the weighted least-squares loss

        L(f) = sum |v * (act(f * x) - y)|^2 + lambda |f|^2     (divided by the number of sequences)

    args:
        weights - initial filter (sequences, C, fH, fW).
        feat - (images, [sequences], C, H, W).
        label_map - y, (images, sequences, oH, oW).
        sample_weight - v: tensor broadcastable to the score map, or a float.
        act, act_deriv - score activation and its derivative w.r.t. the scores, both f(scores).
        reg_weight - lambda; step_length_factor - the learned step scaling.
    returns (weights, iterates including the initial weights, losses).
    """
    num_images = feat.shape[0]
    num_sequences = feat.shape[1] if feat.dim() == 5 else 1
    filter_sz = (weights.shape[-2], weights.shape[-1])

    def loss_of(scores_act, w):
        return (((sample_weight * (scores_act - label_map)) ** 2).sum() + reg_weight * (w ** 2).sum()) / num_sequences

    iterates = [weights]
    losses = []
    for i in range(num_iter):
        if _detach_now(i, detach_length):
            weights = weights.detach()

        scores = filter_layer.apply_filter(feat, weights)
        scores_act = act(scores)
        score_deriv = act_deriv(scores)
        residuals = sample_weight * (scores_act - label_map)
        if compute_losses:
            losses.append(((residuals ** 2).sum() + reg_weight * (weights ** 2).sum()) / num_sequences)

        # Gradient J^T r of the data term plus the regulariser.
        residuals_mapped = score_deriv * (sample_weight * residuals)
        weights_grad = filter_layer.apply_feat_transpose(feat, residuals_mapped, filter_sz, training=training) + \
            reg_weight * weights

        # J g, for the Gauss-Newton curvature g^T J^T J g along the gradient.
        scores_grad = sample_weight * (score_deriv * filter_layer.apply_filter(feat, weights_grad))

        alpha_num = (weights_grad * weights_grad).sum(dim=(1, 2, 3))
        alpha_den = ((scores_grad * scores_grad).reshape(num_images, num_sequences, -1).sum(dim=(0, 2)) +
                     (reg_weight + alpha_eps) * alpha_num).clamp(1e-8)
        alpha = alpha_num / alpha_den

        weights = weights - (step_length_factor * alpha.reshape(-1, 1, 1, 1)) * weights_grad
        iterates.append(weights)

    if compute_losses:
        losses.append(loss_of(act(filter_layer.apply_filter(feat, weights)), weights))
    return weights, iterates, losses


class DiMPSteepestDescentGN(nn.Module):
    """Optimizer module of DiMP: unrolled Gauss-Newton steepest descent with a learned loss.

    The label y, the target mask m and the spatial weight v of the loss
        L(f) = sum |v * (act(f * x; m) - y)|^2 + lambda |f|^2
    are predicted from the distance to the target centre (``num_dist_bins`` soft bins of width
    ``bin_displacement`` score cells), each by a learned 1x1 convolution over the bins.

    args:
        num_iter - default number of iterations.
        feat_stride - stride of the classification features w.r.t. the image.
        init_step_length - initial step scaling (learned, stored as its log).
        init_filter_reg - initial sqrt of the regularisation weight lambda (learned).
        init_gauss_sigma - std (in score cells) of the Gaussian that initialises the label function
                           (0: a spike at distance 0).
        num_dist_bins, bin_displacement - distance binning.
        mask_init_factor - scale of the tanh initialisation of the target mask.
        score_act - 'relu' (parametric leaky ReLU, as in the paper) or 'bentpar'.
        act_param - parameter of 'bentpar'.
        min_filter_reg - lower bound on sqrt(lambda).
        mask_act - activation of the target mask: 'sigmoid' or 'linear'.
        detach_length - cut the graph every that many iterations (inf: never).
        alpha_eps - extra stabilisation term in the step-length denominator.
    """

    def __init__(self, num_iter: int = 1, feat_stride: int = 16, init_step_length: float = 1.0,
                 init_filter_reg: float = 1e-2, init_gauss_sigma: float = 1.0, num_dist_bins: int = 5,
                 bin_displacement: float = 1.0, mask_init_factor: float = 4.0, score_act: str = 'relu',
                 act_param=None, min_filter_reg: float = 1e-3, mask_act: str = 'sigmoid',
                 detach_length: float = float('Inf'), alpha_eps: float = 0):
        super().__init__()
        self.num_iter = num_iter
        self.feat_stride = feat_stride
        self.log_step_length = nn.Parameter(math.log(init_step_length) * torch.ones(1))
        self.filter_reg = nn.Parameter(init_filter_reg * torch.ones(1))
        self.distance_map = DistanceMap(num_dist_bins, bin_displacement)
        self.min_filter_reg = min_filter_reg
        self.detach_length = detach_length
        self.alpha_eps = alpha_eps

        _add_loss_predictors(self, num_dist_bins, bin_displacement, init_gauss_sigma, mask_init_factor, mask_act)

        if score_act == 'bentpar':
            self.score_activation = activation.BentIdentPar(act_param)
            self.score_activation_deriv = activation.BentIdentParDeriv(act_param)
        elif score_act == 'relu':
            self.score_activation = activation.LeakyReluPar()
            self.score_activation_deriv = activation.LeakyReluParDeriv()
        else:
            raise ValueError("Unknown score_act '{}': expected 'relu' or 'bentpar'".format(score_act))

    def get_loss_maps(self, bb: torch.Tensor, num_images: int, num_sequences: int, filter_sz, output_sz):
        """Label map y, target mask m and spatial weight v, each (images, sequences, oH, oW)."""
        center = _target_centers(bb, self.feat_stride, filter_sz).reshape(-1, 2)
        return _predict_loss_maps(self, self.distance_map(center, output_sz), num_images, num_sequences)

    def forward(self, weights: torch.Tensor, feat: torch.Tensor, bb: torch.Tensor,
                sample_weight: Optional[torch.Tensor] = None, num_iter: Optional[int] = None,
                compute_losses: bool = True):
        """Optimize the filter.

        args:
            weights - initial filter (sequences, feat_dim, fH, fW).
            feat - (images, [sequences], feat_dim, H, W).
            bb - target boxes (x, y, w, h) in image coordinates, (images, [sequences], 4).
            sample_weight - optional per-image weight, (images, [sequences]).
            num_iter - number of iterations (default ``self.num_iter``).
            compute_losses - also return the training loss before each iteration and at the end.
        returns:
            weights - final filter; weight_iterates - all filters incl. the initial one; losses.
        """
        num_iter = self.num_iter if num_iter is None else num_iter
        num_images, num_sequences, filter_sz, output_sz = _problem_sizes(weights, feat)

        step_length_factor = torch.exp(self.log_step_length)
        reg_weight = (self.filter_reg * self.filter_reg).clamp(min=self.min_filter_reg ** 2)

        label_map, target_mask, spatial_weight = self.get_loss_maps(bb, num_images, num_sequences,
                                                                    filter_sz, output_sz)
        if sample_weight is None:
            sample_weight = math.sqrt(1.0 / num_images) * spatial_weight
        elif isinstance(sample_weight, torch.Tensor):
            sample_weight = sample_weight.sqrt().reshape(num_images, num_sequences, 1, 1) * spatial_weight

        return _gauss_newton_descent(
            weights, feat, label_map, sample_weight,
            act=lambda s: self.score_activation(s, target_mask),
            act_deriv=lambda s: self.score_activation_deriv(s, target_mask),
            reg_weight=reg_weight, step_length_factor=step_length_factor, alpha_eps=self.alpha_eps,
            num_iter=num_iter, detach_length=self.detach_length, compute_losses=compute_losses,
            training=self.training)


class DiMPL2SteepestDescentGN(nn.Module):
    """Simpler DiMP optimizer with a fixed Gaussian label and a hinge on the background.

    Where the Gaussian label exceeds ``hinge_threshold`` the loss is the plain L2 error; elsewhere
    the label is 0 and only positive scores are penalised.

    args:
        num_iter - default number of iterations.
        feat_stride - stride of the classification features.
        init_step_length - initial step scaling (learned).
        gauss_sigma - std of the Gaussian label, in score cells.
        hinge_threshold - label threshold of the hinge (default -999: no hinge).
        init_filter_reg - initial sqrt of the regularisation weight (learned).
        min_filter_reg - lower bound on sqrt(lambda).
        detach_length - cut the graph every that many iterations.
        alpha_eps - extra stabilisation term in the step-length denominator.
    """

    def __init__(self, num_iter: int = 1, feat_stride: int = 16, init_step_length: float = 1.0,
                 gauss_sigma: float = 1.0, hinge_threshold: float = -999, init_filter_reg: float = 1e-2,
                 min_filter_reg: float = 1e-3, detach_length: float = float('Inf'), alpha_eps: float = 0.0):
        super().__init__()
        self.num_iter = num_iter
        self.feat_stride = feat_stride
        self.log_step_length = nn.Parameter(math.log(init_step_length) * torch.ones(1))
        self.filter_reg = nn.Parameter(init_filter_reg * torch.ones(1))
        self.min_filter_reg = min_filter_reg
        self.detach_length = detach_length
        self.hinge_threshold = hinge_threshold
        self.gauss_sigma = gauss_sigma
        self.alpha_eps = alpha_eps

    def get_label(self, center: torch.Tensor, output_sz) -> torch.Tensor:
        """Gaussian label (images, sequences, oH, oW) around centres (y, x) of shape (images, [sequences], 2)."""
        dist0, dist1 = _squared_offsets(center, output_sz)
        g0 = torch.exp(-1.0 / (2 * self.gauss_sigma ** 2) * dist0)
        g1 = torch.exp(-1.0 / (2 * self.gauss_sigma ** 2) * dist1)
        return g0 * g1

    def forward(self, weights: torch.Tensor, feat: torch.Tensor, bb: torch.Tensor,
                sample_weight: Optional[torch.Tensor] = None, num_iter: Optional[int] = None,
                compute_losses: bool = True):
        """Same arguments and outputs as :meth:`DiMPSteepestDescentGN.forward`."""
        num_iter = self.num_iter if num_iter is None else num_iter
        num_images, num_sequences, filter_sz, output_sz = _problem_sizes(weights, feat)

        step_length_factor = torch.exp(self.log_step_length)
        reg_weight = (self.filter_reg * self.filter_reg).clamp(min=self.min_filter_reg ** 2)

        center = _target_centers(bb, self.feat_stride, filter_sz)
        label_map = self.get_label(center, output_sz)
        target_mask = (label_map > self.hinge_threshold).to(label_map.dtype)
        label_map = label_map * target_mask

        if sample_weight is None:
            sample_weight = math.sqrt(1.0 / num_images)
        elif isinstance(sample_weight, torch.Tensor):
            sample_weight = sample_weight.sqrt().reshape(num_images, num_sequences, 1, 1)

        return _gauss_newton_descent(
            weights, feat, label_map, sample_weight,
            act=lambda s: target_mask * s + (1.0 - target_mask) * F.relu(s),
            act_deriv=lambda s: target_mask + (1.0 - target_mask) * (s.detach() > 0).to(s.dtype),
            reg_weight=reg_weight, step_length_factor=step_length_factor, alpha_eps=self.alpha_eps,
            num_iter=num_iter, detach_length=self.detach_length, compute_losses=compute_losses,
            training=self.training)


class PrDiMPSteepestDescentNewton(nn.Module):
    """Optimizer module of PrDiMP: unrolled steepest descent with Newton step length.

    Minimises the KL divergence between the label density p (a Gaussian around the target) and
    the softmax of the scores, plus L2 regularisation:
        L(f) = sum_images w_i (log sum exp(s_i) - <p_i, s_i>) + lambda |f|^2,  s_i = f * x_i
    (divided by the number of sequences). The step length uses the exact Hessian of the softmax
    cross entropy, diag(q) - q q^T with q = softmax(s).

    args:
        num_iter - default number of iterations.
        feat_stride - stride of the classification features.
        init_step_length - initial step scaling (learned).
        init_filter_reg - initial sqrt of lambda (learned).
        gauss_sigma - std of the label density in score cells (0: one-hot at the nearest cell).
        min_filter_reg - lower bound on sqrt(lambda).
        detach_length - cut the graph every that many iterations.
        alpha_eps - extra stabilisation term in the step-length denominator.
        init_uni_weight - weight of a uniform component mixed into the label density.
        normalize_label - normalise the label density to sum 1 over the map.
        label_shrink - scale the label density by (1 - label_shrink).
        softmax_reg - extra logit in the softmax denominator (None: none).
        label_threshold - zero label values not above this.
    """

    def __init__(self, num_iter: int = 1, feat_stride: int = 16, init_step_length: float = 1.0,
                 init_filter_reg: float = 1e-2, gauss_sigma: float = 1.0, min_filter_reg: float = 1e-3,
                 detach_length: float = float('Inf'), alpha_eps: float = 0.0, init_uni_weight=None,
                 normalize_label: bool = False, label_shrink: float = 0, softmax_reg=None,
                 label_threshold: float = 0.0):
        super().__init__()
        self.num_iter = num_iter
        self.feat_stride = feat_stride
        self.log_step_length = nn.Parameter(math.log(init_step_length) * torch.ones(1))
        self.filter_reg = nn.Parameter(init_filter_reg * torch.ones(1))
        self.gauss_sigma = gauss_sigma
        self.min_filter_reg = min_filter_reg
        self.detach_length = detach_length
        self.alpha_eps = alpha_eps
        self.uni_weight = 0 if init_uni_weight is None else init_uni_weight
        self.normalize_label = normalize_label
        self.label_shrink = label_shrink
        self.softmax_reg = softmax_reg
        self.label_threshold = label_threshold

    def get_label_density(self, center: torch.Tensor, output_sz) -> torch.Tensor:
        """Label density (images, sequences, oH, oW) around centres (y, x) of shape (images, [sequences], 2)."""
        dist0, dist1 = _squared_offsets(center, output_sz)
        if self.gauss_sigma == 0:
            one_hot0 = F.one_hot(dist0.argmin(dim=-2).squeeze(-1), output_sz[0]).to(center.dtype)
            one_hot1 = F.one_hot(dist1.argmin(dim=-1).squeeze(-1), output_sz[1]).to(center.dtype)
            gauss = one_hot0.unsqueeze(-1) * one_hot1.unsqueeze(-2)
        else:
            g0 = torch.exp(-1.0 / (2 * self.gauss_sigma ** 2) * dist0)
            g1 = torch.exp(-1.0 / (2 * self.gauss_sigma ** 2) * dist1)
            gauss = (g0 / (2 * math.pi * self.gauss_sigma ** 2)) * g1
        gauss = gauss * (gauss > self.label_threshold).to(gauss.dtype)
        if self.normalize_label:
            gauss = gauss / (gauss.sum(dim=(-2, -1), keepdim=True) + 1e-8)
        uniform = self.uni_weight / (output_sz[0] * output_sz[1])
        return (1.0 - self.label_shrink) * ((1.0 - self.uni_weight) * gauss + uniform)

    def forward(self, weights: torch.Tensor, feat: torch.Tensor, bb: torch.Tensor,
                sample_weight: Optional[torch.Tensor] = None, num_iter: Optional[int] = None,
                compute_losses: bool = True):
        """Same arguments and outputs as :meth:`DiMPSteepestDescentGN.forward`
        (here ``sample_weight`` multiplies the per-image loss directly, it is not square-rooted)."""
        num_iter = self.num_iter if num_iter is None else num_iter
        num_images, num_sequences, filter_sz, output_sz = _problem_sizes(weights, feat)

        step_length_factor = torch.exp(self.log_step_length)
        reg_weight = (self.filter_reg * self.filter_reg).clamp(min=self.min_filter_reg ** 2)

        center = _target_centers(bb, self.feat_stride, filter_sz)
        label_density = self.get_label_density(center, output_sz)

        if sample_weight is None:
            sample_weight = torch.full((1,), 1.0 / num_images, dtype=feat.dtype, device=feat.device)
        elif isinstance(sample_weight, torch.Tensor):
            sample_weight = sample_weight.reshape(num_images, num_sequences, 1, 1)
        image_weight = sample_weight.reshape(sample_weight.shape[0], -1)

        def compute_loss(scores, w):
            log_z = torch.logsumexp(scores, dim=(-2, -1))
            if self.softmax_reg is not None:
                log_z = torch.logaddexp(log_z, torch.full_like(log_z, float(self.softmax_reg)))
            data = torch.sum(image_weight * (log_z - (label_density * scores).sum(dim=(-2, -1))))
            return data / num_sequences + reg_weight * (w ** 2).sum() / num_sequences

        iterates = [weights]
        losses = []
        for i in range(num_iter):
            if _detach_now(i, self.detach_length):
                weights = weights.detach()

            scores = filter_layer.apply_filter(feat, weights)
            scores_softmax = activation.softmax_reg(scores.reshape(num_images, num_sequences, -1), dim=2,
                                                    reg=self.softmax_reg).reshape(scores.shape)
            res = sample_weight * (scores_softmax - label_density)
            if compute_losses:
                losses.append(compute_loss(scores, weights))

            weights_grad = filter_layer.apply_feat_transpose(feat, res, filter_sz, training=self.training) + \
                reg_weight * weights

            # Curvature along g: (Xg)^T (diag(q) - q q^T) (Xg), per image, weighted.
            scores_grad = filter_layer.apply_filter(feat, weights_grad)
            sm_scores_grad = scores_softmax * scores_grad
            hes_scores_grad = sm_scores_grad - scores_softmax * torch.sum(sm_scores_grad, dim=(-2, -1), keepdim=True)
            grad_hes_grad = (scores_grad * hes_scores_grad).reshape(num_images, num_sequences, -1).sum(dim=2).clamp(min=0)
            grad_hes_grad = (image_weight * grad_hes_grad).sum(dim=0)

            alpha_num = (weights_grad * weights_grad).sum(dim=(1, 2, 3))
            alpha_den = (grad_hes_grad + (reg_weight + self.alpha_eps) * alpha_num).clamp(1e-8)
            alpha = alpha_num / alpha_den

            weights = weights - (step_length_factor * alpha.reshape(-1, 1, 1, 1)) * weights_grad
            iterates.append(weights)

        if compute_losses:
            losses.append(compute_loss(filter_layer.apply_filter(feat, weights), weights))

        return weights, iterates, losses

"""Least-squares problems of the ATOM online classifier, solved with ``pytracking.libs.optimization``.

The classifier is a two-layer convolution: a 1x1 projection ``P`` (compressing the C backbone
channels to ``compressed_dim``) followed by a spatial filter ``f``. Residuals are
``sqrt(w_j) * (act(f * act_P(P x_j)) - y_j)`` plus Tikhonov terms ``sqrt(reg) * f`` and ``sqrt(reg_P) * P``.
"""
import math

import torch

from pytracking.libs import operation, optimization
from pytracking.libs.tensorlist import TensorList


def _flat_ip(a: TensorList, b: TensorList) -> TensorList:
    """Per-element inner products <a_i, b_i> as a TensorList of 1-element tensors."""
    return TensorList([(ea * eb).sum().view(1) for ea, eb in zip(a, b)])


class FactorizedConvProblem(optimization.L2Problem):
    """Joint problem in the filters and the projection matrices (first frame).

    args:
        training_samples: TensorList of uncompressed samples [N, C, H, W].
        y: TensorList of Gaussian labels [N, 1, H, W].
        filter_reg: TensorList of filter regularisation weights (one per feature).
        projection_reg: TensorList of projection regularisation weights.
        params: tracker parameters.
        sample_weights: TensorList of sample weights (broadcast to [N]).
        projection_activation, response_activation: activations after the projection / the filter.
    """

    def __init__(self, training_samples: TensorList, y: TensorList, filter_reg: TensorList, projection_reg,
                 params, sample_weights: TensorList, projection_activation, response_activation):
        self.training_samples = training_samples
        self.y = y
        self.filter_reg = filter_reg
        self.sample_weights = sample_weights
        self.params = params
        self.projection_reg = projection_reg
        self.projection_activation = projection_activation
        self.response_activation = response_activation
        self.diag_M = self.filter_reg.concat(projection_reg)

    def __call__(self, x: TensorList) -> TensorList:
        """Residuals [data terms, filter regularisation, projection regularisation] for x = [filters, projections]."""
        filt = x[:len(x) // 2]
        P = x[len(x) // 2:]
        compressed_samples = operation.conv1x1(self.training_samples, P).apply(self.projection_activation)
        residuals = operation.conv2d(compressed_samples, filt, mode='same').apply(self.response_activation)
        residuals = residuals - self.y
        residuals = self.sample_weights.sqrt().view(-1, 1, 1, 1) * residuals
        residuals.extend(self.filter_reg.apply(math.sqrt) * filt)
        residuals.extend(self.projection_reg.apply(math.sqrt) * P)
        return residuals

    def ip_input(self, a: TensorList, b: TensorList) -> TensorList:
        """Inner product in the joint variable space; filters and projections of one feature share it."""
        num = len(a) // 2
        ip_out = _flat_ip(a[:num], b[:num]) + _flat_ip(a[num:], b[num:])
        return ip_out.concat(ip_out.clone())

    def M1(self, x: TensorList) -> TensorList:
        """Diagonal preconditioner."""
        return x / self.diag_M


class ConvProblem(optimization.L2Problem):
    """Problem in the filters only, with fixed projection (subsequent frames).

    args:
        training_samples: TensorList of compressed samples [N, D, H, W].
        y: TensorList of labels [N, 1, H, W].
        filter_reg: TensorList of regularisation weights.
        sample_weights: TensorList of sample weights [N].
        response_activation: activation after the filter.
    """

    def __init__(self, training_samples: TensorList, y: TensorList, filter_reg: TensorList,
                 sample_weights: TensorList, response_activation):
        self.training_samples = training_samples
        self.y = y
        self.filter_reg = filter_reg
        self.sample_weights = sample_weights
        self.response_activation = response_activation

    def __call__(self, x: TensorList) -> TensorList:
        """Residuals [data terms, filter regularisation] for filters x."""
        residuals = operation.conv2d(self.training_samples, x, mode='same').apply(self.response_activation)
        residuals = residuals - self.y
        residuals = self.sample_weights.sqrt().view(-1, 1, 1, 1) * residuals
        residuals.extend(self.filter_reg.apply(math.sqrt) * x)
        return residuals

    def ip_input(self, a: TensorList, b: TensorList) -> TensorList:
        return _flat_ip(a, b)

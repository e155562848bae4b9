"""Residual modules for the generic steepest-descent optimizer (:mod:`ltr.models.meta.steepestdescent`)."""
import math
from typing import Optional

import torch
import torch.nn as nn

import ltr.models.layers.activation as activation
import ltr.models.layers.filter as filter_layer
from ltr.models.layers.distance import DistanceMap
from ltr.models.target_classifier.optimizer import _add_loss_predictors, _predict_loss_maps
from pytracking.libs.tensorlist import TensorList


class LinearFilterLearnGen(nn.Module):
    """Residuals of the DiMP loss with learned label, target mask and spatial weight.

    The residual vector is [v * (act(f * x; m) - y), sqrt(lambda) f]; y, m and v are predicted from
    the distance to the target centre as in
    :class:`ltr.models.target_classifier.optimizer.DiMPSteepestDescentGN`.

    args:
        feat_stride - stride of the classification features.
        init_filter_reg - initial sqrt(lambda) (learned).
        init_gauss_sigma - std of the Gaussian initialising the label function (0: a spike).
        num_dist_bins, bin_displacement - distance binning.
        mask_init_factor - scale of the tanh initialisation of the target mask.
        score_act - 'bentpar' or 'relu'.
        act_param - parameter of 'bentpar'.
        mask_act - 'sigmoid' or 'linear'.
    """

    def __init__(self, feat_stride: int = 16, init_filter_reg: float = 1e-2, init_gauss_sigma: float = 1.0,
                 num_dist_bins: int = 5, bin_displacement: float = 1.0, mask_init_factor: float = 4.0,
                 score_act: str = 'bentpar', act_param=None, mask_act: str = 'sigmoid'):
        super().__init__()
        self.filter_reg = nn.Parameter(init_filter_reg * torch.ones(1))
        self.feat_stride = feat_stride
        self.distance_map = DistanceMap(num_dist_bins, bin_displacement)

        _add_loss_predictors(self, num_dist_bins, bin_displacement, init_gauss_sigma, mask_init_factor, mask_act)

        if score_act == 'bentpar':
            self.score_activation = activation.BentIdentPar(act_param)
        elif score_act == 'relu':
            self.score_activation = activation.LeakyReluPar()
        else:
            raise ValueError("Unknown score_act '{}': expected 'relu' or 'bentpar'".format(score_act))

    def forward(self, meta_parameter, feat: torch.Tensor, bb: torch.Tensor,
                sample_weight: Optional[torch.Tensor] = None, is_distractor: Optional[torch.Tensor] = None,
                filter_dilation_factors=None) -> TensorList:
        """Residuals for the filter ``meta_parameter[0]`` (sequences, C, fH, fW).

        args:
            feat - (images, [sequences], C, H, W).
            bb - target boxes (x, y, w, h) in image coords, (images, [sequences], 4).
            sample_weight - optional per-image weight, (images, [sequences]).
            is_distractor - optional boolean mask (images, [sequences]): these samples get the label
                            of a target infinitely far away.
            filter_dilation_factors - passed to apply_filter.
        returns TensorList([data residual (images, sequences, oH, oW), regularisation residual (1, sequences, -1)]).
        """
        filt = meta_parameter[0]
        num_images = feat.shape[0]
        num_sequences = feat.shape[1] if feat.dim() == 5 else 1

        if filter_dilation_factors is None:
            scores = filter_layer.apply_filter(feat, filt)
        else:
            scores = filter_layer.apply_filter(feat, filt, dilation_factors=filter_dilation_factors)

        center = ((bb[..., :2] + bb[..., 2:] / 2) / self.feat_stride).reshape(-1, 2).flip((1,))
        if is_distractor is not None:
            center = center.clone()
            center[is_distractor.reshape(-1), :] = 99999
        label_map, target_mask, spatial_weight = _predict_loss_maps(self, self.distance_map(center, scores.shape[-2:]),
                                                                    num_images, num_sequences)

        if sample_weight is None:
            sample_weight = math.sqrt(1.0 / num_images) * spatial_weight
        elif isinstance(sample_weight, torch.Tensor):
            sample_weight = sample_weight.sqrt().reshape(num_images, num_sequences, 1, 1) * spatial_weight

        data_residual = sample_weight * (self.score_activation(scores, target_mask) - label_map)
        reg_residual = self.filter_reg * filt.reshape(1, num_sequences, -1)
        return TensorList([data_residual, reg_residual])


class LinearFilterHinge(nn.Module):
    """Residuals of the SuperDiMP-simple loss: a masked squared error against given label maps.

    Where the label exceeds ``hinge_threshold`` (the target region) the score must equal the label.
    Elsewhere the mask is ``activation_leak``: positive scores are penalised fully, negative ones only
    with slope ``activation_leak`` (a leaky hinge on the background). The residual vector is [sqrt(w) * (act(f * x; m) - m * y), sqrt(lambda) f] with the
    mask m = min(1, [y > hinge_threshold] + activation_leak).

    args:
        feat_stride - stride of the classification features (kept for the optimizer interface).
        init_filter_reg - initial sqrt(lambda).
        hinge_threshold - label value above which a cell counts as target.
        activation_leak - mask value added on background cells.
        score_act - 'bentpar' or 'relu' (leaky ReLU with the mask as slope parameter).
        act_param - parameter of 'bentpar'.
        learn_filter_reg - make sqrt(lambda) a learned parameter (stored in checkpoints as ``filter_reg``).
    """

    def __init__(self, feat_stride: int = 16, init_filter_reg: float = 1e-2, hinge_threshold: float = -999,
                 activation_leak: float = 0.0, score_act: str = 'bentpar', act_param=None,
                 learn_filter_reg: bool = True):
        super().__init__()
        if learn_filter_reg:
            self.filter_reg = nn.Parameter(init_filter_reg * torch.ones(1))
        else:
            self.filter_reg = init_filter_reg
        self.feat_stride = feat_stride
        self.hinge_threshold = hinge_threshold
        self.activation_leak = activation_leak

        if score_act == 'bentpar':
            self.score_activation = activation.BentIdentPar(act_param)
        elif score_act == 'relu':
            self.score_activation = activation.LeakyReluPar()
        else:
            raise ValueError("Unknown score_act '{}': expected 'relu' or 'bentpar'".format(score_act))

    def forward(self, meta_parameter, feat: torch.Tensor, bb: Optional[torch.Tensor] = None,
                train_label: Optional[torch.Tensor] = None, sample_weight: Optional[torch.Tensor] = None,
                is_distractor: Optional[torch.Tensor] = None, filter_dilation_factors=None) -> TensorList:
        """Residuals for the filter ``meta_parameter[0]`` (sequences, C, fH, fW).

        args:
            feat - (images, [sequences], C, H, W).
            bb - unused (the labels carry the target position); accepted for the optimizer interface.
            train_label - label maps, broadcastable to the scores (images, sequences, oH, oW).
            sample_weight - per-image weights broadcastable to the scores (e.g. (images, 1, 1, 1)),
                            or None for uniform weights 1/images.
        returns TensorList([data residual (images, sequences, oH, oW), regularisation residual (1, sequences, -1)]).
        """
        if train_label is None:
            raise ValueError('LinearFilterHinge needs train_label (the label maps of the training samples)')
        filt = meta_parameter[0]
        num_images = feat.shape[0]
        num_sequences = feat.shape[1] if feat.dim() == 5 else 1

        if filter_dilation_factors is None:
            scores = filter_layer.apply_filter(feat, filt)
        else:
            scores = filter_layer.apply_filter(feat, filt, dilation_factors=filter_dilation_factors)

        if sample_weight is None:
            sample_weight = math.sqrt(1.0 / num_images)
        elif isinstance(sample_weight, torch.Tensor):
            sample_weight = sample_weight.sqrt()
        else:
            raise TypeError('LinearFilterHinge: sample_weight must be a tensor or None, got {}'.format(
                type(sample_weight).__name__))

        target_mask = ((train_label > self.hinge_threshold).float() + self.activation_leak).clamp(max=1.0)
        data_residual = sample_weight * (self.score_activation(scores, target_mask) - target_mask * train_label)
        reg_residual = self.filter_reg * filt.reshape(1, num_sequences, -1)
        return TensorList([data_residual, reg_residual])

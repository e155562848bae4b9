"""Losses on target classification score maps (DiMP family)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


class LBHinge(nn.Module):
    """Error metric with a hinge on the lower bound of the label.

    Where the label is below ``threshold`` (background), a prediction below zero is not
    penalised: the prediction is passed through a ReLU there and compared to a zero label.
    Elsewhere the prediction is compared to the label unchanged.

    args:
        error_metric - base loss applied to (hinged prediction, masked label); MSE by default.
        threshold - label value below which a sample counts as background (default -100,
                    i.e. no hinge at all).
        clip - if given, the loss is clipped from above at this value.
    """

    def __init__(self, error_metric: nn.Module = nn.MSELoss(), threshold: Optional[float] = None,
                 clip: Optional[float] = None):
        super().__init__()
        self.error_metric = error_metric
        self.threshold = threshold if threshold is not None else -100
        self.clip = clip

    def forward(self, prediction: torch.Tensor, label: torch.Tensor, target_bb=None) -> torch.Tensor:
        """prediction, label - score maps of equal shape (any shape). target_bb is unused."""
        background = (label < self.threshold).to(prediction.dtype)
        foreground = 1.0 - background
        hinged = background * F.relu(prediction) + foreground * prediction
        loss = self.error_metric(hinged, foreground * label)
        if self.clip is not None:
            loss = torch.clamp(loss, max=self.clip)
        return loss


class LBHingev2(nn.Module):
    """:class:`LBHinge` with optional per-sequence output and masking of invalid samples.

    args:
        error_metric - base loss; by default MSE with reduction 'mean' (or 'none' when
                       ``return_per_sequence``).
        threshold - label value below which a sample counts as background (default -100).
        return_per_sequence - return the loss averaged over the spatial dims only, shape
                              (images, sequences).
    """

    def __init__(self, error_metric: Optional[nn.Module] = None, threshold: Optional[float] = None,
                 return_per_sequence: bool = False):
        super().__init__()
        if error_metric is None:
            error_metric = nn.MSELoss(reduction='none' if return_per_sequence else 'mean')
        self.error_metric = error_metric
        self.threshold = threshold if threshold is not None else -100
        self.return_per_sequence = return_per_sequence

    def forward(self, prediction: torch.Tensor, label: torch.Tensor, target_bb=None,
                valid_samples: Optional[torch.Tensor] = None) -> torch.Tensor:
        """prediction, label - (images, sequences, H, W); valid_samples - broadcastable 0/1 mask."""
        if prediction.dim() != 4 or label.dim() != 4:
            raise ValueError('LBHingev2 expects 4-dimensional prediction and label, got {} and {}'.format(
                tuple(prediction.shape), tuple(label.shape)))
        background = (label < self.threshold).to(prediction.dtype)
        foreground = 1.0 - background
        prediction = background * F.relu(prediction) + foreground * prediction

        if valid_samples is None:
            loss = self.error_metric(prediction, foreground * label)
            if self.return_per_sequence:
                loss = loss.mean((-2, -1))
            return loss

        valid = valid_samples.to(prediction.dtype)
        prediction = prediction * valid
        label = label * valid
        loss = self.error_metric(prediction, foreground * label)
        if self.return_per_sequence:
            return loss.mean((-2, -1))
        # Rescale the mean so that invalid samples do not dilute it.
        return loss * valid.numel() / (valid.sum() + 1e-12)


class IsTargetCellLoss(nn.Module):
    """Binary cross entropy between a predicted score map and a 0/1 target-cell label.

    args:
        return_per_sequence - return the per-sample mean instead of a scalar.
        use_with_logits - the prediction holds logits (else probabilities).
    """

    def __init__(self, return_per_sequence: bool = False, use_with_logits: bool = True):
        super().__init__()
        self.return_per_sequence = return_per_sequence
        self.use_with_logits = use_with_logits

    def _bce(self, prediction, label):
        if self.use_with_logits:
            return F.binary_cross_entropy_with_logits(prediction, label, reduction='none')
        return F.binary_cross_entropy(prediction, label, reduction='none')

    def forward(self, prediction: torch.Tensor, label: torch.Tensor, target_bb=None,
                valid_samples: Optional[torch.Tensor] = None) -> torch.Tensor:
        """prediction, label - (..., H, W); valid_samples - one flag per map."""
        h, w = label.shape[-2:]
        prediction = prediction.reshape(-1, h, w)
        label = label.reshape(-1, h, w)
        per_sample = self._bce(prediction, label).mean((-2, -1))
        if valid_samples is None:
            return per_sample if self.return_per_sequence else per_sample.mean()
        valid = valid_samples.to(per_sample.dtype).reshape(-1)
        per_sample = per_sample * valid
        if self.return_per_sequence:
            return per_sample
        num_valid = valid.sum()
        if num_valid > 0:
            return per_sample.sum() / num_valid
        return 0.0 * per_sample.sum()


class TrackingClassificationAccuracy(nn.Module):
    """Whether the peak of each predicted score map falls on the target.

    A map counts as correct when the label at the predicted peak is >= ``threshold`` while the
    label has a target (max > 0.25), or when the label at the peak is < ``neg_threshold`` while
    the label has no target.

    returns (accuracy, per-map correctness as float).
    """

    def __init__(self, threshold: float, neg_threshold: Optional[float] = None):
        super().__init__()
        self.threshold = threshold
        self.neg_threshold = threshold if neg_threshold is None else neg_threshold

    def forward(self, prediction: torch.Tensor, label: torch.Tensor, valid_samples: Optional[torch.Tensor] = None):
        """prediction, label - (..., H, W); valid_samples - one flag per map."""
        pred_flat = prediction.reshape(-1, prediction.shape[-2] * prediction.shape[-1])
        label_flat = label.reshape(-1, label.shape[-2] * label.shape[-1])
        peak_idx = pred_flat.argmax(dim=1)
        label_max = label_flat.max(dim=1).values
        label_at_peak = label_flat[torch.arange(peak_idx.numel(), device=peak_idx.device), peak_idx].clamp(min=0)
        has_target = label_max > 0.25
        correct = ((label_at_peak >= self.threshold) & has_target) | ((label_at_peak < self.neg_threshold) & ~has_target)
        correct = correct.float()
        if valid_samples is None:
            return correct.mean(), correct
        valid = valid_samples.float().reshape(-1)
        num_valid = valid.sum()
        accuracy = (valid * correct).sum() / num_valid if num_valid > 0 else 1.0
        return accuracy, correct


class FocalLoss(nn.Module):
    """Sigmoid focal loss (Lin et al.), averaged over all elements.

    args:
        gamma - focusing exponent.
        alpha - weight of the positive class in [0, 1]; negative disables the weighting.
    """

    def __init__(self, gamma: float = 2.0, alpha: float = -1):
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha

    def forward(self, prediction: torch.Tensor, label: torch.Tensor, target_bb=None) -> torch.Tensor:
        """prediction - logits; label - 0/1 targets of the same shape."""
        prediction = prediction.float()
        label = label.float()
        p = torch.sigmoid(prediction)
        ce = F.binary_cross_entropy_with_logits(prediction, label, reduction='none')
        p_t = p * label + (1 - p) * (1 - label)
        loss = ce * (1 - p_t) ** self.gamma
        if self.alpha >= 0:
            loss = (self.alpha * label + (1 - self.alpha) * (1 - label)) * loss
        return loss.mean()

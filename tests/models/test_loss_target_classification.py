"""LBHinge and friends on hand-worked cases."""
import pytest
import torch
import torch.nn as nn

from ltr.models.loss import LBHinge, LBHingev2, TrackingClassificationAccuracy


PRED = torch.tensor([[-0.5, 0.3], [0.8, -0.2]])
LABEL = torch.tensor([[-1.0, 0.01], [0.9, 0.1]])


def test_lbhinge_hand_case():
    # threshold 0.05: the first two cells are background -> relu(pred) vs 0: 0^2, 0.3^2;
    # the others are compared directly: (0.8-0.9)^2, (-0.2-0.1)^2.  Mean = (0 + .09 + .01 + .09) / 4.
    loss = LBHinge(threshold=0.05)(PRED, LABEL)
    assert loss.item() == pytest.approx(0.0475, abs=1e-7)


def test_lbhinge_without_threshold_is_plain_mse():
    loss = LBHinge()(PRED, LABEL)
    expected = ((PRED - LABEL) ** 2).mean()
    assert loss.item() == pytest.approx(expected.item(), abs=1e-7)


def test_lbhinge_clip_and_custom_metric():
    assert LBHinge(threshold=0.05, clip=0.02)(PRED, LABEL).item() == pytest.approx(0.02)
    # L1 metric: |0| + |0.3| + |0.1| + |0.3| = 0.7, mean 0.175.
    assert LBHinge(error_metric=nn.L1Loss(), threshold=0.05)(PRED, LABEL).item() == pytest.approx(0.175, abs=1e-6)


def test_lbhinge_negative_background_prediction_costs_nothing():
    label = torch.full((1, 1, 3, 3), -1.0)
    pred = -torch.rand(1, 1, 3, 3)
    assert LBHinge(threshold=0.05)(pred, label).item() == 0.0


def test_lbhingev2_per_sequence_and_valid_mask():
    pred = PRED.reshape(1, 1, 2, 2).repeat(1, 2, 1, 1)
    label = LABEL.reshape(1, 1, 2, 2).repeat(1, 2, 1, 1)
    per_seq = LBHingev2(threshold=0.05, return_per_sequence=True)(pred, label)
    assert per_seq.shape == (1, 2)
    assert torch.allclose(per_seq, torch.full((1, 2), 0.0475))
    valid = torch.tensor([1.0, 0.0]).reshape(1, 2, 1, 1)
    # Only the first sequence counts; its mean over all 8 cells is 0.19/8, rescaled by 8/4.
    masked = LBHingev2(threshold=0.05)(pred, label, valid_samples=valid)
    assert masked.item() == pytest.approx(0.0475, abs=1e-6)
    with pytest.raises(ValueError, match='4-dimensional'):
        LBHingev2()(PRED, LABEL)


def test_tracking_classification_accuracy_hand_case():
    label = torch.zeros(2, 3, 3)
    label[0, 1, 1] = 1.0                 # a target at the centre
    pred = torch.zeros(2, 3, 3)
    pred[0, 1, 1] = 2.0                  # peak on the target: correct
    pred[1, 0, 2] = 1.0                  # no target in map 1 and label at peak is 0 < 0.5: correct
    acc, correct = TrackingClassificationAccuracy(threshold=0.5)(pred, label)
    assert correct.tolist() == [1.0, 1.0] and acc.item() == 1.0
    pred[0, 1, 1] = 0.0
    pred[0, 2, 2] = 3.0                  # peak off the target: wrong
    acc, correct = TrackingClassificationAccuracy(threshold=0.5)(pred, label)
    assert correct.tolist() == [0.0, 1.0] and acc.item() == 0.5

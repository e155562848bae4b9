"""Per-frame measures and per-sequence curves: hand-worked cases, edge cases, a plain-loop reference."""
import math

import numpy as np
import pytest
import torch

from pytracking.analysis.extract_results import (InvalidResultsError, calc_err_center, calc_iou_overlap,
                                                 calc_seq_err_robust, get_threshold_sets)
from pytracking.analysis._results_io import MissingResultsError, read_box_file

GT3 = [[0, 0, 10, 10]] * 3


def errs(pred, gt, dataset='otb', visible=None, **kw):
    return [t.tolist() if t.dtype != torch.bool else t.tolist()
            for t in calc_seq_err_robust(torch.tensor(pred, dtype=torch.float64), torch.tensor(gt, dtype=torch.float64),
                                         dataset, visible, **kw)]


def test_iou_and_center_hand_worked():
    pred = torch.tensor([[5.0, 0, 10, 10], [0, 0, 10, 10], [20, 20, 5, 5], [2, 2, 4, 6]], dtype=torch.float64)
    gt = torch.tensor([[0.0, 0, 10, 10]] * 4, dtype=torch.float64)
    # 50 / (100 + 100 - 50); identical; disjoint; contained (24 / 100)
    assert calc_iou_overlap(pred, gt).tolist() == pytest.approx([1 / 3, 1.0, 0.0, 0.24])
    # centres x + (w - 1) / 2: (9.5, 4.5) vs (4.5, 4.5) -> 5 px
    assert calc_err_center(pred, gt).tolist() == pytest.approx([5.0, 0.0, math.hypot(17.5, 17.5), 1.0])
    assert calc_err_center(pred, gt, normalized=True).tolist() == pytest.approx(
        [0.5, 0.0, math.hypot(1.75, 1.75), 0.1])


def test_thresholds_are_the_originals():
    ov, c, cn = get_threshold_sets(0.05)
    # torch.arange in float64, as the original (0.65 and 0.75 come out one ulp high there too)
    assert ov.numel() == 21 and ov.tolist() == torch.arange(0.0, 1.05, 0.05, dtype=torch.float64).tolist()
    assert ov.tolist() == pytest.approx([k * 0.05 for k in range(21)], abs=1e-15)
    assert c.tolist() == list(range(51)) and cn.tolist() == pytest.approx([k / 100 for k in range(51)])
    assert get_threshold_sets(0.01)[0].numel() == 101


def test_first_frame_is_ground_truth_and_zero_size_is_forward_filled():
    # frame 0 prediction is ignored (set to GT); frames 2 and 3 are zero-size -> copy frame 1 (IoU 1/3)
    ov, ce, cn, valid = errs([[50, 50, 3, 3], [5, 0, 10, 10], [0, 0, 0, 0], [7, 7, 10, 0]], [[0, 0, 10, 10]] * 4)
    assert ov == pytest.approx([1.0, 1 / 3, 1 / 3, 1 / 3])
    assert ce == pytest.approx([0, 5, 5, 5]) and valid == [True] * 4


def test_zero_size_at_frame_one_copies_the_raw_first_prediction():
    # the fill happens before frame 0 is replaced by the ground truth (original order)
    ov, _, _, _ = errs([[5, 0, 10, 10], [0, 0, 0, 0]], [[0, 0, 10, 10]] * 2)
    assert ov == pytest.approx([1.0, 1 / 3])


def test_absent_ground_truth_frames_are_invalid():
    gt = [[0, 0, 10, 10], [0, 0, 0, 0], [0, 0, 10, 10], [0, 0, 10, 10]]
    ov, ce, cn, valid = errs([[0, 0, 10, 10]] * 4, gt, visible=[True, True, False, True])
    assert valid == [True, False, False, True]
    assert ov == [1.0, -1.0, -1.0, 1.0] and ce[1] == math.inf and ce[2] == math.inf and cn[1] == -1.0


def test_nan_ground_truth_is_invalid_and_blocks_the_fill():
    gt = [[0, 0, 10, 10], [float('nan')] * 4, [0, 0, 10, 10]]
    ov, ce, cn, valid = errs([[0, 0, 10, 10], [0, 0, 0, 0], [0, 0, 0, 0]], gt, dataset='uav')
    assert valid == [True, False, True]
    # frame 1 keeps its zero box (GT unknown) so frame 2 copies that zero box: IoU 0
    assert ov == [1.0, -1.0, 0.0]
    # UAV: invalid frames get center error -1 (counted as within any threshold, as the original)
    assert ce[1] == -1.0


def test_results_shorter_and_longer_than_ground_truth():
    ov, ce, _, _ = errs([[0, 0, 10, 10], [5, 0, 10, 10]], GT3)
    assert ov == pytest.approx([1.0, 1 / 3, 0.0])  # padded with a zero box
    assert ce[2] == pytest.approx(math.hypot(5, 5))  # zero box centre (-0.5, -0.5) vs (4.5, 4.5)
    ov_long, _, _, _ = errs([[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 10], [99, 99, 1, 1]], GT3)
    assert ov_long == pytest.approx([1.0, 1 / 3, 1.0])
    with pytest.raises(InvalidResultsError, match='2 boxes but the ground truth has 3 frames'):
        errs([[0, 0, 10, 10]] * 2, GT3, dataset='lasot', visible=[True] * 3)


def test_box_outside_the_image_scores_zero():
    ov, ce, cn, _ = errs([[0, 0, 10, 10], [5000, -3000, 20, 20]], [[0, 0, 10, 10]] * 2)
    assert ov == [1.0, 0.0] and ce[1] == pytest.approx(math.hypot(5005, 3005) * 1, rel=1e-3)


def test_lasot_invisible_frames_fail_the_normalized_precision():
    _, ce, cn, valid = errs([[0, 0, 10, 10]] * 2, [[0, 0, 10, 10]] * 2, dataset='lasot', visible=[True, False])
    assert cn == [0.0, math.inf] and ce == [0.0, math.inf] and valid == [True, False]


@pytest.mark.parametrize('bad_box, frame', [([1, 2, float('nan'), 4], 2), ([1, 2, -3, 4], 1), ([1, 2, 3, float('inf')], 3)])
def test_invalid_predictions_raise_naming_file_and_frame(bad_box, frame):
    pred = [[0, 0, 10, 10]] * 4
    pred[frame] = bad_box
    with pytest.raises(InvalidResultsError) as info:
        errs(pred, [[0, 0, 10, 10]] * 4, results_path='/r/trk/seqA.txt')
    msg = str(info.value)
    assert "'/r/trk/seqA.txt'" in msg and 'frame {} (line {})'.format(frame, frame + 1) in msg
    assert 'invalid_pred_as_failure' in msg


def test_invalid_predictions_as_failures():
    pred = [[0, 0, 10, 10], [float('nan')] * 4, [0, 0, 0, 0], [0, 0, 10, 10]]
    ov, ce, cn, _ = errs(pred, [[0, 0, 10, 10]] * 4, invalid_pred_as_failure=True)
    # frame 2 (zero size) inherits the failure of frame 1 instead of its NaN box
    assert ov == [1.0, 0.0, 0.0, 1.0] and ce[1] == math.inf and cn[2] == math.inf


def test_read_box_file_formats_and_errors(tmp_path):
    boxes = np.array([[1, 2, 3, 4], [5.5, 6, 7, 8.25]])
    for name, delim in (('tab.txt', '\t'), ('comma.txt', ','), ('space.txt', ' ')):
        np.savetxt(tmp_path / name, boxes, delimiter=delim, fmt='%g')
        assert np.array_equal(read_box_file(str(tmp_path / name)), boxes)
    (tmp_path / 'one.txt').write_text('1,2,3,4\n')
    assert read_box_file(str(tmp_path / 'one.txt')).shape == (1, 4)
    (tmp_path / 'empty.txt').write_text('\n')
    with pytest.raises(InvalidResultsError, match='empty.txt.* is empty'):
        read_box_file(str(tmp_path / 'empty.txt'))
    (tmp_path / 'short.txt').write_text('1,2,3,4\n1,2,3\n')
    with pytest.raises(InvalidResultsError, match='line 2 has 3 values'):
        read_box_file(str(tmp_path / 'short.txt'))
    (tmp_path / 'text.txt').write_text('1\t2\t3\t4\n1\tx\t3\t4\n')
    with pytest.raises(InvalidResultsError, match='line 2 is not numeric'):
        read_box_file(str(tmp_path / 'text.txt'))
    with pytest.raises(MissingResultsError, match='nothere.txt'):
        read_box_file(str(tmp_path / 'nothere.txt'))


def _random_case(rng, n, dataset):
    """Boxes on a 0.5-pixel grid (exact arithmetic), with every awkward case mixed in."""
    gt = np.c_[rng.integers(0, 400, (n, 2)), rng.integers(2, 80, (n, 2))].astype(float) / 2
    visible = rng.random(n) > 0.15
    visible[0] = True
    gt[rng.random(n) < 0.08, 2] = 0.0  # zero-size GT
    if dataset == 'uav':
        gt[np.r_[False, rng.random(n - 1) < 0.1], :] = np.nan
    m = n + int(rng.integers(-5, 6)) if dataset != 'lasot' else n + int(rng.integers(0, 4))
    pred = gt[np.minimum(np.arange(m), n - 1)] + rng.integers(-12, 13, (m, 4)) / 2
    pred = np.nan_to_num(pred, nan=3.0)
    pred[:, 2:] = np.abs(pred[:, 2:])
    pred[rng.random(m) < 0.1, 2:] = 0.0  # zero-size predictions
    pred[rng.random(m) < 0.05, :2] += 5000  # far outside the image
    return pred, gt, (visible if dataset != 'otb' else None)


@pytest.mark.parametrize('dataset', ['otb', 'uav', 'lasot', 'got10k'])
def test_against_plain_loop_reference(dataset, H):
    rng = np.random.default_rng({'otb': 1, 'uav': 2, 'lasot': 3, 'got10k': 4}[dataset])
    th = get_threshold_sets(0.05)
    for _ in range(15):
        n = int(rng.integers(8, 60))
        pred, gt, visible = _random_case(rng, n, dataset)
        ov, ce, cn, valid = calc_seq_err_robust(torch.from_numpy(pred), torch.from_numpy(gt), dataset,
                                                None if visible is None else torch.from_numpy(visible))
        ref = H.ref_frame_errors(pred.tolist(), gt.tolist(), dataset, None if visible is None else visible.tolist())
        assert valid.tolist() == [r[3] for r in ref]
        assert ov.tolist() == pytest.approx([r[0] for r in ref], abs=1e-12)
        assert ce.tolist() == pytest.approx([r[1] for r in ref], abs=1e-9)
        assert cn.tolist() == pytest.approx([r[2] for r in ref], abs=1e-12)
        # threshold counts on the exact-grid data agree exactly
        s_ref, p_ref, n_ref, _ = H.ref_sequence_curves(pred.tolist(), gt.tolist(), dataset,
                                                       None if visible is None else visible.tolist())
        assert [(ov > t).sum().item() / n for t in th[0].tolist()] == pytest.approx(s_ref, abs=1e-12)
        assert [(ce <= t).sum().item() / n for t in th[1].tolist()] == pytest.approx(p_ref, abs=1e-12)
        assert [(cn <= t).sum().item() / n for t in th[2].tolist()] == pytest.approx(n_ref, abs=1e-12)


def test_partly_nan_ground_truth_row_is_an_invalid_frame():
    # only x unknown: still an unknown box (the original would stop on the NaN overlap)
    gt = [[0, 0, 10, 10], [float('nan'), 0, 10, 10], [0, 0, 10, 10]]
    ov, ce, cn, valid = errs([[0, 0, 10, 10], [0, 0, 0, 0], [5, 0, 10, 10]], gt, dataset='uav')
    assert valid == [True, False, True]
    assert ov == pytest.approx([1.0, -1.0, 1 / 3]) and ce[1] == -1.0 and cn[1] == -1.0

"""Unit tests of the DiMP / ATOM tracker logic with hand-worked numbers (no network needed)."""
import math

import pytest
import torch

from pytracking.libs.tensorlist import TensorList
from pytracking.tracker.atom.atom import ATOM, _make_activation
from pytracking.tracker.atom.optim import ConvProblem, FactorizedConvProblem
from pytracking.tracker.dimp import get_tracker_class as dimp_class
from pytracking.tracker.dimp.dimp import DiMP
from pytracking.utils.params import TrackerParams


def _params(**kw) -> TrackerParams:
    p = TrackerParams()
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def _memory_tracker(lr=0.1, minw=0.25, size=6, n_init=2):
    t = DiMP(_params(learning_rate=lr, init_samples_minimum_weight=minw, sample_memory_size=size))
    t.init_memory(TensorList([torch.zeros(n_init, 1, 2, 2)]))
    t.target_boxes = torch.zeros(size, 4)
    return t


def test_get_tracker_class():
    assert dimp_class() is DiMP


def test_sample_weights_hand_worked():
    t = _memory_tracker()
    assert t.sample_weights[0].tolist() == pytest.approx([0.5, 0.5, 0, 0, 0, 0])
    t.update_memory(TensorList([torch.ones(1, 1, 2, 2)]), torch.tensor([1., 2., 3., 4.]))
    # weights / (1 - lr), new weight lr, normalised
    assert t.sample_weights[0].tolist() == pytest.approx([0.458716, 0.458716, 0.082569, 0, 0, 0], abs=1e-6)
    assert t.previous_replace_ind == [2] and t.num_stored_samples == [3]
    assert t.training_samples[0][2].sum().item() == 4 and t.target_boxes[2].tolist() == [1, 2, 3, 4]
    t.update_memory(TensorList([2 * torch.ones(1, 1, 2, 2)]), torch.tensor([5., 6., 7., 8.]))
    # new weight = previous new weight / (1 - lr)
    assert t.sample_weights[0].tolist() == pytest.approx([0.420168, 0.420168, 0.075630, 0.084034, 0, 0], abs=1e-6)


def test_sample_weights_initial_floor_and_replacement():
    t = _memory_tracker(minw=0.9, size=4)
    t.update_memory(TensorList([torch.ones(1, 1, 2, 2)]), torch.zeros(4))
    t.update_memory(TensorList([torch.ones(1, 1, 2, 2)]), torch.zeros(4))
    # Initial samples fell below 0.9: they get 0.9 in total, the rest is divided by 0.9 + their sum
    w = t.sample_weights[0]
    assert w[:2].tolist() == pytest.approx([0.45, 0.45])
    assert w[2:].tolist() == pytest.approx([0.0756303 / 1.0596639, 0.0840336 / 1.0596639], rel=1e-5)
    # Memory full: the lowest-weighted non-initial sample (index 2) is replaced
    t.update_memory(TensorList([3 * torch.ones(1, 1, 2, 2)]), torch.ones(4))
    assert t.previous_replace_ind == [2]
    assert t.training_samples[0][2].mean().item() == 3
    # learning rate 1 resets the memory weights to the newest sample only
    t.update_sample_weights(t.sample_weights, [None], [5], [2], learning_rate=1)
    assert t.sample_weights[0].tolist() == [1, 0, 0, 0]


def _loc_tracker(**kw):
    p = dict(target_not_found_threshold=0.25, distractor_threshold=0.8, hard_negative_threshold=0.5,
             target_neighborhood_scale=2.2, dispalcement_scale=0.8, advanced_localization=True)
    p.update(kw)
    t = DiMP(_params(**p))
    t.kernel_size = torch.tensor([4., 4.])
    t.img_support_sz = torch.tensor([288., 288.])
    t.target_sz = torch.tensor([32., 32.])
    t.pos = torch.tensor([100., 100.])
    t.output_window = None
    t.net = None
    return t


def _scores(peaks):
    s = torch.zeros(1, 1, 19, 19)
    for (r, c), v in peaks.items():
        s[0, 0, r, c] = v
    return s


def test_localize_single_peak_translation():
    t = _loc_tracker()
    sample_pos, scales = torch.tensor([[100., 100.]]), torch.tensor([2.0])
    vec, ind, _, flag = t.localize_target(_scores({(11, 6): 0.9}), sample_pos, scales)
    # (row, col) displacement from the centre 9: (2, -3) cells; 288 / 18 = 16 pixels per cell, scale 2
    assert flag == 'normal' and ind == 0
    assert vec.tolist() == [2 * 16 * 2, -3 * 16 * 2]
    vec, _, _, flag = t.localize_target(_scores({(9, 9): 0.1}), sample_pos, scales)
    assert flag == 'not_found'


def test_localize_distractors():
    t = _loc_tracker()
    sample_pos, scales = torch.tensor([[100., 100.]]), torch.tensor([1.0])
    # Second peak far away at 60% of the first: hard negative (0.5 < 0.6 < 0.8)
    _, _, _, flag = t.localize_target(_scores({(9, 9): 1.0, (0, 0): 0.6}), sample_pos, scales)
    assert flag == 'hard_negative'
    # Equally strong far peak, first peak near the previous position: hard negative, first peak kept
    vec, _, _, flag = t.localize_target(_scores({(9, 9): 1.0, (0, 0): 0.95}), sample_pos, scales)
    assert flag == 'hard_negative' and vec.tolist() == [0, 0]
    # The far peak is the stronger one and the near one second: the near one is taken
    vec, _, _, flag = t.localize_target(_scores({(0, 0): 1.0, (9, 10): 0.95}), sample_pos, scales)
    assert flag == 'hard_negative' and vec.tolist() == [0, 16]
    # Both peaks far from the previous position: uncertain
    _, _, _, flag = t.localize_target(_scores({(0, 0): 1.0, (18, 18): 0.95}), sample_pos, scales)
    assert flag == 'uncertain'
    # Second peak weak: normal
    _, _, _, flag = t.localize_target(_scores({(9, 9): 1.0, (0, 0): 0.3}), sample_pos, scales)
    assert flag == 'normal'


def test_localize_softmax_preprocessing_and_unknown():
    t = _loc_tracker(score_preprocess='exp', target_not_found_threshold=0.0)
    _, _, s, _ = t.localize_target(_scores({(9, 9): 1.0}), torch.tensor([[0., 0.]]), torch.tensor([1.0]))
    assert s[0, 9, 9].item() == pytest.approx(math.e) and s[0, 0, 0].item() == pytest.approx(1.0)
    t = _loc_tracker(score_preprocess='bogus')
    with pytest.raises(ValueError, match='score_preprocess'):
        t.localize_target(_scores({}), torch.tensor([[0., 0.]]), torch.tensor([1.0]))


def _geometry_tracker():
    t = DiMP(_params(box_refinement_iter=40, box_refinement_step_length=0.2, box_refinement_step_decay=1,
                     num_init_random_boxes=4, box_jitter_pos=0.1, box_jitter_sz=0.5, maximal_aspect_ratio=6,
                     iounet_k=3))
    t.img_sample_sz = torch.tensor([288., 288.])
    t.base_target_sz = torch.tensor([40., 30.])
    t.device = torch.device('cpu')
    return t


def test_iounet_box_round_trip():
    t = _geometry_tracker()
    pos, sz = torch.tensor([120., 200.]), torch.tensor([50., 30.])
    sample_pos, scale = torch.tensor([110., 190.]), 1.5
    box = t.get_iounet_box(pos, sz, sample_pos, scale)
    # centre (y, x) = (pos - sample_pos) / scale + 143.5; box = (x, y, w, h) with the 0-based centre (w-1)/2 rule
    assert box.tolist() == pytest.approx([10 / 1.5 + 143.5 - (20 - 1) / 2, 10 / 1.5 + 143.5 - (50 / 1.5 - 1) / 2,
                                          20, 50 / 1.5])
    t._set_refined_box(box.clone(), sample_pos, scale, update_scale=True)
    # box centre convention differs by half a pixel from get_iounet_box (as in the original)
    assert t.pos.tolist() == pytest.approx((pos + 0.5 * scale).tolist(), abs=1e-4)
    assert t.target_sz.tolist() == pytest.approx(sz.tolist())
    assert t.target_scale.item() == pytest.approx(math.sqrt(50 * 30 / (40 * 30)))


class _QuadraticIoU(torch.nn.Module):
    """A stand-in IoU predictor peaked at a known box: -|box - target|^2 / scale."""

    def __init__(self, target):
        super().__init__()
        self.target = target

    def predict_iou(self, modulation, feat, boxes):
        return -((boxes - self.target) ** 2).sum(-1) / 1000


@pytest.mark.parametrize('space,step', [('default', 0.2), ('relative', 5e-3), ('relative', (5e-3, 5e-3))])
def test_box_refinement_climbs_to_the_optimum(space, step):
    torch.manual_seed(0)
    t = _geometry_tracker()
    t.params.box_refinement_space = space
    t.params.box_refinement_step_length = step
    target = torch.tensor([100., 110., 60., 40.])
    t.net = type('N', (), {'bb_regressor': _QuadraticIoU(target)})()
    t.iou_modulation = None
    init = torch.tensor([104., 106., 54., 44.])
    boxes, ious = t.optimize_boxes(None, t._random_init_boxes(init))
    assert boxes.shape == (5, 4) and ious.shape == (5,)
    assert boxes[0].tolist() != init.tolist()
    start = ((init - target) ** 2).sum()
    assert ((boxes[0] - target) ** 2).sum() < 0.5 * start
    best = t._select_box(boxes.clone(), ious)
    assert ((best - target) ** 2).sum() < start


def test_random_init_boxes_jitter_bounds():
    torch.manual_seed(1)
    t = _geometry_tracker()
    init = torch.tensor([10., 20., 30., 60.])
    boxes = t._random_init_boxes(init)
    assert boxes[0].tolist() == init.tolist() and boxes.shape == (5, 4)
    side = math.sqrt(30 * 60)
    centres = boxes[1:, :2] + boxes[1:, 2:] / 2
    assert ((centres - (init[:2] + init[2:] / 2)).abs() <= 0.05 * side + 1e-4).all()
    assert (boxes[1:, 2:] >= 10 - 1e-5).all()          # min edge = 30 / 3


def test_select_box_drops_extreme_aspect_ratios():
    t = _geometry_tracker()
    boxes = torch.tensor([[0., 0., 100., 10.], [0., 0., 20., 20.], [2., 2., 22., 22.], [0., 0., 0.5, 10.]])
    ious = torch.tensor([0.9, 0.5, 0.7, 0.95])
    best = t._select_box(boxes, ious)
    assert best.tolist() == pytest.approx([1., 1., 21., 21.])
    assert t._select_box(torch.tensor([[0., 0., 100., 1.]]), torch.tensor([1.])) is None


class _RecordingOptimizer:
    def __init__(self):
        self.calls = []

    def __call__(self, weights, num_iter, feat, bb, sample_weight, compute_losses):
        self.calls.append(num_iter)
        return weights, None, []


def test_update_classifier_schedule():
    t = _memory_tracker(size=50)
    t.params.train_skipping = 3
    t.params.net_opt_update_iter = 2
    t.params.net_opt_hn_iter = 1
    t.params.debug = 0
    opt = _RecordingOptimizer()
    t.net = type('N', (), {'classifier': type('C', (), {'filter_optimizer': opt})()})()
    t.target_filter = torch.zeros(1)
    x = torch.zeros(1, 1, 2, 2)
    for frame in range(2, 9):
        t.frame_num = frame
        t.update_classifier(x, torch.zeros(4), None, torch.zeros(3, 3))
    assert opt.calls == [2, 2]                      # frames 4 and 7: (frame - 1) % 3 == 0
    t.frame_num = 9
    t.update_classifier(x, torch.zeros(4), 0.02, torch.zeros(3, 3))
    assert opt.calls == [2, 2, 1]                   # hard negative
    assert t.num_stored_samples == [2 + 8]


def test_mlu_activation():
    act = _make_activation(('mlu', 0.05), 'response_activation')
    x = torch.tensor([-1.0, 0.0, 2.0])
    # negative inputs: elu(20 * x, 0.05)
    assert act(x).tolist() == pytest.approx([0.05 * (math.exp(-20) - 1), 0.0, 2.0])
    assert _make_activation('none', 'a')(x) is x
    with pytest.raises(ValueError, match='Unknown'):
        _make_activation('tanh', 'response_activation')


def test_atom_problems_residuals_match_direct_computation():
    torch.manual_seed(0)
    x = TensorList([torch.randn(3, 5, 6, 6)])
    y = TensorList([torch.randn(3, 1, 6, 6)])
    filt = TensorList([torch.randn(1, 2, 4, 4)])
    P = TensorList([torch.randn(2, 5, 1, 1)])
    w = TensorList([torch.tensor([0.2, 0.3, 0.5])])
    prob = FactorizedConvProblem(x, y, TensorList([0.1]), TensorList([1e-2]), None, w, lambda a: a, lambda a: a)
    res = prob(filt.concat(P))
    compressed = torch.einsum('dc,nchw->ndhw', P[0][:, :, 0, 0], x[0])
    padded = torch.nn.functional.pad(compressed, (2, 2, 2, 2))
    out = torch.zeros(3, 1, 6, 6)
    for i in range(6):
        for j in range(6):
            out[:, 0, i, j] = (padded[:, :, i:i + 4, j:j + 4] * filt[0][0]).sum((1, 2, 3))
    expected = w[0].sqrt().view(-1, 1, 1, 1) * (out - y[0])
    assert len(res) == 3
    assert torch.allclose(res[0], expected, atol=1e-4)
    assert torch.allclose(res[1], math.sqrt(0.1) * filt[0]) and torch.allclose(res[2], 0.1 * P[0])
    ip = prob.ip_input(filt.concat(P), filt.concat(P))
    assert ip[0].item() == pytest.approx((filt[0] ** 2).sum().item() + (P[0] ** 2).sum().item(), rel=1e-5)
    assert ip[1].item() == pytest.approx(ip[0].item())
    conv = ConvProblem(TensorList([compressed]), y, TensorList([0.1]), w, lambda a: a)
    assert torch.allclose(conv(filt)[0], expected, atol=1e-4)


def test_atom_label_function_centred_on_target():
    t = ATOM(_params())
    t.sigma = TensorList([torch.tensor([1.0, 1.0])])
    t.feature_sz = TensorList([torch.tensor([18., 18.])])
    t.kernel_size = TensorList([(4, 4)])
    t.img_support_sz = torch.tensor([288., 288.])
    t.pos = torch.tensor([100., 116.])
    t.device = torch.device('cpu')
    y = t.get_label_function(torch.tensor([100., 100.]), 1.0)[0]
    assert y.shape == (1, 1, 18, 18)
    # Grid coordinates -8.5 .. 8.5; the target is 16 px = 1 cell right of the sample centre and the
    # even kernel adds half a cell: peak at (0.5, 1.5), i.e. index (9, 10), exactly on a grid point.
    r, c = divmod(int(y.view(-1).argmax()), 18)
    assert (r, c) == (9, 10)
    assert y.max().item() == pytest.approx(1.0)
    assert y[0, 0, 9, 11].item() == pytest.approx(math.exp(-0.5))


# --------------------------------------------------------------------------- localize_advanced, more hand cases
def test_localize_picks_the_scale_with_the_highest_peak():
    t = _loc_tracker()
    scores = torch.zeros(3, 1, 19, 19)
    scores[0, 0, 9, 9] = 0.5
    scores[1, 0, 10, 9] = 0.9
    scores[2, 0, 9, 12] = 0.7
    sample_pos = torch.tensor([[100., 100.]] * 3)
    scales = torch.tensor([0.5, 1.5, 2.0])
    vec, ind, s, flag = t.localize_target(scores, sample_pos, scales)
    # one cell down in the 1.5-scale sample: 16 px per cell * 1.5
    assert ind == 1 and flag == 'normal' and vec.tolist() == [24.0, 0.0]
    assert s.shape == (3, 19, 19)


def test_localize_target_neighbourhood_mask_boundary():
    # target 32 px at scale 1 -> 2 cells; neighbourhood 2.2 * 2 = 4.4 cells: rows round(9 - 2.2) = 7 to
    # round(9 + 2.2 + 1) - 1 = 11 are masked around a peak in row 9 (columns likewise).
    t = _loc_tracker()
    sample_pos, scales = torch.tensor([[100., 100.]]), torch.tensor([1.0])
    for row, expected in [(11, 'normal'), (7, 'normal'), (12, 'uncertain'), (6, 'uncertain')]:
        _, _, _, flag = t.localize_target(_scores({(9, 9): 1.0, (row, 9): 0.95}), sample_pos, scales)
        # an unmasked second peak 3 cells away is a distractor close to the target (threshold 0.8 * 19 / 2)
        assert flag == expected, (row, flag)


def test_localize_distractor_distances_are_measured_from_the_previous_position():
    t = _loc_tracker()
    # The previous target position lies 8 cells (128 px) below the sample centre.
    t.pos = torch.tensor([100., 100.])
    sample_pos, scales = torch.tensor([[100. - 8 * 16, 100.]]), torch.tensor([1.0])
    vec, _, _, flag = t.localize_target(_scores({(9, 9): 1.0, (17, 9): 0.95}), sample_pos, scales)
    # The strongest peak (at the centre) is 8 > 7.6 cells from the previous position, the second is on it:
    # the second one is taken.
    assert flag == 'hard_negative' and vec.tolist() == [8 * 16, 0]


def test_localize_hard_negatives_without_windowing():
    t = _loc_tracker(perform_hn_without_windowing=True)
    window = torch.ones(19, 19)
    window[:3, :3] = 0.1
    t.output_window = window
    sample_pos, scales = torch.tensor([[100., 100.]]), torch.tensor([1.0])
    raw = _scores({(9, 9): 0.6, (0, 0): 1.0})
    vec, _, s, flag = t.localize_target(raw.clone(), sample_pos, scales)
    # The window hides the corner peak for localisation (0.1 < 0.6), but the hard-negative test sees it
    # unwindowed (1.0 > 0.8 * 0.6, 12.7 cells away): hard negative, centre kept; unwindowed scores returned.
    assert flag == 'hard_negative' and vec.tolist() == [0, 0]
    assert torch.equal(s, raw.squeeze(1))


def test_localize_uncertain_and_hard_sample_thresholds():
    sample_pos, scales = torch.tensor([[100., 100.]]), torch.tensor([1.0])
    t = _loc_tracker(uncertain_threshold=0.6)
    assert t.localize_target(_scores({(9, 9): 0.5}), sample_pos, scales)[3] == 'uncertain'
    t = _loc_tracker(hard_sample_threshold=0.6)
    assert t.localize_target(_scores({(9, 9): 0.5}), sample_pos, scales)[3] == 'hard_negative'
    t = _loc_tracker(uncertain_threshold=0.6, target_not_found_threshold=0.55)
    assert t.localize_target(_scores({(9, 9): 0.5}), sample_pos, scales)[3] == 'not_found'


def test_localize_score_filter_sums_the_neighbourhood():
    t = _loc_tracker(score_filter_ksz=3, target_not_found_threshold=0.0)
    _, _, s, _ = t.localize_target(_scores({(9, 9): 1.0, (9, 10): 2.0}), torch.tensor([[0., 0.]]),
                                   torch.tensor([1.0]))
    assert s[0, 9, 9].item() == 3.0 and s[0, 8, 11].item() == 2.0 and s[0, 9, 12].item() == 0.0
    t = _loc_tracker(score_filter_ksz=2)
    with pytest.raises(ValueError, match='odd'):
        t.localize_target(_scores({}), torch.tensor([[0., 0.]]), torch.tensor([1.0]))


def test_box_refinement_step_decay_hand_computed():
    t = _geometry_tracker()
    t.params.box_refinement_iter = 3
    t.params.box_refinement_step_length = 0.2
    t.params.box_refinement_step_decay = 0.5
    t.params.num_init_random_boxes = 0
    target = [100., 110., 60., 40.]
    t.net = type('N', (), {'bb_regressor': _QuadraticIoU(torch.tensor(target))})()
    t.iou_modulation = None
    box, step, last_iou = [90., 120., 50., 50.], 0.2, None
    for _ in range(3):
        # d/db of -|b - T|^2 / 1000, step scaled by the box width/height
        last_iou = -sum((b - c) ** 2 for b, c in zip(box, target)) / 1000
        grad = [-2 * (b - c) / 1000 for b, c in zip(box, target)]
        w, h = box[2], box[3]
        box = [box[0] + step * grad[0] * w, box[1] + step * grad[1] * h,
               box[2] + step * grad[2] * w, box[3] + step * grad[3] * h]
        step *= 0.5
    init_boxes = t._random_init_boxes(torch.tensor([90., 120., 50., 50.]))
    assert init_boxes.shape == (1, 4)
    boxes, ious = t.optimize_boxes(None, init_boxes)
    assert boxes[0].tolist() == pytest.approx(box, rel=1e-5)
    # the predicted IoU returned is that of the boxes before the last step (as in the original)
    assert ious.tolist() == pytest.approx([last_iou], rel=1e-5)


def test_atom_localize_advanced_on_circular_score_map():
    # ATOM's score maps are circular: zero displacement at index 0, index 17 of 18 is -1 cell.
    t = ATOM(_params(target_not_found_threshold=0.25, distractor_threshold=0.8, hard_negative_threshold=0.5,
                     target_neighborhood_scale=2.2, dispalcement_scale=0.8))
    t.output_sz = torch.tensor([18., 18.])
    t.img_support_sz = torch.tensor([288., 288.])
    t.target_scale = 2.0
    t.target_sz = torch.tensor([64., 64.])
    t.output_window = None
    scores = torch.zeros(1, 18, 18)
    scores[0, 1, 17] = 0.9
    vec, ind, s, flag = t.localize_advanced(scores.clone())
    assert flag is None and ind == 0
    assert vec.tolist() == [1 * 16 * 2.0, -1 * 16 * 2.0]
    assert s[0, 10, 8].item() == pytest.approx(0.9)   # returned map has zero displacement at the centre (9, 9)
    scores[0, 1, 17] = 0.2
    assert t.localize_advanced(scores.clone())[3] == 'not_found'
    scores[0, 1, 17] = 0.9
    scores[0, 8, 8] = 0.55
    # As in the original ATOM, the neighbourhood is target_neighborhood_scale * target_sz / target_scale in
    # sample pixels, used as a size in cells: a 64 px target (70 cells) masks the whole map, no hard negative.
    assert t.localize_advanced(scores.clone())[3] is None
    # A 4 px target: 4.4 cells are masked, the far second peak at 61 % is a hard negative.
    t.target_sz = torch.tensor([4., 4.])
    assert t.localize_advanced(scores.clone())[3] == 'hard_negative'


def _ridge_reference(x, y, w, reg, filt_shape):
    """Minimiser of sum_j w_j |conv_same(x_j, f) - y_j|^2 + reg |f|^2, by building the linear map
    column by column (conv2d of unit filters) and solving the normal equations in float64."""
    from pytracking.libs import operation
    n = int(torch.tensor(filt_shape).prod())
    cols = []
    for k in range(n):
        e = torch.zeros(n)
        e[k] = 1
        cols.append(operation.conv2d(x, e.view(filt_shape), mode='same').reshape(-1))
    A = torch.stack(cols, 1).double()
    sw = w.double().sqrt().repeat_interleave(A.shape[0] // w.numel()).view(-1, 1)
    A_w, b_w = sw * A, sw[:, 0] * y.reshape(-1).double()
    lhs = A_w.T @ A_w + reg * torch.eye(n, dtype=torch.float64)
    return torch.linalg.solve(lhs, A_w.T @ b_w).view(filt_shape)


def test_atom_filter_update_with_conjugate_gradient_reaches_the_ridge_solution():
    from pytracking.libs.optimization import ConjugateGradient
    torch.manual_seed(0)
    x = torch.randn(4, 3, 7, 7)
    y = torch.randn(4, 1, 7, 7)
    w = torch.tensor([0.1, 0.2, 0.3, 0.4])
    reg = 0.1
    filt = TensorList([torch.zeros(1, 3, 4, 4)])
    problem = ConvProblem(TensorList([x]), TensorList([y]), TensorList([reg]), TensorList([w]), lambda a: a)
    opt = ConjugateGradient(problem, filt, fletcher_reeves=False, direction_forget_factor=0)
    opt.run(48)   # the system has 48 unknowns: CG is exact after at most 48 steps (up to rounding)
    expected = _ridge_reference(x, y, w, reg, (1, 3, 4, 4))
    torch.testing.assert_close(filt[0].double(), expected, atol=2e-4, rtol=1e-3)


def test_atom_joint_gauss_newton_decreases_the_loss_and_fits_the_filter():
    from pytracking.libs.optimization import GaussNewtonCG
    torch.manual_seed(1)
    x = TensorList([torch.randn(3, 6, 8, 8)])
    y = TensorList([torch.randn(3, 1, 8, 8)])
    w = TensorList([torch.full((3,), 1 / 3)])
    var = TensorList([0.1 * torch.randn(1, 2, 4, 4)]).concat(TensorList([0.1 * torch.randn(2, 6, 1, 1)]))
    problem = FactorizedConvProblem(x, y, TensorList([0.1]), TensorList([1e-4]), None, w, lambda a: a, lambda a: a)

    def loss(v):
        return sum((r ** 2).sum().item() for r in problem(v))

    losses = [loss(var)]
    opt = GaussNewtonCG(problem, var)
    for _ in range(5):
        opt.run(10, 6)      # ATOM's first frame: init_CG_iter 60 over init_GN_iter 6
        losses.append(loss(var))
    assert losses[1] < 0.9 * losses[0]
    assert all(b <= a + 1e-6 for a, b in zip(losses, losses[1:]))
    # Near a (local) optimum in the joint variable the filter is the ridge solution for the fixed projection.
    compressed = torch.einsum('dc,nchw->ndhw', var[1][:, :, 0, 0], x[0])
    expected = _ridge_reference(compressed, y[0], w[0], 0.1, (1, 2, 4, 4))
    torch.testing.assert_close(var[0].double(), expected, atol=1e-2, rtol=0)


# --------------------------------------------------------------------------- DiMP.track decisions per flag
def _flow_tracker(flag, **kw):
    p = dict(use_iou_net=True, update_classifier=True, hard_negative_learning_rate=0.02,
             update_scale_when_uncertain=False, debug=0)
    p.update(kw)
    t = DiMP(_params(**p))
    t.visdom = None
    t.id_str = ''
    t.frame_num = 5
    t.pos = torch.tensor([200., 300.])
    t.target_sz = torch.tensor([40., 60.])
    t.target_scale = 1.0
    t.base_target_sz = t.target_sz.clone()
    t.params.scale_factors = torch.ones(1)
    t.img_sample_sz = torch.tensor([288., 288.])
    t.img_support_sz = t.img_sample_sz
    t.feature_sz = torch.tensor([18., 18.])
    t.kernel_size = torch.tensor([4., 4.])
    t.image_sz = torch.tensor([480., 640.])
    t.min_scale_factor, t.max_scale_factor = torch.tensor(0.1), torch.tensor(10.)
    calls = {'refine': [], 'update': []}
    coords = torch.tensor([[200 - 144, 300 - 144, 200 + 144, 300 + 144]])   # sample centred on the target

    t.extract_backbone_features = lambda im, pos, scales, sz: ('backbone', coords, None)
    t.get_classification_features = lambda feat: torch.zeros(1, 4, 18, 18)
    t.classify_target = lambda x: torch.zeros(1, 1, 19, 19)
    t.localize_target = lambda s, pos, scales: (torch.tensor([16., -32.]), 0, torch.full((1, 19, 19), 0.5), flag)

    def refine(feat, sample_pos, sample_scale, scale_ind, update_scale):
        calls['refine'].append(update_scale)
        t.pos_iounet = t.pos + torch.tensor([1., 1.])

    t.refine_target_box = refine
    t.update_classifier = lambda x, box, lr, scores: calls['update'].append(lr)
    return t, calls


@pytest.mark.parametrize('flag,refined,update_lr', [
    ('normal', [True], [None]), (None, [True], [None]),
    ('hard_negative', [True], [0.02]),
    ('uncertain', [False], []),            # update_scale_when_uncertain False: scale kept; no model update
    ('not_found', [], []),                 # nothing moves, nothing is learnt
])
def test_dimp_track_decisions_per_localisation_flag(flag, refined, update_lr):
    t, calls = _flow_tracker(flag)
    image = torch.zeros(480, 640, 3, dtype=torch.uint8).numpy()
    out = t.track(image)
    assert calls['refine'] == refined and calls['update'] == update_lr
    sample_pos = torch.tensor([200. + 143.5 - 144, 300. + 143.5 - 144])
    if flag == 'not_found':
        assert t.pos.tolist() == [200., 300.]
    else:
        # classifier position (sample centre + translation), then the IoU-Net position is taken
        assert t.pos.tolist() == (sample_pos + torch.tensor([16., -32.]) + 1).tolist()
    x, y, w, h = out['target_bbox']
    assert (w, h) == (60., 40.) and x == t.pos[1].item() - 29.5 and y == t.pos[0].item() - 19.5


def test_dimp_track_not_found_box_and_no_classifier_update():
    t, calls = _flow_tracker('not_found', output_not_found_box=True)
    assert t.track(torch.zeros(480, 640, 3, dtype=torch.uint8).numpy())['target_bbox'] == [-1, -1, -1, -1]
    t, calls = _flow_tracker('normal', update_classifier=False)
    t.track(torch.zeros(480, 640, 3, dtype=torch.uint8).numpy())
    assert calls['update'] == [] and calls['refine'] == [True]


# --------------------------------------------------------------------------- DiMP initial augmentation
def test_dimp_initial_augmentation_samples_and_boxes():
    from pytracking.features import augmentation
    from pytracking.parameter.dimp.dimp50 import parameters
    params = parameters()
    torch.manual_seed(0)
    t = DiMP(params)
    t.device = torch.device('cpu')
    # A stand-in network whose "backbone features" are the image patches themselves.
    t.net = type('N', (), {'extract_backbone': staticmethod(lambda patches: patches)})()
    t.pos = torch.tensor([240., 320.])
    t.target_sz = torch.tensor([60., 80.])
    t.img_sample_sz = torch.tensor([288., 288.])
    t.target_scale = math.sqrt(60 * 80 * 25) / 288
    im = torch.rand(1, 3, 480, 640) * 255
    patches = t.generate_init_samples(im)
    kinds = [type(T).__name__ for T in t.transforms]
    # identity first (the one the memory and the IoU-Net use), then 4 relative shifts, the flip, 3 blurs, 4 rotations
    assert kinds == ['Identity'] + ['Translation'] * 4 + ['FlipHorizontal'] + ['Blur'] * 3 + ['Rotate'] * 4
    assert patches.shape == (13, 3, 288, 288)
    # relativeshift (0.6, 0.6) of a 288 sample: 0.6 * 144 = 86 px (truncated)
    assert [list(T.shift) for T in t.transforms[1:5]] == [[86, 86], [-86, 86], [86, -86], [-86, -86]]
    # random shifts of the other samples: within random_shift_factor / 2 of the sample size
    for T in t.transforms[5:]:
        assert all(abs(s) <= 288 / 3 / 2 for s in T.shift)
    # The identity sample is the plain crop around the rounded position at the initial scale.
    assert isinstance(t.transforms[0], augmentation.Identity)
    assert t.init_sample_pos.tolist() == [240., 320.] and t.init_sample_scale == pytest.approx(t.target_scale)

    t.params.sample_memory_size = 50
    boxes = t.init_target_boxes()
    base = t.get_iounet_box(t.pos, t.target_sz, t.init_sample_pos, t.init_sample_scale)
    assert boxes.shape == (13, 4) and t.target_boxes.shape == (50, 4)
    for T, box in zip(t.transforms, boxes):
        # each sample's box is the target box moved by its shift (x by dx, y by dy)
        assert box.tolist() == pytest.approx((base + torch.tensor([T.shift[1], T.shift[0], 0., 0.])).tolist())
    assert t.target_boxes[13:].abs().sum() == 0

    t.params.use_augmentation = False
    assert t.generate_init_samples(im).shape == (1, 3, 288, 288) and len(t.transforms) == 1

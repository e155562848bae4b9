"""KeepTrack and SuperDiMP-simple trackers.

End to end: ``run_tracker.py keep_track default|default_fast`` and ``dimp_simple super_dimp_simple``
on fixture datasets, on CPU, with random-weight checkpoints written in the official layout.
In process: candidate extraction and association driven by hand-made score maps, the
certainty-weighted memory, the search-area rescaling and the label memory of DiMP-simple.
"""
import importlib
import math
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ltr.data.processing_utils import find_local_maxima
from pytracking.tracker.keep_track.candidates import CandidateCollection

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
RUN_TRACKER = os.path.join(REPO, 'pytracking', 'run_tracker.py')

# Builder keyword arguments recorded in the official model-zoo files (kept here: tests do not read the spec).
SUPER_DIMP_SIMPLE_KW = {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5, 'clf_feat_norm': True,
                        'clf_feat_blocks': 0, 'final_conv': True, 'out_feature_dim': 512, 'optim_init_reg': 0.1,
                        'score_act': 'relu', 'hinge_threshold': 0.05, 'activation_leak': 0.1,
                        'frozen_backbone_layers': ['conv1', 'bn1', 'layer1', 'layer2']}
KEEP_TRACK_KW = {'backbone_pretrained': False, 'frozen_backbone_layers': ['conv1', 'bn1', 'layer1', 'layer2']}
CHECKPOINTS = {
    'super_dimp_simple.pth.tar': ('ltr.models.tracking.dimpnet', 'dimpnet50_simple', SUPER_DIMP_SIMPLE_KW,
                                  'DiMPnet', 'DiMPSimpleActor'),
    'keep_track.pth.tar': ('ltr.models.target_candidate_matching.target_candidate_matching',
                           'target_candidate_matching_net_resnet50', KEEP_TRACK_KW,
                           'TargetCandidateMatchingNetwork', 'TargetCandiateMatchingActor'),
}


def build_network(name):
    module, fun, kwds, _, _ = CHECKPOINTS[name]
    torch.manual_seed(0)
    return getattr(importlib.import_module(module), fun)(**dict(kwds))


@pytest.fixture(scope='module')
def network_root(tmp_path_factory):
    """A network_path folder with both random-weight checkpoints in the official layout."""
    from ltr.admin.loading import save_checkpoint
    root = tmp_path_factory.mktemp('kt_networks')
    for name, (_, _, _, net_type, actor_type) in CHECKPOINTS.items():
        net = build_network(name)
        save_checkpoint({'epoch': 1, 'actor_type': actor_type, 'net_type': net_type, 'net': net.state_dict(),
                         'net_info': None, 'constructor': net.constructor, 'optimizer': None, 'stats': None,
                         'settings': None}, str(root / name))
    return str(root)


# --------------------------------------------------------------------------- fixture datasets
def _frame(k, box, size=(48, 64)):
    rng = np.random.RandomState(k)
    im = rng.randint(0, 90, (size[0], size[1], 3)).astype(np.uint8)
    x, y, w, h = box
    im[y:y + h, x:x + w] = (230, 200, 40)
    return im


def _box(k):
    return (18 + k % 5, 14 + k % 3, 16, 12)


def _write_frames(folder, names, boxes):
    import cv2 as cv
    os.makedirs(folder, exist_ok=True)
    for k, (name, box) in enumerate(zip(names, boxes)):
        cv.imwrite(os.path.join(folder, name), _frame(k, box)[:, :, ::-1])


def make_otb_tree(root, with_frames):
    """Every OTB-2015 annotation file, and frames only for the sequences in ``with_frames``."""
    from pytracking.evaluation.otbdataset import otb_sequence_info_list
    for info in otb_sequence_info_list():
        n = info['endFrame'] - info['startFrame'] + 1
        boxes = [_box(k) for k in range(n)]
        anno = os.path.join(root, info['anno_path'])
        os.makedirs(os.path.dirname(anno), exist_ok=True)
        with open(anno, 'w') as f:
            f.write(''.join('{},{},{},{}\n'.format(*b) for b in boxes))
        if info['name'] in with_frames:
            names = ['{:0{nz}}.{}'.format(k, info['ext'], nz=info['nz'])
                     for k in range(info['startFrame'], info['endFrame'] + 1)]
            _write_frames(os.path.join(root, info['path']), names, boxes)
    return root


def make_got10k_val_tree(root, name, n):
    seq = os.path.join(root, 'val', name)
    boxes = [_box(k) for k in range(n)]
    _write_frames(seq, ['{:08d}.jpg'.format(k + 1) for k in range(n)], boxes)
    with open(os.path.join(seq, 'groundtruth.txt'), 'w') as f:
        f.write(''.join('{},{},{},{}\n'.format(*b) for b in boxes))
    with open(os.path.join(root, 'val', 'list.txt'), 'w') as f:
        f.write(name + '\n')
    return root


def _run_tracker(args, tmp_path, network_root, **paths):
    env = dict(os.environ)
    env.update({'PYTRACKING_NETWORK_PATH': network_root, 'PYTRACKING_RESULTS_PATH': str(tmp_path / 'results'),
                'PYTHONPATH': REPO, 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '2')})
    env.update({'PYTRACKING_' + k.upper(): v for k, v in paths.items()})
    return subprocess.run([sys.executable, RUN_TRACKER] + args, env=env, cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=900)


def _check_results(results_dir, seq, n_frames, init_box):
    boxes = np.loadtxt(os.path.join(results_dir, seq + '.txt'), delimiter='\t', ndmin=2)
    assert boxes.shape == (n_frames, 4)
    assert np.isfinite(boxes).all()
    assert boxes[0].tolist() == list(init_box)
    assert (boxes[:, 2:] > 0).all()
    times = np.loadtxt(os.path.join(results_dir, seq + '_time.txt')).reshape(-1)
    assert times.shape == (n_frames,) and (times >= 0).all()


@pytest.mark.slow
def test_keep_track_default_fast_on_otb_fixture(tmp_path, network_root):
    otb = make_otb_tree(str(tmp_path / 'otb'), with_frames=('Deer',))
    proc = _run_tracker(['keep_track', 'default_fast', '--dataset', 'otb', '--sequence', 'Deer', '--device', 'cpu'],
                        tmp_path, network_root, otb_path=otb)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results_dir = str(tmp_path / 'results' / 'keep_track' / 'default_fast')
    _check_results(results_dir, 'Deer', 71, _box(0))
    # KeepTrack reports a presence score per frame (1 for the first frame)
    presence = np.loadtxt(os.path.join(results_dir, 'Deer_object_presence_scores.txt')).reshape(-1)
    assert presence.shape == (71,) and presence[0] == 1 and np.isfinite(presence).all()


@pytest.mark.slow
@pytest.mark.parametrize('tracker,param', [('keep_track', 'default'), ('dimp_simple', 'super_dimp_simple')])
def test_parameter_sets_track_end_to_end(tmp_path, network_root, tracker, param):
    got = make_got10k_val_tree(str(tmp_path / 'got10k'), 'seq_kt', 3)
    proc = _run_tracker([tracker, param, '--dataset', 'got10k_val', '--device', 'cpu'], tmp_path, network_root,
                        got10k_path=got)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_results(str(tmp_path / 'results' / tracker / param), 'seq_kt', 3, _box(0))


# The original parameter files' values, written out by hand.
_AUG = {'fliplr': True, 'rotate': [10, -10, 45, -45], 'blur': [(3, 1), (1, 3), (2, 2)],
        'relativeshift': [(0.6, 0.6), (-0.6, 0.6), (0.6, -0.6), (-0.6, -0.6)], 'dropout': (2, 0.2)}
_COMMON = dict(debug=0, visualization=False, use_gpu=True, border_mode='inside_major', patch_max_scale_change=1.5,
               sample_memory_size=50, learning_rate=0.01, init_samples_minimum_weight=0.25, train_skipping=20,
               update_classifier=True, net_opt_iter=10, net_opt_update_iter=2, net_opt_hn_iter=1, window_output=False,
               use_augmentation=True, augmentation=_AUG, augmentation_expansion_factor=2, random_shift_factor=1 / 3,
               advanced_localization=True, target_not_found_threshold=0.25, distractor_threshold=0.8,
               hard_negative_threshold=0.5, target_neighborhood_scale=2.2, dispalcement_scale=0.8,
               hard_negative_learning_rate=0.02, update_scale_when_uncertain=True, box_refinement_space='relative',
               iounet_augmentation=False, iounet_k=3, num_init_random_boxes=9, box_jitter_pos=0.1, box_jitter_sz=0.5,
               maximal_aspect_ratio=6, box_refinement_step_length=2.5e-3, box_refinement_step_decay=1,
               vot_anno_conversion_type='preserve_area')
_KEEP_TRACK = dict(_COMMON, use_certainty_for_weight_computation=True, certainty_for_weight_computation_ths=0.5,
                   visualize_candidate_matching=False, visualize_candidate_assignment_matrix=False)
PARAMETERS = {
    'dimp_simple.super_dimp_simple': dict(_COMMON, image_sample_size=22 * 16, search_area_scale=6,
                                          box_refinement_iter=10, use_gt_box=True),
    'keep_track.default': dict(_KEEP_TRACK, image_sample_size=30 * 16, search_area_scale=8, box_refinement_iter=10),
    'keep_track.default_fast': dict(_KEEP_TRACK, image_sample_size=22 * 16, search_area_scale=6,
                                    box_refinement_iter=3, local_max_candidate_score_th=0.1),
}


@pytest.mark.parametrize('name', sorted(PARAMETERS))
def test_parameter_files_hold_the_original_values(name):
    params = importlib.import_module('pytracking.parameter.' + name).parameters()
    for key, value in PARAMETERS[name].items():
        assert getattr(params, key) == (pytest.approx(value) if isinstance(value, float) else value), key
    assert params.net.net_path == 'super_dimp_simple.pth.tar'
    if name.startswith('keep_track'):
        assert params.target_candidate_matching_net.net_path == 'keep_track.pth.tar'
    if name == 'keep_track.default':
        assert not params.has('local_max_candidate_score_th') and not params.has('use_gt_box')


# --------------------------------------------------------------------------- candidate extraction
def test_find_local_maxima_against_brute_force():
    torch.manual_seed(3)
    score = torch.rand(17, 19)
    coords, values = find_local_maxima(score, th=0.3, ks=5)
    expected = []
    for i in range(17):
        for j in range(19):
            window = score[max(i - 2, 0):i + 3, max(j - 2, 0):j + 3]
            if score[i, j] > 0.3 and score[i, j] == window.max():
                expected.append((score[i, j].item(), i, j))
    expected.sort(reverse=True)
    assert [tuple(c) for c in coords.tolist()] == [(i, j) for _, i, j in expected]
    assert values.tolist() == pytest.approx([v for v, _, _ in expected])
    # Batched form gives the same per map
    bc, bv = find_local_maxima(torch.stack([score, score.flip(0)]).unsqueeze(1), th=0.3, ks=5)
    assert torch.equal(bc[0], coords) and torch.equal(bv[0], values)
    flipped, _ = find_local_maxima(score.flip(0), th=0.3, ks=5)
    assert torch.equal(bc[1], flipped)


def test_find_local_maxima_hand_made_map():
    score = torch.zeros(23, 23)
    score[11, 11] = 0.9
    score[11, 13] = 0.5          # inside the 5x5 neighbourhood of the stronger peak: suppressed
    score[11, 18] = 0.6
    score[2, 3] = 0.04           # below the threshold
    coords, values = find_local_maxima(score, th=0.05, ks=5)
    assert coords.tolist() == [[11, 11], [11, 18]]
    assert values.tolist() == pytest.approx([0.9, 0.6])


def test_candidate_image_coordinates_and_descriptors():
    """Candidates of a hand-made score map: coordinates mapped into the search area (y, x), descriptors
    read at the score-map cells."""
    from ltr.models.target_candidate_matching.target_candidate_matching import DescriptorExtractor
    from pytracking.tracker.keep_track import KeepTrack
    ext = DescriptorExtractor(backbone_feat_dim=4, descriptor_dim=4)
    with torch.no_grad():
        ext.conv.weight.zero_()
        ext.conv.bias.zero_()
        for c in range(4):
            ext.conv.weight[c, c, 2, 2] = 1.0
    feat = torch.randn(1, 4, 22, 22)
    net = SimpleNamespace(get_backbone_clf_feat=lambda f: f['layer3'], descriptor_extractor=ext)
    tracker = KeepTrack(SimpleNamespace(get=lambda name, default=None: default))
    tracker.target_candidate_matching_net = net
    score = torch.zeros(1, 1, 23, 23)
    score[0, 0, 4, 20] = 0.7
    score[0, 0, 15, 2] = 0.3
    search_area = torch.tensor([100.0, 50.0, 220.0, 110.0])            # x, y, w, h
    cands = tracker.extract_descriptors_and_keypoints({'layer3': feat}, score, search_area)
    assert cands['tsm_coords'].tolist() == [[4, 20], [15, 2]]
    assert cands['scores'].tolist() == pytest.approx([0.7, 0.3])
    expected = torch.tensor([[110 * 4 / 22 + 50, 220 * 20 / 22 + 100], [110 * 15 / 22 + 50, 220 * 2 / 22 + 100]])
    assert torch.allclose(cands['img_coords'], expected)
    assert cands['descriptors'].shape == (1, 4, 2)
    assert torch.equal(cands['descriptors'][0, :, 0], feat[0, :, 4, 20])


def test_candidate_kernel_size_separates_close_peaks():
    """Two peaks two cells apart are one candidate with the original's 5x5 neighbourhood and two with
    ``local_max_candidate_kernel_size = 3`` (needed on coarse score maps such as DiMP-tiny's 11x11)."""
    from ltr.models.target_candidate_matching.target_candidate_matching import DescriptorExtractor
    from pytracking.tracker.keep_track import KeepTrack
    ext = DescriptorExtractor(backbone_feat_dim=4, descriptor_dim=4)
    net = SimpleNamespace(get_backbone_clf_feat=lambda f: f['layer3'], descriptor_extractor=ext)
    score = torch.zeros(1, 1, 11, 11)
    score[0, 0, 5, 5] = 0.8
    score[0, 0, 5, 7] = 0.6
    score[0, 0, 5, 6] = 0.4
    found = {}
    for ks in (None, 5, 3):
        values = {} if ks is None else {'local_max_candidate_kernel_size': ks}
        tracker = KeepTrack(SimpleNamespace(get=lambda name, default=None, v=values: v.get(name, default)))
        tracker.target_candidate_matching_net = net
        with torch.no_grad():
            cands = tracker.extract_descriptors_and_keypoints({'layer3': torch.randn(1, 4, 10, 10)}, score,
                                                               torch.tensor([0.0, 0.0, 160.0, 160.0]))
        found[ks] = cands['tsm_coords'].tolist()
    assert found[None] == found[5] == [[5, 5]]
    assert found[3] == [[5, 5], [5, 7]]


# --------------------------------------------------------------------------- association
def _collection(scores, certain=True):
    scores = torch.tensor(scores)
    return CandidateCollection(scores, torch.zeros(len(scores), 2, dtype=torch.long), certain)


def _update(cc, scores, matches, match_scores):
    cc.update(torch.tensor(scores), torch.zeros(len(scores), 2, dtype=torch.long), torch.tensor(matches),
              torch.tensor(match_scores))


def test_target_identity_survives_a_stronger_distractor():
    cc = _collection([0.9, 0.5])                          # target (object 0) and a distractor (object 1)
    _update(cc, [0.8, 0.6], [1, 0], [0.95, 0.95])        # distractor now first, target second
    assert cc.flag == 'normal' and cc.candidate_id_of_selected_candidate == 1
    assert cc.candidates[1].object_id == 0 and cc.candidates[1].scores == pytest.approx([0.9, 0.6])
    assert cc.candidates[0].object_id == 1


def test_switch_to_a_candidate_whose_best_score_beats_the_target():
    cc = _collection([0.6, 0.5])
    _update(cc, [0.95, 0.55], [1, 0], [0.95, 0.95])       # the former distractor peaks above the target's best
    assert cc.candidate_id_of_selected_candidate == 0 and cc.object_id_of_selected_candidate == 1


def test_target_lost_then_redetected():
    cc = _collection([0.9, 0.5])
    _update(cc, [0.2], [1], [0.95])                       # only the (weak) distractor left
    assert cc.flag == 'not_found' and cc.candidate_id_of_selected_candidate is None
    assert cc.candidate_selection_is_certain is False
    _update(cc, [0.2], [0], [0.95])                       # still lost
    assert cc.flag == 'not_found'
    _update(cc, [0.7, 0.2], [-1, 0], [0.0, 0.95])         # a new object above 0.25 is taken as the target
    assert cc.flag == 'normal' and cc.candidate_id_of_selected_candidate == 0
    assert cc.object_id_of_selected_candidate == cc.candidates[0].object_id not in (0, 1)


def test_unlikely_match_does_not_carry_the_target_identity():
    cc = _collection([0.9])
    _update(cc, [0.9], [0], [0.5])                        # matched, but with probability below 0.6
    assert cc.candidates[0].object_id != 0
    # ... so the target is lost and immediately re-selected as a new object (score above 0.25)
    assert cc.flag == 'normal' and cc.object_id_of_selected_candidate == cc.candidates[0].object_id
    cc = _collection([0.9])
    _update(cc, [0.15], [0], [0.8])                       # probability < 0.85 with a score < 0.2
    assert cc.candidates[0].object_id != 0 and cc.flag == 'not_found'


def test_uncertain_start_gives_no_object_the_target_id():
    cc = _collection([0.9, 0.5], certain=False)
    assert cc.object_id_of_selected_candidate == 1 and [c.object_id for c in cc.candidates.values()] == [1, 2]


def test_memory_weight_update_based_on_certainty():
    from pytracking.tracker.keep_track.keep_track import update_sample_weights_based_on_certainty
    sw = torch.tensor([0.3, 0.3, 0.2, 0.2])
    cert = torch.tensor([1.0, 1.0, 0.1, 0.9]) * sw
    ind = update_sample_weights_based_on_certainty([cert], [sw], [3], [4], [2], 0.1, 0.25)
    assert ind == [2]                                     # lowest certainty x weight outside the initial samples
    expected = torch.tensor([0.3, 0.3, 0.2 / 0.9, 0.2])
    expected /= expected.sum()
    # the initial samples keep at least 0.25 in total (they have 0.6 / 1.0222 here)
    assert torch.allclose(sw, expected)
    sw2 = torch.tensor([0.25, 0.25, 0.25, 0.25])
    cert2 = torch.tensor([1.0, 1.0, 0.5, 0.1])
    ind = update_sample_weights_based_on_certainty([cert2], [sw2], [3], [4], [2], 0.1, 0.25)
    assert ind == [3] and torch.allclose(sw2, torch.full((4,), 0.25))   # same slot as before: weights unchanged


# --------------------------------------------------------------------------- the tracker on hand-made score maps
@pytest.fixture(scope='module')
def networks():
    from pytracking.features.net_wrappers import NetWithBackbone, NetWrapper
    base = build_network('super_dimp_simple.pth.tar').eval()
    matcher = build_network('keep_track.pth.tar').eval()

    def make(kind):
        if kind == 'base':
            w = NetWithBackbone('super_dimp_simple.pth.tar', use_gpu=False)
            w.net, w.device = base, torch.device('cpu')
        else:
            w = NetWrapper('keep_track.pth.tar', use_gpu=False)
            w.net, w.device = matcher, torch.device('cpu')
        return w
    return make


TARGET = (300, 220, 40, 40)            # x, y, w, h: the search area (6 x 40 px) lies inside the 640x480 frame
CELL = 240 / 22                          # image pixels per score-map cell


def _scene(k):
    rng = np.random.RandomState(k)
    return rng.randint(0, 255, (480, 640, 3)).astype(np.uint8)


def _keep_track(networks, use_iou_net=False):
    from pytracking.parameter.keep_track.default_fast import parameters
    from pytracking.tracker.keep_track import KeepTrack
    params = parameters()
    params.use_gpu = False
    params.augmentation = {}
    params.net_opt_iter = 2
    params.use_iou_net = use_iou_net
    params.num_init_random_boxes = 0
    params.box_refinement_iter = 1
    params.net = networks('base')
    params.target_candidate_matching_net = networks('matcher')
    return KeepTrack(params)


def _peaks(*peaks):
    score = torch.zeros(1, 1, 23, 23)
    for (r, c), v in peaks:
        score[0, 0, r, c] = v
    return score


def _oracle_matches(tracker):
    """Associate candidates by image position (the ideal matcher)."""
    def extract_matches(descriptors0, descriptors1, img_coords0, img_coords1, scores0, scores1, image_shape):
        dist = torch.cdist(img_coords1.float(), img_coords0.float())
        nearest = dist.argmin(1)
        matches1 = torch.where(dist.min(1).values < 4 * CELL, nearest, torch.full_like(nearest, -1))
        return {'matches1': matches1, 'match_scores1': torch.where(matches1 >= 0, 0.95, 0.0)}
    return extract_matches


def _center(box):
    return np.array([box[0] + (box[2] - 1) / 2, box[1] + (box[3] - 1) / 2])


def test_keep_track_follows_target_identity_on_hand_made_score_maps(networks, monkeypatch):
    tracker = _keep_track(networks)
    maps = iter([
        _peaks(((11, 11), 0.9), ((11, 18), 0.5)),        # frame 2: target at the centre, distractor 7 cells right
        _peaks(((11, 11), 0.6), ((11, 18), 0.8)),        # frame 3: the distractor is now the maximum
        _peaks(((11, 18), 0.2)),                          # frame 4: target gone, weak distractor left
        _peaks(((11, 18), 0.2)),                          # frame 5: still gone
        _peaks(((11, 11), 0.9), ((11, 18), 0.2)),        # frame 6: the target is back
    ])
    monkeypatch.setattr(tracker, 'classify_target', lambda x: next(maps))
    monkeypatch.setattr(tracker, 'extract_matches', _oracle_matches(tracker))

    tracker.initialize(_scene(0), {'init_bbox': list(TARGET)})
    start = _center(TARGET)
    assert tracker.num_stored_samples[0] == 1

    out = tracker.track(_scene(1))
    assert tracker.debug_info['flag'] == 'hard_negative'         # plain localisation, second peak above 0.5 x max
    assert np.abs(_center(out['target_bbox']) - start).max() <= 1
    assert tracker.candidate_collection is not None and len(tracker.candidate_collection.candidates) == 2
    assert tracker.num_stored_samples[0] == 2
    # Certainty of the stored sample: max score, lifted to its square root for the first-frame object
    assert tracker.target_label_certainties[1].item() == pytest.approx(math.sqrt(0.9), abs=1e-6)

    out = tracker.track(_scene(2))
    assert tracker.debug_info['flag'] == 'normal'
    assert tracker.candidate_collection.candidate_id_of_selected_candidate == 1
    assert np.abs(_center(out['target_bbox']) - start).max() <= 1      # DiMP alone would jump to the distractor
    assert out['object_presence_score'] == pytest.approx(math.sqrt(0.8), abs=1e-6)
    assert tracker.num_stored_samples[0] == 3
    assert tracker.mem_sort_indices.tolist() == [0, 1, 2]

    scale_before = float(tracker.target_scale)
    out = tracker.track(_scene(3))
    assert tracker.debug_info['flag'] == 'not_found'
    assert np.abs(_center(out['target_bbox']) - start).max() <= 1
    assert tracker.num_stored_samples[0] == 3                    # nothing learned while the target is lost
    # Search area rescaling: mean of recent scales (all about equal here)
    assert float(tracker.target_scale) == pytest.approx(scale_before, rel=0.02)
    assert tracker.target_not_found_counter == 1

    tracker.track(_scene(4))
    assert tracker.debug_info['flag'] == 'not_found' and tracker.target_not_found_counter == 2

    out = tracker.track(_scene(5))
    assert tracker.debug_info['flag'] == 'normal'
    assert tracker.candidate_collection.candidate_id_of_selected_candidate == 0
    assert tracker.target_not_found_counter == 0
    assert np.abs(_center(out['target_bbox']) - start).max() <= 1


def test_keep_track_moves_to_the_selected_candidate(networks, monkeypatch):
    tracker = _keep_track(networks)
    maps = iter([_peaks(((11, 11), 0.9), ((4, 4), 0.4)),
                 _peaks(((11, 14), 0.9), ((4, 4), 0.4))])       # target moves 3 cells right
    monkeypatch.setattr(tracker, 'classify_target', lambda x: next(maps))
    monkeypatch.setattr(tracker, 'extract_matches', _oracle_matches(tracker))
    tracker.initialize(_scene(0), {'init_bbox': list(TARGET)})
    tracker.track(_scene(1))
    out = tracker.track(_scene(2))
    assert tracker.debug_info['flag'] == 'normal'
    shift = _center(out['target_bbox']) - _center(TARGET)
    assert shift[0] == pytest.approx(3 * 352 / 22 * tracker.target_scale.item(), abs=1.0)
    assert abs(shift[1]) <= 1


def test_search_area_rescaling_uses_recent_larger_scales():
    from pytracking.tracker.keep_track import KeepTrack
    tracker = KeepTrack(SimpleNamespace())
    tracker.target_scales = [torch.tensor(v) for v in [1.0, 3.0, 2.0, 4.0, 2.5]]
    tracker.target_not_found_counter = 0
    tracker.target_scale = torch.tensor(2.5)
    tracker.search_area_rescaling()
    assert float(tracker.target_scale) == pytest.approx((4.0 + 2.5) / 2)      # two scales >= the last one
    for _ in range(3):
        tracker.search_area_rescaling()
    assert tracker.target_not_found_counter == 4
    assert float(tracker.target_scale) == pytest.approx((3.0 + 4.0 + 2.5) / 3)
    empty = KeepTrack(SimpleNamespace())
    empty.target_scales, empty.target_scale = [], torch.tensor(1.5)
    empty.search_area_rescaling()
    assert float(empty.target_scale) == 1.5


def test_keep_track_with_real_matcher_and_iou_net(networks, monkeypatch):
    """The random-weight matcher and the IoU-Net path run on two-candidate maps; outputs stay well formed."""
    tracker = _keep_track(networks, use_iou_net=True)
    maps = iter([_peaks(((11, 11), 0.9), ((11, 18), 0.5)) for _ in range(3)])
    monkeypatch.setattr(tracker, 'classify_target', lambda x: next(maps))
    tracker.initialize(_scene(0), {'init_bbox': list(TARGET)})
    for k in range(1, 4):
        out = tracker.track(_scene(k))
        assert np.isfinite(out['target_bbox']).all() and out['target_bbox'][2] > 0
        assert math.isfinite(out['object_presence_score'])
        assert tracker.debug_info['flag'] in ('normal', 'not_found', 'hard_negative')
    assert tracker.previous_candidates['frame_num'] == 4


# --------------------------------------------------------------------------- DiMP-simple labels
def test_dimp_simple_stores_gaussian_labels(networks, monkeypatch):
    from pytracking.parameter.dimp_simple.super_dimp_simple import parameters
    from pytracking.tracker.dimp_simple import DiMPSimple
    params = parameters()
    params.use_gpu = False
    params.augmentation = {}
    params.net_opt_iter = 2
    params.use_iou_net = False
    params.net = networks('base')
    tracker = DiMPSimple(params)
    monkeypatch.setattr(tracker, 'classify_target', lambda x: _peaks(((11, 13), 0.9)))
    tracker.initialize(_scene(0), {'init_bbox': list(TARGET)})

    label0 = tracker.target_labels[0][0, 0]
    assert label0.shape == (23, 23)
    assert divmod(int(label0.argmax()), 23) == (11, 11)
    # Gaussian of std = output_sigma_factor * target size in feature cells, centred on the target
    # (cell i of the 23 cells is at i - 10.5 relative to the centre of the 22-cell feature map)
    sigma = (22 / 352 * tracker.base_target_sz).prod().sqrt() / 4
    center = 22 * (tracker.pos - tracker.init_sample_pos) / (tracker.init_sample_scale * 352) + 0.5
    rows = torch.arange(23).float() - 10.5
    expected_row = torch.exp(-0.5 * ((rows - center[0]) / sigma) ** 2)
    expected_col = torch.exp(-0.5 * ((rows - center[1]) / sigma) ** 2)
    assert torch.allclose(label0, expected_row[:, None] * expected_col[None, :], atol=1e-5)

    tracker.track(_scene(1))
    assert tracker.num_stored_samples[0] == 2
    label1 = tracker.target_labels[0][1, 0]
    # The label of the new sample peaks where the target was found in that sample (2 cells right)
    assert divmod(int(label1.argmax()), 23) == (11, 13)
    data = tracker.distractor_dataset_data
    assert set(data) == {'score_map', 'sample_pos', 'sample_scale', 'search_area_box'}
    assert divmod(int(data['score_map'].argmax()), 23) == (11, 13)

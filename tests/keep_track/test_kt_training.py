"""KeepTrack training: the candidate dataset script, the dataset classes, sampling/processing, the matching loss,
the actor and the keep_track recipe, on fixture trees in the real on-disk formats."""
import importlib.util
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from ltr.dataset import Got10kCandidateMatching, LasotCandidateMatching
from ltr.dataset.base_video_dataset import AnnotationError
from ltr.models.loss.target_candidate_matching_loss import TargetCandidateMatchingLoss, precision, recall
from ltr.train_settings.smoke._fixtures import write_jpg
from pytracking.util_scripts import create_distractor_dataset as cdd

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SCRIPT = os.path.join(REPO, 'pytracking', 'util_scripts', 'create_distractor_dataset.py')

SUPER_DIMP_SIMPLE_KW = {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5, 'clf_feat_norm': True,
                        'clf_feat_blocks': 0, 'final_conv': True, 'out_feature_dim': 512, 'optim_init_reg': 0.1,
                        'score_act': 'relu', 'hinge_threshold': 0.05, 'activation_leak': 0.1,
                        'frozen_backbone_layers': ['conv1', 'bn1', 'layer1', 'layer2']}


def write_super_dimp_simple(path: str) -> str:
    """Random-weight super_dimp_simple.pth.tar in the official layout (constructor recorded in
    tests/data/checkpoints/super_dimp_simple.txt), with the writer of tests/tracker/conftest.py."""
    spec = importlib.util.spec_from_file_location('_kt_tracker_conftest',
                                                  os.path.join(REPO, 'tests', 'tracker', 'conftest.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.CHECKPOINTS['super_dimp_simple.pth.tar'] = ('ltr.models.tracking.dimpnet', 'dimpnet50_simple',
                                                    SUPER_DIMP_SIMPLE_KW, 'DiMPnet', 'DiMPSimpleActor')
    mod.write_checkpoint(path, 'super_dimp_simple.pth.tar')
    return path


@pytest.fixture(scope='module')
def super_dimp_simple(tmp_path_factory):
    return write_super_dimp_simple(str(tmp_path_factory.mktemp('kt_nets') / 'super_dimp_simple.pth.tar'))


# ----------------------------------------------------------------------------------------- fixtures
IMG_W, IMG_H = 96, 72


def _frame(k: int, box, distractor=None) -> np.ndarray:
    rng = np.random.RandomState(k)
    img = (100 + rng.randint(-15, 16, size=(IMG_H, IMG_W, 1))).repeat(3, axis=2).astype(np.uint8)
    for b in [box] + ([distractor] if distractor is not None else []):
        x, y, w, h = [int(round(v)) for v in b]
        if w > 0 and h > 0:
            img[max(y, 0):y + h, max(x, 0):x + w] = (230, 40, 40)
    return img


def write_got10k_tree(split_dir: str, names, num_frames: int, boxes=None):
    """GOT-10k ``train``/``val`` layout: list.txt, <seq>/{00000001.jpg.., groundtruth.txt, absence.label,
    cover.label}. returns {name: boxes}."""
    truth = {}
    for s, name in enumerate(names):
        seq_boxes = boxes if boxes is not None else [[30 + 2 * k + s, 24 + k, 16, 14] for k in range(num_frames)]
        for k, b in enumerate(seq_boxes):
            write_jpg(os.path.join(split_dir, name, '{:08d}.jpg'.format(k + 1)), _frame(100 * s + k, b, [70, 10, 16, 14]))
        with open(os.path.join(split_dir, name, 'groundtruth.txt'), 'w') as f:
            f.write('\n'.join(','.join('{:g}'.format(v) for v in b) for b in seq_boxes) + '\n')
        visible = [int(b[2] > 0 and b[3] > 0) for b in seq_boxes]
        with open(os.path.join(split_dir, name, 'absence.label'), 'w') as f:
            f.write('\n'.join(str(1 - v) for v in visible) + '\n')
        with open(os.path.join(split_dir, name, 'cover.label'), 'w') as f:
            f.write('\n'.join(str(8 * v) for v in visible) + '\n')
        truth[name] = seq_boxes
    with open(os.path.join(split_dir, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return truth


# ----------------------------------------------------------------------------------------- frame states
def _state(anno, coords, scores, visible=True):
    return cdd.determine_frame_state(torch.tensor(anno), torch.tensor(coords), torch.tensor(scores), visible)


def test_frame_states_hand_cases():
    anno = [11, 11]
    assert _state(anno, [[11, 12], [3, 3]], [0.9, 0.5]) == 'H'            # best candidate is the target
    assert _state(anno, [[11, 12], [3, 3]], [0.2, 0.1]) == 'G'            # ... with a low score
    assert _state(anno, [[3, 3], [12, 12]], [0.7, 0.4]) == 'K'            # the target is the second candidate
    assert _state(anno, [[3, 3], [20, 20]], [0.7, 0.4]) == 'J'            # no candidate at the target
    assert _state(anno, [[3, 3], [20, 20]], [0.2, 0.1]) is None           # ... but all scores low
    assert _state(anno, [[11, 11], [13, 13]], [0.9, 0.5]) is None         # two candidates at the target
    assert _state(anno, [[11, 11]], [0.9]) is None                        # a single candidate
    assert _state(anno, [[11, 11], [3, 3]], [0.9, 0.5], visible=False) is None
    assert _state(anno, [[14, 11], [3, 3]], [0.9, 0.5]) is None           # 3 cells: neither at nor away
    assert cdd.determine_subseq_state('K', 'H') == 'HK' and cdd.determine_subseq_state('H', None) is None


def test_frame_states_with_a_coarse_map_geometry():
    """On an 11x11 map (target ~2 cells) the original's radii would call a distractor 3 cells away ambiguous
    and leave the frame without a state; the tiny geometry (radius 1.5 / separation 2) keeps it."""
    tiny = cdd.CandidateGeometry(kernel_size=3, match_radius=1.5, separation_radius=2.0)
    anno, coords = torch.tensor([5, 5]), torch.tensor([[5, 6], [5, 8]])
    assert cdd.determine_frame_state(anno, coords, torch.tensor([0.9, 0.5]), True) is None
    assert cdd.determine_frame_state(anno, coords, torch.tensor([0.9, 0.5]), True, tiny) == 'H'
    assert cdd.determine_frame_state(anno, coords.flip(0), torch.tensor([0.9, 0.5]), True, tiny) == 'K'
    assert cdd.determine_frame_state(anno, torch.tensor([[6, 6], [5, 8]]), torch.tensor([0.9, 0.5]), True,
                                     tiny) == 'H'                                  # diagonal neighbour: sqrt(2)
    assert cdd.determine_frame_state(anno, torch.tensor([[5, 5], [5, 7]]), torch.tensor([0.9, 0.5]), True,
                                     tiny) is None                                 # second at exactly 2 cells
    assert cdd.determine_frame_state(anno, torch.tensor([[1, 1], [9, 9]]), torch.tensor([0.9, 0.5]), True,
                                     tiny) == 'J'
    assert cdd.CandidateGeometry() == cdd.CandidateGeometry(5, 2, 4)


def test_cli_rejects_an_even_kernel(capsys):
    with pytest.raises(SystemExit):
        cdd.main(['dimp_simple', 'super_dimp_simple', 'lasot_train', '/tmp/x', '--kernel_size', '4'])
    assert '--kernel_size must be a positive odd number' in capsys.readouterr().err


# ----------------------------------------------------------------------------------------- the script
class _DesignedBaseTracker:
    """Stands in for dimp_simple: per frame a designed 23x23 score map with the given peaks (row, col, score)."""

    SA_BOX = [-4.0, -6.0, 110.0, 88.0]   # search area [x, y, w, h]: score-map cell (r, c) <-> image point

    def __init__(self, peaks_per_frame):
        self.peaks_per_frame = peaks_per_frame

    def initialize(self, image, info):
        self.frame_num = 1

    def track(self, image, info=None):
        self.frame_num += 1
        score = torch.zeros(1, 23, 23)
        for r, c, v in self.peaks_per_frame[self.frame_num - 1]:
            score[0, r, c] = v
        self.distractor_dataset_data = dict(score_map=score, sample_pos=torch.tensor([38.0, 51.0]),
                                            sample_scale=torch.tensor(1.0),
                                            search_area_box=torch.tensor(self.SA_BOX))
        return {'target_bbox': [0, 0, 1, 1]}

    def get_label_function(self, center, sample_pos, sample_scale):
        x, y, w, h = self.SA_BOX
        r, c = (center[0] - y) / h * 22, (center[1] - x) / w * 22
        rows, cols = torch.meshgrid(torch.arange(23.0), torch.arange(23.0), indexing='ij')
        return [torch.exp(-((rows - r) ** 2 + (cols - c) ** 2) / 2).view(1, 1, 23, 23)]


class _TrackerWrapper:
    """What the script needs of pytracking.evaluation.Tracker."""

    def __init__(self, inst):
        self.inst = inst

    def get_parameters(self):
        return None

    def create_tracker(self, params):
        return self.inst

    def _read_image(self, path, seq_name=None):
        from pytracking.evaluation.tracker import read_image
        return read_image(path, seq_name)


# Ground truth centred on score-map cell (11, 11): x = -4 + 55 - 7.5, y = -6 + 44 - 7.5 for a 16 x 16 box.
GT = [43.5, 30.5, 16, 16]
T, D, D2 = (11, 11), (3, 3), (20, 19)
PEAKS = {1: [(*T, .9), (*D, .5)],                  # H
         2: [(*T, .8), (*D, .6)],                  # H   -> HH at 1
         3: [(*T, .2), (*D, .1)],                  # G   -> HG at 2
         4: [(*D, .7), (*T, .4)],                  # K
         5: [(*D, .6), (*D2, .3)],                 # J
         6: [(*T, .9)],                            # one candidate: no state
         7: [(*T, .9), (*D, .5)],                  # target invisible: no state
         8: [(*T, .9), (*D, .5)],                  # H
         9: [(*D, .7), (*T, .4)]}                  # K   -> HK at 8


def _designed_sequence(tmp_path):
    from pytracking.evaluation.data import Sequence
    boxes = [list(GT) for _ in range(10)]
    boxes[7] = [0, 0, 0, 0]
    truth = write_got10k_tree(str(tmp_path / 'got10k' / 'train'), ['GOT-10k_Train_000001'], 10, boxes)
    frames = [str(tmp_path / 'got10k' / 'train' / 'GOT-10k_Train_000001' / '{:08d}.jpg'.format(k + 1))
              for k in range(10)]
    return Sequence('GOT-10k_Train_000001', frames, 'got10k', np.array(truth['GOT-10k_Train_000001'], dtype=float))


def test_script_writes_the_designed_candidates_and_the_dataset_reads_them_back(tmp_path):
    seq = _designed_sequence(tmp_path)
    path = cdd.output_file(str(tmp_path / 'out'), 'dimp_simple', 'super_dimp_simple')
    assert path.endswith('target_candidates_dataset_dimp_simple_super_dimp_simple.json')
    cdd.run_sequence(seq, _TrackerWrapper(_DesignedBaseTracker(PEAKS)), path)

    entry = json.load(open(path))['GOT-10k_Train_000001']
    assert entry['index'] == [1, 2, 3, 4, 5, 8, 9]
    assert entry['frame_states'] == {'H': [1, 2, 8], 'G': [3], 'K': [4, 9], 'J': [5]}
    assert entry['subseq_states'] == {'HH': [1], 'HG': [2], 'HK': [8]}
    assert entry['target_anno_coord'] == [[11.0, 11.0]] * 7
    assert entry['search_area_box'] == [_DesignedBaseTracker.SA_BOX] * 7
    for row, frame in enumerate(entry['index']):
        peaks = sorted(PEAKS[frame], key=lambda p: -p[2])
        assert entry['target_candidate_coords'][row] == [[float(r), float(c)] for r, c, _ in peaks]
        np.testing.assert_allclose(entry['target_candidate_scores'][row], [v for _, _, v in peaks], rtol=1e-6)

    # Read back with the frames and the GOT-10k annotations.
    ds = Got10kCandidateMatching(str(tmp_path / 'got10k' / 'train'), path_to_json=path)
    assert ds.get_name() == 'got10k_candidate_matching' and ds.get_num_sequences() == 1
    states = ds.get_frame_states()
    assert {k: v.tolist() for k, v in states.items()} == {'H': [[0, 1], [0, 2], [0, 8]], 'G': [[0, 3]],
                                                          'K': [[0, 4], [0, 9]], 'J': [[0, 5]]}
    assert {k: v.tolist() for k, v in ds.get_subseq_states().items()} == {'HH': [[0, 1]], 'HG': [[0, 2]],
                                                                          'HK': [[0, 8]]}
    frames, meta = ds.get_frames(0, [8, 9])
    assert frames['target_candidate_coords'][1].tolist() == [[3.0, 3.0], [11.0, 11.0]]
    assert frames['target_candidate_scores'][0].tolist() == pytest.approx([0.9, 0.5])
    assert frames['bbox'][0].tolist() == GT and frames['visible'][0].item() == 1
    assert frames['img'][0].shape == (IMG_H, IMG_W, 3)
    err = np.abs(frames['img'][0].astype(int) - _frame(8, GT, [70, 10, 16, 14]).astype(int)).mean()
    assert err < 4 < np.abs(frames['img'][1].astype(int) - _frame(8, GT, [70, 10, 16, 14]).astype(int)).mean() * 1e3
    with pytest.raises(KeyError, match="Frame 6 of sequence 'GOT-10k_Train_000001'"):
        ds.get_frames(0, [6])


def test_candidate_file_errors(tmp_path):
    write_got10k_tree(str(tmp_path / 'train'), ['GOT-10k_Train_000001'], 3)
    with pytest.raises(FileNotFoundError, match='nope.json'):
        Got10kCandidateMatching(str(tmp_path / 'train'), path_to_json=str(tmp_path / 'nope.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text('{"GOT-10k_Train_000001": {"index": [1')
    with pytest.raises(AnnotationError, match='bad.json'):
        Got10kCandidateMatching(str(tmp_path / 'train'), path_to_json=str(bad))
    bad.write_text(json.dumps({'GOT-10k_Train_000001': {'index': [1, 2], 'search_area_box': [[0, 0, 1, 1]],
                                                        'target_anno_coord': [], 'target_candidate_coords': [],
                                                        'target_candidate_scores': []}}))
    with pytest.raises(AnnotationError, match="'search_area_box'"):
        Got10kCandidateMatching(str(tmp_path / 'train'), path_to_json=str(bad))
    bad.write_text(json.dumps({'other_sequence': {}}))
    with pytest.raises(AnnotationError, match='covers none'):
        Got10kCandidateMatching(str(tmp_path / 'train'), path_to_json=str(bad))


@pytest.mark.slow
def test_script_cli_with_random_weight_base_tracker(tmp_path, super_dimp_simple):
    """End to end through the command line on a GOT-10k-format tree: the file has an entry per sequence, every
    stored frame is consistent, and a second run skips the finished sequences."""
    names = ['GOT-10k_Val_000001', 'GOT-10k_Val_000002']
    write_got10k_tree(str(tmp_path / 'got10k' / 'val'), names, 5)
    env = dict(os.environ, PYTRACKING_NETWORK_PATH=os.path.dirname(super_dimp_simple),
               PYTRACKING_GOT10K_PATH=str(tmp_path / 'got10k'), PYTHONPATH=REPO,
               OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    args = [sys.executable, SCRIPT, 'dimp_simple', 'super_dimp_simple', 'got10k_val', str(tmp_path / 'out'),
            '--device', 'cpu']
    proc = subprocess.run(args + ['--sequence', names[0]], env=env, cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = cdd.output_file(str(tmp_path / 'out'), 'dimp_simple', 'super_dimp_simple')
    data = json.load(open(path))
    assert list(data) == [names[0]]
    for entry in data.values():
        n = len(entry.get('index', []))
        for key in ('search_area_box', 'target_anno_coord', 'target_candidate_coords', 'target_candidate_scores'):
            assert len(entry.get(key, [])) == n
        for row, frame in enumerate(entry.get('index', [])):
            assert 1 <= frame < 5
            scores = entry['target_candidate_scores'][row]
            assert scores == sorted(scores, reverse=True) and min(scores) > cdd.CANDIDATE_THRESHOLD
            assert all(0 <= v < 23 for c in entry['target_candidate_coords'][row] for v in c)
            state = cdd.determine_frame_state(torch.tensor(entry['target_anno_coord'][row]),
                                              torch.tensor(entry['target_candidate_coords'][row]),
                                              torch.tensor(scores), True)
            assert frame in entry['frame_states'][state]

    # The remaining sequence is added; the finished one is not run again (its entry is kept as is).
    with open(path, 'r') as f:
        data[names[0]] = {'marker': 'kept'}
    with open(path, 'w') as f:
        json.dump(data, f)
    proc = subprocess.run(args, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.load(open(path))
    assert sorted(data) == names and data[names[0]] == {'marker': 'kept'}


# ----------------------------------------------------------------------------------------- loss
def test_loss_matches_hand_computation():
    # Two candidates per frame + dustbin: candidate 0 <-> 0 matched; candidate 1 of frame 0 unmatched (-1);
    # candidate 1 of frame 1 unknown (-2, ignored).
    la = torch.log(torch.tensor([[[0.6, 0.1, 0.3],
                                  [0.2, 0.1, 0.7],
                                  [0.2, 0.8, 0.0001]]]))
    gt_assignment = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])[None]
    gt_m0 = torch.tensor([[0.0, -1.0]])[None]
    gt_m1 = torch.tensor([[0.0, -2.0]])[None]
    loss = TargetCandidateMatchingLoss(nll_balancing=0.5)
    out = loss(gt_assignment, gt_m0, gt_m1, la, torch.tensor(1.5))
    nll_pos = -math.log(0.6)
    nll_neg = -math.log(0.7) / 1          # only candidate 1 of frame 0 is a known non-match
    assert out['nll_pos'].item() == pytest.approx(nll_pos, rel=1e-6)
    assert out['nll_neg'].item() == pytest.approx(nll_neg, rel=1e-6)
    assert out['total'].item() == pytest.approx(0.5 * nll_pos + 0.5 * nll_neg, rel=1e-6)
    assert out['num_matchable'].item() == 1 and out['num_unmatchable'].item() == 1
    assert out['sinkhorn_norm'].item() == pytest.approx((1.0 + 1.0) / 2, rel=1e-5)
    assert out['bin_score'].tolist() == [1.5]

    # Unbalanced weighting and a second pair in the batch without any true match.
    la2 = torch.log(torch.full((2, 3, 3), 1 / 3))
    gta = torch.stack([gt_assignment[0, 0], torch.zeros(2, 2)])[None]
    m0 = torch.stack([gt_m0[0, 0], torch.tensor([-1.0, -1.0])])[None]
    m1 = torch.stack([gt_m1[0, 0], torch.tensor([-1.0, -2.0])])[None]
    out = TargetCandidateMatchingLoss(nll_balancing=0.25, nll_weight=2.0)(gta, m0, m1, la2, torch.tensor(0.))
    l3 = math.log(3)
    assert out['total'].tolist() == pytest.approx([2 * (0.25 * l3 + 0.75 * l3), 2 * (0.25 * 0 + 0.75 * l3)])
    assert out['num_unmatchable'].tolist() == [1, 3]


def test_recall_and_precision():
    m = torch.tensor([[0, -1, 2], [-1, -1, -1]])
    gt = torch.tensor([[0, 1, -2], [-1, -2, -1]])
    assert recall(m, gt)[0].item() == pytest.approx(1 / 2)     # of the two true matches, one found
    assert torch.isnan(recall(m, gt)[1])
    assert precision(m, gt)[0].item() == 1.0    # predicted 0 (right); 2 has an unknown partner: not counted
    assert torch.isnan(precision(m, gt)[1])
    m2 = torch.tensor([[0, 0, 2]])
    assert precision(m2, gt[:1])[0].item() == pytest.approx(1 / 2)   # candidate 1 matched to 0 instead of 1
    assert recall(m2, gt[:1])[0].item() == pytest.approx(1 / 2)


# ----------------------------------------------------------------------------------------- processing
def _processing(real_only=False, score_map_sz=(23, 23), output_sz=64):
    import ltr.data.transforms as tfm
    from ltr.data import processing
    t = tfm.Transform(tfm.ToTensor())
    if real_only:
        return processing.TargetCandiateMatchingProcessing(output_sz=output_sz, train_transform=t,
                                                           real_target_candidates_only=True, score_map_sz=score_map_sz)
    return processing.TargetCandiateMatchingProcessing(output_sz=output_sz, train_transform=t, num_target_candidates=5,
                                                       img_aug_transform=t, score_map_sz=score_map_sz)


def _designed_dataset(tmp_path):
    seq = _designed_sequence(tmp_path)
    path = cdd.output_file(str(tmp_path / 'out'), 'dimp_simple', 'super_dimp_simple')
    cdd.run_sequence(seq, _TrackerWrapper(_DesignedBaseTracker(PEAKS)), path)
    import ltr.data.image_loader as il
    return Got10kCandidateMatching(str(tmp_path / 'got10k' / 'train'), path_to_json=path,
                                   image_loader=il.opencv_loader)


def test_self_supervised_samples(tmp_path):
    from ltr.data import sampler
    ds = _designed_dataset(tmp_path)
    smp = sampler.SequentialTargetCandidateMatchingSampler(ds, 50, sup_modes=['self_sup'], processing=_processing(),
                                                           frame_modes=['H', 'K', 'J'], p_frame_modes=[1, .5, .5])
    torch.manual_seed(0)
    for i in range(30):
        d = smp[i]
        assert d['img_cropped0'].shape == d['img_cropped1'].shape == (1, 3, 64, 64)
        v0, v1 = d['candidate_valid0'][0], d['candidate_valid1'][0]
        assert v0.shape == (5,) and v0[:2].sum() + v1[:2].sum() >= 3      # at most a quarter of 2 dropped: one
        # full supervision: matched where both real, else dustbin
        both = v0 * v1
        assert torch.equal(d['gt_assignment'][0], torch.diag(both))
        expect = torch.where(both == 1, torch.arange(5.0), torch.full((5,), -1.0))
        assert torch.equal(d['gt_matches0'][0], expect) and torch.equal(d['gt_matches1'][0], expect)
        # real candidates of frame 0 keep their score-map cells and image positions
        tsm0 = d['candidate_tsm_coords0'][0]
        assert ((tsm0 >= 0) & (tsm0 < 23)).all() and ((d['candidate_tsm_coords1'][0] >= 0) &
                                                       (d['candidate_tsm_coords1'][0] < 23)).all()
        if v0[0] == 1:
            assert tsm0[0].tolist() in ([11, 11], [3, 3])
        fake0 = d['candidate_scores0'][0][v0 == 0]
        assert ((fake0 >= 0.05) & (fake0 <= 0.075 + 1e-6)).all()
        assert (d['candidate_scores1'][0][v1 == 1] >= 0.075 - 1e-6).all()


def test_partially_supervised_samples(tmp_path):
    from ltr.data import sampler
    ds = _designed_dataset(tmp_path)
    smp = sampler.SequentialTargetCandidateMatchingSampler(ds, 50, sup_modes=['partial_sup'], processing=_processing(),
                                                           subseq_modes=['HH', 'HK', 'HG'])
    torch.manual_seed(1)
    random.seed(1)
    outcomes = set()
    for i in range(60):
        d = smp[i]
        ga, m0, m1 = d['gt_assignment'][0], d['gt_matches0'][0], d['gt_matches1'][0]
        v0, v1 = d['candidate_valid0'][0], d['candidate_valid1'][0]
        # The target is candidate 0 in H/G frames and candidate 1 in K frames (frame 9).
        tsm0, tsm1 = d['candidate_tsm_coords0'][0], d['candidate_tsm_coords1'][0]
        i0 = [k for k in range(5) if tsm0[k].tolist() == [11, 11]]
        i1 = [k for k in range(5) if tsm1[k].tolist() == [11, 11]]
        if ga.sum() == 1:
            outcomes.add('match')
            (r, c), = ga.nonzero().tolist()
            assert i0 == [r] and i1 == [c] and m0[r] == c and m1[c] == r
            assert (m0 == -2).sum() == 4 and (m1 == -2).sum() == 4
        else:
            # the target's candidate was removed from one frame: its partner must go to the dustbin
            assert ga.sum() == 0 and ((m0 == -1).sum() + (m1 == -1).sum()) == 1
            outcomes.add('drop0' if (m1 == -1).any() else 'drop1')
            if (m1 == -1).any():
                assert v0[0] == 0 and i1 == [int((m1 == -1).nonzero())]
        assert ((tsm0 >= 0) & (tsm0 < 23)).all()
    assert outcomes == {'match', 'drop0', 'drop1'}

    real = sampler.SequentialTargetCandidateMatchingSampler(ds, 5, sup_modes=['partial_sup'],
                                                            processing=_processing(real_only=True),
                                                            subseq_modes=['HK'])
    d = real[0]   # frames 8 (H) and 9 (K)
    assert d['candidate_tsm_coords0'][0].tolist() == [[11, 11], [3, 3]]
    assert d['candidate_tsm_coords1'][0].tolist() == [[3, 3], [11, 11]]
    assert d['gt_assignment'][0].tolist() == [[0, 1], [0, 0]]
    assert d['gt_matches0'][0].tolist() == [1, -2] and d['gt_matches1'][0].tolist() == [-2, 0]
    # image coordinates: cell (11, 11) is the centre of the search area
    x, y, w, h = _DesignedBaseTracker.SA_BOX
    assert d['candidate_img_coords0'][0][0].tolist() == pytest.approx([y + h / 2, x + w / 2])


def test_sampler_leaves_out_missing_states_and_rejects_bad_modes(tmp_path):
    from ltr.data import sampler
    ds = _designed_dataset(tmp_path)
    smp = sampler.SequentialTargetCandidateMatchingSampler(ds, 3, sup_modes=['self_sup'], frame_modes=['H', 'X'],
                                                           processing=_processing())
    assert smp.frame_modes == ['H'] and smp.p_frame_modes == [1.0]
    with pytest.raises(ValueError, match='none of the frame states'):
        sampler.SequentialTargetCandidateMatchingSampler(ds, 3, sup_modes=['self_sup'], frame_modes=['X'])
    with pytest.raises(ValueError, match='invalid'):
        sampler.SequentialTargetCandidateMatchingSampler(ds, 3, sup_modes=['full_sup'], frame_modes=['H'])


# ----------------------------------------------------------------------------------------- recipe
LASOT_SEQS = {'airplane-2': 'train-train', 'bear-1': 'train-train', 'airplane-10': 'train-val'}
FEAT = 4                     # feature size of the small recipe run: 64 x 64 crops, 5 x 5 score map
NUM_LASOT_FRAMES = 12


def _write_lasot_candidates(root: str, json_path: str) -> None:
    """LaSOT-format fixture sequences (target + look-alike distractor) and a candidate file for them: the
    search area is a 64 x 64 region centred on the target (5 x 5 score map, target at cell (2, 2))."""
    data = {}
    for s, name in enumerate(LASOT_SEQS):
        cls = name.split('-')[0]
        seq = os.path.join(root, cls, name)
        boxes = [[30 + k % 5, 20 + (k * 2) % 7, 14, 12] for k in range(NUM_LASOT_FRAMES)]
        for k, b in enumerate(boxes):
            dx = 40 if b[0] < 48 else -40
            write_jpg(os.path.join(seq, 'img', '{:08d}.jpg'.format(k + 1)),
                      _frame(10 * s + k, b, [b[0] + dx, b[1] + 16, 14, 12]))
        with open(os.path.join(seq, 'groundtruth.txt'), 'w') as f:
            f.write('\n'.join(','.join(str(v) for v in b) for b in boxes) + '\n')
        for fname in ('full_occlusion.txt', 'out_of_view.txt'):
            with open(os.path.join(seq, fname), 'w') as f:
                f.write(','.join(['0'] * NUM_LASOT_FRAMES))
        entry = {k: [] for k in ('index', 'search_area_box', 'target_anno_coord', 'target_candidate_coords',
                                 'target_candidate_scores')}
        states = ['H', 'H', 'K', 'H', 'G', 'J', 'H', 'H', 'K', 'H']
        entry['frame_states'], entry['subseq_states'] = {}, {}
        for k, state in zip(range(1, NUM_LASOT_FRAMES - 1), states):
            b = boxes[k]
            cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
            target, distractor = [2.0, 2.0], [3.0, 4.0 if b[0] < 48 else 0.0]
            coords = {'H': [target, distractor], 'G': [target, distractor], 'K': [distractor, target],
                      'J': [distractor, [0.0, 0.0]]}[state]
            scores = {'H': [0.9, 0.4], 'G': [0.2, 0.1], 'K': [0.6, 0.5], 'J': [0.7, 0.3]}[state]
            entry['index'].append(k)
            entry['search_area_box'].append([cx - 32, cy - 32, 64.0, 64.0])
            entry['target_anno_coord'].append(target)
            entry['target_candidate_coords'].append(coords)
            entry['target_candidate_scores'].append(scores)
            entry['frame_states'].setdefault(state, []).append(k)
            prev = states[k - 2] if k >= 2 else None
            if prev is not None and prev + state in ('HH', 'HK', 'HG'):
                entry['subseq_states'].setdefault(prev + state, []).append(k - 1)
        data[name] = entry
    with open(json_path, 'w') as f:
        json.dump(data, f)


@pytest.fixture
def lasot_candidates(tmp_path, monkeypatch, super_dimp_simple):
    root, json_path = str(tmp_path / 'lasot'), str(tmp_path / 'lasot_candidates.json')
    _write_lasot_candidates(root, json_path)
    monkeypatch.setenv('LTR_LASOT_DIR', root)
    monkeypatch.setenv('LTR_LASOT_CANDIDATE_MATCHING_DATASET_PATH', json_path)
    return root, json_path


def test_lasot_candidate_matching_splits(lasot_candidates):
    root, json_path = lasot_candidates
    train = LasotCandidateMatching(root, json_path, split='train-train')
    val = LasotCandidateMatching(split='train-val')          # paths from the settings
    assert train.sequence_list == ['airplane-2', 'bear-1'] and val.sequence_list == ['airplane-10']
    assert train.get_name() == 'lasot_candidate_matching' and train.get_class_name(1) == 'bear'
    assert sorted(train.get_subseq_states()) == ['HG', 'HH', 'HK']
    assert train.get_frame_states()['G'].tolist() == [[0, 5], [1, 5]]


def _small_settings(**extra):
    import ltr.admin.settings as ws_settings
    settings = ws_settings.Settings()
    settings.batch_size, settings.num_workers, settings.feature_sz = 2, 0, FEAT
    settings.samples_per_epoch, settings.val_samples_per_epoch = 4, 2
    settings.val_hh_samples, settings.val_hk_samples = 1, 1
    settings.backbone_pretrained, settings.fail_safe = False, False
    for k, v in extra.items():
        setattr(settings, k, v)
    return settings


@pytest.mark.slow
def test_recipe_trains_a_few_iterations(lasot_candidates, super_dimp_simple):
    from ltr.run_training import run_training
    settings = _small_settings(num_epochs=2, base_network_path=super_dimp_simple)
    trainer = run_training('keep_track', 'keep_track', seed=5, device='cpu', settings=settings)
    assert [l.name for l in trainer.loaders] == ['train', 'val_self_sup', 'val_HH', 'val_HK']
    for name in ('train', 'val_self_sup', 'val_HH', 'val_HK'):
        history = trainer.stats[name]['Loss/total'].history      # one average per epoch
        assert len(history) == 2 and all(math.isfinite(v) and v > 0 for v in history)
    # The matching network starts from the base network's backbone.
    from ltr.admin.loading import load_network
    base, _ = load_network(checkpoint=super_dimp_simple, backbone_pretrained=False)
    net = trainer.actor.net
    assert torch.equal(net.feature_extractor.layer3[0].conv1.weight, base.feature_extractor.layer3[0].conv1.weight)
    assert not any(p.requires_grad for p in net.feature_extractor.parameters())
    ckpts = sorted(os.listdir(os.path.join(settings.env.workspace_dir, 'checkpoints', 'ltr', 'keep_track',
                                           'keep_track')))
    assert ckpts[-1] == 'TargetCandidateMatchingNetwork_ep0002.pth.tar'


@pytest.mark.slow
def test_actor_loss_decreases_on_a_fixed_batch(lasot_candidates):
    """A few Adam steps on one batch lower the matching loss (the network can fit its training signal)."""
    from ltr.actors.keep_track import TargetCandiateMatchingActor
    from ltr.data import LTRLoader, sampler
    from ltr.models.target_candidate_matching import target_candidate_matching as tcm
    root, json_path = lasot_candidates
    torch.manual_seed(0)
    ds = LasotCandidateMatching(root, json_path, split='train-train')
    smp = sampler.SequentialTargetCandidateMatchingSampler(ds, 4, sup_modes=['self_sup', 'partial_sup'],
                                                           processing=_processing(score_map_sz=(FEAT + 1,) * 2),
                                                           frame_modes=['H', 'K', 'J'], subseq_modes=['HH', 'HK'])
    batch = next(iter(LTRLoader('train', smp, batch_size=4, stack_dim=1)))
    net = tcm.target_candidate_matching_net_resnet50(backbone_pretrained=False,
                                                     frozen_backbone_layers=['conv1', 'bn1', 'layer1', 'layer2'])
    for p in net.feature_extractor.parameters():
        p.requires_grad_(False)
    actor = TargetCandiateMatchingActor(net, {'target_candidate_matching': TargetCandidateMatchingLoss()})
    actor.train()
    net.feature_extractor.eval()
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-4)
    losses = []
    for _ in range(8):
        loss, stats = actor(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        assert math.isfinite(loss.item()) and {'Loss/nll_pos', 'Loss/nll_neg', 'Loss/bin_score'} <= set(stats)
    assert losses[-1] < 0.8 * losses[0], losses


@pytest.mark.parametrize('module', ['ltr.data.sampler_candidate_matching', 'ltr.data.processing_candidate_matching',
                                    'ltr.actors.keep_track'])
def test_candidate_matching_modules_import_first_in_a_fresh_interpreter(module):
    # DataLoader workers (spawn) import these modules first; a circular import broke every num_workers > 0 run.
    import subprocess
    import sys
    res = subprocess.run([sys.executable, '-c', 'import {}'.format(module)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]

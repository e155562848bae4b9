"""KeepTrack on the synthetic benchmark: the tiny matching network and its recipe (``keep_track_tiny``) on a
small generated candidate set, and the shipped ``keep_track_tiny.pth.tar`` on a distractor test sequence."""
import json
import os

import numpy as np
import pytest
import torch

from ltr.data import synthetic
from ltr.dataset import Got10kCandidateMatching
from ltr.models.target_candidate_matching import target_candidate_matching as tcm
from pytracking.util_scripts import create_distractor_dataset as cdd

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHIPPED = os.path.join(REPO, 'pytracking', 'networks', 'keep_track_tiny.pth.tar')
NUM_SEQ, NUM_FRAMES = 2, 120     # create_candidate_data uses full-length (120-frame) training sequences
SCORE_SZ = 11                    # DiMP-tiny's score map: 160-pixel crops, stride 16, 4x4 filter


def _write_candidate_file(split_dir: str, path: str) -> None:
    """A candidate file in the create_distractor_dataset format for the sequences in ``split_dir``: the search
    area is 5 target sizes around the ground-truth centre (DiMP-tiny's), so the target is the score-map centre
    cell; one distractor candidate sits at a random cell at least 4 cells away. Every frame is an 'H' frame."""
    rng = np.random.RandomState(0)
    data = {}
    for name in sorted(os.listdir(split_dir)):
        seq_dir = os.path.join(split_dir, name)
        if not os.path.isdir(seq_dir):
            continue
        gt = np.loadtxt(os.path.join(seq_dir, 'groundtruth.txt'), delimiter=',')
        seq = {'index': [], 'search_area_box': [], 'target_anno_coord': [], 'target_candidate_coords': [],
               'target_candidate_scores': []}
        c = SCORE_SZ // 2
        for i, (x, y, w, h) in enumerate(gt):
            if w <= 0 or h <= 0:
                continue
            side = 5 * float(np.sqrt(w * h))
            cx, cy = x + w / 2, y + h / 2
            while True:
                d = rng.randint(0, SCORE_SZ, size=2)
                if np.hypot(d[0] - c, d[1] - c) > cdd.SEPARATION_RADIUS:
                    break
            seq['index'].append(i)
            seq['search_area_box'].append([cx - side / 2, cy - side / 2, side, side])
            seq['target_anno_coord'].append([c, c])
            seq['target_candidate_coords'].append([[c, c], d.tolist()])
            seq['target_candidate_scores'].append([0.9, float(rng.uniform(0.3, 0.6))])
        idx = seq['index']
        seq['frame_states'] = {'H': list(idx)}
        seq['subseq_states'] = {'HH': [a for a, b in zip(idx[:-1], idx[1:]) if b == a + 1]}
        data[name] = seq
    with open(path, 'w') as f:
        json.dump(data, f)


@pytest.fixture(scope='module')
def candidate_set(tmp_path_factory):
    """(split folder, candidate file): the first NUM_SEQ synthetic training sequences, where
    ``SyntheticDataset(split='train', num_sequences=NUM_SEQ)`` writes them under ``synthetic_path``."""
    root = tmp_path_factory.mktemp('kt_syn')
    synthetic_path = str(root / 'synthetic')
    variant = os.path.join(synthetic_path, 'v{}_{}x{}_320x240'.format(synthetic.GENERATOR_VERSION, NUM_SEQ,
                                                                       NUM_FRAMES))
    split_dir = synthetic.generate_split(variant, 'train', NUM_SEQ, NUM_FRAMES, progress=False)
    path = cdd.output_file(variant, 'dimp_simple', 'dimp_tiny')
    _write_candidate_file(split_dir, path)
    return synthetic_path, split_dir, path


def _settings(workspace: str):
    import ltr.admin.settings as ws_settings
    settings = ws_settings.Settings()
    settings.env.workspace_dir = workspace
    settings.batch_size = 4
    settings.num_workers = 0
    settings.num_sequences = NUM_SEQ
    settings.num_val_sequences = 1
    settings.samples_per_epoch = 8
    settings.val_samples_per_epoch = 4
    settings.val_hh_samples = 2
    settings.val_hk_samples = 2
    return settings


def test_tiny_matcher_overfits_a_candidate_batch(candidate_set):
    """A few Adam steps of the recipe's actor on one batch of the recipe's training loader (self- and partially
    supervised pairs of the generated set) lower the matching loss, which stays finite."""
    from ltr.actors.keep_track import TargetCandiateMatchingActor
    from ltr.models.loss.target_candidate_matching_loss import TargetCandidateMatchingLoss
    from ltr.train_settings.keep_track import keep_track_tiny
    from ltr.train_settings.keep_track.keep_track import make_loaders

    _, split_dir, path = candidate_set
    torch.manual_seed(0)
    settings = _settings('/nonexistent')
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.output_sz = keep_track_tiny.FEATURE_SZ * 16
    data = Got10kCandidateMatching(split_dir, path)
    loaders = make_loaders(settings, data, data, (SCORE_SZ, SCORE_SZ))
    batch = next(iter(loaders[0]))
    assert batch['img_cropped0'].shape[-2:] == (160, 160)

    net = tcm.target_candidate_matching_net_tiny()
    for p in net.feature_extractor.parameters():
        p.requires_grad_(False)
    actor = TargetCandiateMatchingActor(net=net, objective={'target_candidate_matching': TargetCandidateMatchingLoss()})
    actor.train(True)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    for _ in range(15):
        loss, stats = actor(batch)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses


def test_tiny_recipe_trains_and_exports(candidate_set, tmp_path, monkeypatch):
    """``run_training('keep_track', 'keep_track_tiny')`` on the generated set: the candidate file covers every
    sequence, so nothing is tracked; two epochs give finite losses and checkpoints, and ``export_network`` writes
    a file that rebuilds the tiny matcher with the trained weights and the base network's backbone."""
    from ltr.admin import loading
    from ltr.models.tracking.dimpnet import dimpnet_tiny
    from ltr.run_training import run_training
    from ltr.train_settings.keep_track.keep_track_tiny import export_network

    synthetic_path, _, path = candidate_set
    monkeypatch.setenv('PYTRACKING_SYNTHETIC_PATH', synthetic_path)
    torch.manual_seed(3)
    base = dimpnet_tiny()
    base_path = str(tmp_path / 'dimp_tiny.pth.tar')
    loading.save_checkpoint({'epoch': 1, 'net': base.state_dict(), 'constructor': base.constructor,
                             'net_type': 'DiMPnet', 'actor_type': 'DiMPActor', 'net_info': None}, base_path)

    settings = _settings(str(tmp_path / 'workspace'))
    settings.num_epochs = 2
    settings.base_network_path = base_path
    settings.candidate_file = path
    trainer = run_training('keep_track', 'keep_track_tiny', seed=1, device='cpu', settings=settings)

    train_stats = trainer.stats['train']
    assert np.isfinite(train_stats['Loss/total'].avg)
    ckpt_dir = os.path.join(str(tmp_path / 'workspace'), 'checkpoints', 'ltr', 'keep_track', 'keep_track_tiny')
    ckpts = sorted(os.listdir(ckpt_dir))
    assert len(ckpts) == 2

    out = str(tmp_path / 'keep_track_tiny.pth.tar')
    ckpt = export_network(os.path.join(ckpt_dir, ckpts[-1]), out)
    assert 'optimizer' not in ckpt and ckpt['epoch'] == 2
    net, _ = loading.load_network(checkpoint=out)
    assert type(net).__name__ == 'TargetCandidateMatchingNetwork'
    trained = trainer.actor.net.state_dict()
    for key, val in net.state_dict().items():
        assert torch.equal(val, trained[key]), key
    base_sd = base.state_dict()
    assert torch.equal(net.state_dict()['feature_extractor.layer3.0.conv1.weight'],
                       base_sd['feature_extractor.layer3.0.conv1.weight'])


def test_tiny_recipe_tracks_every_distractor_sequence_and_a_few_plain_ones():
    from ltr.train_settings.keep_track.keep_track_tiny import GEOMETRY, candidate_sequence_names
    specs = synthetic.split_specs('train', 60)
    names = candidate_sequence_names(60, 5)
    with_d = [s.name for s in specs if 'distractor' in s.challenges]
    plain = [s.name for s in specs if 'distractor' not in s.challenges]
    assert len(with_d) >= 3
    assert sorted(names) == sorted(with_d + plain[:5])
    assert names == sorted(names)            # seed order: the last ones are the validation sequences
    assert GEOMETRY.kernel_size == 3         # the tracker's keep_track_tiny window
    from pytracking.parameter.keep_track.keep_track_tiny import parameters
    assert parameters().local_max_candidate_kernel_size == GEOMETRY.kernel_size


def test_tiny_builder_rejects_unknown_layer():
    with pytest.raises(ValueError, match='classification_layer'):
        tcm.target_candidate_matching_net_tiny(classification_layer=['layer4'])


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isfile(SHIPPED), reason='keep_track_tiny.pth.tar is not shipped')
def test_shipped_keep_track_tiny_tracks_a_distractor_sequence():
    """The shipped matcher loads and KeepTrack-tiny follows the target of a look-alike-distractor test sequence:
    output for every frame, and the overlap with the ground truth on visible frames is mostly high."""
    from pytracking.evaluation import Tracker, get_dataset

    dataset = get_dataset('synthetic')
    seq = dataset['synthetic_0007_distractor']
    assert seq.frame_attributes['distractor'].any()
    out = Tracker('keep_track', 'keep_track_tiny').run_sequence(seq, debug=0)
    boxes = np.asarray(out['target_bbox'], dtype=np.float64)
    gt = np.asarray(seq.ground_truth_rect, dtype=np.float64)
    assert boxes.shape == gt.shape
    assert np.isfinite(boxes).all()
    visible = np.asarray(seq.target_visible, dtype=bool)
    tl = np.maximum(boxes[:, :2], gt[:, :2])
    br = np.minimum(boxes[:, :2] + boxes[:, 2:], gt[:, :2] + gt[:, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=1)
    iou = inter / (boxes[:, 2:].prod(1) + gt[:, 2:].prod(1) - inter)
    assert np.mean(iou[visible] > 0.5) > 0.6


def test_tuning_script_quick_auc_hand_cases():
    """benchmarks/keep_track_tuning.py's AUC: identical boxes pass 20 of the 21 thresholds (IoU 1 is not above 1, as
    in pytracking's success curve), disjoint boxes none, IoU 1/3 the thresholds 0..0.30 (7); the first frame and
    invisible frames do not count."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('keep_track_tuning',
                                                  os.path.join(REPO, 'benchmarks', 'keep_track_tuning.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    gt = np.array([[10, 10, 20, 20]] * 4, dtype=float)
    visible = np.array([True, True, True, False])
    assert mod.sequence_auc(gt.copy(), gt, visible) == pytest.approx(100 * 20 / 21)
    far = gt + np.array([100, 0, 0, 0])
    assert mod.sequence_auc(far, gt, visible) == pytest.approx(0.0)
    half = gt + np.array([10, 0, 0, 0])                  # overlap 10x20 of union 30x20: IoU 1/3
    assert mod.sequence_auc(half, gt, visible) == pytest.approx(100 * 7 / 21)
    mixed = np.stack([far[0], gt[1], far[2], far[3]])     # frame 0 and the invisible frame 3 are ignored
    assert mod.sequence_auc(mixed, gt, visible) == pytest.approx(50 * 20 / 21)
    with pytest.raises(ValueError, match='No frame'):
        mod.sequence_auc(gt, gt, np.array([True, False, False, False]))
    assert mod.parse_override('local_max_candidate_kernel_size=3') == ('local_max_candidate_kernel_size', 3)
    with pytest.raises(Exception, match='not a Python literal'):
        mod.parse_override('x=foo(')

"""Samplers (frame selection, dataset weights), processing outputs and batch collation, on in-memory datasets."""
import collections
import random

import numpy as np
import pytest
import torch

from ltr.data import LTRLoader, processing, sampler, transforms as tfm
from ltr.data.loader import TensorDict, ltr_collate, ltr_collate_stack1
from ltr.dataset import BaseVideoDataset


class _MemoryVideos(BaseVideoDataset):
    """Videos held in memory: frame i of sequence s has pixel value i; visibility given per sequence."""

    def __init__(self, name, visible_per_seq, size=(40, 50), video=True):
        super().__init__(name, root='', image_loader=None)
        self._name = name
        self.visible = [torch.tensor(v, dtype=torch.uint8) for v in visible_per_seq]
        self.sequence_list = list(range(len(visible_per_seq)))
        self.size = size
        self.video = video
        self.requests = []

    def get_name(self):
        return self._name

    def is_video_sequence(self):
        return self.video

    def get_sequence_info(self, seq_id):
        n = len(self.visible[seq_id])
        bbox = torch.tensor([[10.0 + (i % 5), 12.0, 12.0, 10.0] for i in range(n)])
        return {'bbox': bbox, 'valid': torch.ones(n, dtype=torch.bool), 'visible': self.visible[seq_id]}

    def get_frames(self, seq_id, frame_ids, anno=None):
        self.requests.append((seq_id, list(frame_ids)))
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        if not self.video:  # image datasets ignore the frame ids: the one image is repeated
            frame_ids = [0] * len(frame_ids)
        frames = [np.full(self.size + (3,), f % 256, np.uint8) for f in frame_ids]
        return frames, self._frames_anno(anno, frame_ids), self._object_meta('thing')


def _visible(n, hidden=()):
    return [0 if i in hidden else 1 for i in range(n)]


@pytest.mark.parametrize('mode', ['causal', 'interval', 'default'])
def test_frame_sampling_modes_respect_gap_and_visibility(mode):
    random.seed(0)
    hidden = set(range(10, 16))
    ds = _MemoryVideos('mem', [_visible(60, hidden)])
    s = sampler.TrackingSampler([ds], None, samples_per_epoch=200, max_gap=8, num_test_frames=2, num_train_frames=3,
                                frame_sample_mode=mode)
    for i in range(200):
        s[i]
    for train, test in zip(ds.requests[0::2], ds.requests[1::2]):
        train, test = train[1], test[1]
        assert len(train) == 3 and len(test) == 2
        assert not hidden & set(train + test)
        base = train[0]
        if mode == 'causal':
            assert all(base - 8 <= t <= base for t in train[1:])
            assert all(base < t < base + 8 for t in test)
        elif mode == 'interval':
            assert all(base - 8 <= t < base + 8 for t in train[1:] + test)
        else:
            assert all(base - 8 <= t < base + 8 for t in test)


def test_gap_grows_until_frames_are_found():
    random.seed(1)
    # visible only at both ends: causal test frames must be found past max_gap
    vis = [1] * 5 + [0] * 40 + [1] * 5
    ds = _MemoryVideos('mem', [vis])
    s = sampler.DiMPSampler([ds], None, samples_per_epoch=20, max_gap=3, num_test_frames=1, num_train_frames=1)
    for i in range(20):
        s[i]
    for train, test in zip(ds.requests[0::2], ds.requests[1::2]):
        assert vis[train[1][0]] and vis[test[1][0]] and test[1][0] > train[1][0]


def test_dataset_weights_and_short_sequences():
    random.seed(2)
    a = _MemoryVideos('a', [_visible(30)] * 3)
    b = _MemoryVideos('b', [_visible(30)] * 3)
    s = sampler.ATOMSampler([a, b], [3, 1], samples_per_epoch=400, max_gap=5)
    assert s.p_datasets == [0.75, 0.25] and s.frame_sample_mode == 'interval'
    names = collections.Counter(s[i]['dataset'] for i in range(400))
    assert names['a'] / 400 == pytest.approx(0.75, abs=0.07)
    # default weights: proportional to the number of sequences
    c = _MemoryVideos('c', [_visible(30)] * 9)
    assert sampler.TrackingSampler([a, c], None, 10, 5, 1).p_datasets == [0.25, 0.75]
    # sequences shorter than 20 frames or with too few visible frames are never used
    short = _MemoryVideos('short', [_visible(15), _visible(30, hidden=set(range(25))), _visible(30)])
    s = sampler.DiMPSampler([short], None, 50, 5, num_test_frames=2, num_train_frames=2)
    for i in range(50):
        s[i]
    assert {seq for seq, _ in short.requests} == {2}
    never = _MemoryVideos('never', [_visible(10)])
    with pytest.raises(RuntimeError, match="'never'"):
        sampler.DiMPSampler([never], None, 1, 5, 1)[0]
    with pytest.raises(ValueError, match='frame_sample_mode'):
        sampler.TrackingSampler([a], None, 1, 5, 1, frame_sample_mode='random')


def test_image_dataset_repeats_the_image():
    random.seed(3)
    img_ds = _MemoryVideos('img', [[1]], video=False)
    s = sampler.DiMPSampler([img_ds], None, 3, 5, num_test_frames=2, num_train_frames=3)
    data = s[0]
    assert len(data['train_images']) == 3 and len(data['test_images']) == 2
    assert data['test_class'] == 'thing' and data['dataset'] == 'img'


def test_collate_stack_dims_and_types():
    samples = [TensorDict({'img': torch.full((2, 3), float(i)), 'name': 'n{}'.format(i), 'cls': None,
                           'num': i, 'val': 0.5 * i, 'arr': np.full(4, i), 'seq': [torch.tensor(i), 'x'],
                           'map': {'a': torch.tensor([i, i])}}) for i in range(3)]
    b0 = ltr_collate(samples)
    assert isinstance(b0, TensorDict)
    assert b0['img'].shape == (3, 2, 3) and b0['img'][:, 0, 0].tolist() == [0, 1, 2]
    assert b0['name'] == ['n0', 'n1', 'n2'] and b0['cls'] == [None, None, None]
    assert b0['num'].dtype == torch.int64 and b0['val'].dtype == torch.float64
    assert b0['arr'].shape == (3, 4) and b0['seq'][0].tolist() == [0, 1, 2] and b0['seq'][1] == ['x'] * 3
    assert b0['map']['a'].shape == (3, 2)
    b1 = ltr_collate_stack1(samples)
    assert b1['img'].shape == (2, 3, 3) and b1['img'][0, :, 0].tolist() == [0, 1, 2]
    assert b1['arr'].shape == (4, 3) and b1['seq'][0].tolist() == [0, 1, 2]
    with pytest.raises(TypeError):
        ltr_collate([object(), object()])
    with pytest.raises(ValueError, match='stack_dim'):
        LTRLoader('x', [1], stack_dim=2)


def test_tensordict_batch_moves_with_to():
    batch = ltr_collate([TensorDict({'a': torch.zeros(2), 'b': 'x'})] * 2)
    moved = batch.to(torch.float64)
    assert moved['a'].dtype == torch.float64 and moved['b'] == ['x', 'x']


def _atom_like(cls, **kw):
    return cls(search_area_factor=4.0, output_sz=32, center_jitter_factor={'train': 0, 'test': 0.5},
               scale_jitter_factor={'train': 0, 'test': 0.2}, transform=tfm.Transform(tfm.ToTensor()), **kw)


def test_atom_and_klbbreg_processing_pair_mode():
    random.seed(4)
    torch.manual_seed(4)
    ds = _MemoryVideos('mem', [_visible(30)])
    atom = _atom_like(processing.ATOMProcessing,
                      proposal_params={'min_iou': 0.1, 'boxes_per_frame': 16, 'sigma_factor': [0.01, 0.05, 0.1]})
    data = sampler.ATOMSampler([ds], None, 2, 5, processing=atom)[0]
    assert data['train_images'].shape == (3, 32, 32) and data['train_anno'].shape == (4,)
    assert data['test_proposals'].shape == (16, 4) and data['proposal_iou'].shape == (16,)
    # zero train jitter: the box is centred and scaled to output_sz / (4 * sqrt(12 * 10))
    scale = 32 / np.ceil(4 * np.sqrt(120))
    assert data['train_anno'][2:].tolist() == pytest.approx([12 * scale, 10 * scale], rel=1e-5)
    gmm = _atom_like(processing.ATOMProcessing, proposal_params={'boxes_per_frame': 8, 'proposal_method': 'gmm',
                                                                 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]})
    data = sampler.ATOMSampler([ds], None, 2, 5, processing=gmm)[0]
    assert data['proposal_iou'].shape == (8,) and (data['proposal_iou'] <= 1).all()
    kl = _atom_like(processing.KLBBregProcessing, proposal_params={
        'boxes_per_frame': 8, 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)], 'gt_sigma': (0.05, 0.05),
        'add_mean_box': True})
    data = sampler.ATOMSampler([ds], None, 2, 5, processing=kl)[0]
    assert data['test_proposals'].shape == (9, 4) and data['proposal_density'][0] == -1
    assert data['gt_density'].shape == (9,) and data['gt_density'][0] == 1
    bad = _atom_like(processing.ATOMProcessing, proposal_params={'boxes_per_frame': 2, 'proposal_method': 'x'})
    with pytest.raises(ValueError, match='proposal_method'):
        sampler.ATOMSampler([ds], None, 2, 5, processing=bad)[0]
    pair = _atom_like(processing.ATOMProcessing, proposal_params={'min_iou': 0.1, 'boxes_per_frame': 2,
                                                                  'sigma_factor': 0.1})
    with pytest.raises(ValueError, match="'pair' mode"):
        sampler.DiMPSampler([ds], None, 2, 5, num_test_frames=2, processing=pair)[0]


def test_kldimp_processing_densities():
    random.seed(5)
    torch.manual_seed(5)
    ds = _MemoryVideos('mem', [_visible(30)])
    proc = processing.KLDiMPProcessing(
        search_area_factor=4.0, output_sz=64, center_jitter_factor={'train': 1, 'test': 1},
        scale_jitter_factor={'train': 0.1, 'test': 0.1}, crop_type='inside_major', mode='sequence',
        proposal_params={'boxes_per_frame': 8, 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)],
                         'gt_sigma': (0.05, 0.05)},
        label_function_params={'sigma_factor': 0.05, 'kernel_sz': 4, 'feature_sz': 4},
        label_density_params={'sigma_factor': 0.05, 'kernel_sz': 4, 'feature_sz': 4, 'normalize': True,
                              'shrink': 0.1, 'interp_factor': 2},
        transform=tfm.Transform(tfm.ToTensor()))
    data = sampler.DiMPSampler([ds], None, 2, 5, num_test_frames=2, num_train_frames=3, processing=proc)[0]
    assert data['train_images'].shape == (3, 3, 64, 64)
    assert data['test_proposals'].shape == (2, 8, 4) and data['proposal_density'].shape == (2, 8)
    assert data['train_label'].shape == (3, 5, 5)
    assert data['train_label_density'].shape == (3, 9, 9)
    assert torch.allclose(data['train_label_density'].sum(dim=(-2, -1)), torch.full((3,), 0.9), atol=1e-5)
    loader = LTRLoader('train', sampler.DiMPSampler([ds], None, 4, 5, num_test_frames=2, num_train_frames=3,
                                                    processing=proc), batch_size=2, stack_dim=1)
    batch = next(iter(loader))
    assert batch['test_label_density'].shape == (2, 2, 9, 9) and batch['gt_density'].shape == (2, 2, 8)


def test_loader_workers_draw_different_samples():
    ds = _MemoryVideos('mem', [_visible(200)])

    def frame_ids(data):
        return TensorDict({'train': torch.tensor([int(im[0, 0, 0]) for im in data['train_images']]),
                           'test': torch.tensor([int(im[0, 0, 0]) for im in data['test_images']])})
    s = sampler.DiMPSampler([ds], None, 8, 50, num_test_frames=2, num_train_frames=2, processing=frame_ids)
    loader = LTRLoader('train', s, batch_size=1, num_workers=2, stack_dim=1)
    draws = [tuple(b['train'].flatten().tolist() + b['test'].flatten().tolist()) for b in loader]
    assert len(draws) == 8 and len(set(draws)) >= 6  # workers are seeded differently


def test_box_jitter_follows_the_scale_and_centre_distributions():
    """log(jittered side / side) ~ N(0, scale_jitter_factor); the centre moves by U(-1/2, 1/2) times
    center_jitter_factor * sqrt(jittered area), independently per axis."""
    torch.manual_seed(0)
    proc = processing.DiMPProcessing(search_area_factor=5.0, output_sz=64,
                                     center_jitter_factor={'train': 3, 'test': 4.5},
                                     scale_jitter_factor={'train': 0.25, 'test': 0.5})
    box = torch.tensor([100.0, 50.0, 40.0, 20.0])
    n = 5000
    for mode, cjf, sjf in (('train', 3, 0.25), ('test', 4.5, 0.5)):
        jit = torch.stack([proc._get_jittered_box(box, mode) for _ in range(n)])
        log_scale = torch.log(jit[:, 2:] / box[2:])
        # tolerances: about 4 standard errors of each statistic for n samples
        assert log_scale.mean(0).abs().max() < 0.03
        assert torch.allclose(log_scale.std(0), torch.tensor([sjf, sjf]), rtol=0.05)
        assert abs(np.corrcoef(log_scale[:, 0], log_scale[:, 1])[0, 1]) < 0.06
        # normalised centre offset: uniform on [-1/2, 1/2] per axis
        shift = (jit[:, :2] + jit[:, 2:] / 2) - (box[:2] + box[2:] / 2)
        u = shift / (cjf * jit[:, 2:].prod(dim=1, keepdim=True).sqrt())
        assert u.min() >= -0.5 and u.max() <= 0.5
        assert torch.allclose(u.mean(0), torch.zeros(2), atol=0.016)
        assert torch.allclose(u.var(0), torch.full((2,), 1 / 12), rtol=0.06)
        hist = torch.histc(u[:, 0], bins=5, min=-0.5, max=0.5) / n
        assert torch.allclose(hist, torch.full((5,), 0.2), atol=0.025)

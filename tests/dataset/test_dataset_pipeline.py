"""End to end: fixture datasets -> DiMPSampler -> DiMPProcessing -> LTRLoader batches as the DiMP actor
expects them, and the geometry of every crop checked against an independent computation and the pixels."""
import math
import random

import numpy as np
import pytest
import torch

from ltr.data import LTRLoader, processing, sampler, transforms as tfm
from ltr.dataset import Got10k, ImagenetVID, Lasot, MSCOCOSeq, TrackingNet

# pycocotools' mask decoding warns under NumPy 2; not our code
pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')

OUTPUT_SZ = 128
FEATURE_SZ = 8
SEARCH_AREA_FACTOR = 5.0
KERNEL_SZ = 4
SIGMA_FACTOR = 1 / 4 / SEARCH_AREA_FACTOR
NORM_MEAN, NORM_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
PROPOSAL_PARAMS = {'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]}
LABEL_PARAMS = {'sigma_factor': SIGMA_FACTOR, 'kernel_sz': KERNEL_SZ, 'feature_sz': FEATURE_SZ}


@pytest.fixture
def all_datasets(lasot_tree, got10k_tree, trackingnet_tree, coco_tree, imagenetvid_tree):
    pytest.importorskip('pycocotools')
    return [Lasot(lasot_tree[0], vid_ids=[1, 2]), Got10k(got10k_tree[0]),
            TrackingNet(trackingnet_tree[0], set_ids=[0, 1]),
            MSCOCOSeq(coco_tree[0], version='2017'), ImagenetVID(imagenetvid_tree[0])]


def _dimp_processing(cls=processing.DiMPProcessing, **overrides):
    """The DiMP-50 training processing (train_settings/dimp/dimp50), at a small output size."""
    transform_joint = tfm.Transform(tfm.ToGrayscale(probability=0.05))
    transform_train = tfm.Transform(tfm.ToTensorAndJitter(0.2), tfm.Normalize(mean=NORM_MEAN, std=NORM_STD))
    kwargs = dict(search_area_factor=SEARCH_AREA_FACTOR, output_sz=OUTPUT_SZ,
                  center_jitter_factor={'train': 3, 'test': 4.5}, scale_jitter_factor={'train': 0.25, 'test': 0.5},
                  crop_type='inside_major', max_scale_change=1.5, mode='sequence',
                  proposal_params=PROPOSAL_PARAMS, label_function_params=LABEL_PARAMS,
                  transform=transform_train, joint_transform=transform_joint)
    kwargs.update(overrides)
    return cls(**kwargs)


def _closed_form_label(box, sigma_factor=SIGMA_FACTOR, feat=FEATURE_SZ, img=OUTPUT_SZ, ksz=KERNEL_SZ):
    """Label map by the formula written out: one Gaussian per grid cell (feat + 1 cells for an even kernel)."""
    sigma = sigma_factor * feat
    cx = (box[0] + box[2] / 2 - img / 2) / img * feat + 0.5  # +0.5: even kernel
    cy = (box[1] + box[3] / 2 - img / 2) / img * feat + 0.5
    n = feat + 1
    out = torch.zeros(n, n)
    for r in range(n):
        for c in range(n):
            kx, ky = c - (feat - 1) / 2, r - (feat - 1) / 2
            out[r, c] = math.exp(-((kx - cx) ** 2 + (ky - cy) ** 2) / (2 * sigma ** 2))
    return out


def _brute_iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_dimp_batch_has_the_actor_layout(all_datasets):
    random.seed(0)
    torch.manual_seed(0)
    np.random.seed(0)
    batch_size, n_train, n_test = 5, 3, 3
    data_sampler = sampler.DiMPSampler(all_datasets, [1, 1, 1, 1, 1], samples_per_epoch=2 * batch_size, max_gap=30,
                                       num_test_frames=n_test, num_train_frames=n_train,
                                       processing=_dimp_processing())
    loader = LTRLoader('train', data_sampler, training=True, batch_size=batch_size, num_workers=0, shuffle=True,
                       drop_last=True, stack_dim=1)
    assert loader.name == 'train' and loader.training and loader.stack_dim == 1 and loader.epoch_interval == 1
    batches = list(loader)
    assert len(batches) == 2
    lo = (0 - max(NORM_MEAN)) / min(NORM_STD)
    hi = (1 - min(NORM_MEAN)) / min(NORM_STD)
    for data in batches:
        assert data['train_images'].shape == (n_train, batch_size, 3, OUTPUT_SZ, OUTPUT_SZ)
        assert data['test_images'].shape == (n_test, batch_size, 3, OUTPUT_SZ, OUTPUT_SZ)
        assert data['train_anno'].shape == (n_train, batch_size, 4)
        assert data['test_anno'].shape == (n_test, batch_size, 4)
        assert data['test_proposals'].shape == (n_test, batch_size, 8, 4)
        assert data['proposal_iou'].shape == (n_test, batch_size, 8)
        assert data['train_label'].shape == (n_train, batch_size, FEATURE_SZ + 1, FEATURE_SZ + 1)
        assert data['test_label'].shape == (n_test, batch_size, FEATURE_SZ + 1, FEATURE_SZ + 1)
        for key in ('train_images', 'test_images', 'train_anno', 'test_anno', 'test_proposals', 'proposal_iou',
                    'train_label', 'test_label'):
            assert data[key].dtype == torch.float32, key
            assert torch.isfinite(data[key]).all(), key
        assert len(data['dataset']) == batch_size
        assert set(data['dataset']) <= {'lasot', 'got10k', 'trackingnet', 'coco', 'imagenetvid'}
        assert len(data['test_class']) == batch_size
        # normalised images: per channel within [(0 - mean) / std, (1 - mean) / std]
        for imgs in (data['train_images'], data['test_images']):
            assert imgs.min() >= lo - 1e-5 and imgs.max() <= hi + 1e-5
            assert imgs.std() > 0.1
        # boxes have positive size, proposal IoUs are 2 * IoU - 1 of the real overlap
        assert (data['train_anno'][..., 2:] > 0).all() and (data['test_anno'][..., 2:] > 0).all()
        assert (data['proposal_iou'] >= -1).all() and (data['proposal_iou'] <= 1).all()
        for f in range(n_test):
            for b in range(batch_size):
                gt = data['test_anno'][f, b].tolist()
                for p in range(8):
                    prop = data['test_proposals'][f, b, p].tolist()
                    assert data['proposal_iou'][f, b, p].item() == pytest.approx(2 * _brute_iou(gt, prop) - 1,
                                                                                 abs=1e-5)
        # labels: the Gaussian at the target centre in each crop, for train and test frames
        for s in ('train', 'test'):
            for f in range(data[s + '_anno'].shape[0]):
                for b in range(batch_size):
                    ref = _closed_form_label(data[s + '_anno'][f, b].tolist())
                    assert torch.allclose(data[s + '_label'][f, b], ref, atol=1e-5)


def test_stack_dim_0_and_worker_processes_give_the_same_layout(all_datasets):
    data_sampler = sampler.DiMPSampler(all_datasets[:2], None, samples_per_epoch=4, max_gap=30, num_test_frames=2,
                                       num_train_frames=1, processing=_dimp_processing())
    loader = LTRLoader('val', data_sampler, training=False, batch_size=2, num_workers=2, stack_dim=0)
    data = next(iter(loader))
    assert data['train_images'].shape == (2, 1, 3, OUTPUT_SZ, OUTPUT_SZ)
    assert data['test_images'].shape == (2, 2, 3, OUTPUT_SZ, OUTPUT_SZ)
    assert data['test_label'].shape == (2, 2, FEATURE_SZ + 1, FEATURE_SZ + 1)
    assert data['test_proposals'].shape == (2, 2, 8, 4)


class _RecordingDiMPProcessing(processing.DiMPProcessing):
    """Keeps, per call, the original images, boxes and the jittered boxes the crops were made around."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = []

    def __call__(self, data):
        self.records.append({'sizes': {s: [im.shape[:2] for im in data[s + '_images']] for s in ('train', 'test')},
                             'anno': {s: [a.clone() for a in data[s + '_anno']] for s in ('train', 'test')},
                             'jittered': {'train': [], 'test': []}})
        out = super().__call__(data)
        self.records[-1]['out'] = out
        return out

    def _get_jittered_box(self, box, mode):
        jittered = super()._get_jittered_box(box, mode)
        self.records[-1]['jittered'][mode].append(jittered.clone())
        return jittered


def _expected_crop(jittered, im_h, im_w, crop_type, max_scale_change):
    """Crop window [x1, y1, side] for a square output, written from the crop rules (not the library)."""
    x, y, w, h = jittered.tolist()
    side = math.ceil(math.sqrt(w * h) * SEARCH_AREA_FACTOR)
    if crop_type != 'replicate':
        ratios = (side / im_w, side / im_h)
        shrink = max(ratios) if crop_type == 'inside' else min(ratios)
        shrink = min(max(1.0, shrink), max_scale_change)
        side = math.floor(side / shrink)
    starts = []
    for c, extent in ((x + w / 2, im_w), (y + h / 2, im_h)):
        start = round(c - side / 2)
        if side <= extent:
            start = min(max(start, 0), extent - side)  # slid inside the image
        else:
            start = -((side - extent) // 2)  # larger than the image: centred on it
        starts.append(start)
    return starts[0], starts[1], side


@pytest.mark.parametrize('crop_type', ['inside_major', 'inside', 'replicate'])
def test_box_in_each_crop_matches_the_jitter(all_datasets, fx, crop_type):
    random.seed(1)
    torch.manual_seed(1)
    proc = _RecordingDiMPProcessing(search_area_factor=SEARCH_AREA_FACTOR, output_sz=OUTPUT_SZ,
                                    center_jitter_factor={'train': 3, 'test': 4.5},
                                    scale_jitter_factor={'train': 0.25, 'test': 0.5}, crop_type=crop_type,
                                    max_scale_change=1.5, mode='sequence', proposal_params=PROPOSAL_PARAMS,
                                    label_function_params=LABEL_PARAMS)
    data_sampler = sampler.DiMPSampler(all_datasets, [1, 1, 1, 1, 1], samples_per_epoch=10, max_gap=30,
                                       num_test_frames=3, num_train_frames=2, processing=proc)
    checked_exact = checked_pixels = 0
    for i in range(len(data_sampler)):
        data_sampler[i]
    for rec in proc.records:
        out = rec['out']
        for s in ('train', 'test'):
            for k, (jit, gt) in enumerate(zip(rec['jittered'][s], rec['anno'][s])):
                im_h, im_w = rec['sizes'][s][k]
                x1, y1, side = _expected_crop(jit, im_h, im_w, crop_type, 1.5)
                scale = OUTPUT_SZ / side
                expected = torch.tensor([(gt[0] - x1) * scale, (gt[1] - y1) * scale, gt[2] * scale, gt[3] * scale])
                got = out[s + '_anno'][k]
                if side - im_w == 1 or side - im_h == 1:
                    # a crop one pixel larger than the image may sit at either offset
                    assert torch.allclose(got, expected, atol=scale + 1e-3)
                else:
                    assert torch.allclose(got, expected, atol=1e-3), (got, expected)
                    checked_exact += 1
                # the target's red pixels are where the box says
                img = out[s + '_images'][k].permute(1, 2, 0).numpy() * 255
                bx, by, bw, bh = got.tolist()
                m = max(1.5, scale)  # margin for JPEG edges and resampling
                ix1, iy1 = int(math.ceil(max(bx + m, 0))), int(math.ceil(max(by + m, 0)))
                ix2, iy2 = int(min(bx + bw - m, OUTPUT_SZ)), int(min(by + bh - m, OUTPUT_SZ))
                if ix2 - ix1 >= 2 and iy2 - iy1 >= 2:
                    assert fx.red_fraction(img[iy1:iy2, ix1:ix2]) > 0.9
                    checked_pixels += 1
    assert checked_exact >= 40 and checked_pixels >= 20


def test_sampler_frames_respect_causal_order_and_visibility(lasot_tree):
    random.seed(3)
    ds = Lasot(lasot_tree[0], vid_ids=[1, 2])
    seen = []

    def capture(data):
        seen.append(data)
        return data
    data_sampler = sampler.DiMPSampler([ds], None, samples_per_epoch=30, max_gap=4, num_test_frames=2,
                                       num_train_frames=3, processing=capture)
    ids = []
    orig = ds.get_frames

    def spy(seq_id, frame_ids, anno=None):
        ids.append(list(frame_ids))
        return orig(seq_id, frame_ids, anno)
    ds.get_frames = spy
    for i in range(30):
        data_sampler[i]
    invisible = {5, 6, 10}  # occluded / out of view in every fixture LaSOT sequence
    for train_ids, test_ids in zip(ids[0::2], ids[1::2]):
        assert len(train_ids) == 3 and len(test_ids) == 2
        assert not invisible & set(train_ids + test_ids)
        base = train_ids[0]
        assert all(base - 4 <= t <= base for t in train_ids[1:])  # gap never had to grow here
        assert all(base < t < base + 4 for t in test_ids)
    assert all(d['train_images'][0].shape == (48, 64, 3) for d in seen)

"""The procedural synthetic benchmark: determinism, challenge coverage, flags that match the pixels."""
import copy
import filecmp
import os

import numpy as np
import pytest
import torch

from ltr.data import synthetic as syn


def _small_specs(split='test', n=4, frames=20):
    return syn.split_specs(split, n, frames, (160, 120))


def _without_target(seq):
    other = copy.copy(seq)
    other._target = copy.copy(seq._target)
    other._target.mask = np.zeros_like(seq._target.mask)
    return other


def test_same_seed_byte_identical_and_different_seeds_differ(tmp_path):
    a = syn.generate_split(str(tmp_path / 'a'), 'test', 3, 12, (160, 120), progress=False)
    b = syn.generate_split(str(tmp_path / 'b'), 'test', 3, 12, (160, 120), progress=False)
    names = sorted(os.listdir(a))
    assert names == sorted(os.listdir(b))
    for name in names:
        pa, pb = os.path.join(a, name), os.path.join(b, name)
        if os.path.isdir(pa):
            files = sorted(os.listdir(pa))
            assert files == sorted(os.listdir(pb))
            for f in files:
                assert filecmp.cmp(os.path.join(pa, f), os.path.join(pb, f), shallow=False), (name, f)
    s0, s1 = syn.split_specs('test', 2, 12, (160, 120))
    im0, _ = syn.SyntheticSequence(s0).render(5)
    im1, _ = syn.SyntheticSequence(syn.SequenceSpec('x', s0.seed + 7, 12, (160, 120), s0.challenges)).render(5)
    assert not np.array_equal(im0, im1)


def test_train_val_and_test_seeds_are_disjoint():
    test = {s.seed for s in syn.split_specs('test')}
    val = {s.seed for s in syn.split_specs('val', 200)}
    train = {s.seed for s in syn.split_specs('train')}
    assert len(test) == 30 and len(val) == 200 and len(train) == 1000
    assert not test & train and not val & train and not val & test
    # The largest training set allowed still stops short of the validation seeds.
    assert max(s.seed for s in syn.split_specs('train', syn.VAL_SEED_BASE)) < min(val)
    with pytest.raises(ValueError, match='At most'):
        syn.split_specs('train', syn.VAL_SEED_BASE + 1)
    # Validation sequences cycle through the factors like the test split, under their own names.
    specs = syn.split_specs('val', 20)
    for i, spec in enumerate(specs):
        assert syn.CHALLENGES[i % 10] in spec.challenges and spec.name.startswith('synthetic_val_')


def test_written_format_is_consistent(tmp_path):
    out = syn.generate_split(str(tmp_path), 'test', 2, 15, (160, 120), progress=False)
    names = open(os.path.join(out, 'list.txt')).read().split()
    assert len(names) == 2
    d = os.path.join(out, names[0])
    gt = np.loadtxt(os.path.join(d, 'groundtruth.txt'), delimiter=',')
    absent = np.loadtxt(os.path.join(d, 'absence.label'), dtype=int)
    cover = np.loadtxt(os.path.join(d, 'cover.label'), dtype=int)
    attrs = syn.read_attributes(d)
    assert gt.shape == (15, 4) and absent.shape == (15,) and cover.shape == (15,)
    assert sorted(attrs) == sorted(syn.CHALLENGES) and all(v.shape == (15,) for v in attrs.values())
    assert len([f for f in os.listdir(d) if f.endswith('.jpg')]) == 15
    assert ((cover == 0) | (absent == 0)).all() and (cover[absent == 1] <= 1).all()
    # cached: a second call does not rewrite; a different request regenerates
    mtime = os.path.getmtime(os.path.join(d, '00000001.jpg'))
    syn.generate_split(str(tmp_path), 'test', 2, 15, (160, 120), progress=False)
    assert os.path.getmtime(os.path.join(d, '00000001.jpg')) == mtime
    syn.generate_split(str(tmp_path), 'test', 2, 10, (160, 120), progress=False)
    assert len([f for f in os.listdir(d) if f.endswith('.jpg')]) == 10


@pytest.mark.parametrize('challenge', ['full_occlusion', 'out_of_view', 'partial_occlusion'])
def test_flags_match_rendered_pixels(challenge):
    spec = syn.SequenceSpec('s', 4242, 60, (200, 150), (challenge,))
    seq = syn.SyntheticSequence(spec)
    blank = _without_target(seq)
    seen = False
    for t in range(spec.num_frames):
        im, info = seq.render(t)
        im0, _ = blank.render(t)
        target_pixels = np.abs(im.astype(int) - im0.astype(int)).max(axis=2) > 0
        if info['flags']['full_occlusion'] or info['flags']['out_of_view']:
            assert not target_pixels.any(), 'frame {} flagged invisible but target pixels show'.format(t)
            assert info['absent'] and info['cover'] == 0
        if info['flags'][challenge]:
            seen = True
        if info['cover'] >= 2:
            ys, xs = np.nonzero(target_pixels)
            x, y, w, h = info['bbox']
            assert xs.min() >= x - 1.5 and xs.max() <= x + w + 1.5 and ys.min() >= y - 1.5 and ys.max() <= y + h + 1.5
        if info['flags']['partial_occlusion']:
            assert target_pixels.any() and 0 < info['visible_ratio'] < 1
    assert seen, '{} never happened in a sequence made for it'.format(challenge)


@pytest.mark.slow
def test_every_challenge_is_present_in_the_test_split():
    found = {c: 0 for c in syn.CHALLENGES}
    for spec in syn.split_specs('test'):
        seq = syn.SyntheticSequence(spec)
        flags = [seq.render(t)[1]['flags'] for t in range(spec.num_frames)]
        for c in spec.challenges:
            assert any(f[c] for f in flags), '{} asked for {} but it never shows'.format(spec.name, c)
        for c in syn.CHALLENGES:
            found[c] += any(f[c] for f in flags)
    assert all(v >= 3 for v in found.values()), found


def test_bad_requests():
    with pytest.raises(ValueError, match='Unknown synthetic split'):
        syn.split_specs('validation')
    with pytest.raises(ValueError, match='Unknown challenge'):
        syn.SyntheticSequence(syn.SequenceSpec('s', 1, 10, (64, 48), ('wobble',)))
    with pytest.raises(IndexError):
        syn.SyntheticSequence(syn.SequenceSpec('s', 1, 10, (64, 48), ())).render(10)


def test_annotate_equals_render_info():
    seq = syn.SyntheticSequence(syn.SequenceSpec('s', 99, 30, (160, 120), ('partial_occlusion', 'fast_motion')))
    for t in range(0, 30, 3):
        _, info = seq.render(t)
        ann = seq.annotate(t)
        assert np.array_equal(info['bbox'], ann['bbox']) and info['flags'] == ann['flags']
        assert info['visible_ratio'] == ann['visible_ratio']


def test_training_dataset_renders_training_seeds():
    from ltr.dataset.synthetic_tracking import SyntheticTracking
    ds = SyntheticTracking(num_sequences=3, num_frames=16, frame_size=(96, 64))
    assert ds.get_num_sequences() == 3 and ds.get_name() == 'synthetic_tracking'
    info = ds.get_sequence_info(1)
    assert info['bbox'].shape == (16, 4) and info['visible'].shape == (16,) and info['valid'].dtype == torch.bool
    frames, anno, meta = ds.get_frames(1, [0, 5], info)
    assert frames[0].shape == (64, 96, 3) and frames[0].dtype == np.uint8
    ref = syn.SyntheticSequence(syn.split_specs('train', 3, 16, (96, 64))[1])
    im, ref_info = ref.render(5)
    assert np.array_equal(frames[1], im)
    assert torch.allclose(anno['bbox'][1], torch.tensor(ref_info['bbox'], dtype=torch.float32))
    assert meta['object_class_name'] == 'synthetic_object'

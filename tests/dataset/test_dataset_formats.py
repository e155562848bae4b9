"""The dataset readers on fixture trees in the real on-disk formats (see conftest.py)."""
import json
import os

import numpy as np
import pytest
import torch

from ltr.data.image_loader import ImageLoadError, opencv_loader
from ltr.dataset import BaseVideoDataset, Got10k, ImagenetVID, Lasot, MSCOCO, MSCOCOSeq, TrackingNet
from ltr.dataset import tracking_net
from ltr.dataset.base_video_dataset import DATA_SPECS_DIR, AnnotationError, read_box_file

# pycocotools' mask decoding warns under NumPy 2; not our code
pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')


def _check_target_pixels(fx, frames, boxes):
    """Every frame shows the red target exactly inside its box (interior red, ring outside not red)."""
    W, H, red_fraction = fx.W, fx.H, fx.red_fraction
    for img, (x, y, w, h) in zip(frames, boxes):
        x, y, w, h = int(x), int(y), int(w), int(h)
        assert img.shape == (H, W, 3) and img.dtype == np.uint8
        assert red_fraction(img[y + 1:y + h - 1, x + 1:x + w - 1]) > 0.95
        ring = np.ones((H, W), bool)
        ring[max(y - 2, 0):y + h + 2, max(x - 2, 0):x + w + 2] = False
        # other targets may be in the image (COCO / VID); the ring next to the box must be background
        near = np.zeros((H, W), bool)
        near[max(y - 4, 0):y + h + 4, max(x - 4, 0):x + w + 4] = True
        assert red_fraction(img[near & ring]) < 0.35


def test_lasot_reads_boxes_visibility_frames_and_classes(lasot_tree, fx):
    root, truth = lasot_tree
    ds = Lasot(root, vid_ids=[1, 2])
    assert isinstance(ds, BaseVideoDataset)
    assert ds.get_name() == 'lasot' and ds.is_video_sequence() and ds.has_class_info()
    assert ds.get_num_sequences() == 4 == len(ds)
    assert ds.sequence_list == ['airplane-1', 'airplane-2', 'bear-1', 'bear-2']
    assert ds.class_list == ['airplane', 'bear']
    assert ds.get_sequences_in_class('bear') == [2, 3]
    for seq_id, name in enumerate(ds.sequence_list):
        info = ds.get_sequence_info(seq_id)
        assert torch.equal(info['bbox'], torch.tensor(truth[name]['boxes'], dtype=torch.float32))
        assert info['visible'].dtype == torch.uint8 and info['valid'].dtype == torch.bool
        assert info['visible'].tolist() == truth[name]['visible']
        assert ds.get_class_name(seq_id) == truth[name]['class']
    frames, anno, meta = ds.get_frames(2, [0, 5, 23])
    assert meta['object_class_name'] == 'bear'
    assert [a.tolist() for a in anno['bbox']] == [truth['bear-1']['boxes'][i] for i in (0, 5, 23)]
    assert [int(v) for v in anno['visible']] == [1, 0, 1]
    _check_target_pixels(fx, frames, anno['bbox'])


def test_lasot_split_files_are_the_official_training_protocol(fx):
    ds_names = {}
    for split in ('train', 'train-train', 'train-val'):
        files = {'train': 'lasot_train_split.txt', 'train-train': 'lasot_train_train_split.txt',
                 'train-val': 'lasot_train_val_split.txt'}
        path = os.path.join(DATA_SPECS_DIR, files[split])
        with open(path) as f:
            ds_names[split] = [line.strip() for line in f if line.strip()]
    train = ds_names['train']
    # protocol II: 70 classes x 16 training videos, no duplicates
    assert len(train) == 1120 == len(set(train))
    classes = {n.rsplit('-', 1)[0] for n in train}
    assert len(classes) == 70
    assert all(sum(n.rsplit('-', 1)[0] == c for n in train) == 16 for c in classes)
    # the two sub-splits partition the training split
    assert set(ds_names['train-train']).isdisjoint(ds_names['train-val'])
    assert set(ds_names['train-train']) | set(ds_names['train-val']) == set(train)


def test_lasot_split_and_vid_ids_are_exclusive(lasot_tree, fx):
    with pytest.raises(ValueError, match='both'):
        Lasot(lasot_tree[0], vid_ids=[1], split='train')
    with pytest.raises(ValueError, match='Unknown LaSOT split'):
        Lasot(lasot_tree[0], split='test')


def test_missing_root_names_path_and_setting(tmp_path, fx):
    missing = str(tmp_path / 'nowhere')
    for cls, setting in ((Lasot, 'lasot_dir'), (Got10k, 'got10k_dir'), (TrackingNet, 'trackingnet_dir'),
                         (MSCOCOSeq, 'coco_dir'), (ImagenetVID, 'imagenet_dir')):
        with pytest.raises(FileNotFoundError) as err:
            cls(missing)
        msg = str(err.value)
        assert missing in msg and setting in msg and 'LTR_' + setting.upper() in msg


def test_root_from_environment_variable(lasot_tree, monkeypatch, fx):
    monkeypatch.setenv('LTR_LASOT_DIR', lasot_tree[0])
    assert Lasot(vid_ids=[2]).sequence_list == ['airplane-2', 'bear-2']


def test_unset_setting_is_a_clear_error(monkeypatch, fx):
    monkeypatch.setenv('LTR_LASOT_DIR', '')
    with pytest.raises(Exception) as err:
        Lasot(vid_ids=[1])
    assert 'lasot_dir' in str(err.value) and 'LTR_LASOT_DIR' in str(err.value)


def test_missing_sequence_and_malformed_annotation_are_named(lasot_tree, tmp_path, fx):
    ds = Lasot(lasot_tree[0], vid_ids=[7])
    with pytest.raises(AnnotationError, match='airplane-7'):
        ds.get_sequence_info(0)
    bad = tmp_path / 'gt.txt'
    bad.write_text('1,2,3,4\n1,2,x,4\n')
    with pytest.raises(AnnotationError, match='gt.txt'):
        read_box_file(str(bad))
    bad.write_text('1,2,3\n')
    with pytest.raises(AnnotationError, match='x,y,w,h'):
        read_box_file(str(bad))


def test_unreadable_frame_is_named(tmp_path, fx):
    root = tmp_path / 'lasot'
    fx.write_lasot(str(root))
    frame = root / 'bear' / 'bear-2' / 'img' / '00000004.jpg'
    frame.write_bytes(b'not a jpeg')
    ds = Lasot(str(root), vid_ids=[2], image_loader=opencv_loader)
    with pytest.raises(ImageLoadError, match='00000004.jpg'):
        ds.get_frames(1, [3])


def test_got10k_reads_labels_meta_and_classes(got10k_tree, fx):
    root, truth = got10k_tree
    ds = Got10k(root)
    assert ds.get_name() == 'got10k' and ds.has_class_info() and ds.has_occlusion_info()
    assert ds.sequence_list == sorted(truth)
    assert ds.class_list == ['ichneumon', 'zebra']
    assert ds.get_sequences_in_class('ichneumon') == [0, 2]
    for seq_id, name in enumerate(ds.sequence_list):
        info = ds.get_sequence_info(seq_id)
        assert torch.allclose(info['bbox'], torch.tensor(truth[name]['boxes'], dtype=torch.float32))
        assert info['visible'].tolist() == truth[name]['visible']
        assert torch.allclose(info['visible_ratio'], torch.tensor(truth[name]['cover']).float() / 8)
    frames, anno, meta = ds.get_frames(1, [0, 3, 4, 20])
    assert meta['object_class_name'] == 'zebra' and meta['major_class'] == 'equine'
    assert meta['motion_class'] == 'running' and meta['root_class'] == 'animal'
    assert [int(v) for v in anno['visible']] == [1, 0, 0, 1]
    _check_target_pixels(fx, frames, anno['bbox'])
    # seq_ids select folders by their index in list.txt
    assert Got10k(root, seq_ids=[2, 0]).sequence_list == ['GOT-10k_Train_000003', 'GOT-10k_Train_000001']


def test_got10k_split_indices_out_of_range_name_list_file(got10k_tree, fx):
    with pytest.raises(ValueError) as err:
        Got10k(got10k_tree[0], split='val')
    assert 'list.txt' in str(err.value)


def test_got10k_split_files_partition_the_official_train_set(fx):
    specs = DATA_SPECS_DIR

    def read(name):
        path = os.path.join(specs, name)
        if not os.path.isfile(path):
            pytest.skip('{} not shipped'.format(name))
        with open(path) as f:
            return [int(line) for line in f if line.strip()]
    train, val = read('got10k_train_split.txt'), read('got10k_val_split.txt')
    assert len(val) == len(set(val)) == 1401
    assert len(train) == len(set(train)) == 7934
    assert set(train).isdisjoint(val) and set(train) | set(val) == set(range(9335))


def test_trackingnet_reads_sets_and_zero_based_frames(trackingnet_tree, fx):
    root, truth = trackingnet_tree
    ds = TrackingNet(root, set_ids=[0, 1])
    assert ds.get_name() == 'trackingnet'
    assert ds.sequence_list == [(0, 'AAB6lO-XiKE_0'), (0, 'AACM71csS-Q_0'), (1, 'AARldOxX9Qc_0')]
    for seq_id, key in enumerate(ds.sequence_list):
        info = ds.get_sequence_info(seq_id)
        assert torch.equal(info['bbox'], torch.tensor(truth[key]['boxes'], dtype=torch.float32))
        assert info['visible'].all()
    frames, anno, meta = ds.get_frames(2, [0, 23])
    _check_target_pixels(fx, frames, anno['bbox'])
    assert set(meta) == {'object_class_name', 'motion_class', 'major_class', 'root_class', 'motion_adverb'}
    assert TrackingNet(root, set_ids=[1]).get_num_sequences() == 1
    with pytest.raises(AnnotationError, match='TRAIN_5'):
        TrackingNet(root, set_ids=[5])


def test_trackingnet_classes_come_from_the_class_map(trackingnet_tree, tmp_path, monkeypatch, fx):
    classmap = tmp_path / 'trackingnet_classmap.txt'
    classmap.write_text('AAB6lO-XiKE_0\tperson\nAARldOxX9Qc_0\tbird\nZZZ_0\tcat\n')
    monkeypatch.setattr(tracking_net, 'CLASSMAP_FILE', str(classmap))
    ds = TrackingNet(trackingnet_tree[0], set_ids=[0, 1])
    assert ds.has_class_info() and ds.class_list == ['bird', 'person']
    assert [ds.get_class_name(i) for i in range(3)] == ['person', None, 'bird']
    assert ds.get_sequences_in_class('bird') == [2]
    assert ds.get_frames(0, [1])[2]['object_class_name'] == 'person'
    monkeypatch.setattr(tracking_net, 'CLASSMAP_FILE', str(tmp_path / 'missing.txt'))
    assert not TrackingNet(trackingnet_tree[0], set_ids=[0]).has_class_info()


def test_coco_seq_and_image_dataset(coco_tree, fx):
    pytest.importorskip('pycocotools')
    root, truth = coco_tree
    ds = MSCOCOSeq(root, version='2017')
    assert ds.get_name() == 'coco' and not ds.is_video_sequence() and ds.has_segmentation_info()
    assert ds.get_num_sequences() == 3  # the crowd annotation is skipped
    assert ds.class_list == ['cat', 'dog']
    assert ds.get_sequences_in_class('dog') == [1]
    for seq_id, ann_id in enumerate(ds.sequence_list):
        info = ds.get_sequence_info(seq_id)
        x, y, w, h = truth[ann_id]['box']
        assert info['bbox'].tolist() == [[x, y, w, h]]
        mask = info['mask'][0]
        assert mask.shape == (fx.H, fx.W)
        # the polygon mask covers the box (pycocotools rasterises the boundary half-open)
        assert mask[y + 1:y + h - 1, x + 1:x + w - 1].all() and mask.sum() <= (w + 1) * (h + 1)
        assert ds.get_class_name(seq_id) == truth[ann_id]['class']
    frames, anno, meta = ds.get_frames(0, [0, 1, 2])
    assert len(frames) == 3 and all(np.array_equal(frames[0], f) for f in frames)
    assert meta['object_class_name'] == 'cat' and meta['major_class'] == 'animal'
    _check_target_pixels(fx, frames, anno['bbox'])

    img_ds = MSCOCO(root, version='2017', min_area=0)
    assert img_ds.get_num_images() == 3
    img, img_anno, img_meta = img_ds.get_image(2)
    assert img_anno['bbox'].tolist() == truth[img_ds.image_list[2]]['box']
    _check_target_pixels(fx, [img], [img_anno['bbox']])
    assert img_ds.get_images_in_class('cat') == [0, 2]


def test_coco_missing_annotation_file_is_named(coco_tree, fx):
    pytest.importorskip('pycocotools')
    with pytest.raises(AnnotationError, match='instances_val2014.json'):
        MSCOCOSeq(coco_tree[0], split='val')


def test_imagenetvid_tracklets_and_cache(tmp_path, fx):
    root = str(tmp_path / 'vid')
    truth = fx.write_imagenetvid(root)
    ds = ImagenetVID(root)
    assert os.path.isfile(os.path.join(root, 'cache.json'))
    assert ds.get_name() == 'imagenetvid' and ds.get_num_sequences() == 2
    for seq_id, track in enumerate(['0', '1']):
        info = ds.get_sequence_info(seq_id)
        assert info['bbox'].tolist() == truth[track]['boxes']
        assert info['visible'].tolist() == truth[track]['visible']
        assert ds.get_class_name(seq_id) == truth[track]['class']
    # frame ids are relative to the tracklet start
    frames, anno, meta = ds.get_frames(1, [0, 19])
    assert meta['object_class_name'] == 'n02121808'
    _check_target_pixels(fx, frames, anno['bbox'])

    # the cache is used on the next construction: a modified cache is what gets loaded
    with open(os.path.join(root, 'cache.json')) as f:
        cached = json.load(f)
    cached[0]['class_name'] = 'from-cache'
    with open(os.path.join(root, 'cache.json'), 'w') as f:
        json.dump(cached, f)
    assert ImagenetVID(root).get_class_name(0) == 'from-cache'
    # filters: min_length drops the 20-frame track; max_target_area drops everything
    assert ImagenetVID(root, min_length=21).get_num_sequences() == 1
    assert ImagenetVID(root, max_target_area=0.01).get_num_sequences() == 0


def test_frames_out_of_range_are_reported(lasot_tree, fx):
    ds = Lasot(lasot_tree[0], vid_ids=[1])
    with pytest.raises(IndexError, match='24 annotated frames'):
        ds.get_frames(0, [24], anno=ds.get_sequence_info(0))


def test_got10k_vot_splits_are_the_train_set_minus_the_vot_overlap(fx):
    def read(name):
        with open(os.path.join(DATA_SPECS_DIR, name)) as f:
            return [line.strip() for line in f if line.strip()]
    vot_train = [int(v) for v in read('got10k_vot_train_split.txt')]
    vot_val = [int(v) for v in read('got10k_vot_val_split.txt')]
    train = set(int(v) for v in read('got10k_train_split.txt'))
    val = set(int(v) for v in read('got10k_val_split.txt'))
    excluded = read('got10k_vot_exclude.txt')
    assert len(vot_train) == len(set(vot_train)) == 7086 and len(vot_val) == len(set(vot_val)) == 1249
    assert len(excluded) == len(set(excluded)) == 1000
    assert all(name.startswith('GOT-10k_Train_') for name in excluded)
    # vottrain / votval are the train / val splits without the sequences excluded for the VOT challenge; the
    # original lists index those by their GOT-10k number.
    excluded_ids = {int(name.rsplit('_', 1)[1]) for name in excluded}
    assert set(vot_train) <= train and set(vot_val) <= val
    assert set(vot_train) | set(vot_val) | excluded_ids == set(range(9335))
    assert excluded_ids.isdisjoint(vot_train) and excluded_ids.isdisjoint(vot_val)


def test_parsed_annotations_are_cached_per_sequence(tmp_path, fx, monkeypatch):
    """The sampler asks for a sequence's annotation on every draw: files are parsed once per process."""
    from ltr.dataset import base_video_dataset, got10k, lasot
    roots = {name: str(tmp_path / name) for name in ('lasot', 'got10k', 'trackingnet')}
    fx.write_lasot(roots['lasot'])
    fx.write_got10k(roots['got10k'])
    fx.write_trackingnet(roots['trackingnet'])
    reads = []
    original = base_video_dataset.read_box_file

    def counting(path, *args, **kwargs):
        reads.append(path)
        return original(path, *args, **kwargs)
    for module in (base_video_dataset, got10k, lasot, tracking_net):
        if hasattr(module, 'read_box_file'):
            monkeypatch.setattr(module, 'read_box_file', counting)

    for ds in (Lasot(roots['lasot'], vid_ids=[1, 2]), Got10k(roots['got10k']),
               TrackingNet(roots['trackingnet'], set_ids=[0, 1])):
        reads.clear()
        first = [ds.get_sequence_info(i) for i in range(ds.get_num_sequences())]
        assert len(reads) == ds.get_num_sequences(), ds.get_name()
        again = [ds.get_sequence_info(i) for i in range(ds.get_num_sequences())]
        ds.get_frames(0, [0, 1])
        assert len(reads) == ds.get_num_sequences(), ds.get_name()  # nothing parsed a second time
        for a, b in zip(first, again):
            assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
        # The caller gets its own dict: replacing an entry does not alter the cache.
        again[0]['bbox'] = None
        assert ds.get_sequence_info(0)['bbox'] is not None

    # A cache of size 0 parses on every call.
    monkeypatch.setattr(BaseVideoDataset, 'anno_cache_size', 0)
    ds = Lasot(roots['lasot'], vid_ids=[1])
    reads.clear()
    ds.get_sequence_info(0)
    ds.get_sequence_info(0)
    assert len(reads) == 2


def test_imagenetvid_missing_and_malformed_annotations_are_named(tmp_path, fx):
    empty = tmp_path / 'vid_empty'
    empty.mkdir()
    with pytest.raises(AnnotationError) as err:
        ImagenetVID(str(empty))
    assert os.path.join('Annotations', 'VID', 'train') in str(err.value) and 'LTR_IMAGENET_DIR' in str(err.value)

    root = tmp_path / 'vid'
    fx.write_imagenetvid(str(root))
    xml = root / 'Annotations' / 'VID' / 'train' / 'ILSVRC2015_VID_train_0000' / 'ILSVRC2015_train_00000000' / \
        '000005.xml'
    text = xml.read_text()
    xml.write_text(text.replace('<xmin>', '<xmim>').replace('</xmin>', '</xmim>'))
    with pytest.raises(AnnotationError, match='000005.xml.*bndbox/xmin'):
        ImagenetVID(str(root))
    xml.write_text(text[:-20])
    with pytest.raises(AnnotationError, match='ILSVRC2015_train_00000000'):
        ImagenetVID(str(root))
    assert not (root / 'cache.json').exists()  # nothing half-parsed was cached


def test_shipped_trackingnet_classmap_labels_fixture_sequences(trackingnet_tree, tmp_path, monkeypatch):
    # The class map shipped in ltr/data_specs (copied from the original repository): one
    # "<video>\t<class>" line per TrackingNet training sequence, found relative to the package.
    path = tracking_net.CLASSMAP_FILE
    assert os.path.dirname(path) == DATA_SPECS_DIR and os.path.isfile(path)
    with open(path, newline='') as f:
        lines = f.read().split('\n')
    assert lines[-1] == ''  # ends with a newline, no blank lines in between
    rows = [line.split('\t') for line in lines[:-1]]
    assert len(rows) == 30133 and all(len(r) == 2 and r[0] and r[1] == r[1].strip() and r[1] for r in rows)
    names = [r[0] for r in rows]
    assert len(set(names)) == len(names)
    classmap = tracking_net._load_classmap(path)
    assert len(classmap) == 30133 and classmap == dict(rows)
    assert {'person', 'bird', 'car', 'zebra', 'potted plant'} <= set(classmap.values())

    # Loaded without any patching, from an unrelated working directory.
    monkeypatch.chdir(tmp_path)
    ds = TrackingNet(trackingnet_tree[0], set_ids=[0, 1])
    assert [name for _, name in ds.sequence_list] == ['AAB6lO-XiKE_0', 'AACM71csS-Q_0', 'AARldOxX9Qc_0']
    assert ds.has_class_info() and ds.class_list == ['bird', 'person']
    assert [ds.get_class_name(i) for i in range(3)] == ['person', 'person', 'bird']
    assert ds.get_sequences_in_class('person') == [0, 1] and ds.get_sequences_in_class('bird') == [2]
    assert ds.get_frames(2, [0])[2]['object_class_name'] == 'bird'

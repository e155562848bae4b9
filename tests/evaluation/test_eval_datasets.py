"""Every benchmark loader on a fixture tree in the benchmark's real on-disk format.

The expected values (frame numbering, zero padding, start frames, folder names, classes, counts) are the
benchmarks' facts, written out here independently of the loaders' tables.
"""
import os
import re

import numpy as np
import pytest

from pytracking.evaluation import get_dataset, load_dataset
from pytracking.evaluation.otbdataset import otb_sequence_info_list
from pytracking.evaluation.nfsdataset import nfs_sequence_info_list
from pytracking.evaluation.uavdataset import uav_sequence_info_list
from pytracking.evaluation.tpldataset import tpl_sequence_info_list
from pytracking.evaluation.votdataset import VOT2018_SEQUENCES
from pytracking.evaluation.lasotdataset import expand_class_table, _LASOT_TEST
from pytracking.evaluation.lasotextensionsubsetdataset import _LASOT_EXT
from pytracking.evaluation.avistdataset import AVIST_SEQUENCES
from pytracking.utils.load_text import AnnotationError


def _write(path, text):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'w') as f:
        f.write(text)


def _boxes_text(n, sep=',', x0=1.0):
    return ''.join(sep.join(str(v) for v in [x0 + i, 2 + i, 30, 40]) + '\n' for i in range(n))


def _info_tree(root, infos, sep=',', rows=3):
    """Annotation files for every sequence of an info-list dataset (frames are not read at loading)."""
    for info in infos:
        path = os.path.join(str(root), info['anno_path'])
        if not os.path.exists(path):
            _write(path, _boxes_text(rows + info.get('initOmit', 0), sep))


# --------------------------------------------------------------------------- OTB
def test_otb(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'otb'
    _info_tree(root, otb_sequence_info_list())
    _write(root / 'Biker' / 'groundtruth_rect.txt', '10\t20\t30\t40\n11\t21\t31\t41\n')   # tab-separated
    _write(root / 'Boy' / 'groundtruth_rect.txt', '10 20 30 40\n')                       # space-separated
    monkeypatch.setenv('PYTRACKING_OTB_PATH', str(root))
    seqs = get_dataset('otb')
    assert len(seqs) == 100
    names = [s.name for s in seqs]
    for n in ['Basketball', 'Human4_2', 'Jogging_1', 'Jogging_2', 'Skating2_1', 'Skating2_2', 'Woman']:
        assert n in names
    r = str(root)
    assert seqs['Basketball'].frames[0] == r + '/Basketball/img/0001.jpg'
    assert len(seqs['Basketball'].frames) == 725
    assert seqs['Basketball'].dataset == 'otb' and seqs['Basketball'].object_class == 'person'
    assert seqs['Biker'].object_class == 'person head'
    np.testing.assert_array_equal(seqs['Biker'].ground_truth_rect, [[10, 20, 30, 40], [11, 21, 31, 41]])
    np.testing.assert_array_equal(seqs['Boy'].ground_truth_rect, [[10, 20, 30, 40]])
    assert seqs['Board'].frames[0] == r + '/Board/img/00001.jpg'        # 5-digit frame names
    assert seqs['KiteSurf'].frames[0].endswith('/KiteSurf/img/0001.png')
    assert seqs['BlurCar1'].frames[0].endswith('/BlurCar1/img/0247.jpg')
    assert seqs['BlurCar1'].frames[-1].endswith('/BlurCar1/img/0988.jpg')
    assert seqs['David'].frames[0].endswith('/David/img/0300.jpg')
    assert seqs['Human4_2'].frames[0] == r + '/Human4/img/0001.jpg'
    assert seqs['Jogging_2'].frames[0] == r + '/Jogging/img/0001.jpg'
    # Tiger1: the first 5 frames are left out, frames and annotation alike.
    tiger = seqs['Tiger1']
    assert tiger.frames[0].endswith('/Tiger1/img/0006.jpg') and len(tiger.frames) == 349
    assert tiger.init_bbox() == [6.0, 7.0, 30.0, 40.0]


def test_otb_uses_second_annotation_of_two_target_videos(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'otb'
    _info_tree(root, otb_sequence_info_list())
    _write(root / 'Jogging' / 'groundtruth_rect.1.txt', '1,1,5,5\n')
    _write(root / 'Jogging' / 'groundtruth_rect.2.txt', '2,2,6,6\n')
    monkeypatch.setenv('PYTRACKING_OTB_PATH', str(root))
    seqs = get_dataset('otb')
    assert seqs['Jogging_1'].init_bbox() == [1, 1, 5, 5] and seqs['Jogging_2'].init_bbox() == [2, 2, 6, 6]


def test_otb_errors(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'otb'
    _info_tree(root, otb_sequence_info_list())
    monkeypatch.setenv('PYTRACKING_OTB_PATH', str(root))
    _write(root / 'Crossing' / 'groundtruth_rect.txt', '1,2,3,4\n1,2,three,4\n')
    with pytest.raises(AnnotationError) as e:
        get_dataset('otb')
    assert 'Crossing/groundtruth_rect.txt' in str(e.value) and 'line 2' in str(e.value)
    os.remove(str(root / 'Crossing' / 'groundtruth_rect.txt'))
    with pytest.raises(AnnotationError, match='Crossing/groundtruth_rect.txt'):
        get_dataset('otb')


# --------------------------------------------------------------------------- NFS
def test_nfs(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'nfs'
    _info_tree(root, nfs_sequence_info_list(), sep='\t')
    monkeypatch.setenv('PYTRACKING_NFS_PATH', str(root))
    seqs = get_dataset('nfs')
    assert len(seqs) == 100
    g = seqs['nfs_Gymnastics']
    assert g.frames[0] == str(root) + '/sequences/Gymnastics/00001.jpg' and len(g.frames) == 368
    assert g.object_class == 'person' and g.dataset == 'nfs'
    np.testing.assert_array_equal(g.ground_truth_rect[1], [2, 3, 30, 40])
    assert seqs['nfs_bee'].object_class == 'insect' and len(seqs['nfs_bee'].frames) == 45
    assert seqs['nfs_zebra_fish'].object_class == 'fish'
    # Commas are not NFS's delimiter: clear error naming the file.
    _write(root / 'anno' / 'nfs_bee.txt', '1,2,3,4\n')
    with pytest.raises(AnnotationError, match='nfs_bee.txt'):
        get_dataset('nfs')


# --------------------------------------------------------------------------- UAV
def test_uav(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'uav'
    _info_tree(root, uav_sequence_info_list())
    _write(root / 'anno' / 'UAV123' / 'bird1_2.txt', '5,6,7,8\nNaN,NaN,NaN,NaN\n9,10,11,12\n')
    monkeypatch.setenv('PYTRACKING_UAV_PATH', str(root))
    seqs = get_dataset('uav')
    assert len(seqs) == 123
    b = seqs['uav_bird1_2']
    assert b.frames[0] == str(root) + '/data_seq/UAV123/bird1/000775.jpg'
    assert b.frames[-1].endswith('/data_seq/UAV123/bird1/001477.jpg')
    assert b.object_class == 'bird' and b.dataset == 'uav'
    assert np.isnan(b.ground_truth_rect[1]).all() and b.ground_truth_rect[2, 0] == 9
    assert seqs['uav_car1_s'].frames[0].endswith('/data_seq/UAV123/car1_s/000001.jpg')
    assert seqs['uav_uav1_3'].frames[0].endswith('/uav1/002473.jpg')
    assert seqs['uav_group3_4'].object_class == 'person' and seqs['uav_truck1'].object_class == 'truck'


# --------------------------------------------------------------------------- TPL
def test_tpl(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'tpl'
    _info_tree(root, tpl_sequence_info_list())
    monkeypatch.setenv('PYTRACKING_TPL_PATH', str(root))
    seqs = get_dataset('tpl')
    assert len(seqs) == 129
    y = seqs['tpl_Yo_yos_ce1']
    assert y.frames[0] == str(root) + '/tpl_Yo_yos_ce1/img/0001.jpg' and y.dataset == 'tpl'
    assert os.path.isfile(str(root / 'tpl_Yo_yos_ce1' / 'Yo-yos_ce1_gt.txt'))
    assert seqs['tpl_Busstation_ce2'].frames[0].endswith('/img/0006.jpg')
    assert seqs['tpl_Hurdle_ce2'].frames[0].endswith('/img/0027.jpg')
    nootb = get_dataset('tpl_nootb')
    assert len(nootb) == 85
    names = {s.name for s in nootb}
    assert 'tpl_Skating2' not in names and 'tpl_Bolt' not in names and 'tpl_Torus' in names


# --------------------------------------------------------------------------- VOT
def test_vot(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'vot'
    for name in VOT2018_SEQUENCES:
        _write(root / name / 'groundtruth.txt', '1,2,3,4\n')
    # A rotated box: corners (10,20) (50,10) (60,50) (20,60) -> x 10..60, y 10..60.
    _write(root / 'ants1' / 'groundtruth.txt', '10,20,50,10,60,50,20,60\n11,21,51,11,61,51,21,61\n')
    monkeypatch.setenv('PYTRACKING_VOT_PATH', str(root))
    seqs = get_dataset('vot')
    assert len(seqs) == 60
    a = seqs['ants1']
    np.testing.assert_allclose(a.ground_truth_rect, [[10, 10, 50, 50], [11, 11, 50, 50]])
    assert a.frames == [str(root) + '/ants1/color/00000001.jpg', str(root) + '/ants1/color/00000002.jpg']
    np.testing.assert_array_equal(seqs['bag'].ground_truth_rect, [[1, 2, 3, 4]])
    _write(root / 'bag' / 'groundtruth.txt', '1,2,3,4,5,6\n')
    with pytest.raises(AnnotationError, match='bag/groundtruth.txt'):
        get_dataset('vot')


# --------------------------------------------------------------------------- TrackingNet
def test_trackingnet(tmp_path, monkeypatch, eval_env, helpers):
    root = tmp_path / 'tn'
    for name in ['vidB', 'vidA']:
        _write(root / 'TEST' / 'anno' / (name + '.txt'), '3,4,5,6\n')
        for i in [0, 1, 2, 10]:
            helpers.write_image(root / 'TEST' / 'frames' / name / '{}.jpg'.format(i), w=8, h=8)
    monkeypatch.setenv('PYTRACKING_TRACKINGNET_PATH', str(root))
    seqs = get_dataset('trackingnet')
    assert [s.name for s in seqs] == ['vidA', 'vidB']
    a = seqs['vidA']
    assert [os.path.basename(f) for f in a.frames] == ['0.jpg', '1.jpg', '2.jpg', '10.jpg']  # numeric order
    assert a.init_bbox() == [3, 4, 5, 6] and a.ground_truth_rect.shape == (1, 4) and a.dataset == 'trackingnet'


# --------------------------------------------------------------------------- GOT-10k
def _got_tree(root, split, names, helpers, n=3):
    _write(root / split / 'list.txt', '\n'.join(names) + '\n')
    for name in names:
        _write(root / split / name / 'groundtruth.txt', _boxes_text(n))
        for i in range(1, n + 1):
            helpers.write_image(root / split / name / '{:08d}.jpg'.format(i), w=8, h=8)


def test_got10k(tmp_path, monkeypatch, eval_env, helpers):
    root = tmp_path / 'got'
    _got_tree(root, 'val', ['GOT-10k_Val_000002', 'GOT-10k_Val_000001'], helpers)
    _got_tree(root, 'test', ['GOT-10k_Test_000001'], helpers, n=2)
    _write(root / 'test' / 'GOT-10k_Test_000001' / 'groundtruth.txt', '7,8,9,10\n')  # test set: first box only
    names = ['GOT-10k_Train_{:06d}'.format(i) for i in range(1, 6)]
    _got_tree(root, 'train', names, helpers, n=2)
    monkeypatch.setenv('PYTRACKING_GOT10K_PATH', str(root))

    val = get_dataset('got10k_val')
    assert [s.name for s in val] == ['GOT-10k_Val_000002', 'GOT-10k_Val_000001']  # list.txt order
    v = val['GOT-10k_Val_000001']
    assert v.frames[0] == str(root / 'val' / 'GOT-10k_Val_000001' / '00000001.jpg') and len(v.frames) == 3
    assert v.dataset == 'got10k'
    test = get_dataset('got10k_test')
    assert test[0].ground_truth_rect.shape == (1, 4) and test[0].init_bbox() == [7, 8, 9, 10]
    assert len(test[0].frames) == 2

    spec = tmp_path / 'specs'
    _write(spec / 'got10k_val_split.txt', '3\n0\n')
    import pytracking.evaluation.got10kdataset as gm
    monkeypatch.setattr(gm, '_DEFAULT_DATASPEC', str(spec))
    assert [s.name for s in get_dataset('got10k_ltrval')] == ['GOT-10k_Train_000004', 'GOT-10k_Train_000001']
    _write(spec / 'got10k_val_split.txt', '3\n9\n')
    with pytest.raises(AnnotationError, match='index 9'):
        get_dataset('got10k_ltrval')
    os.remove(str(root / 'val' / 'list.txt'))
    with pytest.raises(AnnotationError, match='list.txt'):
        get_dataset('got10k_val')


# --------------------------------------------------------------------------- LaSOT family
def _lasot_tree(root, names, n=4):
    for name in names:
        d = root / name.rsplit('-', 1)[0] / name
        _write(d / 'groundtruth.txt', _boxes_text(n))
        _write(d / 'full_occlusion.txt', ','.join(['0'] * n) + '\n')
        _write(d / 'out_of_view.txt', ','.join(['0'] * n) + '\n')


def test_lasot(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'lasot'
    _lasot_tree(root, expand_class_table(_LASOT_TEST))
    d = root / 'airplane' / 'airplane-1'
    _write(d / 'full_occlusion.txt', '0,1,0,0\n')
    _write(d / 'out_of_view.txt', '0,0,0,1\n')
    monkeypatch.setenv('PYTRACKING_LASOT_PATH', str(root))
    seqs = get_dataset('lasot')
    assert len(seqs) == 280
    names = [s.name for s in seqs]
    assert names[:4] == ['airplane-1', 'airplane-9', 'airplane-13', 'airplane-15'] and names[-1] == 'volleyball-19'
    assert 'rubicCube-19' in names and 'licenseplate-15' in names
    a = seqs['airplane-1']
    assert a.frames[0] == str(d / 'img' / '00000001.jpg') and len(a.frames) == 4
    assert a.object_class == 'airplane' and a.dataset == 'lasot'
    np.testing.assert_array_equal(a.target_visible, [True, False, True, False])
    assert seqs['rubicCube-1'].object_class == 'rubicCube'
    _write(d / 'out_of_view.txt', '0,0,0\n')
    with pytest.raises(AnnotationError, match='out_of_view.txt'):
        get_dataset('lasot')


def test_lasot_train(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'lasot'
    _lasot_tree(root, ['bear-1', 'sepia-20'], n=2)
    spec = tmp_path / 'specs'
    _write(spec / 'lasot_train_split.txt', 'sepia-20\nbear-1\n')
    import pytracking.evaluation.lasotdataset as lm
    monkeypatch.setattr(lm, '_DATA_SPECS', str(spec))
    monkeypatch.setenv('PYTRACKING_LASOT_PATH', str(root))
    seqs = get_dataset('lasot_train')
    assert [s.name for s in seqs] == ['sepia-20', 'bear-1']
    assert seqs['sepia-20'].object_class == 'sepia' and len(seqs['bear-1'].frames) == 2


def test_lasot_extension_subset(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'lasot_ext'
    _lasot_tree(root, expand_class_table(_LASOT_EXT), n=2)
    monkeypatch.setenv('PYTRACKING_LASOT_EXTENSION_SUBSET_PATH', str(root))
    seqs = get_dataset('lasot_extension_subset')
    assert len(seqs) == 150
    names = [s.name for s in seqs]
    assert names[20:22] == ['cosplay-1', 'cosplay-10'] and names[-1] == 'wingsuit-10'
    s = seqs['jianzi-3']
    assert s.object_class == 'jianzi' and s.dataset == 'lasot_extension_subset'
    assert s.frames[1] == str(root / 'jianzi' / 'jianzi-3' / 'img' / '00000002.jpg')


# --------------------------------------------------------------------------- AVisT
def test_avist(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'avist'
    for name in AVIST_SEQUENCES:
        _write(root / 'anno' / (name + '.txt'), '1 2 3 4\n5 6 7 8\n')
        _write(root / 'full_occlusion' / (name + '_full_occlusion.txt'), '0,0\n')
        _write(root / 'out_of_view' / (name + '_out_of_view.txt'), '0,0\n')
    _write(root / 'anno' / 'air_show.txt', '1,2,3,4\n5,6,7,8\n9,10,11,12\n')
    _write(root / 'full_occlusion' / 'air_show_full_occlusion.txt', '0,0,1\n')
    _write(root / 'out_of_view' / 'air_show_out_of_view.txt', '1,0,0\n')
    monkeypatch.setenv('PYTRACKING_AVIST_PATH', str(root))
    seqs = get_dataset('avist')
    assert len(seqs) == 120
    a = seqs['air_show']
    assert a.frames == [str(root / 'sequences' / 'air_show' / 'img_{:05d}.jpg'.format(i)) for i in (1, 2, 3)]
    np.testing.assert_array_equal(a.target_visible, [False, True, False])
    np.testing.assert_array_equal(seqs['zebra_in_water'].ground_truth_rect, [[1, 2, 3, 4], [5, 6, 7, 8]])
    assert a.dataset == 'avist'


# --------------------------------------------------------------------------- OxUvA
def _oxuva_tree(root, helpers):
    _write(root / 'tasks' / 'dev.csv', 'vid0001,obj0000,10,13,0.1,0.5,0.2,0.6\nvid0002,obj0001,0,1,0.0,0.5,0.0,0.5\n')
    _write(root / 'tasks' / 'test.csv', 'vid0100,obj0003,5,7,0.25,0.75,0.5,1.0\n')
    _write(root / 'annotations' / 'dev.csv',
           'vid0001,obj0000,3,car,false,true,10,present,0.1,0.5,0.2,0.6\n'
           'vid0001,obj0000,3,car,false,true,12,present,0.2,0.6,0.2,0.6\n'
           'vid0001,obj0000,3,car,false,true,40,present,0.2,0.6,0.2,0.6\n'
           'vid0002,obj0001,5,dog,false,true,0,present,0.0,0.5,0.0,0.5\n')
    helpers.write_image(root / 'images' / 'dev' / 'vid0001' / '000010.jpeg', w=100, h=50)
    helpers.write_image(root / 'images' / 'dev' / 'vid0002' / '000000.jpeg', w=20, h=20)
    helpers.write_image(root / 'images' / 'test' / 'vid0100' / '000005.jpeg', w=40, h=80)


def test_oxuva(tmp_path, monkeypatch, eval_env, helpers):
    root = tmp_path / 'oxuva'
    _oxuva_tree(root, helpers)
    monkeypatch.setenv('PYTRACKING_OXUVA_PATH', str(root))
    dev = get_dataset('oxuva_dev')
    assert [s.name for s in dev] == ['vid0001_obj0000_frames[000010:000014]', 'vid0002_obj0001_frames[000000:000002]']
    s = dev[0]
    assert s.dataset == 'oxuva'
    assert s.frames == [str(root / 'images' / 'dev' / 'vid0001' / '{:06d}.jpeg'.format(i)) for i in range(10, 14)]
    # 100 x 50 image: xmin 0.1 -> 10, xmax 0.5 -> 50, ymin 0.2 -> 10, ymax 0.6 -> 30
    np.testing.assert_allclose(s.ground_truth_rect, [[10, 10, 40, 20], [-1, -1, -1, -1], [20, 10, 40, 20],
                                                     [-1, -1, -1, -1]])
    test = load_dataset('oxuva_test').get_sequence_list()
    t = test[0]
    assert t.name == 'vid0100_obj0003_frames[000005:000008]' and len(t.frames) == 3
    np.testing.assert_allclose(t.ground_truth_rect, [[10, 40, 20, 40], [-1] * 4, [-1] * 4])
    with pytest.raises(ValueError, match='OxUvA'):
        from pytracking.evaluation.oxuvadataset import OxUvADataset
        OxUvADataset('train')
    os.remove(str(root / 'annotations' / 'dev.csv'))
    with pytest.raises(AnnotationError, match='dev.csv'):
        get_dataset('oxuva_dev')


def test_otb_attributes(tmp_path, monkeypatch, eval_env):
    from pytracking.evaluation.datasets import get_dataset_attributes
    root = tmp_path / 'otb'
    _info_tree(root, otb_sequence_info_list())
    monkeypatch.setenv('PYTRACKING_OTB_PATH', str(root))
    fm = get_dataset('otb', attribute='Low Resolution')
    # The OTB benchmark's low-resolution videos.
    assert sorted(s.name for s in fm) == sorted(['Biker', 'Box', 'Car1', 'Deer', 'Ironman', 'MotorRolling',
                                                  'Panda', 'RedTeam', 'Surfer', 'Walking2'])
    assert [s.name for s in get_dataset('otb', attribute='LR')] == [s.name for s in fm]
    per_att = get_dataset_attributes('otb')
    assert list(per_att) == ['IV', 'SV', 'OCC', 'DEF', 'MB', 'FM', 'IPR', 'OPR', 'OV', 'BC', 'LR']
    assert len(per_att['LR']) == 10 and 'Jogging_1' in [s.name for s in per_att['OCC']]
    with pytest.raises(ValueError, match='Unknown attribute'):
        get_dataset('otb', attribute='Sparkle')


def test_uav_attributes(tmp_path, monkeypatch, eval_env):
    root = tmp_path / 'uav'
    _info_tree(root, uav_sequence_info_list())
    monkeypatch.setenv('PYTRACKING_UAV_PATH', str(root))
    names = [s.name for s in get_dataset('uav', attribute='Background Clutter')]
    # UAV123's 21 background-clutter sequences.
    assert len(names) == 21 and 'uav_person14_2' in names and 'uav_uav5' in names and 'uav_car1_s' not in names
    assert load_dataset('uav').get_attribute_names('long')[-1] == 'Similar Object'


def test_avist_attribute_without_spec_file_is_a_clear_error(tmp_path, monkeypatch, eval_env):
    monkeypatch.setenv('PYTRACKING_AVIST_PATH', str(tmp_path))
    import pytracking.evaluation.attributes as am
    monkeypatch.setattr(am, 'SPEC_DIR', str(tmp_path / 'no_specs'))
    with pytest.raises(FileNotFoundError, match='avist_attributes.json'):
        get_dataset('avist', attribute='fog')


# --------------------------------------------------------------------------- errors, every dataset name
# (dataset name, setting, function building a valid tree and returning the annotation file to garble)
def _tree_otb(root, helpers):
    _info_tree(root, otb_sequence_info_list())
    return root / 'Crossing' / 'groundtruth_rect.txt'


def _tree_nfs(root, helpers):
    _info_tree(root, nfs_sequence_info_list(), sep='\t')
    return root / 'anno' / 'nfs_bee.txt'


def _tree_uav(root, helpers):
    _info_tree(root, uav_sequence_info_list())
    return root / 'anno' / 'UAV123' / 'bird1_2.txt'


def _tree_tpl(root, helpers):
    _info_tree(root, tpl_sequence_info_list())
    return root / 'tpl_Torus' / 'Torus_gt.txt'


def _tree_vot(root, helpers):
    for name in VOT2018_SEQUENCES:
        _write(root / name / 'groundtruth.txt', '1,2,3,4\n1,2,3,4\n')
    return root / 'bag' / 'groundtruth.txt'


def _tree_trackingnet(root, helpers):
    _write(root / 'TEST' / 'anno' / 'vidA.txt', '3,4,5,6\n')
    helpers.write_image(root / 'TEST' / 'frames' / 'vidA' / '0.jpg', w=8, h=8)
    return root / 'TEST' / 'anno' / 'vidA.txt'


def _tree_got10k(split):
    def build(root, helpers):
        _got_tree(root, split, ['GOT-10k_{}_000001'.format(split.capitalize())], helpers)
        return root / split / 'GOT-10k_{}_000001'.format(split.capitalize()) / 'groundtruth.txt'
    return build


def _tree_lasot(root, helpers):
    _lasot_tree(root, expand_class_table(_LASOT_TEST), n=2)
    return root / 'zebra' / 'zebra-10' / 'groundtruth.txt'


def _tree_lasot_ext(root, helpers):
    _lasot_tree(root, expand_class_table(_LASOT_EXT), n=2)
    return root / 'jianzi' / 'jianzi-3' / 'groundtruth.txt'


def _tree_avist(root, helpers):
    for name in AVIST_SEQUENCES:
        _write(root / 'anno' / (name + '.txt'), '1 2 3 4\n5 6 7 8\n')
        _write(root / 'full_occlusion' / (name + '_full_occlusion.txt'), '0,0\n')
        _write(root / 'out_of_view' / (name + '_out_of_view.txt'), '0,0\n')
    return root / 'anno' / 'air_show.txt'


def _tree_oxuva(split):
    def build(root, helpers):
        _oxuva_tree(root, helpers)
        return root / 'tasks' / '{}.csv'.format(split)
    return build


_ERROR_CASES = [
    ('otb', 'otb_path', _tree_otb),
    ('nfs', 'nfs_path', _tree_nfs),
    ('uav', 'uav_path', _tree_uav),
    ('tpl', 'tpl_path', _tree_tpl),
    ('tpl_nootb', 'tpl_path', _tree_tpl),
    ('vot', 'vot_path', _tree_vot),
    ('trackingnet', 'trackingnet_path', _tree_trackingnet),
    ('got10k_test', 'got10k_path', _tree_got10k('test')),
    ('got10k_val', 'got10k_path', _tree_got10k('val')),
    ('lasot', 'lasot_path', _tree_lasot),
    ('lasot_extension_subset', 'lasot_extension_subset_path', _tree_lasot_ext),
    ('oxuva_dev', 'oxuva_path', _tree_oxuva('dev')),
    ('oxuva_test', 'oxuva_path', _tree_oxuva('test')),
    ('avist', 'avist_path', _tree_avist),
]


@pytest.mark.parametrize('name,setting,build', _ERROR_CASES, ids=[c[0] for c in _ERROR_CASES])
def test_every_dataset_missing_path_is_one_clear_error(tmp_path, monkeypatch, eval_env, name, setting, build):
    from ltr.admin.env_overrides import SettingsError
    env_var = 'PYTRACKING_' + setting.upper()
    monkeypatch.setenv(env_var, str(tmp_path / 'not_there'))
    with pytest.raises(SettingsError) as e:
        get_dataset(name)
    assert setting in str(e.value) and env_var in str(e.value) and 'not_there' in str(e.value)


@pytest.mark.parametrize('name,setting,build', _ERROR_CASES, ids=[c[0] for c in _ERROR_CASES])
def test_every_dataset_malformed_annotation_line_names_the_file(tmp_path, monkeypatch, eval_env, helpers, name,
                                                                setting, build):
    root = tmp_path / 'data'
    anno = build(root, helpers)
    monkeypatch.setenv('PYTRACKING_' + setting.upper(), str(root))
    seqs = get_dataset(name)  # the valid tree loads, with finite first boxes
    assert len(seqs) > 0 and all(np.isfinite(s.init_bbox()).all() for s in seqs)
    with open(str(anno)) as f:
        lines = f.read().splitlines()
    # The second line (the only line of one-line files) gets a non-numeric last field.
    bad = len(lines) > 1
    lines[1 if bad else 0] = re.sub(r'[0-9]+$', 'x', lines[1 if bad else 0])
    _write(anno, '\n'.join(lines) + '\n')
    with pytest.raises(AnnotationError) as e:
        get_dataset(name)
    rel = os.path.relpath(str(anno), str(root))
    assert rel in str(e.value)
    if bad and not name.startswith('oxuva'):
        assert 'line 2' in str(e.value)

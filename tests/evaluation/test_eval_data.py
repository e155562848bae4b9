"""Sequence / SequenceList semantics, load_text, Tracker naming and the dataset registry."""
import os
from collections import OrderedDict

import numpy as np
import pytest

from pytracking.evaluation import (BaseDataset, Sequence, SequenceList, Tracker, get_dataset, load_dataset,
                                   trackerlist)
from pytracking.evaluation import datasets as dsets
from pytracking.evaluation.data import UnknownSequenceError
from pytracking.evaluation.tracker import UnknownTrackerError, validate_init_box
from pytracking.utils.load_text import AnnotationError, load_boxes, load_text


def _gt(n, start=0.0):
    return np.array([[start + i, 2.0 * i, 10.0, 20.0] for i in range(n)])


# --------------------------------------------------------------------------- Sequence
def test_single_object_init_info():
    seq = Sequence('s', ['f{}.jpg'.format(i) for i in range(4)], 'otb', _gt(4, start=3.0), object_class='car')
    assert seq.init_info() == {'init_bbox': [3.0, 0.0, 10.0, 20.0]}
    assert seq.init_bbox() == [3.0, 0.0, 10.0, 20.0]
    assert isinstance(seq.init_bbox(), list)
    assert seq.frame_info(2) == {}          # nothing to initialise later on
    assert seq.target_class() == 'car'
    assert seq.get('init_bbox') == [3.0, 0.0, 10.0, 20.0]
    assert seq.get_info(['init_bbox', 'init_mask']) == {'init_bbox': [3.0, 0.0, 10.0, 20.0]}
    assert repr(seq) == 'Sequence s, length=4 frames'


def test_single_object_with_one_object_id():
    gt = OrderedDict([('3', _gt(3, start=7.0))])
    seq = Sequence('s', ['a', 'b', 'c'], 'x', gt, object_ids=['3'])
    info = seq.init_info()
    assert info['init_bbox'] == [7.0, 0.0, 10.0, 20.0]
    assert info['object_ids'] == ['3'] and info['sequence_object_ids'] == ['3']


def test_multi_object_init_info_and_later_objects():
    gt = OrderedDict([(1, _gt(5)), (2, _gt(5, start=50.0))])
    init_data = {0: {'bbox': OrderedDict([(1, gt[1][0])]), 'object_ids': [1]},
                 2: {'bbox': OrderedDict([(2, gt[2][2])]), 'object_ids': [2]}}
    seq = Sequence('mo', list('abcde'), 'x', gt, init_data=init_data, object_ids=[1, 2], multiobj_mode=True)
    info0 = seq.init_info()
    assert info0['init_bbox'] == OrderedDict([(1, [0.0, 0.0, 10.0, 20.0])])
    assert info0['object_ids'] == [1, 2]
    info2 = seq.frame_info(2)
    assert info2['init_bbox'] == OrderedDict([(2, [52.0, 4.0, 10.0, 20.0])])
    assert info2['init_object_ids'] == [2]
    assert seq.frame_info(1) == {}


def test_start_frame_is_moved_to_zero():
    gt = _gt(6)
    vis = np.array([True, False, True, True, False, True])
    seq = Sequence('late', ['f{}'.format(i) for i in range(6)], 'x', gt, init_data={2: {'bbox': gt[2]}},
                   target_visible=vis)
    assert seq.frames == ['f2', 'f3', 'f4', 'f5']
    np.testing.assert_array_equal(seq.ground_truth_rect, gt[2:])
    np.testing.assert_array_equal(seq.target_visible, vis[2:])
    assert seq.init_bbox() == [2.0, 4.0, 10.0, 20.0]


def test_multi_object_mode_needs_dict_ground_truth():
    with pytest.raises(ValueError, match='dict'):
        Sequence('bad', ['a'], 'x', _gt(1), multiobj_mode=True)


def test_sequence_list_indexing():
    seqs = SequenceList([Sequence(n, ['a'], 'x', _gt(1)) for n in ['a', 'b', 'c', 'd']])
    assert seqs['c'].name == 'c'
    assert seqs[1].name == 'b' and seqs[np.int64(-1)].name == 'd'
    sub = seqs[1:3]
    assert isinstance(sub, SequenceList) and [s.name for s in sub] == ['b', 'c']
    picked = seqs[[0, 3]]
    assert isinstance(picked, SequenceList) and [s.name for s in picked] == ['a', 'd']
    both = seqs[:1] + seqs[3:]
    assert isinstance(both, SequenceList) and both['d'].name == 'd'
    assert isinstance(seqs.copy(), SequenceList)
    with pytest.raises(UnknownSequenceError, match="'zz'"):
        seqs['zz']
    with pytest.raises(IndexError):  # still an IndexError, as in the original
        seqs[10]


def test_base_dataset_is_abstract(eval_env):
    d = BaseDataset()
    with pytest.raises(NotImplementedError):
        len(d)
    with pytest.raises(NotImplementedError):
        d.get_sequence_list()


# --------------------------------------------------------------------------- load_text
def test_load_text_delimiters(tmp_path):
    p = tmp_path / 'a.txt'
    p.write_text('1,2,3,4\n5,6,7,8\n')
    np.testing.assert_array_equal(load_text(str(p), delimiter=',', dtype=np.float64), [[1, 2, 3, 4], [5, 6, 7, 8]])
    q = tmp_path / 'b.txt'
    q.write_text('1\t2\t3\t4\n5 6  7 8\n')
    np.testing.assert_array_equal(load_text(str(q), delimiter=(',', None), dtype=np.float64),
                                  [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(load_text(str(p), delimiter=',', dtype=np.float64, backend='pandas'),
                                  [[1, 2, 3, 4], [5, 6, 7, 8]])
    r = tmp_path / 'nan.txt'
    r.write_text('1,2,3,4\nNaN,NaN,NaN,NaN\n')
    out = load_text(str(r), delimiter=',', dtype=np.float64)
    assert np.isnan(out[1]).all() and out[0, 3] == 4


def test_load_text_errors_name_file_and_line(tmp_path):
    missing = tmp_path / 'nope.txt'
    with pytest.raises(AnnotationError, match='nope.txt'):
        load_text(str(missing), delimiter=',')
    bad = tmp_path / 'bad.txt'
    bad.write_text('1,2,3,4\n5,6,7,8\n9,x,11,12\n')
    with pytest.raises(AnnotationError) as e:
        load_text(str(bad), delimiter=(',', None), dtype=np.float64)
    assert 'bad.txt' in str(e.value) and 'line 3' in str(e.value)
    ragged = tmp_path / 'ragged.txt'
    ragged.write_text('1,2,3,4\n5,6,7\n')
    with pytest.raises(AnnotationError, match='line 2'):
        load_text(str(ragged), delimiter=',', dtype=np.float64)
    with pytest.raises(AnnotationError, match='bad.txt'):
        load_text(str(bad), delimiter=',', dtype=np.float64, backend='pandas')
    with pytest.raises(ValueError, match='backend'):
        load_text(str(bad), backend='nope')


def test_load_boxes_shapes(tmp_path):
    one = tmp_path / 'one.txt'
    one.write_text('1,2,3,4\n')
    assert load_boxes(str(one), delimiter=',').shape == (1, 4)
    five = tmp_path / 'five.txt'
    five.write_text('1,2,3,4,5\n1,2,3,4,5\n')
    with pytest.raises(AnnotationError, match='5 values per line, expected 4'):
        load_boxes(str(five), delimiter=',')


# --------------------------------------------------------------------------- Tracker
def test_tracker_results_dirs(eval_env):
    t = Tracker('dimp', 'dimp50')
    assert os.path.normpath(t.results_dir) == os.path.join(str(eval_env.results), 'dimp', 'dimp50')
    assert os.path.normpath(t.segmentation_dir) == os.path.join(str(eval_env.seg), 'dimp', 'dimp50')
    t3 = Tracker('dimp', 'dimp50', 3, display_name='DiMP50')
    assert t3.results_dir.endswith('dimp/dimp50_003') and t3.display_name == 'DiMP50'
    lst = trackerlist('atom', 'default', range(2), 'ATOM')
    assert [x.run_id for x in lst] == [0, 1] and all(x.display_name == 'ATOM' for x in lst)
    assert [x.run_id for x in trackerlist('atom', 'default')] == [None]
    assert [x.run_id for x in trackerlist('atom', 'default', 5)] == [5]
    with pytest.raises(TypeError):
        Tracker('dimp', 'dimp50', '1')


def test_tracker_without_code_is_allowed_for_results_but_not_for_running(eval_env):
    t = Tracker('not_a_tracker_xyz', 'p')
    assert t.tracker_class is None
    with pytest.raises(UnknownTrackerError) as e:
        t.check_available()
    assert "'not_a_tracker_xyz'" in str(e.value) and 'dimp' in str(e.value)


def test_unknown_parameter_lists_available(eval_env, fake):
    t = Tracker('evaltest_velocity', 'no_such_param')
    assert t.tracker_class is fake.VelocityTracker
    with pytest.raises(UnknownTrackerError, match='no_such_param'):
        t.get_parameters()
    t = Tracker('dimp', 'no_such_param')
    if t.tracker_class is not None:
        with pytest.raises(UnknownTrackerError) as e:
            t.check_available()
        assert 'no_such_param' in str(e.value)


def test_device_is_set_on_parameters(eval_env, fake):
    assert Tracker('evaltest_velocity', 'default', device='cpu').get_parameters().device == 'cpu'
    assert not hasattr(Tracker('evaltest_velocity', 'default').get_parameters(), 'device')


def test_validate_init_box_polygon_and_messages():
    validate_init_box([1, 1, 5, 1, 5, 4, 1, 4], (10, 10, 3))  # rotated-box polygon inside the image
    with pytest.raises(ValueError, match='4 values'):
        validate_init_box([1, 2, 3], (10, 10, 3), 'q')
    with pytest.raises(ValueError, match="'q'"):
        validate_init_box([1, 2, 0, 3], (10, 10, 3), 'q')


# --------------------------------------------------------------------------- registry
def test_registry_names_match_the_original():
    for name in ['otb', 'nfs', 'uav', 'tpl', 'tpl_nootb', 'vot', 'trackingnet', 'got10k_test', 'got10k_val',
                 'got10k_ltrval', 'lasot', 'lasot_train', 'lasot_extension_subset', 'oxuva_dev', 'oxuva_test',
                 'avist', 'synthetic']:
        assert name in dsets.dataset_dict
    assert dsets.dataset_dict['synthetic'].module == 'pytracking.evaluation.syntheticdataset'


def test_unknown_dataset_lists_valid_names(eval_env):
    with pytest.raises(dsets.UnknownDatasetError) as e:
        get_dataset('otb', 'nope_dataset')
    assert "'nope_dataset'" in str(e.value) and 'lasot' in str(e.value) and 'otb' in str(e.value)


def test_registered_dataset_with_missing_module(eval_env, monkeypatch):
    monkeypatch.setitem(dsets.dataset_dict, 'ghost',
                        dsets.DatasetInfo(module='pytracking.evaluation.ghostdataset', class_name='G', kwargs={}))
    with pytest.raises(dsets.UnknownDatasetError, match='pytracking.evaluation.ghostdataset'):
        load_dataset('ghost')


def test_missing_dataset_path_names_setting_and_env_var(eval_env, monkeypatch, tmp_path):
    monkeypatch.setenv('PYTRACKING_OTB_PATH', str(tmp_path / 'does_not_exist'))
    with pytest.raises(Exception) as e:
        get_dataset('otb')
    assert 'otb_path' in str(e.value) and 'PYTRACKING_OTB_PATH' in str(e.value)
    monkeypatch.setenv('PYTRACKING_LASOT_PATH', '')
    with pytest.raises(Exception) as e:
        get_dataset('lasot')
    assert 'lasot_path' in str(e.value) and 'PYTRACKING_LASOT_PATH' in str(e.value)

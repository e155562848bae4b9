"""Server-submission archives for GOT-10k and TrackingNet."""
import os
import zipfile

import numpy as np
import pytest

from pytracking.analysis._results_io import MissingResultsError
from pytracking.util_scripts.pack_got10k_results import GOT10K_TEST_SEQUENCES, pack_got10k_results
from pytracking.util_scripts.pack_trackingnet_results import pack_trackingnet_results


def _write(folder, name, array, fmt='%.3f', delimiter='\t'):
    os.makedirs(folder, exist_ok=True)
    np.savetxt(os.path.join(folder, name), array, fmt=fmt, delimiter=delimiter)


def test_got10k_archive_layout_and_values(analysis_env):
    seqs = GOT10K_TEST_SEQUENCES[:2]
    assert GOT10K_TEST_SEQUENCES[0] == 'GOT-10k_Test_000001' and len(GOT10K_TEST_SEQUENCES) == 180
    res = str(analysis_env['results'])
    for run in range(3):
        for k, s in enumerate(seqs):
            _write(os.path.join(res, 'dimp', 'dimp50_{:03d}'.format(run)), s + '.txt',
                   np.array([[1.5 + run, 2, 3, 4], [5, 6, 7, 8 + k]]))
            _write(os.path.join(res, 'dimp', 'dimp50_{:03d}'.format(run)), s + '_time.txt',
                   np.array([0.1 * (run + 1), 0.02]), fmt='%.4f')
    path = pack_got10k_results('dimp', 'dimp50', 'dimp50_got', sequence_names=seqs)
    assert path == os.path.join(str(analysis_env['got_packed']), 'dimp50_got.zip')
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(['{0}/{0}_{1:03d}.txt'.format(s, r) for s in seqs for r in (1, 2, 3)] +
                               ['{0}/{0}_time.txt'.format(s) for s in seqs])
        first = zf.read('GOT-10k_Test_000002/GOT-10k_Test_000002_002.txt').decode()
        assert first == '2.500000,2.000000,3.000000,4.000000\n5.000000,6.000000,7.000000,9.000000\n'
        assert zf.read('GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt').decode() == '0.300000\n0.020000\n'
    assert sorted(os.listdir(str(analysis_env['got_packed']))) == ['dimp50_got.zip']


def test_got10k_missing_file_is_named_and_nothing_written(analysis_env):
    _write(os.path.join(str(analysis_env['results']), 'dimp', 'dimp50_000'), 'GOT-10k_Test_000001.txt', np.ones((2, 4)))
    with pytest.raises(MissingResultsError, match='GOT-10k_Test_000001_time.txt'):
        pack_got10k_results('dimp', 'dimp50', 'out', sequence_names=['GOT-10k_Test_000001'])
    assert os.listdir(str(analysis_env['got_packed'])) == []


def test_trackingnet_archive(analysis_env):
    res = str(analysis_env['results'])
    _write(os.path.join(res, 'atom', 'default_001'), 'seqA.txt', np.array([[1.234, 2, 3, 4]]))
    _write(os.path.join(res, 'atom', 'default_001'), 'seqB.txt', np.array([[0, 0, 10.005, 5], [1, 1, 1, 1]]),
           delimiter=',')
    path = pack_trackingnet_results('atom', 'default', run_id=1, sequence_names=['seqA', 'seqB'])
    assert os.path.basename(path) == 'atom_default_001.zip'
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ['seqA.txt', 'seqB.txt']
        assert zf.read('seqA.txt').decode() == '1.23,2.00,3.00,4.00\n'
        assert zf.read('seqB.txt').decode().splitlines()[1] == '1.00,1.00,1.00,1.00'
    _write(os.path.join(res, 'atom', 'default'), 'seqA.txt', np.array([[1, 2, 3, 4]]))
    path = pack_trackingnet_results('atom', 'default', sequence_names=['seqA'], output_name='mine')
    assert os.path.basename(path) == 'mine.zip'

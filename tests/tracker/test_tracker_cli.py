"""End-to-end: ``python pytracking/run_tracker.py <tracker> <param>`` on fixture datasets, on CPU,
with random-weight checkpoints in the official layout (see conftest.py)."""
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
RUN_TRACKER = os.path.join(REPO, 'pytracking', 'run_tracker.py')

# tracker, parameter file, checkpoints it needs
PARAM_SETS = [
    ('dimp', 'dimp18', ['dimp18.pth']),
    ('dimp', 'dimp18_vot18', ['dimp18.pth']),
    ('dimp', 'dimp50', ['dimp50.pth']),
    ('dimp', 'dimp50_vot18', ['dimp50.pth']),
    ('dimp', 'dimp50_vot19', ['dimp50.pth']),
    ('dimp', 'prdimp18', ['prdimp18.pth.tar']),
    ('dimp', 'prdimp50', ['prdimp50.pth.tar']),
    ('dimp', 'prdimp50_vot18', ['prdimp50.pth.tar']),
    ('dimp', 'super_dimp', ['super_dimp.pth.tar']),
    ('atom', 'default', ['atom_default.pth']),
    ('atom', 'default_vot', ['atom_default.pth']),
    ('atom', 'multiscale_no_iounet', ['atom_default.pth']),
    ('atom', 'atom_prob_ml', ['atom_prob_ml/ATOMnet_ep0040.pth.tar']),
    ('atom', 'atom_gmm_sampl', ['atom_gmm_sampl/ATOMnet_ep0040.pth.tar']),
]


def _env(tmp_path, network_root, **paths):
    env = dict(os.environ)
    env.update({'PYTRACKING_NETWORK_PATH': network_root,
                'PYTRACKING_RESULTS_PATH': str(tmp_path / 'results'),
                'PYTRACKING_SEGMENTATION_PATH': str(tmp_path / 'segmentation'),
                'PYTHONPATH': REPO, 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': env_threads()})
    env.update({'PYTRACKING_' + k.upper(): v for k, v in paths.items()})
    return env


def env_threads() -> str:
    return os.environ.get('OMP_NUM_THREADS', '2')


def _run(args, env, cwd, timeout=600):
    return subprocess.run([sys.executable, RUN_TRACKER] + args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def _read_boxes(path):
    rows = [line.split('\t') for line in open(path).read().splitlines()]
    return np.array(rows, dtype=np.float64)


def _check_result(results_dir, seq, n_frames):
    boxes = _read_boxes(os.path.join(results_dir, seq + '.txt'))
    assert boxes.shape == (n_frames, 4)
    assert np.isfinite(boxes).all()
    times = np.loadtxt(os.path.join(results_dir, seq + '_time.txt')).reshape(-1)
    assert times.shape == (n_frames,) and np.isfinite(times).all() and (times >= 0).all()
    return boxes


@pytest.mark.slow
def test_otb_run_writes_results_skips_finished_and_reports_missing_frame(tmp_path, network_dir, make_otb_tree):
    otb = make_otb_tree(with_frames=('Deer', 'Football1'))
    os.remove(os.path.join(otb, 'Football1', 'img', '0003.jpg'))     # a frame missing mid-sequence
    env = _env(tmp_path, network_dir.require('dimp18.pth'), otb_path=otb)
    results_dir = str(tmp_path / 'results' / 'dimp' / 'dimp18')

    # Run from another working directory: the script must not depend on the cwd.
    proc = _run(['dimp', 'dimp18', '--dataset', 'otb', '--sequence', 'Deer'], env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    boxes = _check_result(results_dir, 'Deer', 71)
    assert boxes[0].tolist() == [18, 14, 16, 12]      # the first frame reports the initial box
    deer_file = os.path.join(results_dir, 'Deer.txt')
    stamp, content = os.stat(deer_file).st_mtime_ns, open(deer_file).read()

    # Second run: the finished sequence is skipped, its file untouched
    proc = _run(['dimp', 'dimp18', '--dataset_name', 'otb', '--sequence', 'Deer'], env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert os.stat(deer_file).st_mtime_ns == stamp and open(deer_file).read() == content

    # Missing frame: clear error naming the file, no (partial) result, other results kept
    proc = _run(['dimp', 'dimp18', '--dataset', 'otb', '--sequence', 'Football1'], env, cwd=str(tmp_path))
    assert proc.returncode != 0
    assert '0003.jpg' in proc.stderr and 'Football1' in proc.stderr
    assert not os.path.exists(os.path.join(results_dir, 'Football1.txt'))
    assert open(deer_file).read() == content


# One parameter set per official network file (dimp18 is covered above).
OTB_NETWORKS = [('dimp', 'dimp50', 'dimp50.pth'), ('dimp', 'prdimp18', 'prdimp18.pth.tar'),
                ('dimp', 'prdimp50', 'prdimp50.pth.tar'), ('dimp', 'super_dimp', 'super_dimp.pth.tar'),
                ('atom', 'default', 'atom_default.pth')]


@pytest.mark.slow
@pytest.mark.parametrize('tracker,param,net_file', OTB_NETWORKS, ids=[p for _, p, _ in OTB_NETWORKS])
def test_otb_command_line_for_every_network(tmp_path, network_dir, make_otb_tree, tracker, param, net_file):
    otb = make_otb_tree(with_frames=('Deer',))
    env = _env(tmp_path, network_dir.require(net_file), otb_path=otb)
    proc = _run([tracker, param, '--dataset', 'otb', '--sequence', 'Deer'], env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    boxes = _check_result(str(tmp_path / 'results' / tracker / param), 'Deer', 71)
    assert boxes[0].tolist() == [18, 14, 16, 12]
    # Sizes are never negative; a random-weight IoU-Net may shrink a box below one pixel, which the integer
    # result format (as in the original) writes as 0.
    assert (boxes[:, 2:] >= 0).all()


@pytest.mark.slow
def test_invalid_initial_boxes_and_grayscale_frames(tmp_path, network_dir, make_got10k_val_tree):
    got = make_got10k_val_tree({'seq_ok': {'n': 3}, 'seq_gray': {'n': 3, 'gray': True},
                                'seq_zero': {'n': 2, 'init': (10, 10, 0, 8)},
                                'seq_negative': {'n': 2, 'init': (10, 10, 8, -4)},
                                'seq_nan': {'n': 2, 'init': (float('nan'), 10, 8, 8)},
                                'seq_outside': {'n': 2, 'init': (500, 400, 8, 8)}})
    env = _env(tmp_path, network_dir.require('dimp18.pth'), got10k_path=got)
    proc = _run(['dimp', 'dimp18', '--dataset', 'got10k_val'], env, cwd=REPO)
    results_dir = str(tmp_path / 'results' / 'dimp' / 'dimp18')
    # The valid sequences are tracked (grayscale frames are read as 3-channel images)...
    _check_result(results_dir, 'seq_ok', 3)
    _check_result(results_dir, 'seq_gray', 3)
    # ... each invalid initial box is reported by name and gets no result file; the exit status says so.
    assert proc.returncode == 1
    for name, what in [('seq_zero', 'size'), ('seq_negative', 'size'), ('seq_nan', 'NaN'), ('seq_outside', 'outside')]:
        lines = [line for line in proc.stderr.splitlines() if name in line and what in line]
        assert lines, (name, proc.stderr[-3000:])
        assert not os.path.exists(os.path.join(results_dir, name + '.txt'))


@pytest.mark.slow
def test_killed_run_resumes_without_touching_finished_results(tmp_path, network_dir, make_got10k_val_tree):
    names = ['seq_a', 'seq_b', 'seq_c', 'seq_d']
    got = make_got10k_val_tree({n: {'n': 6} for n in names})
    env = _env(tmp_path, network_dir.require('dimp18.pth'), got10k_path=got)
    results_dir = tmp_path / 'results' / 'dimp' / 'dimp18'
    args = [sys.executable, RUN_TRACKER, 'dimp', 'dimp18', '--dataset', 'got10k_val']

    proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            if (results_dir / 'seq_a.txt').exists():
                break
            time.sleep(0.02)
        assert proc.poll() is None, 'the run ended before it could be killed'
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    done = [n for n in names if (results_dir / (n + '.txt')).exists()]
    assert 'seq_a' in done and len(done) < len(names)
    before = {n: ((results_dir / (n + '.txt')).read_text(), (results_dir / (n + '.txt')).stat().st_mtime_ns)
              for n in done}
    for n in done:      # finished files are complete
        _check_result(str(results_dir), n, 6)

    proc = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for n in names:
        _check_result(str(results_dir), n, 6)
    for n, (text, stamp) in before.items():
        path = results_dir / (n + '.txt')
        assert path.read_text() == text and path.stat().st_mtime_ns == stamp


@pytest.mark.slow
@pytest.mark.parametrize('tracker,param,nets', PARAM_SETS, ids=['{}-{}'.format(t, p) for t, p, _ in PARAM_SETS])
def test_every_parameter_set_tracks_end_to_end(tmp_path, network_dir, make_got10k_val_tree, tracker, param, nets):
    got = make_got10k_val_tree({'seq_one': {'n': 2}})
    env = _env(tmp_path, network_dir.require(*nets), got10k_path=got)
    proc = _run([tracker, param, '--dataset', 'got10k_val', '--device', 'cpu'], env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    boxes = _check_result(str(tmp_path / 'results' / tracker / param), 'seq_one', 2)
    assert boxes[0].tolist() == [18, 14, 16, 12]
    # The box of the second frame keeps a positive size
    assert (boxes[1, 2:] >= 0).all() and not any(math.isnan(v) for v in boxes[1])

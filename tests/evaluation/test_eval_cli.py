"""Command lines: run_tracker.py, run_experiment.py, run_video.py (in-process and as subprocesses)."""
import os
import subprocess
import sys
import types

import cv2 as cv
import numpy as np
import pytest

import pytracking
from pytracking import run_experiment, run_tracker, run_video
from pytracking.evaluation import BaseDataset, Sequence, SequenceList
from pytracking.evaluation import datasets as dsets
from pytracking.evaluation._cli import run_main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(pytracking.__file__)))


@pytest.fixture
def tiny_dataset(tmp_path, monkeypatch, helpers):
    """Dataset 'evaltest_tiny' (3 sequences; 'broken' lacks its third frame) registered in the registry."""
    def seq(name, n, x, skip=()):
        frames = []
        for i in range(n):
            p = str(tmp_path / 'tiny' / name / '{:04d}.jpg'.format(i + 1))
            if i not in skip:
                helpers.write_image(p, w=32, h=24)
            frames.append(p)
        return Sequence(name, frames, 'tiny', np.tile([x, 3.0, 6.0, 5.0], (n, 1)))

    class TinyDataset(BaseDataset):
        def __init__(self, with_broken=False):
            super().__init__()
            self.seqs = [seq('alpha', 3, 1.0), seq('beta', 4, 2.0)]
            if with_broken:
                self.seqs.append(seq('broken', 4, 3.0, skip=(2,)))

        def get_sequence_list(self):
            return SequenceList(self.seqs)

        def __len__(self):
            return len(self.seqs)

    mod = types.ModuleType('pytracking.evaluation.evaltest_tinydataset')
    mod.TinyDataset = TinyDataset
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(dsets.dataset_dict, 'evaltest_tiny', dsets.DatasetInfo(mod.__name__, 'TinyDataset', {}))
    monkeypatch.setitem(dsets.dataset_dict, 'evaltest_tiny_broken',
                        dsets.DatasetInfo(mod.__name__, 'TinyDataset', {'with_broken': True}))
    return TinyDataset


def _results(eval_env, run=''):
    d = os.path.join(str(eval_env.results), 'evaltest_velocity', 'default' + run)
    return d, (sorted(os.listdir(d)) if os.path.isdir(d) else [])


def test_run_tracker_main(fake, eval_env, tiny_dataset, helpers):
    assert run_tracker.main(['evaltest_velocity', 'default', '--dataset', 'evaltest_tiny', '--device', 'cpu']) == 0
    d, files = _results(eval_env)
    assert files == ['alpha.txt', 'alpha_time.txt', 'beta.txt', 'beta_time.txt']
    np.testing.assert_array_equal(np.loadtxt(os.path.join(d, 'beta.txt')),
                                  [[2, 3, 6, 5], [4, 4, 6, 5], [6, 5, 6, 5], [8, 6, 6, 5]])
    assert {e['device'] for e in helpers.read_log(eval_env.log)} == {'cpu'}

    # --dataset_name, --runid and --sequence by index and by name.
    assert run_tracker.main(['evaltest_velocity', 'default', '--dataset_name', 'evaltest_tiny', '--runid', '2',
                             '--sequence', '1']) == 0
    assert _results(eval_env, '_002')[1] == ['beta.txt', 'beta_time.txt']
    assert run_tracker.main(['evaltest_velocity', 'default', '--dataset', 'evaltest_tiny', '--runid', '2',
                             '--sequence', 'alpha']) == 0
    assert _results(eval_env, '_002')[1] == ['alpha.txt', 'alpha_time.txt', 'beta.txt', 'beta_time.txt']


def test_run_tracker_reports_failed_sequences(fake, eval_env, tiny_dataset, capsys):
    code = run_tracker.main(['evaltest_velocity', 'default', '--dataset', 'evaltest_tiny_broken'])
    assert code == 1
    err = capsys.readouterr().err
    assert 'broken' in err and '0003.jpg' in err
    assert _results(eval_env)[1] == ['alpha.txt', 'alpha_time.txt', 'beta.txt', 'beta_time.txt']


def test_run_tracker_user_errors_exit_2(fake, eval_env, tiny_dataset, capsys):
    for argv, needles in [
        (['evaltest_velocity', 'default', '--dataset', 'no_such_set'], ["Unknown dataset 'no_such_set'", 'otb']),
        (['evaltest_velocity', 'nope', '--dataset', 'evaltest_tiny'], ["'nope'"]),
        (['evaltest_velocity', 'default', '--dataset', 'evaltest_tiny', '--sequence', 'gamma'], ["'gamma'"]),
    ]:
        with pytest.raises(SystemExit) as e:
            run_main(lambda: run_tracker.main(argv))
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith('error: ') and err.count('\n') == 1
        for n in needles:
            assert n in err


def _script(name, *args, cwd):
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    return subprocess.run([sys.executable, os.path.join(REPO, 'pytracking', name), *args], cwd=str(cwd),
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_scripts_from_another_directory(tmp_path, eval_env):
    res = _script('run_tracker.py', 'not_a_tracker_xyz', 'default', '--dataset', 'otb', cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "Unknown tracker 'not_a_tracker_xyz'" in res.stderr and 'dimp' in res.stderr
    assert 'Traceback' not in res.stderr
    res = subprocess.run([sys.executable, '-m', 'pytracking.run_tracker', '--help'], cwd=str(tmp_path),
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and '--dataset_name' in res.stdout and '--dataset ' in res.stdout
    assert '--device' in res.stdout and '--threads' in res.stdout and '--visdom_port' in res.stdout
    for script, flag in [('run_experiment.py', 'experiment_module'), ('run_video.py', '--optional_box')]:
        res = _script(script, '--help', cwd=tmp_path)
        assert res.returncode == 0 and flag in res.stdout


def test_run_experiment(fake, eval_env, tiny_dataset, monkeypatch, helpers):
    exp = types.ModuleType('pytracking.experiments.evaltest_exp')

    def two_runs():
        return [fake.FakeEvalTracker(run_id=0), fake.FakeEvalTracker(run_id=1)], tiny_dataset().get_sequence_list()

    two_runs.__module__ = exp.__name__
    exp.two_runs = two_runs
    monkeypatch.setitem(sys.modules, exp.__name__, exp)
    assert run_experiment.main(['evaltest_exp', 'two_runs', '--device', 'cpu']) == 0
    for run in ('_000', '_001'):
        assert _results(eval_env, run)[1] == ['alpha.txt', 'alpha_time.txt', 'beta.txt', 'beta_time.txt']
    assert {e['device'] for e in helpers.read_log(eval_env.log)} == {'cpu'}
    with pytest.raises(Exception) as e:
        run_experiment.run_experiment('evaltest_exp', 'three_runs')
    assert "'three_runs'" in str(e.value) and 'two_runs' in str(e.value)
    with pytest.raises(Exception, match='no_such_module'):
        run_experiment.run_experiment('no_such_module', 'x')


def test_myexperiments_functions_exist():
    from pytracking.experiments import myexperiments
    assert callable(myexperiments.atom_nfs_uav) and callable(myexperiments.uav_test)


def _make_video(path, n=6, w=64, h=48):
    writer = cv.VideoWriter(str(path), cv.VideoWriter_fourcc(*'MJPG'), 10.0, (w, h))
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for _ in range(n):
        writer.write(rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    writer.release()
    return str(path)


def _count_frames(path):
    cap = cv.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


@pytest.mark.parametrize('multiobj', ['default', 'parallel'])
def test_run_video_headless(fake, eval_env, tmp_path, monkeypatch, helpers, multiobj):
    monkeypatch.setattr(fake.VelocityTracker, 'multiobj_mode', multiobj, raising=False)
    video = _make_video(tmp_path / 'clip.avi', n=6)
    out = tmp_path / ('annotated.avi' if multiobj == 'default' else 'annotated.mp4')
    assert run_video.main(['evaltest_velocity', 'default', video, '--optional_box', '4', '5', '10', '12',
                           '--headless', '--save_results', '--output', str(out)]) == 0
    boxes = np.loadtxt(os.path.join(_results(eval_env)[0], 'video_clip.txt'))
    np.testing.assert_array_equal(boxes, [[4 + 2 * k, 5 + k, 10, 12] for k in range(6)])
    assert _count_frames(out) == 6
    log = helpers.read_log(eval_env.log)
    assert [e['shape'] for e in log] == [[48, 64, 3]] * 6


def test_run_video_errors(fake, eval_env, tmp_path):
    video = _make_video(tmp_path / 'clip.avi', n=2)
    with pytest.raises(ValueError, match='optional_box'):
        run_video.run_video('evaltest_velocity', 'default', video, headless=True)
    with pytest.raises(FileNotFoundError, match='missing.avi'):
        run_video.run_video('evaltest_velocity', 'default', str(tmp_path / 'missing.avi'), [1, 1, 5, 5],
                            headless=True)
    with pytest.raises(ValueError, match='zero or negative'):
        run_video.run_video('evaltest_velocity', 'default', video, [1, 1, 0, 5], headless=True)


def test_run_tracker_setup_error_is_one_clear_message(fake, eval_env, tiny_dataset, capsys, monkeypatch):
    def parameters():
        p = fake.parameters()
        p.missing_network = True
        return p

    monkeypatch.setattr(sys.modules['pytracking.parameter.evaltest_velocity.default'], 'parameters', parameters)
    with pytest.raises(SystemExit) as e:
        run_main(lambda: run_tracker.main(['evaltest_velocity', 'default', '--dataset', 'evaltest_tiny']))
    assert e.value.code == 2
    last = capsys.readouterr().err.strip().split('\n')[-1]  # after the progress bar
    assert last.startswith('error: ') and 'nowhere.pth' in last

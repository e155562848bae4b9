"""run_dataset / run_sequence: result formats, skipping, crash isolation, resume, atomic writes."""
import csv
import math
import os
from collections import OrderedDict

import numpy as np
import pytest

from pytracking.evaluation import Sequence, SequenceList
from pytracking.evaluation import running
from pytracking.evaluation.running import run_dataset, run_sequence
from pytracking.evaluation.tracker import FrameReadError, InvalidInitBoxError


def make_sequence(root, helpers, name, n=5, box=(5.0, 6.0, 10.0, 8.0), w=40, h=30, gray=False, dataset='test',
                  ext='jpg', skip_frames=()):
    frames = []
    for i in range(n):
        path = os.path.join(str(root), 'frames', name, '{:04d}.{}'.format(i + 1, ext))
        if i not in skip_frames:
            helpers.write_image(path, w=w, h=h, gray=gray)
        frames.append(path)
    gt = np.tile(np.array(box, dtype=np.float64), (n, 1))
    return Sequence(name, frames, dataset, gt)


def expected_boxes(box, n, velocity=(2.0, 1.0)):
    x, y, w, h = box
    return np.array([[x + velocity[0] * k, y + velocity[1] * k, w, h] for k in range(n)]).astype(int)


def test_results_format_and_layout(fake, eval_env, helpers):
    box = (5.5, 6.25, 10.0, 8.0)
    seq = make_sequence(eval_env.root, helpers, 'seqA', n=6, box=box)
    trk = fake.FakeEvalTracker(run_id=7)
    summary = run_dataset([seq], [trk])
    assert summary == {'failed': [], 'total': 1}

    results_dir = os.path.join(str(eval_env.results), 'evaltest_velocity', 'default_007')
    assert os.path.normpath(trk.results_dir) == results_dir
    bbox_file = os.path.join(results_dir, 'seqA.txt')
    text = open(bbox_file).read()
    # Tab-delimited integers, one line per frame, truncated like astype(int).
    lines = text.strip().split('\n')
    assert len(lines) == 6
    assert lines[0] == '5\t6\t10\t8'
    assert lines[3] == '11\t9\t10\t8'   # 5.5 + 3*2 = 11.5 -> 11 ; 6.25 + 3 = 9.25 -> 9
    np.testing.assert_array_equal(np.loadtxt(bbox_file, delimiter='\t'), expected_boxes(box, 6))

    times = np.loadtxt(os.path.join(results_dir, 'seqA_time.txt'))
    assert times.shape == (6,) and np.all(times >= 0) and np.all(np.isfinite(times))
    # No temporary files left behind.
    assert sorted(os.listdir(results_dir)) == ['seqA.txt', 'seqA_time.txt']


def test_finished_sequences_are_skipped(fake, eval_env, helpers):
    seqs = [make_sequence(eval_env.root, helpers, n, n=3, box=(float(i + 1), 2.0, 5.0, 5.0))
            for i, n in enumerate(['a', 'b'])]
    trk = fake.FakeEvalTracker()
    run_dataset(seqs, [trk])
    inits = [e for e in helpers.read_log(eval_env.log) if e['event'] == 'init']
    assert len(inits) == 2
    before = {f: os.stat(os.path.join(trk.results_dir, f)).st_mtime_ns for f in os.listdir(trk.results_dir)}

    run_dataset(seqs, [trk])
    inits = [e for e in helpers.read_log(eval_env.log) if e['event'] == 'init']
    assert len(inits) == 2  # nothing re-run
    after = {f: os.stat(os.path.join(trk.results_dir, f)).st_mtime_ns for f in os.listdir(trk.results_dir)}
    assert before == after

    # Removing one result file re-runs exactly that sequence.
    os.remove(os.path.join(trk.results_dir, 'b.txt'))
    run_dataset(seqs, [trk])
    inits = [e for e in helpers.read_log(eval_env.log) if e['event'] == 'init']
    assert len(inits) == 3 and inits[-1]['box'][0] == 2.0


def test_failing_sequence_does_not_stop_the_others(fake, eval_env, helpers):
    seqs = [make_sequence(eval_env.root, helpers, n, n=4, box=(float(i + 1), 2.0, 5.0, 5.0))
            for i, n in enumerate(['s1', 's2', 's3'])]
    trk = fake.FakeEvalTracker({'fail_on_x': 2.0})
    summary = run_dataset(seqs, [trk])
    assert summary['total'] == 3
    assert [f[0] for f in summary['failed']] == ['s2']
    assert 'tracker failure requested by the test' in summary['failed'][0][2]
    assert os.path.isfile(os.path.join(trk.results_dir, 's1.txt'))
    assert os.path.isfile(os.path.join(trk.results_dir, 's3.txt'))
    assert not os.path.exists(os.path.join(trk.results_dir, 's2.txt'))
    assert not os.path.exists(os.path.join(trk.results_dir, 's2_time.txt'))


def test_resume_after_run_killed_mid_dataset(fake, eval_env, helpers):
    seqs = [make_sequence(eval_env.root, helpers, n, n=4, box=(float(i + 1), 2.0, 5.0, 5.0))
            for i, n in enumerate(['r1', 'r2', 'r3', 'r4'])]
    # A KeyboardInterrupt is not a tracking failure: it stops the whole run, like Ctrl-C or a kill.
    with pytest.raises(KeyboardInterrupt):
        run_dataset(seqs, [fake.FakeEvalTracker({'interrupt_on_x': 3.0})])
    trk = fake.FakeEvalTracker()
    done = sorted(f for f in os.listdir(trk.results_dir))
    assert done == ['r1.txt', 'r1_time.txt', 'r2.txt', 'r2_time.txt']
    r1 = open(os.path.join(trk.results_dir, 'r1.txt')).read()

    summary = run_dataset(seqs, [trk])
    assert summary['failed'] == []
    inits = [e['box'][0] for e in helpers.read_log(eval_env.log) if e['event'] == 'init']
    assert inits == [1.0, 2.0, 3.0, 3.0, 4.0]  # r1, r2 not re-run after the interruption
    assert open(os.path.join(trk.results_dir, 'r1.txt')).read() == r1
    for i, n in enumerate(['r1', 'r2', 'r3', 'r4']):
        np.testing.assert_array_equal(np.loadtxt(os.path.join(trk.results_dir, n + '.txt')),
                                      expected_boxes((i + 1.0, 2.0, 5.0, 5.0), 4))


def test_write_interrupted_midway_leaves_no_result_file(fake, eval_env, helpers, monkeypatch):
    seq = make_sequence(eval_env.root, helpers, 'atomic', n=3)
    trk = fake.FakeEvalTracker()
    real_savetxt = np.savetxt

    def half_write(fname, X, *args, **kwargs):
        real_savetxt(fname, X[:1], *args, **kwargs)  # part of the data reaches the (temporary) file...
        raise OSError('disk full')                   # ...then the write dies

    monkeypatch.setattr(running.np, 'savetxt', half_write)
    err = run_sequence(seq, trk)
    assert 'disk full' in err
    assert not os.path.exists(os.path.join(trk.results_dir, 'atomic.txt'))
    assert os.listdir(trk.results_dir) == []  # no partial or temporary file
    monkeypatch.setattr(running.np, 'savetxt', real_savetxt)
    assert run_sequence(seq, trk) is None
    assert np.loadtxt(os.path.join(trk.results_dir, 'atomic.txt')).shape == (3, 4)


@pytest.mark.parametrize('box,needle', [
    ((5.0, 5.0, 0.0, 8.0), 'zero or negative size'),
    ((5.0, 5.0, 10.0, -3.0), 'zero or negative size'),
    ((float('nan'), 5.0, 10.0, 8.0), 'NaN'),
    ((100.0, 5.0, 10.0, 8.0), 'outside'),
    ((-30.0, -20.0, 10.0, 8.0), 'outside'),
])
def test_invalid_initial_box(fake, eval_env, helpers, box, needle):
    seq = make_sequence(eval_env.root, helpers, 'badbox', n=3, box=box, w=40, h=30)
    trk = fake.FakeEvalTracker()
    with pytest.raises(InvalidInitBoxError) as e:
        trk.run_sequence(seq)
    assert needle in str(e.value) and "'badbox'" in str(e.value)
    # Through run_dataset: reported, nothing written, the run goes on.
    good = make_sequence(eval_env.root, helpers, 'goodbox', n=3)
    summary = run_dataset([seq, good], [trk])
    assert [f[0] for f in summary['failed']] == ['badbox']
    assert os.path.isfile(os.path.join(trk.results_dir, 'goodbox.txt'))
    assert not os.path.exists(os.path.join(trk.results_dir, 'badbox.txt'))


def test_partially_outside_box_is_accepted(fake, eval_env, helpers):
    seq = make_sequence(eval_env.root, helpers, 'edge', n=2, box=(-5.0, -5.0, 10.0, 10.0))
    out = fake.FakeEvalTracker().run_sequence(seq)
    assert out['target_bbox'][0] == [-5.0, -5.0, 10.0, 10.0]


def test_grayscale_frames_are_given_as_rgb(fake, eval_env, helpers):
    seq = make_sequence(eval_env.root, helpers, 'gray', n=3, gray=True, w=20, h=16)
    out = fake.FakeEvalTracker().run_sequence(seq)
    shapes = [e['shape'] for e in helpers.read_log(eval_env.log)]
    assert shapes == [[16, 20, 3]] * 3
    assert all(e['dtype'] == 'uint8' for e in helpers.read_log(eval_env.log))
    assert tuple(out['image_shape']) == (16, 20)


def test_missing_frame_names_file_and_sequence(fake, eval_env, helpers):
    broken = make_sequence(eval_env.root, helpers, 'holey', n=5, skip_frames=(2,))
    fine = make_sequence(eval_env.root, helpers, 'whole', n=3)
    trk = fake.FakeEvalTracker()
    with pytest.raises(FrameReadError) as e:
        trk.run_sequence(broken)
    assert "'holey'" in str(e.value) and broken.frames[2] in str(e.value)
    summary = run_dataset([fine, broken], [trk])
    assert summary['failed'][0][0] == 'holey' and broken.frames[2] in summary['failed'][0][2]
    assert os.path.isfile(os.path.join(trk.results_dir, 'whole.txt'))
    assert not os.path.exists(os.path.join(trk.results_dir, 'holey.txt'))


def test_multi_object_sequence_writes_one_file_per_object(fake, eval_env, helpers):
    n = 4
    frames = [helpers.write_image(eval_env.root / 'mo' / '{:05d}.jpg'.format(i)) for i in range(n)]
    gt = OrderedDict([('1', np.tile([2.0, 3.0, 6.0, 5.0], (n, 1))), ('2', np.tile([20.0, 10.0, 4.0, 4.0], (n, 1)))])
    seq = Sequence('mo', frames, 'test', gt, object_ids=['1', '2'], multiobj_mode=True)
    trk = fake.FakeEvalTracker()
    trk.overrides['multiobj_mode'] = 'parallel'
    assert run_dataset([seq], [trk])['failed'] == []
    d = trk.results_dir
    assert sorted(os.listdir(d)) == ['mo_1.txt', 'mo_1_time.txt', 'mo_2.txt', 'mo_2_time.txt']
    np.testing.assert_array_equal(np.loadtxt(os.path.join(d, 'mo_1.txt')), expected_boxes((2, 3, 6, 5), n))
    np.testing.assert_array_equal(np.loadtxt(os.path.join(d, 'mo_2.txt')), expected_boxes((20, 10, 4, 4), n))
    assert running.results_exist(seq, trk)


def test_presence_scores_file(fake, eval_env, helpers):
    seq = make_sequence(eval_env.root, helpers, 'pres', n=4)
    trk = fake.FakeEvalTracker({'presence_scores': True})
    run_dataset([seq], [trk])
    scores = np.loadtxt(os.path.join(trk.results_dir, 'pres_object_presence_scores.txt'))
    np.testing.assert_allclose(scores, [1.0, 0.1, 0.9, 0.1])


def test_oxuva_csv_output(fake, eval_env, helpers):
    n = 4
    frames = [helpers.write_image(eval_env.root / 'ox' / '{:06d}.jpeg'.format(30 + i), w=40, h=20)
              for i in range(n)]
    gt = -np.ones((n, 4))
    gt[0] = [4.0, 2.0, 8.0, 4.0]
    seq = Sequence('vid0001_obj0002_frames[000030:000034]', frames, 'oxuva', gt)
    trk = fake.FakeEvalTracker({'presence_scores': True, 'velocity': [10.0, 0.0]})
    assert run_dataset([seq], [trk])['failed'] == []
    csv_file = os.path.join(trk.results_dir, 'vid0001_obj0002.csv')
    assert running.results_exist(seq, trk)
    rows = list(csv.reader(open(csv_file)))
    assert len(rows) == n - 1  # the initial frame is not reported
    # frame 31: box x = 4 + 10 = 14, w 8 -> xmin 14/40, xmax 22/40; y 2/20 .. 6/20; score 0.1 < 0.55
    r = rows[0]
    assert r[:4] == ['vid0001', 'obj0002', '31', 'false']
    np.testing.assert_allclose([float(v) for v in r[4:]], [0.1, 14 / 40, 22 / 40, 2 / 20, 6 / 20])
    assert rows[1][3] == 'true' and float(rows[1][4]) == 0.9
    # frame 33: x = 34 .. 42 -> clipped to 1.0
    np.testing.assert_allclose(float(rows[2][6]), 1.0)
    assert rows[2][2] == '33'
    # A second run skips the sequence.
    n_inits = len([e for e in helpers.read_log(eval_env.log) if e['event'] == 'init'])
    run_dataset([seq], [trk])
    assert len([e for e in helpers.read_log(eval_env.log) if e['event'] == 'init']) == n_inits


def test_run_dataset_accepts_sequence_list_and_several_trackers(fake, eval_env, helpers):
    seqs = SequenceList([make_sequence(eval_env.root, helpers, 'm{}'.format(i), n=2) for i in range(2)])
    trackers = [fake.FakeEvalTracker(run_id=r) for r in range(2)]
    summary = run_dataset(seqs, trackers)
    assert summary['total'] == 4 and not summary['failed']
    for t in trackers:
        assert sorted(os.listdir(t.results_dir)) == ['m0.txt', 'm0_time.txt', 'm1.txt', 'm1_time.txt']


@pytest.mark.slow
def test_parallel_workers(fake, eval_env, helpers):
    seqs = [make_sequence(eval_env.root, helpers, 'p{}'.format(i), n=3, box=(float(i + 1), 2.0, 5.0, 5.0))
            for i in range(4)]
    trk = fake.FakeEvalTracker({'fail_on_x': 3.0})
    summary = run_dataset(seqs, [trk], threads=2)
    assert [f[0] for f in summary['failed']] == ['p2']
    for i in (0, 1, 3):
        np.testing.assert_array_equal(np.loadtxt(os.path.join(trk.results_dir, 'p{}.txt'.format(i))),
                                      expected_boxes((i + 1.0, 2.0, 5.0, 5.0), 3))
    pids = {e['pid'] for e in helpers.read_log(eval_env.log)}
    assert os.getpid() not in pids  # the work ran in the worker processes


def test_fps_helper():
    assert math.isclose(running._fps({'time': [0.5, 0.25, 0.25]}), 3.0)
    assert math.isclose(running._fps({'time': [{'1': 0.5, '2': 0.5}, {'1': 0.5, '2': 0.5}]}), 1.0)


def test_setup_error_stops_the_run(fake, eval_env, helpers):
    seqs = [make_sequence(eval_env.root, helpers, n, n=2) for n in ['u1', 'u2', 'u3']]
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        run_dataset(seqs, [fake.FakeEvalTracker({'missing_network': True})])
    assert len([e for e in helpers.read_log(eval_env.log) if e['event'] == 'init']) == 1  # not tried 3 times


KILL_SCRIPT = '''
import json, sys
import numpy as np
from evaltest_fake_tracker import FakeEvalTracker
from pytracking.evaluation import Sequence
from pytracking.evaluation.running import run_dataset
spec = json.load(open(sys.argv[1]))
seqs = [Sequence(s['name'], s['frames'], 'test', np.array(s['gt'])) for s in spec]
run_dataset(seqs, [FakeEvalTracker({'sleep_per_frame': 0.15})])
'''


@pytest.mark.slow
def test_resume_after_sigkill(fake, eval_env, helpers, tmp_path):
    import json
    import signal
    import subprocess
    import sys
    import time
    names = ['k1', 'k2', 'k3', 'k4']
    seqs = [make_sequence(eval_env.root, helpers, n, n=6, box=(float(i + 1), 2.0, 5.0, 5.0))
            for i, n in enumerate(names)]
    spec = tmp_path / 'spec.json'
    spec.write_text(json.dumps([{'name': s.name, 'frames': s.frames, 'gt': s.ground_truth_rect.tolist()}
                                for s in seqs]))
    (tmp_path / 'kill_run.py').write_text(KILL_SCRIPT)
    results_dir = fake.FakeEvalTracker().results_dir
    proc = subprocess.Popen([sys.executable, str(tmp_path / 'kill_run.py'), str(spec)], env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not os.path.exists(os.path.join(results_dir, 'k1.txt')):
            assert proc.poll() is None and time.time() < deadline, 'the run ended before the first result'
            time.sleep(0.05)
        time.sleep(0.3)  # in the middle of k2
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    finished = [n for n in names if os.path.exists(os.path.join(results_dir, n + '.txt'))]
    assert 'k1' in finished and len(finished) < len(names)
    for n in finished:  # whatever exists is complete
        assert np.loadtxt(os.path.join(results_dir, n + '.txt')).shape == (6, 4)
        assert np.loadtxt(os.path.join(results_dir, n + '_time.txt')).shape == (6,)
    k1_before = open(os.path.join(results_dir, 'k1.txt')).read()

    summary = run_dataset(seqs, [fake.FakeEvalTracker()])
    assert summary['failed'] == []
    assert open(os.path.join(results_dir, 'k1.txt')).read() == k1_before
    for i, n in enumerate(names):
        np.testing.assert_array_equal(np.loadtxt(os.path.join(results_dir, n + '.txt')),
                                      expected_boxes((i + 1.0, 2.0, 5.0, 5.0), 6))
    visible = sorted(f for f in os.listdir(results_dir) if not f.startswith('.'))
    assert visible == sorted([n + '.txt' for n in names] + [n + '_time.txt' for n in names])
    # Re-runs in this process only for the sequences the killed run had not finished.
    reran = {e['box'][0] for e in helpers.read_log(eval_env.log) if e['event'] == 'init' and e['pid'] == os.getpid()}
    assert reran == {float(names.index(n) + 1) for n in names if n not in finished}


def test_segmentation_masks_are_written_as_indexed_pngs(fake, eval_env, helpers):
    from ltr.data.image_loader import imread_indexed
    seq = make_sequence(eval_env.root, helpers, 'segseq', n=3, box=(2.0, 3.0, 5.0, 4.0), w=20, h=12)
    trk = fake.FakeEvalTracker({'masks': True})
    assert run_dataset([seq], [trk])['failed'] == []
    seg_dir = os.path.join(trk.segmentation_dir, 'segseq')
    # Initialised from a box, so the first frame has no mask.
    assert sorted(os.listdir(seg_dir)) == ['0002.png', '0003.png']
    m = imread_indexed(os.path.join(seg_dir, '0002.png'))
    # frame 1: box (4, 4, 5, 4) -> rows 4..7, columns 4..8
    assert m.shape == (12, 20) and m.sum() == 5 * 4 and m[4, 4] == 1 and m[8, 4] == 0 and m[4, 9] == 0
    assert os.path.isfile(os.path.join(trk.results_dir, 'segseq.txt'))


def test_single_object_run_of_multi_object_sequence_is_skipped_next_time(fake, eval_env, helpers):
    frames = [helpers.write_image(eval_env.root / 'so' / '{:05d}.jpg'.format(i)) for i in range(3)]
    gt = OrderedDict([('4', np.tile([2.0, 3.0, 6.0, 5.0], (3, 1)))])
    seq = Sequence('so', frames, 'test', gt, object_ids=['4'])
    trk = fake.FakeEvalTracker()
    run_dataset([seq], [trk])
    assert sorted(os.listdir(trk.results_dir)) == ['so.txt', 'so_time.txt']
    run_dataset([seq], [trk])
    assert len([e for e in helpers.read_log(eval_env.log) if e['event'] == 'init']) == 1


def test_object_appearing_later_in_multi_object_sequence(fake, eval_env, helpers):
    n = 5
    frames = [helpers.write_image(eval_env.root / 'late' / '{:05d}.jpg'.format(i)) for i in range(n)]
    gt = OrderedDict([(1, np.tile([2.0, 3.0, 6.0, 5.0], (n, 1))), (2, np.tile([20.0, 10.0, 4.0, 4.0], (n, 1)))])
    init_data = {0: {'bbox': OrderedDict([(1, gt[1][0])]), 'object_ids': [1]},
                 2: {'bbox': OrderedDict([(2, gt[2][2])]), 'object_ids': [2]}}
    seq = Sequence('late', frames, 'test', gt, init_data=init_data, object_ids=[1, 2], multiobj_mode=True)
    trk = fake.FakeEvalTracker({'multiobj_mode': 'parallel'})
    out = trk.run_sequence(seq)
    assert [sorted(b.keys()) for b in out['target_bbox']] == [[1], [1], [1, 2], [1, 2], [1, 2]]
    assert out['target_bbox'][2][2] == [20.0, 10.0, 4.0, 4.0]      # initial box of object 2
    assert out['target_bbox'][4][2] == [24.0, 12.0, 4.0, 4.0]      # two frames later
    assert out['target_bbox'][4][1] == [10.0, 7.0, 6.0, 5.0]
    run_dataset([seq], [trk])
    np.testing.assert_array_equal(np.loadtxt(os.path.join(trk.results_dir, 'late_2.txt')),
                                  [[20, 10, 4, 4], [22, 11, 4, 4], [24, 12, 4, 4]])
    assert np.loadtxt(os.path.join(trk.results_dir, 'late_1.txt')).shape == (5, 4)


def test_cpu_threads_are_shared_between_workers(monkeypatch):
    from pytracking.evaluation import running
    monkeypatch.setattr(running.os, 'cpu_count', lambda: 8)
    assert [running.cpu_threads_per_worker(n) for n in (0, 1, 2, 3, 8, 16)] == [8, 8, 4, 2, 1, 1]
    monkeypatch.setattr(running.os, 'cpu_count', lambda: None)
    assert running.cpu_threads_per_worker(4) == 1

"""The smoke DiMP-18 recipe on the fixture trees under torchrun with 2 CPU processes (gloo)."""
import glob
import json
import os
import subprocess
import sys

import pytest

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ddp_worker.py')


@pytest.mark.slow
def test_torchrun_two_processes(ltr_env, fixture_roots, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    roots_file = tmp_path / 'roots.json'
    roots_file.write_text(json.dumps(fixture_roots))
    env = dict(os.environ)
    env['OMP_NUM_THREADS'] = '1'
    proc = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
                           WORKER, str(out), str(roots_file)], env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    result = json.loads((out / 'result.json').read_text())

    # Exactly one process wrote the (single) checkpoint.
    ckpts = glob.glob(os.path.join(ltr_env, 'checkpoints', 'ltr', 'smoke', 'dimp18', '*'))
    assert [os.path.basename(p) for p in ckpts] == ['DiMPnet_ep0001.pth.tar']

    # 8 samples per epoch split over 2 ranks: 4 each, batch 2 -> 2 iterations; the index sets are disjoint.
    assert result['world_size'] == 2 and result['loader_len'] == 2
    idx0, idx1 = result['train_indices']
    assert len(idx0) == len(idx1) == 4 and set(idx0).isdisjoint(idx1) and set(idx0) | set(idx1) == set(range(8))
    # Every batch a rank trained on differs from every batch of the other rank.
    fp0, fp1 = result['fingerprints']
    assert len(fp0) == len(fp1) == 3  # 2 training + 1 validation iteration
    assert not any(a == b for a in fp0 for b in fp1)
    # The batches come from the fixture trees (several formats within the epoch).
    names = {n for fp in fp0 + fp1 for n in fp[2]}
    assert len(names) >= 2 and names <= {'lasot', 'got10k', 'trackingnet', 'coco', 'imagenetvid'}

    # DDP-averaged gradients of the two half batches equal the gradient of the whole batch in one process.
    assert result['grad_names_ddp'] == result['grad_names_ref'] and len(result['grad_names_ref']) > 50
    for name, diff in result['max_abs_diff'].items():
        assert diff <= 1e-4 * max(result['max_abs'][name], 1e-3), (name, diff, result['max_abs'][name])


@pytest.mark.slow
def test_torchrun_command_line(ltr_env, tmp_path):
    """``torchrun --nproc_per_node=2 ltr/run_training.py smoke dimp18`` (gloo on CPU): one set of checkpoints, the
    log of rank 0 only."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env['OMP_NUM_THREADS'] = '1'
    proc = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
                           os.path.join(repo, 'ltr', 'run_training.py'), 'smoke', 'dimp18', '--seed', '3',
                           '--device', 'cpu'], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    ckpts = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ltr_env, 'checkpoints', 'ltr', 'smoke',
                                                                          'dimp18', '*')))
    assert ckpts == ['DiMPnet_ep0001.pth.tar', 'DiMPnet_ep0002.pth.tar']
    assert '(rank 0 / 2)' in proc.stderr and '(rank 1 / 2)' not in proc.stderr
    assert proc.stderr.count('Finished training') == 1

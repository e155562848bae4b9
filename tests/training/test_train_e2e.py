"""End-to-end training of the DiMP-18 smoke recipe on tiny GOT-10k-format fixture data (CPU)."""
import glob
import os
import subprocess
import sys

import pytest
import torch

from ltr.admin import loading
from ltr.admin.settings import Settings
from ltr.data import LTRLoader
from ltr.run_training import run_training, seed_everything

# pycocotools' mask decoding warns under NumPy 2; not our code
pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OFFICIAL_KEYS = {'epoch', 'actor_type', 'net_type', 'net', 'net_info', 'constructor', 'optimizer', 'stats',
                 'settings'}


def _settings(**attrs):
    settings = Settings()
    settings.samples_per_epoch = 8  # 4 iterations of batch size 2
    settings.val_samples_per_epoch = 2
    for k, v in attrs.items():
        setattr(settings, k, v)
    return settings


def _ckpt_dir(workspace):
    return os.path.join(workspace, 'checkpoints', 'ltr', 'smoke', 'dimp18')


class _FixedSamples(torch.utils.data.Dataset):
    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def _has_coco() -> bool:
    try:
        import pycocotools  # noqa: F401
    except ImportError:
        return False
    return True


FIXTURE_NAMES = {'lasot', 'got10k', 'trackingnet', 'imagenetvid'} | ({'coco'} if _has_coco() else set())


@pytest.mark.slow
def test_dimp18_on_fixture_trees_checkpoint_loads_and_resumes(ltr_env, fixture_roots):
    seen = []
    settings = _settings(num_epochs=1, fixture_roots=fixture_roots)
    trainer = run_training('smoke', 'dimp18', seed=3, device='cpu', settings=settings)
    sampler = trainer.loaders[0].dataset
    assert {d.get_name() for d in sampler.datasets} == FIXTURE_NAMES
    seen.extend(sampler[i]['dataset'] for i in range(40))
    assert set(seen) == FIXTURE_NAMES  # every fixture format is drawn

    # The official layout: <workspace>/checkpoints/ltr/<module>/<name>/<NetType>_ep%04d.pth.tar
    path = os.path.join(_ckpt_dir(ltr_env), 'DiMPnet_ep0001.pth.tar')
    assert os.listdir(_ckpt_dir(ltr_env)) == ['DiMPnet_ep0001.pth.tar']
    ckpt = loading.torch_load_legacy(path)
    assert OFFICIAL_KEYS <= set(ckpt)
    assert (ckpt['epoch'], ckpt['net_type'], ckpt['actor_type']) == (1, 'DiMPnet', 'DiMPActor')
    assert ckpt['constructor'].fun_name == 'dimpnet18'
    assert ckpt['constructor'].kwds['backbone_pretrained'] is False
    assert ckpt['lr_scheduler']['last_epoch'] == 1
    assert ckpt['settings'].fixture_roots == fixture_roots

    net, loaded = loading.load_network(_ckpt_dir(ltr_env))
    assert type(net).__name__ == 'DiMPnet' and loaded['epoch'] == 1
    for k, v in net.state_dict().items():
        assert torch.equal(v, ckpt['net'][k]), k

    # Resuming restores the network, the Adam moments, the scheduler and the statistics of epoch 1 ...
    restored = run_training('smoke', 'dimp18', seed=4, device='cpu',
                            settings=_settings(num_epochs=0, fixture_roots=fixture_roots))
    assert restored.epoch == 1
    for k, v in restored.net.state_dict().items():
        assert torch.equal(v, ckpt['net'][k]), k
    opt_state = restored.optimizer.state_dict()
    assert [g['lr'] for g in opt_state['param_groups']] == [g['lr'] for g in ckpt['optimizer']['param_groups']]
    assert opt_state['state'].keys() == ckpt['optimizer']['state'].keys()
    for i, st in opt_state['state'].items():
        for key in ('step', 'exp_avg', 'exp_avg_sq'):
            assert torch.equal(st[key], ckpt['optimizer']['state'][i][key]), (i, key)
    assert restored.lr_scheduler.state_dict() == ckpt['lr_scheduler']
    assert restored.stats['train']['Loss/total'].history == ckpt['stats']['train']['Loss/total'].history

    # ... and training continues at epoch 2 only.
    trainer = run_training('smoke', 'dimp18', seed=3, device='cpu',
                           settings=_settings(num_epochs=2, fixture_roots=fixture_roots))
    assert trainer.epoch == 2
    assert sorted(os.listdir(_ckpt_dir(ltr_env))) == ['DiMPnet_ep0001.pth.tar', 'DiMPnet_ep0002.pth.tar']
    # Optimizer state continued from epoch 1 (4 Adam steps) through epoch 2 (4 more); scheduler at epoch 2.
    steps = {int(s['step']) for s in trainer.optimizer.state_dict()['state'].values()}
    assert steps == {8}
    assert trainer.lr_scheduler.last_epoch == 2
    ckpt2 = loading.torch_load_legacy(os.path.join(_ckpt_dir(ltr_env), 'DiMPnet_ep0002.pth.tar'))
    assert ckpt2['epoch'] == 2 and ckpt2['lr_scheduler']['last_epoch'] == 2
    history = trainer.stats['train']['Loss/total'].history
    assert len(history) == 2 and history[0] == ckpt['stats']['train']['Loss/total'].history[0]


@pytest.mark.slow
def test_dimp18_training_on_fixture_trees_decreases_loss(ltr_env, fixture_roots):
    # Build the recipe without training, then train on a fixed set of batches so that the loss is comparable
    # between epochs (random sampling makes single-batch losses vary by an order of magnitude).
    trainer = run_training('smoke', 'dimp18', seed=5, device='cpu',
                           settings=_settings(num_epochs=0, fixture_roots=fixture_roots))
    seed_everything(11)
    sampler = trainer.loaders[0].dataset
    by_dataset = {}
    for _ in range(200):
        sample = sampler[0]
        by_dataset.setdefault(sample['dataset'], sample)
        if len(by_dataset) == len(FIXTURE_NAMES):
            break
    assert set(by_dataset) == FIXTURE_NAMES
    samples = list(by_dataset.values()) + [sampler[0] for _ in range(6 - len(by_dataset))]
    trainer.loaders = [LTRLoader('train', _FixedSamples(samples), training=True, batch_size=2, stack_dim=1)]
    trainer.train(6, load_latest=False, fail_safe=False)
    history = trainer.stats['train']['Loss/total'].history
    assert len(history) == 6
    assert all(torch.isfinite(torch.tensor(history)))
    assert history[-1] < 0.7 * history[0], history


@pytest.mark.slow
@pytest.mark.parametrize('num_workers', [0, 2])
def test_dimp18_seed_makes_runs_reproducible(ltr_env, tmp_path, monkeypatch, num_workers):
    # With loader workers, each worker's random streams derive from the seeded main process.
    weights = []
    for i, seed in enumerate([21, 21, 22]):
        monkeypatch.setenv('LTR_WORKSPACE_DIR', str(tmp_path / 'ws{}'.format(i)))
        settings = _settings(num_epochs=1, samples_per_epoch=4, val_samples_per_epoch=0, num_workers=num_workers)
        trainer = run_training('smoke', 'dimp18', seed=seed, device='cpu', settings=settings)
        weights.append({k: v.clone() for k, v in trainer.net.state_dict().items()})
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert not all(torch.equal(weights[0][k], weights[2][k]) for k in weights[0])


@pytest.mark.slow
def test_dimp18_bf16_and_data_parallel_wrapper(ltr_env):
    trainer = run_training('smoke', 'dimp18', seed=1, amp='bf16', device='cpu',
                           settings=_settings(num_epochs=1, multi_gpu=True, samples_per_epoch=4))
    assert type(trainer.actor.net).__name__ == 'MultiGPU'
    ckpt = loading.torch_load_legacy(os.path.join(_ckpt_dir(ltr_env), 'DiMPnet_ep0001.pth.tar'))
    # The wrapper is not part of the saved network: keys and type are those of the bare DiMPnet.
    assert ckpt['net_type'] == 'DiMPnet' and not any(k.startswith('module.') for k in ckpt['net'])
    assert all(v.dtype == torch.float32 for v in ckpt['net'].values() if v.is_floating_point())
    assert all(torch.isfinite(torch.tensor(h.history)).all() for h in ckpt['stats']['train'].values())
    assert 'grad_scaler' not in ckpt


@pytest.mark.slow
def test_dimp18_fp16_with_grad_scaler_on_cpu(ltr_env, fixture_roots):
    # CPU autocast supports float16, so the fp16 + GradScaler path of the real network runs without a GPU.
    trainer = run_training('smoke', 'dimp18', seed=2, amp='fp16', device='cpu',
                           settings=_settings(num_epochs=1, samples_per_epoch=2, val_samples_per_epoch=0,
                                              fixture_roots=fixture_roots))
    assert trainer.amp_dtype == torch.float16 and trainer.grad_scaler.is_enabled()
    ckpt = loading.torch_load_legacy(os.path.join(_ckpt_dir(ltr_env), 'DiMPnet_ep0001.pth.tar'))
    assert ckpt['grad_scaler']['scale'] == trainer.grad_scaler.get_scale() > 0
    assert all(v.dtype == torch.float32 and torch.isfinite(v).all()
               for v in ckpt['net'].values() if v.is_floating_point())
    assert all(torch.isfinite(torch.tensor(h.history)).all() for h in ckpt['stats']['train'].values())
    # Resuming restores the scaler's state with the rest.
    restored = run_training('smoke', 'dimp18', seed=2, amp='fp16', device='cpu',
                            settings=_settings(num_epochs=0, fixture_roots=fixture_roots))
    assert restored.epoch == 1 and restored.grad_scaler.state_dict() == ckpt['grad_scaler']


@pytest.mark.cuda
@pytest.mark.slow
def test_dimp18_fp16_with_grad_scaler_on_gpu(ltr_env):
    trainer = run_training('smoke', 'dimp18', seed=1, amp='fp16', device='cuda',
                           settings=_settings(num_epochs=1, samples_per_epoch=4))
    assert trainer.grad_scaler.is_enabled()
    assert next(trainer.net.parameters()).device.type == 'cuda'
    ckpt = loading.torch_load_legacy(os.path.join(_ckpt_dir(ltr_env), 'DiMPnet_ep0001.pth.tar'))
    assert 'grad_scaler' in ckpt and ckpt['grad_scaler']['scale'] > 0
    assert all(torch.isfinite(torch.tensor(h.history)).all() for h in ckpt['stats']['train'].values())


def _cli_env(extra=None):
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(extra or {})
    return env


def test_cli_unknown_train_settings_lists_available(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'ltr', 'run_training.py'), 'dimp', 'nosuch'],
                          cwd=str(tmp_path), env=_cli_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Unknown train settings 'dimp nosuch'" in proc.stderr
    for line in ('dimp dimp50', 'dimp super_dimp', 'bbreg atom_prob_ml', 'smoke dimp18'):
        assert line in proc.stderr

    with pytest.raises(ValueError, match="Unknown train settings 'nomodule dimp50'"):
        run_training('nomodule', 'dimp50')
    with pytest.raises(ValueError, match='fp8'):
        run_training('smoke', 'dimp18', amp='fp8')


@pytest.mark.slow
def test_cli_module_form_from_another_directory(ltr_env, tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'ltr.run_training', 'smoke', 'dimp18', '--seed', '4',
                           '--device', 'cpu', '--amp', 'bf16'], cwd=str(tmp_path),
                          env=_cli_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert glob.glob(os.path.join(_ckpt_dir(ltr_env), 'DiMPnet_ep0002.pth.tar'))
    assert 'Finished training' in proc.stderr

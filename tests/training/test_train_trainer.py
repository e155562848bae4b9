"""LTRTrainer on a toy regression problem: checkpoint layout, schedule, resume, fail-safe, AMP, stats."""
import glob
import os

import pytest
import torch
import torch.nn as nn
import torch.optim as optim

from ltr.actors import BaseActor
from ltr.admin import loading
from ltr.admin.multigpu import MultiGPU, is_multi_gpu, unwrap
from ltr.admin.settings import Settings
from ltr.data import LTRLoader
from ltr.trainers import LTRTrainer
from ltr.trainers.ltr_trainer import move_to_device

OFFICIAL_KEYS = {'epoch', 'actor_type', 'net_type', 'net', 'net_info', 'constructor', 'optimizer', 'stats',
                 'settings'}


class ToyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)

    def forward(self, x):
        return self.linear(x)


class ToyDataset(torch.utils.data.Dataset):
    """y = x . w_true + 0.5 on fixed inputs."""

    def __init__(self, n=8):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 3, generator=g)
        self.y = self.x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.5

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {'x': self.x[i], 'y': self.y[i]}


class ToyActor(BaseActor):
    def __init__(self, net, crash_at_epoch=None):
        super().__init__(net, nn.MSELoss())
        self.calls = []
        self.crash_at_epoch = crash_at_epoch

    def __call__(self, data):
        if data['epoch'] == self.crash_at_epoch:
            self.crash_at_epoch = None  # crash only once
            raise RuntimeError('simulated crash')
        out = self.net(data['x'])
        self.calls.append({'epoch': data['epoch'], 'training': self.net.training, 'dtype': out.dtype,
                           'autocast': torch.is_autocast_enabled('cpu')})
        loss = self.objective(out.float(), data['y'])
        return loss, {'Loss/total': loss.item()}


def _settings(name='toy_run', **attrs):
    settings = Settings()
    settings.module_name = 'toy'
    settings.script_name = name
    settings.project_path = 'ltr/toy/{}'.format(name)
    settings.device = 'cpu'
    for k, v in attrs.items():
        setattr(settings, k, v)
    return settings


def _trainer(settings, crash_at_epoch=None, val_interval=2, sgd=False):
    torch.manual_seed(0)
    net = ToyNet()
    actor = ToyActor(net, crash_at_epoch)
    loaders = [LTRLoader('train', ToyDataset(), training=True, batch_size=2, shuffle=False),
               LTRLoader('val', ToyDataset(4), training=False, batch_size=2, epoch_interval=val_interval)]
    if sgd:
        optimizer = optim.SGD(net.parameters(), lr=1.0)
    else:
        optimizer = optim.Adam([{'params': net.linear.weight, 'lr': 0.1}, {'params': net.linear.bias}], lr=0.05)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return LTRTrainer(actor, loaders, optimizer, settings, scheduler)


def test_checkpoints_schedule_and_stats(ltr_env):
    trainer = _trainer(_settings())
    trainer.train(3, load_latest=False, fail_safe=False)

    ckpt_dir = os.path.join(ltr_env, 'checkpoints', 'ltr', 'toy', 'toy_run')
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ckpt_dir, '*')))
    assert files == ['ToyNet_ep0001.pth.tar', 'ToyNet_ep0002.pth.tar', 'ToyNet_ep0003.pth.tar']

    ckpt = loading.torch_load_legacy(os.path.join(ckpt_dir, 'ToyNet_ep0003.pth.tar'))
    assert OFFICIAL_KEYS <= set(ckpt)
    assert ckpt['epoch'] == 3 and ckpt['net_type'] == 'ToyNet' and ckpt['actor_type'] == 'ToyActor'
    for k, v in trainer.actor.net.state_dict().items():
        assert torch.equal(ckpt['net'][k], v)

    # Validation ran only in epoch 2 (epoch_interval=2); training ran every epoch in train mode.
    assert [c['epoch'] for c in trainer.actor.calls if not c['training']] == [2, 2]
    assert [c['epoch'] for c in trainer.actor.calls if c['training']] == [1] * 4 + [2] * 4 + [3] * 4
    assert len(ckpt['stats']['val']['Loss/total'].history) == 1
    assert len(ckpt['stats']['train']['Loss/total'].history) == 3

    # StepLR(step_size=2, gamma=0.5) stepped at the start of each epoch: epoch e trains with base * 0.5 ** (e // 2)
    assert ckpt['stats']['train']['LearningRate/group0'].history == pytest.approx([0.1, 0.05, 0.05])
    assert ckpt['stats']['train']['LearningRate/group1'].history == pytest.approx([0.05, 0.025, 0.025])

    # The training loss of the toy regression goes down.
    hist = ckpt['stats']['train']['Loss/total'].history
    assert hist[-1] < hist[0]

    # TensorBoard event files for each loader.
    tb = os.environ['LTR_TENSORBOARD_DIR']
    assert glob.glob(os.path.join(tb, 'ltr', 'toy', 'toy_run', 'train', 'events.*'))
    assert glob.glob(os.path.join(tb, 'ltr', 'toy', 'toy_run', 'info', 'events.*'))


def test_resume_equals_uninterrupted_run(ltr_env):
    full = _trainer(_settings('full'))
    full.train(4, load_latest=True, fail_safe=False)

    first = _trainer(_settings('split'))
    first.train(2, load_latest=True, fail_safe=False)

    resumed = _trainer(_settings('split'))  # fresh network, optimizer and scheduler
    resumed.train(4, load_latest=True, fail_safe=False)
    assert [c['epoch'] for c in resumed.actor.calls if c['training']] == [3] * 4 + [4] * 4
    assert resumed.lr_scheduler.last_epoch == 4
    assert resumed.optimizer.state_dict()['state'][0]['step'].item() == 16
    for k, v in full.actor.net.state_dict().items():
        torch.testing.assert_close(resumed.actor.net.state_dict()[k], v, rtol=0, atol=0)
    assert resumed.stats['train']['Loss/total'].history == pytest.approx(full.stats['train']['Loss/total'].history)

    # Resuming from a finished run trains nothing.
    again = _trainer(_settings('split'))
    again.train(4, load_latest=True, fail_safe=False)
    assert again.actor.calls == [] and again.epoch == 4


def test_load_checkpoint_by_epoch_and_errors(ltr_env, tmp_path):
    trainer = _trainer(_settings('by_epoch'))
    trainer.train(2, fail_safe=False)
    other = _trainer(_settings('by_epoch'))
    assert other.load_checkpoint(1)
    assert other.epoch == 1 and other.lr_scheduler.last_epoch == 1
    with pytest.raises(FileNotFoundError, match='ToyNet_ep0007'):
        other.load_checkpoint(7)
    with pytest.raises(TypeError):
        other.load_checkpoint(1.5)
    fresh = _trainer(_settings('nothing_yet'))
    assert fresh.load_checkpoint() is False


def test_fail_safe_restarts_from_last_checkpoint(ltr_env):
    trainer = _trainer(_settings('crashy'), crash_at_epoch=2)
    trainer.train(3, load_latest=False, fail_safe=True)
    assert trainer.epoch == 3
    # Epoch 2 was redone after the crash, from the checkpoint of epoch 1.
    assert [c['epoch'] for c in trainer.actor.calls if c['training']] == [1] * 4 + [2] * 4 + [3] * 4

    strict = _trainer(_settings('crashy_strict'), crash_at_epoch=1)
    with pytest.raises(RuntimeError, match='simulated crash'):
        strict.train(2, load_latest=False, fail_safe=False)


def test_bf16_autocast(ltr_env):
    trainer = _trainer(_settings('amp', amp='bf16'))
    trainer.train(2, fail_safe=False)
    assert all(c['autocast'] and c['dtype'] == torch.bfloat16 for c in trainer.actor.calls)
    assert not trainer.grad_scaler.is_enabled()  # bf16 needs no loss scaling
    hist = trainer.stats['train']['Loss/total'].history
    assert hist[-1] < hist[0]

    with pytest.raises(ValueError, match='fp8'):
        _trainer(_settings('bad_amp', amp='fp8'))


def test_gradient_clipping_bounds_each_sgd_step(ltr_env):
    trainer = _trainer(_settings('clip', grad_clip_max_norm=1e-3), sgd=True)
    before = [p.detach().clone() for p in trainer.actor.net.parameters()]
    trainer.train(1, fail_safe=False)
    change = torch.cat([(p.detach() - b).flatten() for p, b in zip(trainer.actor.net.parameters(), before)])
    # 4 SGD steps with lr 1 and gradient norm clipped to 1e-3 move the parameters by at most 4e-3.
    assert 0 < change.norm().item() <= 4e-3 + 1e-7


def test_multigpu_wrapper_forwards_attributes():
    net = ToyNet()
    wrapped = MultiGPU(net, dim=1)
    assert is_multi_gpu(wrapped) and not is_multi_gpu(net)
    assert wrapped.linear is net.linear
    assert unwrap(wrapped) is net and unwrap(net) is net
    with pytest.raises(AttributeError):
        wrapped.no_such_attribute


def test_move_to_device_keeps_container_types():
    from ltr.data.loader import ltr_collate
    batch = ltr_collate([{'a': torch.ones(2), 'b': [torch.zeros(1), torch.zeros(1)], 'name': 'x'}] * 2)
    moved = move_to_device(batch, torch.device('cpu'))
    assert type(moved) is type(batch)
    assert type(moved['b']) is type(batch['b'])
    assert torch.equal(moved['a'], batch['a']) and moved['name'] == batch['name']


class _OverflowActor(ToyActor):
    """ToyActor whose loss is infinite in the listed (epoch, iteration) steps, as an fp16 overflow would be."""

    def __init__(self, net, overflow_steps):
        super().__init__(net)
        self.overflow_steps = set(overflow_steps)
        self.iteration = {}

    def __call__(self, data):
        loss, stats = super().__call__(data)
        it = self.iteration[data['epoch']] = self.iteration.get(data['epoch'], 0) + 1
        if self.net.training and (data['epoch'], it) in self.overflow_steps:
            loss = loss * float('inf')
        return loss, stats


def test_fp16_grad_scaler_skips_overflows_and_resumes_its_scale(ltr_env):
    # fp16 autocast runs on the CPU too, so the scaler path is exercised without a GPU.
    settings = _settings('fp16', amp='fp16')
    trainer = _trainer(settings)
    trainer.actor = _OverflowActor(trainer.actor.net, overflow_steps=[(1, 2), (2, 1)])
    assert trainer.grad_scaler.is_enabled() and trainer.grad_scaler.get_scale() == 2.0 ** 16
    # A smaller initial scale than the default 2 ** 16, so that only the injected steps overflow in fp16.
    scaler = trainer.grad_scaler = torch.amp.GradScaler('cpu', init_scale=2.0 ** 8)
    params = []

    original_step = trainer._optimizer_step

    def recording_step(loss):
        before = [p.detach().clone() for p in trainer.actor.net.parameters()]
        original_step(loss)
        params.append((before, [p.detach().clone() for p in trainer.actor.net.parameters()]))
    trainer._optimizer_step = recording_step
    trainer.train(2, fail_safe=False)

    assert all(c['autocast'] and c['dtype'] == torch.float16 for c in trainer.actor.calls)
    # 8 steps; steps 2 and 5 overflowed: the scaler skipped them (parameters unchanged) and halved its scale twice.
    changed = [any(not torch.equal(a, b) for a, b in zip(before, after)) for before, after in params]
    assert changed == [True, False, True, True, False, True, True, True]
    assert scaler.get_scale() == 2.0 ** 6
    assert all(torch.isfinite(p).all() for p in trainer.actor.net.parameters())

    ckpt_dir = os.path.join(ltr_env, 'checkpoints', 'ltr', 'toy', 'fp16')
    ckpt = loading.torch_load_legacy(os.path.join(ckpt_dir, 'ToyNet_ep0002.pth.tar'))
    assert ckpt['grad_scaler']['scale'] == 2.0 ** 6
    ckpt1 = loading.torch_load_legacy(os.path.join(ckpt_dir, 'ToyNet_ep0001.pth.tar'))
    assert ckpt1['grad_scaler']['scale'] == 2.0 ** 7

    resumed = _trainer(_settings('fp16', amp='fp16'))
    assert resumed.load_checkpoint(1)
    assert resumed.grad_scaler.get_scale() == 2.0 ** 7 and resumed.epoch == 1

"""Checkpoint files in the official layout: round trip, safety, legacy names, atomic writes."""
import logging
import os
import sys
import textwrap
import types
from collections import OrderedDict

import pytest
import torch

from ltr.admin import loading
from ltr.admin.loading import CheckpointError, InertObject, UnsafeCheckpointError
from ltr.admin.settings import Settings
from ltr.admin.stats import AverageMeter

BUILDER_SRC = textwrap.dedent('''
    import torch.nn as nn
    from ltr.admin.model_constructor import model_constructor

    class TinyNet(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.conv = nn.Conv2d(3, width, 3, padding=1)
            self.bn = nn.BatchNorm2d(width)
            self.head = nn.Linear(width, 2)

        def forward(self, x):
            y = self.bn(self.conv(x)).relu().mean(dim=(2, 3))
            return self.head(y)

    @model_constructor
    def tiny_net(width=4, backbone_pretrained=True):
        return TinyNet(width)
''')


@pytest.fixture
def builder_module(tmp_path, monkeypatch):
    name = 'tiny_builders_{}'.format(os.getpid())
    (tmp_path / (name + '.py')).write_text(BUILDER_SRC)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    mod = importlib.import_module(name)
    yield mod
    sys.modules.pop(name, None)


def _official_dict(net, epoch=3):
    stats = OrderedDict(train=OrderedDict({'Loss/total': AverageMeter()}))
    stats['train']['Loss/total'].update(1.5, 4)
    return {'epoch': epoch, 'actor_type': 'TinyActor', 'net_type': type(net).__name__, 'net': net.state_dict(),
            'net_info': None, 'constructor': net.constructor, 'optimizer': torch.optim.SGD(net.parameters(), 0.1).state_dict(),
            'stats': stats, 'settings': Settings()}


def test_round_trip_same_class_parameters_and_output(builder_module, tmp_path):
    torch.manual_seed(0)
    net = builder_module.tiny_net(width=6)
    with torch.no_grad():
        net.bn.running_mean.uniform_(-1, 1)  # a buffer that differs from its initial value
    path = tmp_path / 'TinyNet_ep0003.pth.tar'
    loading.save_checkpoint(_official_dict(net), path)

    loaded, ckpt = loading.load_network(str(path))
    assert type(loaded).__name__ == 'TinyNet' and type(loaded).__module__ == builder_module.__name__
    assert loaded.constructor.kwds == {'width': 6}
    for (k1, v1), (k2, v2) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)
    x = torch.randn(2, 3, 8, 8)
    net.eval(), loaded.eval()
    assert torch.equal(net(x), loaded(x))
    assert isinstance(ckpt['stats']['train']['Loss/total'], AverageMeter)
    assert ckpt['stats']['train']['Loss/total'].avg == 1.5
    assert ckpt['epoch'] == 3


def test_load_by_folder_epoch_and_kwargs(builder_module, tmp_path, caplog):
    for ep in (1, 2):
        net = builder_module.tiny_net(width=ep + 2)
        loading.save_checkpoint(_official_dict(net, ep), tmp_path / 'TinyNet_ep{:04d}.pth.tar'.format(ep))
    latest, ck = loading.load_network(str(tmp_path))
    assert ck['epoch'] == 2 and latest.conv.out_channels == 4
    first, ck = loading.load_network(str(tmp_path), checkpoint=1)
    assert ck['epoch'] == 1 and first.conv.out_channels == 3
    with caplog.at_level(logging.WARNING):
        net, _ = loading.load_network(str(tmp_path), checkpoint=1, backbone_pretrained=False, not_an_arg=5)
    assert net.constructor.kwds['backbone_pretrained'] is False
    assert 'not_an_arg' in caplog.text
    with pytest.raises(CheckpointError, match='epoch 7'):
        loading.load_network(str(tmp_path), checkpoint=7)
    with pytest.raises(CheckpointError, match='not found'):
        loading.load_network(str(tmp_path / 'missing.pth'))
    with pytest.raises(CheckpointError, match='do not fit'):
        loading.load_network(str(tmp_path), checkpoint=1, width=9)


class _Evil:
    """Unpickling this object opens (creates) a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_foreign_object_refused_without_executing(builder_module, tmp_path):
    marker = tmp_path / 'pwned.txt'
    d = _official_dict(builder_module.tiny_net())
    d['settings'] = _Evil(str(marker))
    path = tmp_path / 'evil.pth.tar'
    loading.save_checkpoint(d, path)
    with pytest.raises(UnsafeCheckpointError, match=r"io\.open"):
        loading.load_network(str(path))
    assert not marker.exists()
    # The explicit opt-in does run it: proof that the refusal above is what kept the file away.
    loading.torch_load_legacy(str(path), allow_unsafe=True)
    assert marker.exists()


def test_constructor_cannot_name_arbitrary_functions(builder_module, tmp_path, monkeypatch):
    # The constructor entry names a function that load_network calls: it must not be able to name
    # os.system (module already imported, function not a @model_constructor builder) ...
    from ltr.admin.model_constructor import NetConstructor
    marker = tmp_path / 'ran.txt'
    d = _official_dict(builder_module.tiny_net())
    d['constructor'] = NetConstructor('system', 'os', ('touch {}'.format(marker),), {})
    path = tmp_path / 'shell.pth.tar'
    loading.save_checkpoint(d, path)
    with pytest.raises(UnsafeCheckpointError, match=r'os\.system.*@model_constructor'):
        loading.load_network(str(path))
    assert not marker.exists()

    # ... nor a module that is not imported yet, whose import alone would run code.
    mod_name = 'side_effect_mod_{}'.format(os.getpid())
    (tmp_path / (mod_name + '.py')).write_text(
        'open({!r}, "w").close()\n'.format(str(marker)) + BUILDER_SRC)
    monkeypatch.syspath_prepend(str(tmp_path))
    d['constructor'] = NetConstructor('tiny_net', mod_name, (), {'width': 4})
    path2 = tmp_path / 'import.pth.tar'
    loading.save_checkpoint(d, path2)
    with pytest.raises(UnsafeCheckpointError, match=mod_name):
        loading.load_network(str(path2))
    assert not marker.exists() and mod_name not in sys.modules

    # The caller's own choice of module lifts the import check (and the builder is a decorated one).
    try:
        net, _ = loading.load_network(str(path2), constructor_module=mod_name)
        assert marker.exists() and type(net).__name__ == 'TinyNet'
    finally:
        sys.modules.pop(mod_name, None)


def _fake_module_class(monkeypatch, module_name, class_name):
    parts = module_name.split('.')
    for i in range(1, len(parts)):  # parents must be importable for pickle to find the class
        parent = '.'.join(parts[:i])
        if parent not in sys.modules:
            monkeypatch.setitem(sys.modules, parent, types.ModuleType(parent))
    mod = types.ModuleType(module_name)
    cls = type(class_name, (), {})
    cls.__module__ = module_name
    setattr(mod, class_name, cls)
    monkeypatch.setitem(sys.modules, module_name, mod)
    return cls


def test_user_local_env_read_as_inert_data(builder_module, tmp_path, monkeypatch):
    cls = _fake_module_class(monkeypatch, 'ltr.admin.local', 'EnvironmentSettings')
    env = cls()
    env.workspace_dir = '/original/user/ws'
    d = _official_dict(builder_module.tiny_net())
    d['settings'].env = env
    path = tmp_path / 'with_env.pth.tar'
    loading.save_checkpoint(d, path)

    # Whatever the module holds now (here: a class whose construction would explode), it is never used.
    boom = types.ModuleType('ltr.admin.local')

    class EnvironmentSettings:
        def __init__(self):
            raise AssertionError('must not be constructed')

        def __setstate__(self, state):
            raise AssertionError('must not be used')
    boom.EnvironmentSettings = EnvironmentSettings
    monkeypatch.setitem(sys.modules, 'ltr.admin.local', boom)
    _, ck = loading.load_network(str(path))
    assert isinstance(ck['settings'], Settings)
    assert isinstance(ck['settings'].env, InertObject)
    assert ck['settings'].env.workspace_dir == '/original/user/ws'
    assert ck['settings'].env._pickled_class == 'ltr.admin.local.EnvironmentSettings'
    # and without any ltr.admin.local module at all
    monkeypatch.delitem(sys.modules, 'ltr.admin.local')
    _, ck = loading.load_network(str(path))
    assert ck['settings'].env.workspace_dir == '/original/user/ws'


def test_legacy_dlframework_names(tmp_path, monkeypatch):
    cls = _fake_module_class(monkeypatch, 'dlframework.common.utils.stats', 'AverageMeter')
    old = cls()
    old.avg, old.count, old.history = 0.25, 8, [1.0]
    path = tmp_path / 'legacy.pth'
    loading.save_checkpoint({'stats': old}, path)
    monkeypatch.delitem(sys.modules, 'dlframework.common.utils.stats')
    d = loading.torch_load_legacy(str(path))
    assert isinstance(d['stats'], AverageMeter) and d['stats'].avg == 0.25 and d['stats'].history == [1.0]


def test_atomic_save_keeps_previous_file(tmp_path):
    path = tmp_path / 'ck.pth.tar'
    loading.save_checkpoint({'epoch': 1}, path)
    with pytest.raises(Exception):
        loading.save_checkpoint({'epoch': 2, 'bad': lambda: 0}, path)  # lambdas cannot be pickled
    assert loading.torch_load_legacy(str(path)) == {'epoch': 1}
    assert sorted(os.listdir(tmp_path)) == ['ck.pth.tar']


def test_truncated_file_clear_error(tmp_path):
    path = tmp_path / 'trunc.pth'
    loading.save_checkpoint({'net': {'w': torch.zeros(1000)}}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match='trunc.pth'):
        loading.torch_load_legacy(str(path))


def test_pytracking_load_network_resolves_and_explains(builder_module, tmp_path, monkeypatch):
    from pytracking.utils.loading import load_network
    monkeypatch.setenv('PYTRACKING_NETWORK_PATH', str(tmp_path))
    net = builder_module.tiny_net(width=5)
    loading.save_checkpoint(_official_dict(net), tmp_path / 'mine.pth.tar')
    loaded = load_network('mine.pth.tar')
    assert loaded.conv.out_channels == 5 and loaded.constructor.kwds['backbone_pretrained'] is False
    with pytest.raises(FileNotFoundError, match=r"dimp50\.pth.*DiMP-50.*PYTRACKING_NETWORK_PATH"):
        load_network('dimp50.pth')


def test_export_network_file_drops_resume_state_and_local_paths(builder_module, tmp_path):
    torch.manual_seed(0)
    net = builder_module.tiny_net(width=4)
    state = _official_dict(net)
    state['settings'].env = {'workspace_dir': '/home/someone/private'}
    state['lr_scheduler'] = {'last_epoch': 3}
    src, dst = tmp_path / 'TinyNet_ep0003.pth.tar', tmp_path / 'shipped' / 'tiny.pth.tar'
    loading.save_checkpoint(state, src)

    with pytest.raises(CheckpointError, match="not built by 'other_builder'"):
        loading.export_network_file(src, dst, builder_name='other_builder')
    assert not dst.exists()

    loading.export_network_file(src, dst, builder_name='tiny_net')
    raw = loading.torch_load_legacy(dst)
    assert set(raw) == {'epoch', 'actor_type', 'net_type', 'net', 'net_info', 'constructor', 'stats', 'settings'}
    assert not hasattr(raw['settings'], 'env')
    loaded, _ = loading.load_network(str(dst))
    for (k1, v1), (k2, v2) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)

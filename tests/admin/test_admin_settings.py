import importlib.util
import os

import pytest
import torch

from ltr.admin import environment as ltr_env
from ltr.admin.device import resolve_device
from ltr.admin.env_overrides import SettingsError
from ltr.admin.settings import Settings
from ltr.admin.stats import AverageMeter, StatValue, topk_accuracy
from pytracking.evaluation import environment as pt_env


def test_pytracking_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv('PYTRACKING_OTB_PATH', str(tmp_path))
    monkeypatch.setenv('PYTRACKING_NETWORK_PATH', '/some/nets')
    s = pt_env.env_settings()
    assert s.otb_path == str(tmp_path)
    assert s.network_path == '/some/nets'
    assert s.require_path('otb_path') == str(tmp_path)


def test_require_path_errors_name_setting_and_variable(monkeypatch, tmp_path):
    monkeypatch.setenv('PYTRACKING_NFS_PATH', '')
    s = pt_env.env_settings()
    with pytest.raises(SettingsError, match=r"'nfs_path'.*PYTRACKING_NFS_PATH"):
        s.require_path('nfs_path')
    missing = tmp_path / 'nope'
    monkeypatch.setenv('PYTRACKING_NFS_PATH', str(missing))
    with pytest.raises(SettingsError, match='does not exist'):
        pt_env.env_settings().require_path('nfs_path')


def _import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_default_local_files_are_valid_modules(tmp_path):
    p = tmp_path / 'pt_local.py'
    pt_env.create_default_local_file(str(p))
    settings = _import_file(p, 'pt_local_test').local_env_settings()
    assert vars(settings) == vars(pt_env.EnvSettings())

    q = tmp_path / 'ltr_local.py'
    ltr_env.create_default_local_file(str(q))
    env = _import_file(q, 'ltr_local_test').EnvironmentSettings()
    assert env.tensorboard_dir == env.workspace_dir + '/tensorboard/'
    for name in ('lasot_dir', 'got10k_dir', 'trackingnet_dir', 'coco_dir', 'imagenet_dir', 'synthetic_dir'):
        assert hasattr(env, name)


def test_ltr_workspace_override_rebases_derived_dirs(monkeypatch, tmp_path):
    monkeypatch.setenv('LTR_WORKSPACE_DIR', str(tmp_path / 'ws'))
    monkeypatch.setenv('LTR_GOT10K_DIR', str(tmp_path))
    s = Settings()
    assert s.env.workspace_dir == str(tmp_path / 'ws')
    assert s.env.tensorboard_dir.rstrip('/') == str(tmp_path / 'ws' / 'tensorboard')
    assert s.env.require_path('got10k_dir') == str(tmp_path)
    monkeypatch.setenv('LTR_LASOT_DIR', '')
    with pytest.raises(SettingsError, match='LTR_LASOT_DIR'):
        ltr_env.env_settings().require_path('lasot_dir')


def test_resolve_device():
    assert resolve_device(False) == torch.device('cpu')
    assert resolve_device(True, 'cpu') == torch.device('cpu')
    if not torch.cuda.is_available():
        assert resolve_device(True) == torch.device('cpu')
        with pytest.raises(RuntimeError, match='CUDA is not available'):
            resolve_device(True, 'cuda:0')


def test_average_meter_weighted_mean_and_history():
    m = AverageMeter()
    m.update(2.0, n=3)
    m.update(4.0, n=1)
    assert m.avg == pytest.approx((2 * 3 + 4) / 4)
    m.new_epoch()
    assert m.history == [pytest.approx(2.5)] and m.count == 0 and m.has_new_data
    m.new_epoch()
    assert not m.has_new_data and len(m.history) == 1
    v = StatValue()
    v.update(1)
    v.update(5)
    assert v.val == 5 and v.history == [1, 5]


def test_topk_accuracy_hand_case():
    out = torch.tensor([[0.1, 0.9, 0.0], [0.8, 0.15, 0.05], [0.2, 0.3, 0.5], [0.35, 0.4, 0.25]])
    tgt = torch.tensor([1, 1, 2, 0])
    top1, top2 = topk_accuracy(out, tgt, topk=(1, 2))
    assert top1.item() == pytest.approx(50.0)   # rows 0 and 2
    assert top2.item() == pytest.approx(100.0)  # rows 1 and 3: the target is the 2nd best


def _install_local_module(monkeypatch, tmp_path, module_name, source):
    """Make ``module_name`` (a user's local.py) importable from a file, for this test only."""
    import sys
    path = tmp_path / (module_name.replace('.', '_') + '.py')
    path.write_text(source)
    monkeypatch.setitem(sys.modules, module_name, _import_file(path, module_name))


def test_original_style_local_files_keep_working(monkeypatch, tmp_path):
    # local.py files as the original PyTracking writes them: no base class, fewer attributes.
    _install_local_module(monkeypatch, tmp_path, 'ltr.admin.local', (
        "class EnvironmentSettings:\n"
        "    def __init__(self):\n"
        "        self.workspace_dir = '/old/ws'\n"
        "        self.tensorboard_dir = self.workspace_dir + '/tensorboard/'\n"
        "        self.got10k_dir = '{}'\n".format(tmp_path)))
    _install_local_module(monkeypatch, tmp_path, 'pytracking.evaluation.local', (
        "from pytracking.evaluation.environment import EnvSettings\n"
        "def local_env_settings():\n"
        "    settings = EnvSettings()\n"
        "    settings.otb_path = '/data/otb'\n"
        "    return settings\n"))
    monkeypatch.delenv('LTR_WORKSPACE_DIR', raising=False)
    env = ltr_env.env_settings()
    assert env.workspace_dir == '/old/ws' and env.tensorboard_dir == '/old/ws/tensorboard/'
    assert env.require_path('got10k_dir') == str(tmp_path)
    assert env.lasot_dir == ''  # attributes the old file lacks exist, empty
    with pytest.raises(SettingsError, match=r"'lasot_dir'.*LTR_LASOT_DIR"):
        env.require_path('lasot_dir')
    # The workspace override moves the derived folders with it.
    monkeypatch.setenv('LTR_WORKSPACE_DIR', str(tmp_path / 'new'))
    env = ltr_env.env_settings()
    assert env.tensorboard_dir.rstrip('/') == str(tmp_path / 'new' / 'tensorboard')
    s = pt_env.env_settings()
    assert s.otb_path == '/data/otb'
    monkeypatch.setenv('PYTRACKING_OTB_PATH', '/elsewhere')
    assert pt_env.env_settings().otb_path == '/elsewhere'  # the variable wins over local.py

"""Paths for training: workspace and training datasets.

The user's paths live in ``ltr/admin/local.py`` (class ``EnvironmentSettings``), created with
defaults on first use, as in the original. Any attribute can be overridden by the environment
variable ``LTR_<ATTRIBUTE>`` (see :mod:`ltr.admin.env_overrides`).

Checkpoints pickle the settings object, whose ``env`` is an instance of the user's
``ltr.admin.local.EnvironmentSettings``; the loader reads such entries as inert data.
"""
import importlib
import logging
import os
from collections import OrderedDict

from ltr.admin.env_overrides import SettingsError, apply_env_overrides, require_path

logger = logging.getLogger(__name__)

ENV_PREFIX = 'LTR'
LOCAL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'local.py')
_PROJECT_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

__all__ = ['env_settings', 'create_default_local_file', 'SettingsError', 'EnvironmentSettingsBase', 'LOCAL_FILE']

# Settings derived from the workspace, re-derived when only the workspace is overridden.
_DERIVED = OrderedDict([('tensorboard_dir', 'tensorboard'), ('pretrained_networks', 'pretrained_networks')])


def _default_settings() -> 'OrderedDict[str, str]':
    """Attribute -> Python expression written into the generated ``local.py``."""
    empty = "''"
    d = OrderedDict()
    d['workspace_dir'] = repr(os.path.join(_PROJECT_ROOT, 'workspace'))
    d['tensorboard_dir'] = "self.workspace_dir + '/tensorboard/'"
    d['pretrained_networks'] = "self.workspace_dir + '/pretrained_networks/'"
    for name in ('lasot_dir', 'got10k_dir', 'trackingnet_dir', 'coco_dir', 'lvis_dir', 'sbd_dir',
                 'imagenet_dir', 'imagenetdet_dir', 'ecssd_dir', 'hkuis_dir', 'msra10k_dir', 'davis_dir',
                 'youtubevos_dir', 'lasot_candidate_matching_dataset_path'):
        d[name] = empty
    # Training split of the embedded synthetic benchmark (generated on first use).
    d['synthetic_dir'] = repr(os.path.join(_PROJECT_ROOT, 'pytracking', 'synthetic_data', 'train'))
    return d


class EnvironmentSettingsBase:
    """Base of the generated ``EnvironmentSettings``: adds :meth:`require_path`."""

    def require_path(self, name: str, must_exist: bool = True) -> str:
        """Return setting ``name``; raise :class:`SettingsError` naming the setting if empty/missing."""
        return require_path(self, name, ENV_PREFIX, LOCAL_FILE, must_exist=must_exist)


def create_default_local_file(path: str = LOCAL_FILE) -> None:
    """Write a ``local.py`` with an ``EnvironmentSettings`` class holding every setting."""
    comments = {'workspace_dir': 'Base directory for saving network checkpoints.',
                'tensorboard_dir': 'Directory for tensorboard files.'}
    lines = ['from ltr.admin.environment import EnvironmentSettingsBase', '', '',
             'class EnvironmentSettings(EnvironmentSettingsBase):', '    def __init__(self):']
    for attr, expr in _default_settings().items():
        line = '        self.{} = {}'.format(attr, expr)
        if attr in comments:
            line += '    # ' + comments[attr]
        lines.append(line)
    lines.append('')
    tmp = path + '.tmp{}'.format(os.getpid())
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines))
    os.replace(tmp, path)


def _attach_require_path(settings) -> None:
    # A local.py written by the original does not derive from our base; give its class the method.
    if not hasattr(settings, 'require_path'):
        type(settings).require_path = EnvironmentSettingsBase.require_path


def _apply_overrides(settings):
    old_ws = getattr(settings, 'workspace_dir', '')
    defaults = _default_settings().keys()
    apply_env_overrides(settings, ENV_PREFIX, extra_attrs=defaults)
    for attr in defaults:  # an older local.py may lack newer settings
        if not hasattr(settings, attr):
            setattr(settings, attr, '')
    new_ws = settings.workspace_dir
    if new_ws != old_ws:
        for attr, sub in _DERIVED.items():
            from_env = os.environ.get('{}_{}'.format(ENV_PREFIX, attr.upper())) is not None
            cur = getattr(settings, attr, '')
            if not from_env and (not cur or (old_ws and str(cur).startswith(str(old_ws)))):
                setattr(settings, attr, os.path.join(new_ws, sub) + '/')
    return settings


def env_settings():
    """The user's ``EnvironmentSettings`` (``local.py`` created with defaults if missing), with env overrides."""
    try:
        env_module = importlib.import_module('ltr.admin.local')
    except ModuleNotFoundError as e:
        if e.name != 'ltr.admin.local':
            raise
        create_default_local_file(LOCAL_FILE)
        logger.warning("Created the default settings file '%s'; edit it to set your dataset paths.", LOCAL_FILE)
        importlib.invalidate_caches()
        env_module = importlib.import_module('ltr.admin.local')
    settings = env_module.EnvironmentSettings()
    _attach_require_path(settings)
    return _apply_overrides(settings)

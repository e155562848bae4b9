"""Paths for tracking: results, networks and benchmark datasets.

The user's paths live in ``pytracking/evaluation/local.py`` (function ``local_env_settings()``),
created with defaults on first use, as in the original. Any attribute can be overridden by the
environment variable ``PYTRACKING_<ATTRIBUTE>`` (see :mod:`ltr.admin.env_overrides`).
"""
import importlib
import logging
import os

from ltr.admin.env_overrides import SettingsError, apply_env_overrides, require_path

logger = logging.getLogger(__name__)

ENV_PREFIX = 'PYTRACKING'
LOCAL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'local.py')

__all__ = ['EnvSettings', 'env_settings', 'create_default_local_file', 'SettingsError', 'LOCAL_FILE']


class EnvSettings:
    """Default tracking settings. Attribute names are the original's (plus ``synthetic_path``)."""

    def __init__(self):
        pytracking_path = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

        self.results_path = '{}/tracking_results/'.format(pytracking_path)
        self.segmentation_path = '{}/segmentation_results/'.format(pytracking_path)
        self.network_path = '{}/networks/'.format(pytracking_path)
        self.result_plot_path = '{}/result_plots/'.format(pytracking_path)
        self.otb_path = ''
        self.nfs_path = ''
        self.uav_path = ''
        self.tpl_path = ''
        self.vot_path = ''
        self.got10k_path = ''
        self.lasot_path = ''
        self.lasot_extension_subset_path = ''
        self.trackingnet_path = ''
        self.oxuva_path = ''
        self.avist_path = ''
        self.davis_dir = ''
        self.youtubevos_dir = ''
        self.got_packed_results_path = ''
        self.got_reports_path = ''
        self.tn_packed_results_path = ''
        # Where the embedded synthetic benchmark is generated (cached) on first use.
        self.synthetic_path = '{}/synthetic_data/'.format(pytracking_path)

    def require_path(self, name: str, must_exist: bool = True) -> str:
        """Return setting ``name``; raise :class:`SettingsError` naming the setting if empty/missing."""
        return require_path(self, name, ENV_PREFIX, LOCAL_FILE, must_exist=must_exist)


_COMMENTS = {
    'results_path': 'Where to store tracking results',
    'network_path': 'Where tracking networks are stored.',
    'synthetic_path': 'Where the synthetic benchmark is generated',
}


def create_default_local_file(path: str = LOCAL_FILE) -> None:
    """Write a ``local.py`` listing every setting with its default value."""
    defaults = EnvSettings()
    lines = ['from pytracking.evaluation.environment import EnvSettings', '', '',
             'def local_env_settings():', '    settings = EnvSettings()', '',
             '    # Set your local paths here.', '']
    for attr, val in vars(defaults).items():
        line = '    settings.{} = {!r}'.format(attr, val)
        if attr in _COMMENTS:
            line += '    # ' + _COMMENTS[attr]
        lines.append(line)
    lines += ['', '    return settings', '']
    tmp = path + '.tmp{}'.format(os.getpid())
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines))
    os.replace(tmp, path)


def env_settings() -> EnvSettings:
    """The user's settings from ``local.py`` (created with defaults if missing), with env overrides."""
    try:
        env_module = importlib.import_module('pytracking.evaluation.local')
    except ModuleNotFoundError as e:
        if e.name != 'pytracking.evaluation.local':
            raise
        try:
            create_default_local_file(LOCAL_FILE)
            logger.warning("Created the default settings file '%s'; edit it to set your dataset paths.",
                           LOCAL_FILE)
            importlib.invalidate_caches()
            env_module = importlib.import_module('pytracking.evaluation.local')
        except OSError as err:
            logger.warning("No settings file and could not write '%s' (%s); using defaults.", LOCAL_FILE, err)
            return apply_env_overrides(EnvSettings(), ENV_PREFIX)
    settings = env_module.local_env_settings()
    return apply_env_overrides(settings, ENV_PREFIX, extra_attrs=vars(EnvSettings()).keys())

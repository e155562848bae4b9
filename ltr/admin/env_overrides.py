"""Environment-variable overrides and path checks shared by the two settings modules.

Naming rule: every attribute ``name`` of the tracking settings (``pytracking/evaluation/local.py``)
can be overridden by the environment variable ``PYTRACKING_<NAME>``; every attribute of the
training settings (``ltr/admin/local.py``) by ``LTR_<NAME>`` (``NAME`` = attribute name in upper
case). Example: ``PYTRACKING_OTB_PATH=/data/otb``, ``LTR_WORKSPACE_DIR=/scratch/ws``.
"""
import os
from typing import Any, Iterable


class SettingsError(RuntimeError):
    """A setting needed for the requested work is empty or points to a missing path."""


def env_var_name(prefix: str, attr: str) -> str:
    """Name of the environment variable overriding ``attr`` (e.g. ``PYTRACKING_OTB_PATH``)."""
    return '{}_{}'.format(prefix, attr.upper())


def apply_env_overrides(settings: Any, prefix: str, extra_attrs: Iterable[str] = ()) -> Any:
    """Replace attributes of ``settings`` by ``<prefix>_<ATTR>`` environment variables where set.

    Attributes considered: those already on the object plus ``extra_attrs`` (defaults a user's
    older ``local.py`` may lack). Returns the same object.
    """
    names = set(extra_attrs) | {k for k in vars(settings) if not k.startswith('_')}
    for attr in sorted(names):
        value = os.environ.get(env_var_name(prefix, attr))
        if value is not None:
            setattr(settings, attr, value)
    return settings


def require_path(settings: Any, name: str, prefix: str, local_file: str, must_exist: bool = True) -> str:
    """Return the path stored in setting ``name``; raise :class:`SettingsError` if empty or missing.

    The message names the setting, the settings file and the environment variable to fix it.
    """
    value = getattr(settings, name, '')
    if isinstance(value, (list, tuple)):
        value = [str(v) for v in value if v]
        if not value:
            value = ''
    var = env_var_name(prefix, name)
    if not value:
        raise SettingsError("The setting '{}' is not set. Set it in '{}' (settings.{} = '/path/to/...') "
                            "or with the environment variable {}.".format(name, local_file, name, var))
    if must_exist:
        paths = value if isinstance(value, list) else [value]
        if not any(os.path.exists(os.path.expanduser(p)) for p in paths):
            raise SettingsError("The setting '{}' points to '{}', which does not exist. Fix it in '{}' or "
                                "with the environment variable {}.".format(name, value, local_file, var))
    return value

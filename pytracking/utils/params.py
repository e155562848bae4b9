"""Parameter containers used by the tracker parameter files (``pytracking/parameter/<tracker>/<name>.py``)."""

import random
from typing import Any, Dict

from pytracking.libs.tensorlist import TensorList

__all__ = ['TrackerParams', 'FeatureParams', 'Choice']

_MISSING = object()


class TrackerParams:
    """Tracker parameters: a plain attribute container with defaults and lookup helpers."""

    def set_default_values(self, default_vals: Dict[str, Any]) -> None:
        """Set every ``name: value`` of ``default_vals`` that is not already an attribute."""
        for name, val in default_vals.items():
            if not hasattr(self, name):
                setattr(self, name, val)

    def get(self, name: str, *default: Any) -> Any:
        """The parameter ``name``; if it is not set, the single optional default, else an AttributeError
        naming the missing parameter."""
        if len(default) > 1:
            raise ValueError('TrackerParams.get({!r}, ...): at most one default value may be given, got {}.'.format(
                name, len(default)))
        value = getattr(self, name, _MISSING)
        if value is not _MISSING:
            return value
        if default:
            return default[0]
        raise AttributeError("Tracker parameter '{}' is not set and no default was given "
                             "(set params.{} in the parameter file).".format(name, name))

    def has(self, name: str) -> bool:
        """True if the parameter ``name`` is set."""
        return hasattr(self, name)


class FeatureParams:
    """Feature-specific parameters given as keyword arguments; list values become TensorLists
    (so that per-feature values support element-wise arithmetic)."""

    def __init__(self, *args: Any, **kwargs: Any):
        if len(args) > 0:
            raise ValueError('FeatureParams takes keyword arguments only, got {} positional argument(s).'.format(
                len(args)))
        for name, val in kwargs.items():
            setattr(self, name, TensorList(val) if isinstance(val, list) else val)


def Choice(*args: Any) -> Any:
    """One of the arguments, drawn uniformly at random (for random parameter search)."""
    if len(args) == 0:
        raise ValueError('Choice needs at least one option.')
    return random.choice(args)

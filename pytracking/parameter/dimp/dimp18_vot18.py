"""Alias of :mod:`pytracking.parameter.dimp.dimp18_vot` (VOT2018 parameters)."""
from pytracking.parameter.dimp.dimp18_vot import parameters

__all__ = ['parameters']

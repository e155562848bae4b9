"""Alias of :mod:`pytracking.parameter.dimp.dimp50_vot` (VOT2018 parameters)."""
from pytracking.parameter.dimp.dimp50_vot import parameters

__all__ = ['parameters']

"""Compatibility import path of the original's Precise RoI Pooling extension.

The implementation is the pure-PyTorch :mod:`ltr.models.layers.prroi_pool`; nothing is compiled.
"""
from ltr.models.layers.prroi_pool import PrRoIPool2D, prroi_pool2d

__all__ = ['PrRoIPool2D', 'prroi_pool2d']

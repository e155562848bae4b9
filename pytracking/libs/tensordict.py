"""TensorDict: an ordered dict of tensors with tensor methods forwarded to its values."""

import copy
from collections import OrderedDict
from typing import Any, Callable, Mapping

import torch

__all__ = ['TensorDict']


class TensorDict(OrderedDict):
    """Ordered dict of tensors (or other values) with PyTorch functionality.

    ``td.to(device)`` returns a new TensorDict in which every value that has a ``to`` method is
    replaced by ``value.to(device)``; values without it (strings, lists, ...) are kept unchanged.
    """

    def concat(self, other: Mapping) -> 'TensorDict':
        """A new TensorDict with the entries of both (``other`` wins on equal keys); values are not copied."""
        merged = TensorDict(self)
        merged.update(other)
        return merged

    def copy(self) -> 'TensorDict':
        """Shallow copy: a new TensorDict holding the same values."""
        return TensorDict(self)

    def __deepcopy__(self, memodict=None):
        memodict = memodict if memodict is not None else {}
        return TensorDict([(copy.deepcopy(k, memodict), copy.deepcopy(v, memodict)) for k, v in self.items()])

    def __getattr__(self, name: str):
        # Dunder and private names are never forwarded (see TensorList.__getattr__): PyTorch and
        # pickle probe such names and must see a plain dict.
        if name.startswith('_') or not hasattr(torch.Tensor, name):
            raise AttributeError("'TensorDict' object has no attribute '{}'".format(name))

        if not callable(getattr(torch.Tensor, name)):
            return TensorDict([(n, getattr(e, name) if hasattr(e, name) else e) for n, e in self.items()])

        def apply_attr(*args, **kwargs):
            return TensorDict([(n, getattr(e, name)(*args, **kwargs) if hasattr(e, name) else e)
                               for n, e in self.items()])

        apply_attr.__name__ = name
        return apply_attr

    def attribute(self, attr: str, *args) -> 'TensorDict':
        """TensorDict of ``getattr(value, attr, *args)`` for each entry."""
        return TensorDict([(n, getattr(e, attr, *args)) for n, e in self.items()])

    def apply(self, fn: Callable[..., Any], *args, **kwargs) -> 'TensorDict':
        """TensorDict of ``fn(value, *args, **kwargs)`` for each entry."""
        return TensorDict([(n, fn(e, *args, **kwargs)) for n, e in self.items()])

    @staticmethod
    def _iterable(a: Any) -> bool:
        return isinstance(a, (TensorDict, list))

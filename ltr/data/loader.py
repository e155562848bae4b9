"""Batch collation and the :class:`LTRLoader` data loader.

Samples produced by the samplers are :class:`~pytracking.libs.TensorDict` objects whose values are
tensors (e.g. ``train_images`` ``[num_frames, 3, H, W]``), strings or lists. The loader stacks each
field over the batch along ``stack_dim``: 0 gives ``[B, num_frames, ...]``, 1 gives
``[num_frames, B, ...]`` (what the DiMP/ATOM actors expect).
"""
import collections.abc
import logging
import re
from typing import Any, Callable, List, Optional

import numpy as np
import torch
import torch.utils.data

from pytracking.libs import TensorDict, TensorList

logger = logging.getLogger(__name__)

_np_str_obj_pattern = re.compile(r'[SaUO]')
_ERROR_MSG = 'batch must contain tensors, numbers, strings, dicts or lists; found {}'


def _stack_tensors(batch: List[torch.Tensor], dim: int) -> torch.Tensor:
    elem = batch[0]
    if elem.dim() == 0:
        dim = 0
    out = None
    if torch.utils.data.get_worker_info() is not None:
        # In a worker process, stack straight into shared memory to save a copy when sending the batch.
        shape = list(elem.shape)
        shape.insert(dim, len(batch))
        numel = sum(x.numel() for x in batch)
        storage = elem._typed_storage()._new_shared(numel, device=elem.device)
        out = elem.new(storage).resize_(*shape)
    return torch.stack(batch, dim, out=out)


def _collate(batch: List[Any], dim: int) -> Any:
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, torch.Tensor):
        return _stack_tensors(batch, dim)
    if elem_type.__module__ == 'numpy' and elem_type.__name__ not in ('str_', 'string_', 'bytes_'):
        if isinstance(elem, np.ndarray):
            if _np_str_obj_pattern.search(elem.dtype.str) is not None:
                raise TypeError(_ERROR_MSG.format(elem.dtype))
            return _stack_tensors([torch.from_numpy(b) for b in batch], dim)
        if elem.shape == ():  # numpy scalars
            return torch.as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return torch.tensor(batch, dtype=torch.bool)
    if isinstance(elem, int):
        return torch.LongTensor(batch)
    if isinstance(elem, float):
        return torch.DoubleTensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, TensorDict):
        return TensorDict({key: _collate([d[key] for d in batch], dim) for key in elem})
    if isinstance(elem, collections.abc.Mapping):
        return {key: _collate([d[key] for d in batch], dim) for key in elem}
    if isinstance(elem, TensorList):
        return TensorList([_collate(list(samples), dim) for samples in zip(*batch)])
    if isinstance(elem, collections.abc.Sequence):
        return [_collate(list(samples), dim) for samples in zip(*batch)]
    if elem is None:
        return batch
    raise TypeError(_ERROR_MSG.format(elem_type))


def ltr_collate(batch: List[Any]) -> Any:
    """Collate samples into a batch, stacking tensors along a new first dimension (dim 0)."""
    return _collate(batch, 0)


def ltr_collate_stack1(batch: List[Any]) -> Any:
    """Collate samples into a batch, stacking tensors along dim 1 (``[num_frames, B, ...]``)."""
    return _collate(batch, 1)


class LTRLoader(torch.utils.data.DataLoader):
    """``torch.utils.data.DataLoader`` with the original's extra fields.

    args:
        name: loader name used in logs and stats (e.g. 'train', 'val').
        dataset: the sampler dataset (e.g. a ``DiMPSampler``).
        training: whether the trainer runs this loader in training mode.
        epoch_interval: run this loader every ``epoch_interval`` epochs.
        stack_dim: 0 or 1, dimension along which samples are stacked (ignored if ``collate_fn`` is given).
        Remaining arguments (and any further keyword, e.g. ``persistent_workers``, ``prefetch_factor``,
        ``generator``) are those of ``DataLoader``.
    """

    def __init__(self, name: str, dataset, training: bool = True, batch_size: int = 1, shuffle: bool = False,
                 sampler=None, batch_sampler=None, num_workers: int = 0, epoch_interval: int = 1,
                 collate_fn: Optional[Callable] = None, stack_dim: int = 0, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Optional[Callable] = None,
                 **kwargs):
        if collate_fn is None:
            if stack_dim == 0:
                collate_fn = ltr_collate
            elif stack_dim == 1:
                collate_fn = ltr_collate_stack1
            else:
                raise ValueError('stack_dim must be 0 or 1, got {}'.format(stack_dim))
        super().__init__(dataset, batch_size=batch_size, shuffle=shuffle, sampler=sampler,
                         batch_sampler=batch_sampler, num_workers=num_workers, collate_fn=collate_fn,
                         pin_memory=pin_memory, drop_last=drop_last, timeout=timeout,
                         worker_init_fn=worker_init_fn, **kwargs)
        self.name = name
        self.training = training
        self.epoch_interval = epoch_interval
        self.stack_dim = stack_dim

"""Multi-GPU and multi-process (distributed) helpers for training.

``MultiGPU`` keeps the original single-process ``nn.DataParallel`` wrapper. The remaining helpers support
``torchrun``-style DistributedDataParallel training: one process per device, any number of nodes.
"""
import logging
import os
from typing import Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

logger = logging.getLogger(__name__)


class _AttributeForwardingMixin:
    """Looks attributes up on the wrapped module when the wrapper itself does not have them, so that train
    settings can write ``actor.net.classifier`` whether or not the network is wrapped."""

    def __getattr__(self, item):
        try:
            return super().__getattr__(item)
        except AttributeError:
            module = super().__getattr__('module')
            return getattr(module, item)


class MultiGPU(_AttributeForwardingMixin, nn.DataParallel):
    """Wraps a network to allow simple multi-GPU training (single process, ``nn.DataParallel``).

    Use as in the original: ``net = MultiGPU(net, dim=1)`` (dim=1: the batch dimension of the tracking data)."""


class DistributedNet(_AttributeForwardingMixin, DistributedDataParallel):
    """``DistributedDataParallel`` that forwards unknown attributes to the wrapped network."""


def is_multi_gpu(net: nn.Module) -> bool:
    """True when ``net`` is wrapped for data-parallel training (DataParallel, MultiGPU or DDP)."""
    return isinstance(net, (MultiGPU, nn.DataParallel, DistributedDataParallel))


def unwrap(net: nn.Module) -> nn.Module:
    """The bare network inside a data-parallel wrapper (or ``net`` itself when it is not wrapped)."""
    return net.module if is_multi_gpu(net) else net


def is_distributed() -> bool:
    """True inside an initialised process group with more than one process."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def get_rank() -> int:
    """Global rank of this process (0 when not distributed)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def get_world_size() -> int:
    """Number of processes in the job (1 when not distributed)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def is_main_process() -> bool:
    """True on the process that writes checkpoints and logs (rank 0)."""
    return get_rank() == 0


def barrier() -> None:
    """Synchronise all processes; a no-op when not distributed."""
    if is_distributed():
        dist.barrier()


def launched_distributed() -> bool:
    """True when the environment says this process was started by ``torchrun`` (or a compatible launcher)
    as one of several processes."""
    return int(os.environ.get('WORLD_SIZE', '1')) > 1


def init_distributed(device: Optional[str] = None, use_gpu: bool = True) -> Tuple[int, int, torch.device]:
    """Initialise the default process group from the ``torchrun`` environment variables.

    args:
        device - explicit device string ('cpu', 'cuda', 'cuda:1'); None chooses cuda when available and use_gpu.
        use_gpu - whether CUDA may be used when no explicit device is given.
    returns:
        (rank, world_size, device) - device is ``cuda:LOCAL_RANK`` for GPU jobs, cpu otherwise. The backend is
        nccl for GPU jobs and gloo on CPU.
    """
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    if device is not None:
        dev = torch.device(device)
    else:
        dev = torch.device('cuda' if (use_gpu and torch.cuda.is_available()) else 'cpu')
    if dev.type == 'cuda' and dev.index is None:
        dev = torch.device('cuda', local_rank % max(torch.cuda.device_count(), 1))
    if dev.type == 'cuda':
        torch.cuda.set_device(dev)

    if not dist.is_initialized():
        backend = 'nccl' if dev.type == 'cuda' else 'gloo'
        dist.init_process_group(backend=backend, device_id=dev if dev.type == 'cuda' else None)
        logger.info('Initialised process group: backend %s, rank %d / %d, device %s',
                    backend, dist.get_rank(), dist.get_world_size(), dev)
    return dist.get_rank(), dist.get_world_size(), dev


def cleanup_distributed() -> None:
    """Destroy the default process group if one exists."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def average_across_processes(values: torch.Tensor) -> torch.Tensor:
    """Mean of a tensor over all processes (returned unchanged when not distributed).

    args:
        values - tensor of any shape; must have the same shape on every process.
    """
    if not is_distributed():
        return values
    values = values.clone()
    dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values / dist.get_world_size()

"""The single place where the compute device is decided."""
import logging
from typing import Optional, Union

import torch

logger = logging.getLogger(__name__)


def resolve_device(use_gpu: bool = True, device: Optional[Union[str, torch.device]] = None) -> torch.device:
    """Choose the device to run on.

    args:
        use_gpu - use CUDA when available (``params.use_gpu`` / ``settings.use_gpu``).
        device - explicit device (``'cpu'``, ``'cuda'``, ``'cuda:1'``); wins over ``use_gpu``.
    An explicit CUDA device without CUDA raises a clear error; ``use_gpu`` without CUDA falls back to CPU.
    """
    if device is not None and str(device) != '':
        dev = torch.device(device)
        if dev.type == 'cuda':
            if not torch.cuda.is_available():
                raise RuntimeError("Device '{}' was requested but CUDA is not available on this machine; "
                                   "use --device cpu.".format(device))
            if dev.index is not None and dev.index >= torch.cuda.device_count():
                raise RuntimeError("Device '{}' was requested but only {} CUDA device(s) exist.".format(
                    device, torch.cuda.device_count()))
        return dev
    if use_gpu and torch.cuda.is_available():
        return torch.device('cuda')
    return torch.device('cpu')

"""Run a training recipe of ``ltr/train_settings``.

    python ltr/run_training.py dimp dimp50 [--cudnn_benchmark 1] [--seed N] [--amp bf16|fp16] [--device cuda]
    torchrun --nproc_per_node=4 ltr/run_training.py dimp dimp50        # DistributedDataParallel, one GPU each
"""
import argparse
import importlib
import logging
import os
import pkgutil
import random
import sys
from typing import Dict, List, Optional

if __package__ in (None, ''):
    # Run as a script: make the project root importable, as the original did.
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

import numpy as np
import torch
import torch.backends.cudnn

from ltr.admin import multigpu

logger = logging.getLogger('ltr.run_training')


def available_train_settings() -> Dict[str, List[str]]:
    """{train_module: [train_name, ...]} for every recipe module under ``ltr/train_settings``."""
    import ltr.train_settings as ts
    found = {}
    for module_info in pkgutil.iter_modules(ts.__path__):
        if not module_info.ispkg:
            continue
        sub = importlib.import_module('ltr.train_settings.' + module_info.name)
        names = sorted(m.name for m in pkgutil.iter_modules(sub.__path__)
                       if not m.ispkg and not m.name.startswith('_'))
        if names:
            found[module_info.name] = names
    return found


def _load_recipe(train_module: str, train_name: str):
    listing = available_train_settings()
    if train_name not in listing.get(train_module, []):
        lines = ['  {} {}'.format(m, n) for m in sorted(listing) for n in listing[m]]
        raise ValueError("Unknown train settings '{} {}'. Available train settings:\n{}".format(
            train_module, train_name, '\n'.join(lines)))
    module = importlib.import_module('ltr.train_settings.{}.{}'.format(train_module, train_name))
    if not hasattr(module, 'run'):
        raise ValueError('ltr/train_settings/{}/{}.py defines no run(settings) function.'.format(
            train_module, train_name))
    return module.run


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices); DataLoader workers derive their seeds from torch's."""
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def run_training(train_module: str, train_name: str, cudnn_benchmark: bool = True, seed: Optional[int] = None,
                 amp: Optional[str] = None, device: Optional[str] = None, settings=None):
    """Run the ``run(settings)`` function of ``ltr/train_settings/<train_module>/<train_name>.py``.

    args:
        train_module - folder in ``ltr/train_settings`` (e.g. 'dimp').
        train_name - recipe file name without .py (e.g. 'dimp50').
        cudnn_benchmark - enable cudnn benchmark mode.
        seed - seed for a reproducible run (each distributed process uses seed + rank). None: not reproducible.
        amp - mixed precision: None, 'bf16' or 'fp16' (fp16 adds a gradient scaler).
        device - explicit device ('cpu', 'cuda', 'cuda:1'); default: GPU when available.
        settings - a prepared ``Settings`` object to start from (default: a fresh one).
    returns: whatever the recipe's ``run`` returns (the original recipes return None).
    """
    import cv2 as cv
    import ltr.admin.settings as ws_settings
    from ltr.trainers.ltr_trainer import amp_dtype

    cv.setNumThreads(0)  # OpenCV threads inside DataLoader workers cause crashes and oversubscription
    torch.backends.cudnn.benchmark = cudnn_benchmark
    amp_dtype(amp)  # validate before doing any work

    run = _load_recipe(train_module, train_name)

    if settings is None:
        settings = ws_settings.Settings()
    settings.module_name = train_module
    settings.script_name = train_name
    settings.project_path = 'ltr/{}/{}'.format(train_module, train_name)
    settings.amp = amp
    settings.seed = seed

    started_group = False
    if multigpu.launched_distributed():
        started_group = not torch.distributed.is_initialized()
        rank, world_size, dev = multigpu.init_distributed(device, getattr(settings, 'use_gpu', True))
        settings.device = dev
    else:
        rank, world_size = 0, 1
        if device is not None:
            settings.device = device
    settings.rank = rank
    settings.world_size = world_size

    if seed is not None:
        seed_everything(seed + rank)
    elif world_size > 1:
        # Without a seed every process still needs its own random stream, or all ranks draw the same samples.
        seed_everything(int.from_bytes(os.urandom(4), 'little') + rank)

    logger.info('Training:  %s  %s  (rank %d / %d)', train_module, train_name, rank, world_size)
    try:
        result = run(settings)
    finally:
        if started_group:
            multigpu.cleanup_distributed()
    return result


def _str2bool(value: str) -> bool:
    if value.lower() in ('1', 'true', 'yes', 'on'):
        return True
    if value.lower() in ('0', 'false', 'no', 'off'):
        return False
    raise argparse.ArgumentTypeError('expected a boolean (1/0, true/false), got {!r}'.format(value))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description='Run a train scripts in train_settings.')
    parser.add_argument('train_module', type=str, help='Name of module in the "train_settings/" folder.')
    parser.add_argument('train_name', type=str, help='Name of the train settings file.')
    parser.add_argument('--cudnn_benchmark', type=_str2bool, default=True,
                        help='Set cudnn benchmark on (1) or off (0) (default is on).')
    parser.add_argument('--seed', type=int, default=None, help='Seed for a reproducible run.')
    parser.add_argument('--amp', type=str, default=None, choices=['bf16', 'fp16'],
                        help='Automatic mixed precision (bf16, or fp16 with a gradient scaler).')
    parser.add_argument('--device', type=str, default=None, help="Device, e.g. 'cpu', 'cuda', 'cuda:1'.")
    args = parser.parse_args(argv)

    is_main = int(os.environ.get('RANK', '0')) == 0
    logging.basicConfig(level=logging.INFO if is_main else logging.WARNING,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        run_training(args.train_module, args.train_name, args.cudnn_benchmark, seed=args.seed, amp=args.amp,
                     device=args.device)
    except ValueError as err:
        if str(err).startswith('Unknown train settings'):
            parser.exit(2, 'error: {}\n'.format(err))
        raise


if __name__ == '__main__':
    torch.multiprocessing.set_start_method('spawn', force=True)
    main()

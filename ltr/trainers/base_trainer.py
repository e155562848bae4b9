"""Epoch loop, checkpointing and resuming shared by all trainers."""
import glob
import logging
import os
import re
import warnings
from typing import Iterable, List, Optional, Sequence, Union

import torch
from torch.utils.data import DistributedSampler, RandomSampler

from ltr.admin import multigpu
from ltr.admin.device import resolve_device

logger = logging.getLogger(__name__)

# Fields of a checkpoint that are never copied back onto the trainer.
_NEVER_LOADED = ('constructor', 'net_type', 'actor_type', 'net_info')


class BaseTrainer:
    """Base trainer: runs epochs, saves a checkpoint after each one and resumes from the latest.

    Subclasses implement :meth:`train_epoch`. Under ``torchrun`` (an initialised process group with several
    processes) the network is wrapped in DistributedDataParallel and every loader draws a different share of its
    samples on each process; only rank 0 writes checkpoints.

    args:
        actor - the actor (network + objective) to train.
        loaders - list of loaders, e.g. [train_loader, val_loader]; each epoch runs every loader whose
            ``epoch_interval`` divides the epoch number.
        optimizer - the optimizer, e.g. Adam.
        settings - training settings (``ltr.admin.settings.Settings``).
        lr_scheduler - learning-rate scheduler, stepped once at the start of every epoch (so epoch ``e`` trains
            with the scheduler at ``last_epoch == e``, as in the original).
    """

    def __init__(self, actor, loaders: Sequence, optimizer: torch.optim.Optimizer, settings,
                 lr_scheduler=None):
        self.actor = actor
        self.optimizer = optimizer
        self.lr_scheduler = lr_scheduler
        self.loaders = list(loaders)

        self.update_settings(settings)

        self.epoch = 0
        self.stats = {}

        device = getattr(settings, 'device', None)
        self.device = device if isinstance(device, torch.device) else \
            resolve_device(getattr(settings, 'use_gpu', True), device)
        self.actor.to(self.device)

        if multigpu.is_distributed():
            self._setup_distributed()

    # ------------------------------------------------------------------ setup
    def update_settings(self, settings=None) -> None:
        """Update the trainer settings (and the checkpoint folder derived from ``settings.env.workspace_dir``)."""
        if settings is not None:
            self.settings = settings

        workspace = getattr(self.settings.env, 'workspace_dir', None)
        if workspace:
            self.settings.env.workspace_dir = os.path.expanduser(workspace)
            self._checkpoint_dir = os.path.join(self.settings.env.workspace_dir, 'checkpoints')
            if multigpu.is_main_process():
                os.makedirs(self._checkpoint_dir, exist_ok=True)
        else:
            self._checkpoint_dir = None

    def _setup_distributed(self) -> None:
        """Wrap the network in DDP and give every loader a per-process share of the samples."""
        net = self.actor.net
        if isinstance(net, torch.nn.parallel.DistributedDataParallel):
            return
        if multigpu.is_multi_gpu(net):
            logger.info('Distributed run: replacing the DataParallel wrapper (settings.multi_gpu) by '
                        'DistributedDataParallel, one device per process.')
            net = net.module
        device_ids = [self.device.index] if self.device.type == 'cuda' else None
        find_unused = getattr(self.settings, 'find_unused_parameters', True)
        self.actor.net = multigpu.DistributedNet(net, device_ids=device_ids, find_unused_parameters=find_unused)
        self.loaders = [self._distributed_loader(loader) for loader in self.loaders]

    def _distributed_loader(self, loader):
        """Rebuild ``loader`` with a DistributedSampler (each rank gets len(dataset) / world_size samples)."""
        if isinstance(loader.sampler, DistributedSampler):
            return loader
        sampler = DistributedSampler(loader.dataset, num_replicas=multigpu.get_world_size(),
                                     rank=multigpu.get_rank(), shuffle=isinstance(loader.sampler, RandomSampler),
                                     seed=getattr(self.settings, 'seed', None) or 0, drop_last=loader.drop_last)
        extra = {'generator': loader.generator, 'multiprocessing_context': loader.multiprocessing_context}
        if loader.num_workers > 0:
            extra.update(persistent_workers=loader.persistent_workers, prefetch_factor=loader.prefetch_factor)
        return type(loader)(loader.name, loader.dataset, training=loader.training, batch_size=loader.batch_size,
                            sampler=sampler, num_workers=loader.num_workers,
                            epoch_interval=getattr(loader, 'epoch_interval', 1), collate_fn=loader.collate_fn,
                            stack_dim=getattr(loader, 'stack_dim', 0), pin_memory=loader.pin_memory,
                            drop_last=loader.drop_last, timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
                            **extra)

    @property
    def net(self) -> torch.nn.Module:
        """The bare network (without a DataParallel / DDP wrapper)."""
        return multigpu.unwrap(self.actor.net)

    # --------------------------------------------------------------- training
    def train(self, max_epochs: int, load_latest: bool = False, fail_safe: bool = True) -> None:
        """Train up to epoch ``max_epochs``.

        args:
            max_epochs - last epoch to train.
            load_latest - resume from the latest checkpoint of this train setting (if one exists).
            fail_safe - after a crash, restart from the latest checkpoint (up to 10 tries). Disabled in
                distributed runs, where the processes cannot re-synchronise; restart those with torchrun.
        """
        epoch = self.epoch
        num_tries = 10
        for attempt in range(num_tries):
            try:
                if load_latest:
                    self.load_checkpoint()
                for epoch in range(self.epoch + 1, max_epochs + 1):
                    scheduler_state = self.lr_scheduler.state_dict() if self.lr_scheduler is not None else None
                    self.epoch = epoch
                    self._step_lr_scheduler()
                    try:
                        self.train_epoch()
                    except Exception:
                        # Roll the counters back so that a retry redoes this epoch.
                        self.epoch = epoch - 1
                        if scheduler_state is not None:
                            self.lr_scheduler.load_state_dict(scheduler_state)
                        raise
                    if self._checkpoint_dir:
                        self.save_checkpoint()
                break
            except Exception:
                retry = fail_safe and not multigpu.is_distributed() and attempt < num_tries - 1
                logger.exception('Training crashed at epoch %d%s', epoch,
                                 '; restarting from the last checkpoint' if retry else '')
                if not retry:
                    raise
                load_latest = True
        logger.info('Finished training!')

    def train_epoch(self) -> None:
        """Run one epoch (implemented by subclasses)."""
        raise NotImplementedError

    def _step_lr_scheduler(self) -> None:
        if self.lr_scheduler is None:
            return
        # Stepping at the start of the epoch keeps the original's schedule; the warning that the scheduler is
        # stepped before the optimizer does not apply to this convention.
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message=r'Detected call of `lr_scheduler\.step\(\)` before')
            self.lr_scheduler.step()

    # ------------------------------------------------------------ checkpoints
    def _project_checkpoint_dir(self) -> str:
        return os.path.join(self._checkpoint_dir, self.settings.project_path)

    def checkpoint_path(self, epoch: int) -> str:
        """Path of the checkpoint of ``epoch``: ``<workspace>/checkpoints/<project_path>/<NetType>_ep%04d.pth.tar``."""
        return os.path.join(self._project_checkpoint_dir(), '{}_ep{:04d}.pth.tar'.format(type(self.net).__name__,
                                                                                       epoch))

    def save_checkpoint(self) -> Optional[str]:
        """Save network, optimizer, scheduler and statistics in the official checkpoint layout (rank 0 only).

        returns: the path written (None on other ranks).
        """
        from ltr.admin import loading

        path = None
        if multigpu.is_main_process():
            net = self.net
            state = {
                'epoch': self.epoch,
                'actor_type': type(self.actor).__name__,
                'net_type': type(net).__name__,
                'net': net.state_dict(),
                'net_info': getattr(net, 'info', None),
                'constructor': getattr(net, 'constructor', None),
                'optimizer': self.optimizer.state_dict(),
                'stats': self.stats,
                'settings': self.settings,
            }
            if self.lr_scheduler is not None:
                state['lr_scheduler'] = self.lr_scheduler.state_dict()
            scaler = getattr(self, 'grad_scaler', None)
            if scaler is not None and scaler.is_enabled():
                state['grad_scaler'] = scaler.state_dict()
            os.makedirs(self._project_checkpoint_dir(), exist_ok=True)
            path = self.checkpoint_path(self.epoch)
            loading.save_checkpoint(state, path)
            logger.info('Saved checkpoint %s', path)
        multigpu.barrier()
        return path

    def _checkpoint_list(self) -> List[str]:
        pattern = os.path.join(glob.escape(self._project_checkpoint_dir()),
                               '{}_ep*.pth.tar'.format(type(self.net).__name__))
        paths = [p for p in glob.glob(pattern) if re.search(r'_ep\d+\.pth\.tar$', p)]
        return sorted(paths, key=lambda p: int(re.search(r'_ep(\d+)\.pth\.tar$', p).group(1)))

    def load_checkpoint(self, checkpoint: Union[None, int, str] = None, fields: Optional[Iterable[str]] = None,
                        ignore_fields: Optional[Iterable[str]] = None, load_constructor: bool = False) -> bool:
        """Load a checkpoint into the trainer.

        args:
            checkpoint - None: the latest epoch of this train setting (to continue training); int: that epoch;
                str: a checkpoint file path.
            fields - checkpoint fields to load (default: all).
            ignore_fields - fields not to load (default: ['settings']).
            load_constructor - also copy the checkpoint's constructor onto the network.
        returns: True when a checkpoint was loaded, False when none was found (checkpoint=None).
        """
        from ltr.admin import loading

        net = self.net
        net_type = type(net).__name__
        if checkpoint is None:
            if not self._checkpoint_dir:
                logger.info('No workspace_dir set: nothing to resume from.')
                return False
            checkpoint_list = self._checkpoint_list()
            if not checkpoint_list:
                logger.info('No matching checkpoint file found in %s', self._project_checkpoint_dir())
                return False
            checkpoint_path = checkpoint_list[-1]
        elif isinstance(checkpoint, int):
            checkpoint_path = self.checkpoint_path(checkpoint)
        elif isinstance(checkpoint, str):
            checkpoint_path = os.path.expanduser(checkpoint)
        else:
            raise TypeError('checkpoint must be None, an epoch number or a path, not {}'.format(type(checkpoint)))
        if not os.path.isfile(checkpoint_path):
            raise FileNotFoundError('Checkpoint file not found: {}'.format(checkpoint_path))

        checkpoint_dict = loading.torch_load_legacy(checkpoint_path)
        if checkpoint_dict.get('net_type') != net_type:
            raise ValueError('Checkpoint {} holds a {}, but the trainer trains a {}.'.format(
                checkpoint_path, checkpoint_dict.get('net_type'), net_type))

        fields = list(checkpoint_dict.keys()) if fields is None else list(fields)
        ignore = ['settings'] if ignore_fields is None else list(ignore_fields)
        ignore.extend(_NEVER_LOADED)

        scheduler_loaded = False
        for key in fields:
            if key in ignore or key not in checkpoint_dict:
                continue
            value = checkpoint_dict[key]
            if key == 'net':
                net.load_state_dict(value)
            elif key == 'optimizer':
                self.optimizer.load_state_dict(value)
            elif key == 'lr_scheduler':
                # Very old checkpoints pickled the scheduler object itself; only a state dict is usable.
                if self.lr_scheduler is not None and isinstance(value, dict):
                    self.lr_scheduler.load_state_dict(value)
                    scheduler_loaded = True
            elif key == 'grad_scaler':
                scaler = getattr(self, 'grad_scaler', None)
                if scaler is not None and scaler.is_enabled():
                    scaler.load_state_dict(value)
            else:
                setattr(self, key, value)

        if load_constructor and checkpoint_dict.get('constructor') is not None:
            net.constructor = checkpoint_dict['constructor']
        if checkpoint_dict.get('net_info') is not None:
            net.info = checkpoint_dict['net_info']

        if 'epoch' in fields and self.lr_scheduler is not None and not scheduler_loaded:
            self.lr_scheduler.last_epoch = self.epoch

        logger.info('Loaded checkpoint %s (epoch %d)', checkpoint_path, self.epoch)
        return True

"""The standard trainer of the ltr framework."""
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn as nn
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from ltr.admin import multigpu
from ltr.admin.stats import AverageMeter, StatValue
from ltr.admin.tensorboard import TensorboardWriter
from ltr.trainers.base_trainer import BaseTrainer

logger = logging.getLogger(__name__)

AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


def freeze_batchnorm_layers(net: nn.Module) -> None:
    """Put every BatchNorm2d of ``net`` in eval mode, so that its running statistics stay fixed."""
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()


def move_to_device(data: Any, device: torch.device, non_blocking: bool = False) -> Any:
    """Move every tensor in a (nested) dict / list / tuple to ``device``, keeping the container types
    (TensorDict, TensorList)."""
    if torch.is_tensor(data):
        return data.to(device, non_blocking=non_blocking)
    if isinstance(data, Mapping):
        return type(data)({k: move_to_device(v, device, non_blocking) for k, v in data.items()})
    if isinstance(data, (list, tuple)) and not isinstance(data, str):
        moved = [move_to_device(v, device, non_blocking) for v in data]
        return type(data)(moved) if not hasattr(data, '_fields') else type(data)(*moved)
    return data


def amp_dtype(amp: Optional[str]) -> Optional[torch.dtype]:
    """Autocast dtype of an ``--amp`` value: None (full precision), 'bf16' or 'fp16'."""
    if amp in (None, '', 'none', 'fp32'):
        return None
    if amp not in AMP_DTYPES:
        raise ValueError("Unknown mixed-precision mode {!r}; use one of {}.".format(amp, sorted(AMP_DTYPES)))
    return AMP_DTYPES[amp]


class LTRTrainer(BaseTrainer):
    """Trainer running, each epoch, one pass over every loader whose ``epoch_interval`` divides the epoch.

    args:
        actor - the actor for training the network.
        loaders - list of loaders, e.g. [train_loader, val_loader].
        optimizer - the optimizer, e.g. Adam.
        settings - training settings. Used attributes: ``print_interval`` (iterations between progress updates,
            default 10), ``print_stats`` (names of the statistics to show, default all), ``description``,
            ``grad_clip_max_norm`` (optional gradient clipping), ``amp`` (None, 'bf16' or 'fp16'),
            ``move_data_to_gpu`` (default True), ``module_name``, ``script_name``, ``project_path``.
        lr_scheduler - learning-rate scheduler.
        freeze_backbone_bn_layers - keep the batch-norm statistics of ``net.feature_extractor`` fixed.
    """

    def __init__(self, actor, loaders: Sequence, optimizer: torch.optim.Optimizer, settings, lr_scheduler=None,
                 freeze_backbone_bn_layers: bool = False):
        super().__init__(actor, loaders, optimizer, settings, lr_scheduler)

        self._set_default_settings()

        self.stats = OrderedDict((loader.name, None) for loader in self.loaders)

        self.tensorboard_writer = None
        tb_root = getattr(self.settings.env, 'tensorboard_dir', None)
        if multigpu.is_main_process() and tb_root:
            self.tensorboard_writer = TensorboardWriter(os.path.join(tb_root, self.settings.project_path),
                                                        [loader.name for loader in self.loaders])

        self.move_data_to_gpu = getattr(settings, 'move_data_to_gpu', True)
        self.freeze_backbone_bn_layers = freeze_backbone_bn_layers

        self.amp_dtype = amp_dtype(getattr(settings, 'amp', None))
        # The gradient scaler guards fp16 gradients against underflow; bf16 has the range of fp32 and needs none.
        self.grad_scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp_dtype == torch.float16)

    def _set_default_settings(self) -> None:
        default = {'print_interval': 10, 'print_stats': None, 'description': ''}
        for param, default_value in default.items():
            if getattr(self.settings, param, None) is None:
                setattr(self.settings, param, default_value)

    def _autocast(self):
        if self.amp_dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def cycle_dataset(self, loader) -> None:
        """Do one pass (training or validation) over ``loader``."""
        self.actor.train(loader.training)
        if self.freeze_backbone_bn_layers:
            freeze_batchnorm_layers(self.net.feature_extractor)
        if isinstance(getattr(loader, 'sampler', None), DistributedSampler):
            loader.sampler.set_epoch(self.epoch)

        self._init_timing()
        progress = tqdm(loader, total=len(loader), desc='[{}: {}]'.format(loader.name, self.epoch),
                        disable=not multigpu.is_main_process(), leave=False, dynamic_ncols=True)
        with torch.set_grad_enabled(loader.training):
            for i, data in enumerate(progress, 1):
                if self.move_data_to_gpu:
                    data = move_to_device(data, self.device, non_blocking=getattr(loader, 'pin_memory', False))
                data['epoch'] = self.epoch
                data['settings'] = self.settings

                with self._autocast():
                    loss, stats = self.actor(data)

                if loader.training:
                    self._optimizer_step(loss)

                self._update_stats(stats, loader.batch_size, loader)
                self._print_stats(i, loader, loader.batch_size, progress)
        progress.close()
        self._log_cycle(loader)

    def _optimizer_step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self.grad_scaler.scale(loss).backward()
        max_norm = getattr(self.settings, 'grad_clip_max_norm', None)
        if max_norm is not None:
            self.grad_scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.actor.net.parameters(), max_norm)
        self.grad_scaler.step(self.optimizer)
        self.grad_scaler.update()

    def train_epoch(self) -> None:
        """Do one epoch for each loader due this epoch."""
        for loader in self.loaders:
            if self.epoch % loader.epoch_interval == 0:
                self.cycle_dataset(loader)

        self._stats_new_epoch()
        self._write_tensorboard()

    def _init_timing(self) -> None:
        self.num_frames = 0
        self.start_time = time.time()
        self.prev_time = self.start_time

    def _update_stats(self, new_stats: Dict[str, float], batch_size: int, loader) -> None:
        if multigpu.is_distributed():
            # Every process computed its statistics on its own share of the batch: report their mean.
            names = list(new_stats.keys())
            values = torch.tensor([float(new_stats[n]) for n in names], dtype=torch.float64, device=self.device)
            values = multigpu.average_across_processes(values).tolist()
            new_stats = OrderedDict(zip(names, values))
            batch_size = batch_size * multigpu.get_world_size()

        if self.stats.get(loader.name) is None:
            self.stats[loader.name] = OrderedDict((name, AverageMeter()) for name in new_stats.keys())
        for name, val in new_stats.items():
            if name not in self.stats[loader.name]:
                self.stats[loader.name][name] = AverageMeter()
            self.stats[loader.name][name].update(val, batch_size)

    def _shown_stats(self, loader) -> 'OrderedDict[str, float]':
        shown = OrderedDict()
        for name, val in self.stats[loader.name].items():
            if (self.settings.print_stats is None or name in self.settings.print_stats) and hasattr(val, 'avg'):
                shown[name] = val.avg
        return shown

    def _print_stats(self, i: int, loader, batch_size: int, progress=None) -> None:
        self.num_frames += batch_size * multigpu.get_world_size()
        current_time = time.time()
        self.batch_fps = batch_size * multigpu.get_world_size() / max(current_time - self.prev_time, 1e-9)
        self.average_fps = self.num_frames / max(current_time - self.start_time, 1e-9)
        self.prev_time = current_time
        if i % self.settings.print_interval == 0 or i == len(loader):
            shown = self._shown_stats(loader)
            if progress is not None:
                postfix = OrderedDict([('FPS', '{:.1f}'.format(self.average_fps))])
                postfix.update((k, '{:.5f}'.format(v)) for k, v in shown.items())
                progress.set_postfix(postfix, refresh=False)
            logger.debug('[%s: %d, %d / %d] FPS: %.1f (%.1f), %s', loader.name, self.epoch, i, len(loader),
                         self.average_fps, self.batch_fps,
                         ', '.join('{}: {:.5f}'.format(k, v) for k, v in shown.items()))

    def _log_cycle(self, loader) -> None:
        if not multigpu.is_main_process() or self.stats.get(loader.name) is None:
            return
        logger.info('[%s: %d] %d iterations, %.1f FPS, %s', loader.name, self.epoch, len(loader),
                    getattr(self, 'average_fps', 0.0),
                    ', '.join('{}: {:.5f}'.format(k, v) for k, v in self._shown_stats(loader).items()))

    def _stats_new_epoch(self) -> None:
        # Record the learning rates used in this epoch
        for loader in self.loaders:
            if loader.training and self.stats.get(loader.name) is not None:
                if self.lr_scheduler is not None:
                    lr_list = self.lr_scheduler.get_last_lr()
                else:
                    lr_list = [group['lr'] for group in self.optimizer.param_groups]
                for i, lr in enumerate(lr_list):
                    var_name = 'LearningRate/group{}'.format(i)
                    if var_name not in self.stats[loader.name]:
                        self.stats[loader.name][var_name] = StatValue()
                    self.stats[loader.name][var_name].update(lr)

        for loader_stats in self.stats.values():
            if loader_stats is None:
                continue
            for stat_value in loader_stats.values():
                if hasattr(stat_value, 'new_epoch'):
                    stat_value.new_epoch()

    def _write_tensorboard(self) -> None:
        if self.tensorboard_writer is None:
            return
        if self.epoch == 1:
            self.tensorboard_writer.write_info(getattr(self.settings, 'module_name', ''),
                                               getattr(self.settings, 'script_name', ''), self.settings.description)
        self.tensorboard_writer.write_epoch(self.stats, self.epoch)

"""TensorBoard logging of training statistics (optional: a no-op when tensorboard is not installed)."""
import logging
import os
from collections import OrderedDict
from typing import Iterable, Mapping, Optional

logger = logging.getLogger(__name__)

try:
    from torch.utils.tensorboard import SummaryWriter
except ImportError:  # tensorboard is an optional dependency
    SummaryWriter = None


class TensorboardWriter:
    """Writes one event stream per loader (``<directory>/<loader_name>``) plus an ``info`` stream.

    args:
        directory - root folder of the event files (usually ``env.tensorboard_dir/<project_path>``).
        loader_names - names of the loaders whose statistics are written.
    """

    def __init__(self, directory: str, loader_names: Iterable[str]):
        self.directory = directory
        self.enabled = SummaryWriter is not None
        if not self.enabled:
            logger.warning('tensorboard is not installed: training statistics are not written to %s', directory)
            self.writer = OrderedDict()
            return
        self.writer = OrderedDict((name, SummaryWriter(os.path.join(self.directory, name))) for name in loader_names)

    def write_info(self, module_name: str, script_name: str, description: str) -> None:
        """Record which train settings produced this run."""
        if not self.enabled:
            return
        info_writer = SummaryWriter(os.path.join(self.directory, 'info'))
        info_writer.add_text('Modulet_name', module_name)
        info_writer.add_text('Script_name', script_name)
        info_writer.add_text('Description', description)
        info_writer.close()

    def write_epoch(self, stats: Mapping[str, Optional[Mapping]], epoch: int, ind: int = -1) -> None:
        """Write entry ``ind`` of the history of every statistic as a scalar at step ``epoch``.

        args:
            stats - {loader_name: {stat_name: AverageMeter/StatValue or None}}.
        """
        if not self.enabled:
            return
        for loader_name, loader_stats in stats.items():
            if loader_stats is None or loader_name not in self.writer:
                continue
            for var_name, val in loader_stats.items():
                if hasattr(val, 'history') and getattr(val, 'has_new_data', True) and len(val.history) > 0:
                    self.writer[loader_name].add_scalar(var_name, val.history[ind], epoch)
            self.writer[loader_name].flush()

    def close(self) -> None:
        """Flush and close all event files."""
        for writer in self.writer.values():
            writer.close()

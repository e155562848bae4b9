"""Training statistics. Class and attribute names are part of the checkpoint format."""
from typing import Sequence

import torch


class StatValue:
    """Last value of a statistic plus the history of all values."""

    def __init__(self):
        self.clear()

    def reset(self) -> None:
        self.val = 0

    def clear(self) -> None:
        self.reset()
        self.history = []

    def update(self, val) -> None:
        self.val = val
        self.history.append(self.val)


class AverageMeter:
    """Running (count-weighted) average over an epoch; per-epoch averages kept in ``history``."""

    def __init__(self):
        self.clear()
        self.has_new_data = False

    def reset(self) -> None:
        self.avg = 0
        self.val = 0
        self.sum = 0
        self.count = 0

    def clear(self) -> None:
        self.reset()
        self.history = []

    def update(self, val, n: int = 1) -> None:
        """Add ``val`` observed ``n`` times (e.g. a batch mean with batch size ``n``)."""
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def new_epoch(self) -> None:
        """Close the epoch: store its average in ``history`` (only if something was recorded)."""
        if self.count > 0:
            self.history.append(self.avg)
            self.reset()
            self.has_new_data = True
        else:
            self.has_new_data = False


def topk_accuracy(output: torch.Tensor, target: torch.Tensor, topk: Sequence[int] = (1,)):
    """Top-k accuracy in percent.

    args:
        output - scores [N, num_classes].
        target - class indices [N].
    returns: one 0-dim tensor per k, or a single tensor when ``topk`` is an int.
    """
    single = isinstance(topk, int)
    ks = (topk,) if single else tuple(topk)
    maxk = max(ks)
    _, pred = output.topk(maxk, dim=1, largest=True, sorted=True)
    correct = pred.eq(target.view(-1, 1))
    res = [correct[:, :k].any(dim=1).float().mean() * 100.0 for k in ks]
    return res[0] if single else res

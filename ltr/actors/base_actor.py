"""Base class of the actors: an actor runs the network on a batch and computes the training loss."""
from typing import Any, Dict, Mapping, Tuple, Union

import torch
import torch.nn as nn


class BaseActor:
    """Couples a network with its objective for one training step.

    args:
        net - the network to train (possibly wrapped in MultiGPU / DistributedDataParallel).
        objective - the loss function, or a dict of named loss functions.
    """

    def __init__(self, net: nn.Module, objective: Union[nn.Module, Mapping[str, nn.Module], Any]):
        self.net = net
        self.objective = objective

    def __call__(self, data: Mapping[str, Any]) -> Tuple[torch.Tensor, Dict[str, float]]:
        """Run one training iteration.

        args:
            data - a TensorDict (dict) with the batch produced by the loader.
        returns:
            (loss, stats) - the scalar loss tensor to back-propagate and a dict of named float statistics.
        """
        raise NotImplementedError

    def to(self, device: Union[str, torch.device]) -> None:
        """Move the network to ``device``."""
        self.net.to(device)

    def train(self, mode: bool = True) -> None:
        """Set the network to training (True) or evaluation (False) mode."""
        self.net.train(mode)

    def eval(self) -> None:
        """Set the network to evaluation mode."""
        self.train(False)

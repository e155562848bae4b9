"""Base class of the backbone networks: handles frozen layers."""
from typing import Sequence, Union

import torch.nn as nn


class Backbone(nn.Module):
    """Backbone whose ``frozen_layers`` stay in eval mode and get no gradients.

    args:
        frozen_layers: names of child modules to freeze (e.g. ``['conv1', 'layer1']``), ``'none'`` or ``'all'``.
    """

    def __init__(self, frozen_layers: Union[str, Sequence[str]] = ()):
        super().__init__()
        if isinstance(frozen_layers, str):
            if frozen_layers.lower() == 'none':
                frozen_layers = ()
            elif frozen_layers.lower() != 'all':
                raise ValueError('Unknown option for frozen_layers: "{}". Use "all", "none" or a list of layer '
                                 'names.'.format(frozen_layers))
        self.frozen_layers = frozen_layers
        self._is_frozen_nograd = False

    def _all_frozen(self) -> bool:
        return isinstance(self.frozen_layers, str) and self.frozen_layers.lower() == 'all'

    def _frozen_modules(self):
        if self._all_frozen():
            return [self]
        modules = []
        for name in self.frozen_layers:
            module = getattr(self, name, None)
            if not isinstance(module, nn.Module):
                raise ValueError('frozen_layers: {} has no layer named "{}"'.format(type(self).__name__, name))
            modules.append(module)
        return modules

    def train(self, mode: bool = True) -> 'Backbone':
        """Set train/eval mode; frozen layers always stay in eval mode (their BatchNorm statistics are fixed)."""
        super().train(mode)
        if mode:
            for module in self._frozen_modules():
                # nn.Module.train on the children directly: calling self.eval() would recurse into here.
                nn.Module.train(module, False)
        if not self._is_frozen_nograd:
            for module in self._frozen_modules():
                for p in module.parameters():
                    p.requires_grad_(False)
            self._is_frozen_nograd = True
        return self

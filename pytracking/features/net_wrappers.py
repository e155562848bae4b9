"""Lazy wrappers around the tracking networks used in the parameter files.

A parameter file creates e.g. ``NetWithBackbone(net_path='dimp50.pth')``; nothing is loaded until
the tracker calls :meth:`NetWrapper.initialize`. Attributes that the wrapper does not define are
looked up on the wrapped network, so ``params.net.classifier`` is the network's classifier.
"""
import logging
from typing import Optional, Sequence, Union

import torch

logger = logging.getLogger(__name__)


class NetWrapper:
    """Holds a network checkpoint path and loads the network on demand.

    args:
        net_path: checkpoint file name (relative paths are resolved against the ``network_path``
            setting) or absolute path.
        use_gpu: put the network on CUDA when available (ignored when ``device`` is given).
        initialize: load immediately.
        device: explicit device string (e.g. 'cpu', 'cuda:1'); wins over ``use_gpu``.
        kwargs: constructor keyword arguments that replace the ones stored in the checkpoint.
    """

    def __init__(self, net_path: str, use_gpu: bool = True, initialize: bool = False,
                 device: Optional[Union[str, torch.device]] = None, **kwargs):
        self.net_path = net_path
        self.use_gpu = use_gpu
        self.device = device
        self.net = None
        self.net_kwargs = kwargs
        if initialize:
            self.initialize()

    def __getattr__(self, name: str):
        # Only called for names not found on the wrapper itself.
        if name.startswith('__') or name in ('net', 'net_path'):
            raise AttributeError(name)
        net = self.__dict__.get('net')
        if net is None:
            raise AttributeError("'{}' has no attribute '{}' (the network '{}' is not loaded yet; call "
                                 "initialize() first)".format(type(self).__name__, name, self.__dict__.get('net_path')))
        return getattr(net, name)

    def _resolve_device(self, device=None) -> torch.device:
        from ltr.admin.device import resolve_device
        if device is not None:
            return torch.device(device)
        return resolve_device(self.use_gpu, None if self.device is None else str(self.device))

    def load_network(self, device: Optional[Union[str, torch.device]] = None) -> None:
        """Load the checkpoint, move the network to ``device`` (default: from use_gpu/device) and set eval mode."""
        from pytracking.utils.loading import load_network
        self.device = self._resolve_device(device)
        self.net = load_network(self.net_path, **self.net_kwargs)
        self.net.to(self.device)
        self.net.eval()
        logger.debug('Loaded network %s on %s', self.net_path, self.device)

    def initialize(self, device: Optional[Union[str, torch.device]] = None) -> None:
        """Load the network if not loaded yet; otherwise only move it to ``device`` when one is given."""
        if self.net is None:
            self.load_network(device)
        elif device is not None and torch.device(device) != self.device:
            self.device = torch.device(device)
            self.net.to(self.device)


class NetWithBackbone(NetWrapper):
    """Wraps a network that has ``extract_backbone_features(image)`` (DiMP, PrDiMP, ATOM...).

    args:
        image_format: 'rgb' / 'bgr' (pixel range 0-255, divided by 255 before normalisation) or
            'rgb255' / 'bgr255' (normalised in the 0-255 range).
        mean, std: per-channel normalisation applied after the scaling.
    Other arguments as :class:`NetWrapper`.
    """

    def __init__(self, net_path: str, use_gpu: bool = True, initialize: bool = False, image_format: str = 'rgb',
                 mean: Sequence[float] = (0.485, 0.456, 0.406), std: Sequence[float] = (0.229, 0.224, 0.225),
                 device=None, **kwargs):
        if image_format not in ('rgb', 'bgr', 'rgb255', 'bgr255'):
            raise ValueError("Unknown image_format '{}' (expected rgb, bgr, rgb255 or bgr255)".format(image_format))
        self.image_format = image_format
        self._mean = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        self._std = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
        super().__init__(net_path, use_gpu, initialize, device=device, **kwargs)

    def preprocess_image(self, im: torch.Tensor) -> torch.Tensor:
        """Normalise a float image batch ``[B, 3, H, W]`` (0-255) for the network; returns it on the net's device.

        The input tensor is not modified.
        """
        device = self.device if isinstance(self.device, torch.device) else self._resolve_device()
        im = im.to(device)
        if self.image_format in ('rgb', 'bgr'):
            im = im / 255
        if self.image_format in ('bgr', 'bgr255'):
            im = im[:, [2, 1, 0], :, :]
        return (im - self._mean.to(device)) / self._std.to(device)

    def extract_backbone(self, im: torch.Tensor):
        """Backbone features (dict layer name -> tensor) of a ``[B, 3, H, W]`` image batch in range 0-255."""
        return self.net.extract_backbone_features(self.preprocess_image(im))

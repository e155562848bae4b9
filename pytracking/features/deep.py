"""Deep features for ATOM-style trackers (the network lives in ``ltr.models``)."""
import os
from typing import Sequence

import torch

from pytracking.features.featurebase import MultiFeatureBase
from pytracking.libs.tensorlist import TensorList

_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def _resolve_device(use_gpu: bool, device):
    from ltr.admin.device import resolve_device
    if device is not None:
        return torch.device(device)
    return resolve_device(use_gpu, None)


def _normalize_image(im: torch.Tensor, device: torch.device) -> torch.Tensor:
    """0-255 RGB batch -> ImageNet-normalised batch on ``device`` (input left unchanged)."""
    im = im.to(device) / 255
    mean = torch.tensor(_MEAN, device=device).view(1, -1, 1, 1)
    std = torch.tensor(_STD, device=device).view(1, -1, 1, 1)
    return (im - mean) / std


class ResNet18m1(MultiFeatureBase):
    """ResNet-18 features together with the VGG-m conv1 layer.

    args:
        output_layers: layers to output ('vggconv1', 'conv1', 'layer1' ... 'layer4').
        net_path: weights file (relative to the ``network_path`` setting, or absolute).
        use_gpu: run on CUDA when available.
    """

    _layer_stride = {'vggconv1': 2, 'conv1': 2, 'layer1': 4, 'layer2': 8, 'layer3': 16, 'layer4': 32, 'fc': None}
    _layer_dim = {'vggconv1': 96, 'conv1': 64, 'layer1': 64, 'layer2': 128, 'layer3': 256, 'layer4': 512, 'fc': None}

    def __init__(self, output_layers: Sequence[str], net_path: str = None, use_gpu: bool = True, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for layer in output_layers:
            if layer not in self._layer_stride:
                raise ValueError("Unknown layer '{}' (expected one of {})".format(layer, ', '.join(self._layer_stride)))
        self.output_layers = list(output_layers)
        self.use_gpu = use_gpu
        self.net_path = 'resnet18_vggmconv1/resnet18_vggmconv1.pth' if net_path is None else net_path
        self.device = None

    def initialize(self, device=None):
        from ltr.models.backbone.resnet18_vggm import resnet18_vggmconv1
        from pytracking.evaluation.environment import env_settings
        path = self.net_path if os.path.isabs(self.net_path) else os.path.join(env_settings().network_path, self.net_path)
        if isinstance(self.pool_stride, int) and self.pool_stride == 1:
            self.pool_stride = [1] * len(self.output_layers)
        self.device = _resolve_device(self.use_gpu, device)
        self.net = resnet18_vggmconv1(self.output_layers, path=path).to(self.device)
        self.net.eval()

    def dim(self):
        return TensorList([self._layer_dim[l] for l in self.output_layers])

    def stride(self):
        return TensorList([s * self._layer_stride[l] for l, s in zip(self.output_layers, self.pool_stride)])

    def extract(self, im: torch.Tensor) -> TensorList:
        with torch.no_grad():
            return TensorList(self.net(_normalize_image(im, self.device)).values())


class ATOMResNet18(MultiFeatureBase):
    """ResNet-18 backbone features of an ATOM network, plus its IoU-Net.

    After :meth:`extract`, ``iounet_backbone_features`` holds the raw backbone maps the IoU-Net
    takes and ``iounet_features`` its processed features; ``iou_predictor`` is the IoU-Net.

    args:
        output_layers: backbone layers returned as tracking features.
        net_path: checkpoint (relative to the ``network_path`` setting, or absolute).
        use_gpu: run on CUDA when available.
    """

    _layer_stride = {'conv1': 2, 'layer1': 4, 'layer2': 8, 'layer3': 16, 'layer4': 32, 'classification': 16, 'fc': None}
    _layer_dim = {'conv1': 64, 'layer1': 64, 'layer2': 128, 'layer3': 256, 'layer4': 512, 'classification': 256, 'fc': None}

    def __init__(self, output_layers: Sequence[str] = ('layer3',), net_path: str = 'atom_iou', use_gpu: bool = True,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.output_layers = list(output_layers)
        self.use_gpu = use_gpu
        self.net_path = net_path
        self.device = None
        self.net = None
        self.layer_stride = dict(self._layer_stride)
        self.layer_dim = dict(self._layer_dim)

    def initialize(self, device=None):
        from pytracking.utils.loading import load_network
        self.device = _resolve_device(self.use_gpu, device)
        if self.net is None:
            self.net = load_network(self.net_path)
        self.net.to(self.device)
        self.net.eval()
        self.iou_predictor = self.net.bb_regressor
        self.iounet_feature_layers = list(self.net.bb_regressor_layer)
        if isinstance(self.pool_stride, int) and self.pool_stride == 1:
            self.pool_stride = [1] * len(self.output_layers)
        self.feature_layers = sorted(set(self.output_layers + self.iounet_feature_layers))

    def dim(self):
        return TensorList([self.layer_dim[l] for l in self.output_layers])

    def stride(self):
        strides = self.pool_stride if isinstance(self.pool_stride, (list, tuple)) else [self.pool_stride] * len(self.output_layers)
        return TensorList([s * self.layer_stride[l] for l, s in zip(self.output_layers, strides)])

    def extract(self, im: torch.Tensor) -> TensorList:
        with torch.no_grad():
            output_features = self.net.extract_features(_normalize_image(im, self.device), self.feature_layers)
            self.iounet_backbone_features = TensorList([output_features[layer].clone()
                                                        for layer in self.iounet_feature_layers])
            self.iounet_features = TensorList(self.iou_predictor.get_iou_feat(self.iounet_backbone_features))
        return TensorList([output_features[layer] for layer in self.output_layers])

from .base import Backbone
from .resnet import resnet18, resnet50, resnet101, resnet_baby, ResNet, PretrainedWeightsError
from .resnet18_vggm import resnet18_vggmconv1, ResNetVGGm1

__all__ = ['Backbone', 'ResNet', 'ResNetVGGm1', 'PretrainedWeightsError', 'resnet18', 'resnet50', 'resnet101',
           'resnet_baby', 'resnet18_vggmconv1']

from .atom_iou_net import AtomIoUNet
from .atom import ATOMnet

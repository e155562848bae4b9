from .base_video_dataset import BaseVideoDataset
from .base_image_dataset import BaseImageDataset
from .lasot import Lasot
from .got10k import Got10k
from .tracking_net import TrackingNet
from .imagenetvid import ImagenetVID
from .coco import MSCOCO
from .coco_seq import MSCOCOSeq

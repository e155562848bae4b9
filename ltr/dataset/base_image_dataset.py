"""Base class of the training image datasets."""
from typing import Callable, List, Optional

import torch.utils.data

from ltr.data.image_loader import jpeg4py_loader

__all__ = ['BaseImageDataset']


class BaseImageDataset(torch.utils.data.Dataset):
    """Base class of image datasets.

    args:
        name: dataset name; root: dataset folder; image_loader: function path -> ``H x W x 3`` uint8 image.
    """

    def __init__(self, name: str, root: str, image_loader: Callable = jpeg4py_loader):
        self.name = name
        self.root = root
        self.image_loader = image_loader
        self.image_list = []
        self.class_list = []

    def __len__(self) -> int:
        """Number of images."""
        return self.get_num_images()

    def __getitem__(self, index):
        """Not used: samplers call :meth:`get_image`."""
        return None

    def get_name(self) -> str:
        raise NotImplementedError

    def get_num_images(self) -> int:
        return len(self.image_list)

    def has_class_info(self) -> bool:
        return False

    def get_class_name(self, image_id: int) -> Optional[str]:
        return None

    def get_num_classes(self) -> int:
        return len(self.class_list)

    def get_class_list(self) -> list:
        return self.class_list

    def get_images_in_class(self, class_name: str) -> List[int]:
        raise NotImplementedError

    def has_segmentation_info(self) -> bool:
        return False

    def get_image_info(self, seq_id: int) -> dict:
        """Annotation of an image: dict with ``bbox`` ``[4]`` (xywh), ``valid``, ``visible`` (and ``mask``)."""
        raise NotImplementedError

    def get_image(self, image_id: int, anno: Optional[dict] = None):
        """(image, annotation dict, meta dict) of image ``image_id``."""
        raise NotImplementedError

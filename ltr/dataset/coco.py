"""COCO object-detection dataset as an image dataset (one sample per non-crowd object).

On-disk layout::

    root/annotations/instances_<split><version>.json
    root/images/<split><version>/<file_name>

Masks are decoded with pycocotools.

Publication: Microsoft COCO: Common Objects in Context, T.-Y. Lin et al., ECCV 2014.
"""
import contextlib
import io
import json
import logging
import os
import random
from typing import Callable, List, Optional, Tuple

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_image_dataset import BaseImageDataset
from .base_video_dataset import AnnotationError, BaseVideoDataset, resolve_root

logger = logging.getLogger(__name__)

__all__ = ['MSCOCO', 'load_coco_set', 'CocoAnnotationsMixin']


def load_coco_set(root: str, split: str, version: str) -> Tuple[object, str]:
    """Load ``annotations/instances_<split><version>.json`` under ``root`` into a pycocotools ``COCO``.

    returns:
        (COCO object, image folder path). Raises a clear error when the file is missing or not JSON.
    """
    try:
        from pycocotools.coco import COCO
    except ImportError as e:
        raise ImportError('The COCO datasets need pycocotools: pip install pycocotools') from e
    img_pth = os.path.join(root, 'images', '{}{}'.format(split, version))
    anno_path = os.path.join(root, 'annotations', 'instances_{}{}.json'.format(split, version))
    if not os.path.isfile(anno_path):
        raise AnnotationError("COCO annotation file '{}' not found (split='{}', version='{}'; setting coco_dir / "
                              "LTR_COCO_DIR)".format(anno_path, split, version))
    try:
        with open(anno_path, 'r') as f:
            dataset = json.load(f)
    except json.JSONDecodeError as e:
        raise AnnotationError("COCO annotation file '{}' is not valid JSON: {}".format(anno_path, e)) from e
    if not isinstance(dataset, dict) or 'annotations' not in dataset or 'categories' not in dataset:
        raise AnnotationError("COCO annotation file '{}' lacks 'annotations'/'categories'".format(anno_path))
    coco_set = COCO()
    coco_set.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress messages
        coco_set.createIndex()
    return coco_set, img_pth


class CocoAnnotationsMixin:
    """What MSCOCO and MSCOCOSeq share: the annotation index and per-object look-ups.

    The using class keeps its list of annotation ids in ``self._ann_ids()`` (image_list for the
    image dataset, sequence_list for the sequence dataset, as in the original).
    """

    def _load_coco(self, root: str, split: str, version: str) -> None:
        self.coco_set, self.img_pth = load_coco_set(root, split, version)
        self.anno_path = os.path.join(root, 'annotations', 'instances_{}{}.json'.format(split, version))
        self.cats = self.coco_set.cats
        self.class_list = self.get_class_list()

    def _ann_ids(self) -> List[int]:
        raise NotImplementedError

    def _non_crowd_ids(self, min_area: Optional[float] = None) -> List[int]:
        anns = self.coco_set.anns
        ids = [a for a in anns.keys() if anns[a].get('iscrowd', 0) == 0]
        if min_area is not None:
            ids = [a for a in ids if anns[a]['area'] > min_area]
        return ids

    def get_class_list(self) -> List[str]:
        return [self.cats[cat_id]['name'] for cat_id in self.cats.keys()]

    def get_name(self) -> str:
        return 'coco'

    def has_class_info(self) -> bool:
        return True

    def has_segmentation_info(self) -> bool:
        return True

    def _build_per_class(self) -> dict:
        per_class = {}
        for i, ann_id in enumerate(self._ann_ids()):
            per_class.setdefault(self.cats[self.coco_set.anns[ann_id]['category_id']]['name'], []).append(i)
        return per_class

    def _get_anno(self, idx: int) -> dict:
        return self.coco_set.anns[self._ann_ids()[idx]]

    def _box_and_mask(self, idx: int) -> Tuple[torch.Tensor, torch.Tensor]:
        anno = self._get_anno(idx)
        return torch.Tensor(anno['bbox']), torch.Tensor(self.coco_set.annToMask(anno))

    def _load_image(self, idx: int):
        file_name = self.coco_set.imgs[self._get_anno(idx)['image_id']]['file_name']
        return self.image_loader(os.path.join(self.img_pth, file_name))

    def get_meta_info(self, idx: int):
        """Object meta dict (class name and super-category) of object ``idx``."""
        cat = self.cats.get(self._get_anno(idx)['category_id'])
        if cat is None:
            return BaseVideoDataset._object_meta()
        return BaseVideoDataset._object_meta(cat['name'], major_class=cat.get('supercategory'))

    def get_class_name(self, idx: int) -> str:
        return self.cats[self._get_anno(idx)['category_id']]['name']


class MSCOCO(CocoAnnotationsMixin, BaseImageDataset):
    """COCO as an image dataset: each non-crowd object annotation is one image sample.

    args:
        root: COCO folder (default: ``coco_dir`` of ``ltr/admin/local.py``).
        image_loader: function reading an image file.
        data_fraction: fraction of the objects to keep (chosen at random); all when None.
        min_area: drop objects with an area not above this.
        split: 'train' or 'val'; version: '2014' or '2017'.
    """

    def __init__(self, root: Optional[str] = None, image_loader: Callable = jpeg4py_loader,
                 data_fraction: Optional[float] = None, min_area: Optional[float] = None, split: str = 'train',
                 version: str = '2014'):
        root = resolve_root(root, 'coco_dir', 'COCO')
        super().__init__('COCO', root, image_loader)
        self._load_coco(root, split, version)
        self.image_list = self._non_crowd_ids(min_area)
        if data_fraction is not None:
            self.image_list = random.sample(self.image_list, int(len(self.image_list) * data_fraction))
        self.im_per_class = self._build_per_class()

    def _ann_ids(self) -> List[int]:
        return self.image_list

    def get_images_in_class(self, class_name: str) -> List[int]:
        return self.im_per_class[class_name]

    def get_image_info(self, im_id: int) -> dict:
        """``bbox`` ``[4]``, ``mask`` ``[H, W]``, ``valid``, ``visible``."""
        bbox, mask = self._box_and_mask(im_id)
        valid = (bbox[2] > 0) & (bbox[3] > 0)
        return {'bbox': bbox, 'mask': mask, 'valid': valid, 'visible': valid.clone().to(torch.uint8)}

    def get_image(self, image_id: int, anno: Optional[dict] = None):
        frame = self._load_image(image_id)
        if anno is None:
            anno = self.get_image_info(image_id)
        return frame, anno, self.get_meta_info(image_id)

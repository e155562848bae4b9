"""COCO as a video dataset: each non-crowd object is a sequence of length 1 (the image repeated).

See :mod:`ltr.dataset.coco` for the on-disk layout.
"""
import random
from typing import Callable, List, Optional

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_video_dataset import BaseVideoDataset, resolve_root
from .coco import CocoAnnotationsMixin

__all__ = ['MSCOCOSeq']


class MSCOCOSeq(CocoAnnotationsMixin, BaseVideoDataset):
    """COCO dataset posing as videos of one frame.

    args:
        root: COCO folder (default: ``coco_dir`` of ``ltr/admin/local.py``).
        image_loader: function reading an image file.
        data_fraction: fraction of the objects to keep (chosen at random); all when None.
        split: 'train' or 'val'; version: '2014' or '2017'.
    """

    def __init__(self, root: Optional[str] = None, image_loader: Callable = jpeg4py_loader,
                 data_fraction: Optional[float] = None, split: str = 'train', version: str = '2014'):
        root = resolve_root(root, 'coco_dir', 'COCO')
        super().__init__('COCO', root, image_loader)
        self._load_coco(root, split, version)
        self.sequence_list = self._non_crowd_ids()
        if data_fraction is not None:
            self.sequence_list = random.sample(self.sequence_list, int(len(self.sequence_list) * data_fraction))
        self.seq_per_class = self._build_per_class()

    def _ann_ids(self) -> List[int]:
        return self.sequence_list

    def is_video_sequence(self) -> bool:
        return False

    def get_sequences_in_class(self, class_name: str) -> List[int]:
        return self.seq_per_class[class_name]

    def get_sequence_info(self, seq_id: int) -> dict:
        """``bbox`` ``[1, 4]``, ``mask`` ``[1, H, W]``, ``valid`` ``[1]``, ``visible`` ``[1]``."""
        bbox, mask = self._box_and_mask(seq_id)
        bbox, mask = bbox.view(1, 4), mask.unsqueeze(dim=0)
        valid = (bbox[:, 2] > 0) & (bbox[:, 3] > 0)
        return {'bbox': bbox, 'mask': mask, 'valid': valid, 'visible': valid.clone().to(torch.uint8)}

    def _get_frames(self, seq_id: int):
        return self._load_image(seq_id)

    def get_frames(self, seq_id: int = None, frame_ids: List[int] = None, anno: Optional[dict] = None):
        """The image of object ``seq_id`` repeated ``len(frame_ids)`` times (frame ids are ignored)."""
        frame = self._get_frames(seq_id)
        frame_list = [frame.copy() for _ in frame_ids]
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        anno_frames = {key: [value[0, ...] for _ in frame_ids] for key, value in anno.items()}
        return frame_list, anno_frames, self.get_meta_info(seq_id)

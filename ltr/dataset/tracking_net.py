"""TrackingNet training dataset.

On-disk layout (as written by the TrackingNet devkit)::

    root/TRAIN_<i>/anno/<video>.txt          x,y,w,h per line
    root/TRAIN_<i>/frames/<video>/0.jpg ...  frames numbered from 0

Class names come from ``ltr/data_specs/trackingnet_classmap.txt`` (``<video>\t<class>`` lines).

Publication: TrackingNet: A Large-Scale Dataset and Benchmark for Object Tracking in the Wild,
M. Mueller, A. Bibi, S. Giancola, S. Al-Subaihi and B. Ghanem, ECCV 2018.
"""
import logging
import os
import random
from typing import Callable, List, Optional, Tuple

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_video_dataset import DATA_SPECS_DIR, AnnotationError, BaseVideoDataset, read_box_file, resolve_root

logger = logging.getLogger(__name__)

__all__ = ['TrackingNet', 'list_sequences']

CLASSMAP_FILE = os.path.join(DATA_SPECS_DIR, 'trackingnet_classmap.txt')


def list_sequences(root: str, set_ids: List[int]) -> List[Tuple[int, str]]:
    """``(set_id, video_name)`` for every annotation file in ``root/TRAIN_<set_id>/anno``."""
    sequence_list = []
    for s in set_ids:
        anno_dir = os.path.join(root, 'TRAIN_' + str(s), 'anno')
        if not os.path.isdir(anno_dir):
            raise AnnotationError("TrackingNet annotation folder '{}' not found (set TRAIN_{} requested; setting "
                                  "trackingnet_dir / LTR_TRACKINGNET_DIR)".format(anno_dir, s))
        sequence_list += [(s, os.path.splitext(f)[0]) for f in sorted(os.listdir(anno_dir)) if f.endswith('.txt')]
    return sequence_list


def _load_classmap(path: str) -> dict:
    seq_to_class = {}
    if not os.path.isfile(path):
        logger.warning("TrackingNet class map '%s' not found; sequences have no class information", path)
        return seq_to_class
    with open(path, 'r') as f:
        for line in f:
            parts = line.rstrip('\n').split('\t')
            if len(parts) == 2:
                seq_to_class[parts[0]] = parts[1]
    return seq_to_class


class TrackingNet(BaseVideoDataset):
    """TrackingNet dataset.

    args:
        root: TrackingNet folder holding the TRAIN_<i> sets (default: ``trackingnet_dir``).
        image_loader: function reading an image file.
        set_ids: training sets (0-11) to use; all when None.
        data_fraction: fraction of the sequences to keep (chosen at random); all when None.
    """

    def __init__(self, root: Optional[str] = None, image_loader: Callable = jpeg4py_loader,
                 set_ids: Optional[List[int]] = None, data_fraction: Optional[float] = None):
        root = resolve_root(root, 'trackingnet_dir', 'TrackingNet')
        super().__init__('TrackingNet', root, image_loader)

        if set_ids is None:
            set_ids = list(range(12))
        self.set_ids = set_ids
        self.sequence_list = list_sequences(self.root, self.set_ids)
        if data_fraction is not None:
            self.sequence_list = random.sample(self.sequence_list, int(len(self.sequence_list) * data_fraction))

        self.seq_to_class_map, self.seq_per_class = self._load_class_info()
        self.class_list = sorted(self.seq_per_class.keys())

    def _load_class_info(self):
        classmap = _load_classmap(CLASSMAP_FILE)
        seq_to_class = {}
        seq_per_class = {}
        for i, (_, name) in enumerate(self.sequence_list):
            class_name = classmap.get(name)
            seq_to_class[name] = class_name
            if class_name is not None:
                seq_per_class.setdefault(class_name, []).append(i)
        return seq_to_class, seq_per_class

    def get_name(self) -> str:
        return 'trackingnet'

    def has_class_info(self) -> bool:
        # False only when the class map is not installed (no sequence has a class)
        return bool(self.seq_per_class)

    def get_sequences_in_class(self, class_name: str) -> List[int]:
        return self.seq_per_class[class_name]

    def _read_bb_anno(self, seq_id: int) -> torch.Tensor:
        set_id, vid_name = self.sequence_list[seq_id]
        return read_box_file(os.path.join(self.root, 'TRAIN_' + str(set_id), 'anno', vid_name + '.txt'))

    def _load_sequence_info(self, seq_id: int) -> dict:
        bbox = self._read_bb_anno(seq_id)
        valid = (bbox[:, 2] > 0) & (bbox[:, 3] > 0)
        return {'bbox': bbox, 'valid': valid, 'visible': valid.clone().to(torch.uint8)}

    def get_sequence_info(self, seq_id: int) -> dict:
        return dict(self._cached(seq_id, lambda: self._load_sequence_info(seq_id)))

    def _get_frame(self, seq_id: int, frame_id: int):
        set_id, vid_name = self.sequence_list[seq_id]
        path = os.path.join(self.root, 'TRAIN_' + str(set_id), 'frames', vid_name, str(frame_id) + '.jpg')
        return self.image_loader(path)

    def get_class_name(self, seq_id: int) -> Optional[str]:
        return self.seq_to_class_map.get(self.sequence_list[seq_id][1])

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        anno_frames = self._frames_anno(anno, frame_ids)
        frame_list = [self._get_frame(seq_id, f) for f in frame_ids]
        return frame_list, anno_frames, self._object_meta(self.get_class_name(seq_id))

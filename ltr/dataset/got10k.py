"""GOT-10k training dataset.

On-disk layout (the official ``train`` folder)::

    root/list.txt                   sequence folder names, one per line
    root/GOT-10k_Train_000001/00000001.jpg ...
                             /groundtruth.txt   x,y,w,h per line
                             /absence.label     1 where the target is absent
                             /cover.label       visible fraction 0..8 per frame
                             /meta_info.ini     'key: value' lines (object_class, motion_class, ...)

Publication: GOT-10k: A Large High-Diversity Benchmark for Generic Object Tracking in the Wild,
L. Huang, X. Zhao and K. Huang, arXiv:1810.11981.
"""
import logging
import os
import random
from collections import OrderedDict
from typing import Callable, List, Optional

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_video_dataset import AnnotationError, BaseVideoDataset, read_box_file, read_flag_file, read_split_file, \
    resolve_root

logger = logging.getLogger(__name__)

__all__ = ['Got10k']

_SPLIT_FILES = {'train': 'got10k_train_split.txt', 'val': 'got10k_val_split.txt',
                'vottrain': 'got10k_vot_train_split.txt', 'votval': 'got10k_vot_val_split.txt'}

# meta_info.ini key -> object meta key
_META_KEYS = OrderedDict([('object_class', 'object_class_name'), ('motion_class', 'motion_class'),
                          ('major_class', 'major_class'), ('root_class', 'root_class'),
                          ('motion_adverb', 'motion_adverb')])


class Got10k(BaseVideoDataset):
    """GOT-10k dataset.

    args:
        root: path to the GOT-10k ``train`` folder (default: ``got10k_dir`` of ``ltr/admin/local.py``).
        image_loader: function reading an image file.
        split: 'train', 'val', 'vottrain' or 'votval' - subsets of the official train set (indices
               into ``list.txt``); 'val' is NOT the official validation set (give that folder as root).
        seq_ids: indices into ``list.txt`` to use; only one of ``split`` and ``seq_ids`` may be given.
        data_fraction: fraction of the sequences to keep (chosen at random); all when None.
    """

    def __init__(self, root: Optional[str] = None, image_loader: Callable = jpeg4py_loader,
                 split: Optional[str] = None, seq_ids: Optional[List[int]] = None,
                 data_fraction: Optional[float] = None):
        root = resolve_root(root, 'got10k_dir', 'GOT-10k')
        super().__init__('GOT10k', root, image_loader)

        all_sequences = self._get_sequence_list()
        if split is not None:
            if seq_ids is not None:
                raise ValueError('Cannot set both split and seq_ids.')
            if split not in _SPLIT_FILES:
                raise ValueError("Unknown GOT-10k split '{}': use one of {}".format(split, sorted(_SPLIT_FILES)))
            seq_ids = [int(v) for v in read_split_file(_SPLIT_FILES[split])]
        elif seq_ids is None:
            seq_ids = list(range(len(all_sequences)))
        bad = [i for i in seq_ids if not 0 <= i < len(all_sequences)]
        if bad:
            raise ValueError("GOT-10k: sequence indices {} are out of range for the {} sequences in '{}' (is the "
                             "root the full official train folder?)".format(bad[:5], len(all_sequences),
                                                                            os.path.join(self.root, 'list.txt')))
        self.sequence_list = [all_sequences[i] for i in seq_ids]

        if data_fraction is not None:
            self.sequence_list = random.sample(self.sequence_list, int(len(self.sequence_list) * data_fraction))

        self.sequence_meta_info = self._load_meta_info()
        self.seq_per_class = self._build_seq_per_class()
        self.class_list = sorted(c for c in self.seq_per_class.keys() if c is not None)

    def get_name(self) -> str:
        return 'got10k'

    def has_class_info(self) -> bool:
        return True

    def has_occlusion_info(self) -> bool:
        return True

    def _get_sequence_list(self) -> List[str]:
        list_file = os.path.join(self.root, 'list.txt')
        if not os.path.isfile(list_file):
            raise AnnotationError("GOT-10k sequence list '{}' not found; the root must be the GOT-10k 'train' "
                                  "folder (setting got10k_dir / LTR_GOT10K_DIR)".format(list_file))
        with open(list_file, 'r') as f:
            return [line.strip().split(',')[0] for line in f if line.strip()]

    def _load_meta_info(self) -> dict:
        return {s: self._read_meta(os.path.join(self.root, s)) for s in self.sequence_list}

    def _read_meta(self, seq_path: str) -> 'OrderedDict[str, Optional[str]]':
        meta = self._object_meta()
        meta_file = os.path.join(seq_path, 'meta_info.ini')
        if not os.path.isfile(meta_file):
            logger.debug("No meta_info.ini in '%s'; class information unknown", seq_path)
            return meta
        with open(meta_file, 'r') as f:
            for line in f:
                key, sep, value = line.partition(':')
                key = key.strip()
                if sep and key in _META_KEYS:
                    meta[_META_KEYS[key]] = value.strip()
        return meta

    def _build_seq_per_class(self) -> dict:
        seq_per_class = {}
        for i, s in enumerate(self.sequence_list):
            seq_per_class.setdefault(self.sequence_meta_info[s]['object_class_name'], []).append(i)
        return seq_per_class

    def get_sequences_in_class(self, class_name: str) -> List[int]:
        return self.seq_per_class[class_name]

    def _get_sequence_path(self, seq_id: int) -> str:
        return os.path.join(self.root, self.sequence_list[seq_id])

    def _read_bb_anno(self, seq_path: str) -> torch.Tensor:
        return read_box_file(os.path.join(seq_path, 'groundtruth.txt'))

    def _read_target_visible(self, seq_path: str):
        absence = read_flag_file(os.path.join(seq_path, 'absence.label'))
        cover = read_flag_file(os.path.join(seq_path, 'cover.label'))
        if len(absence) != len(cover):
            raise AnnotationError("'{}': absence.label has {} flags but cover.label has {}"
                                  .format(seq_path, len(absence), len(cover)))
        target_visible = (absence == 0) & (cover > 0)
        visible_ratio = cover.float() / 8
        return target_visible, visible_ratio

    def _load_sequence_info(self, seq_id: int) -> dict:
        seq_path = self._get_sequence_path(seq_id)
        bbox = self._read_bb_anno(seq_path)
        visible, visible_ratio = self._read_target_visible(seq_path)
        if len(visible) != len(bbox):
            raise AnnotationError("'{}': {} boxes in groundtruth.txt but {} frames in absence.label"
                                  .format(seq_path, len(bbox), len(visible)))
        valid = (bbox[:, 2] > 0) & (bbox[:, 3] > 0)
        visible = (visible & valid).to(torch.uint8)
        return {'bbox': bbox, 'valid': valid, 'visible': visible, 'visible_ratio': visible_ratio}

    def get_sequence_info(self, seq_id: int) -> dict:
        return dict(self._cached(seq_id, lambda: self._load_sequence_info(seq_id)))

    def _get_frame_path(self, seq_path: str, frame_id: int) -> str:
        return os.path.join(seq_path, '{:08}.jpg'.format(frame_id + 1))  # files are numbered from 1

    def _get_frame(self, seq_path: str, frame_id: int):
        return self.image_loader(self._get_frame_path(seq_path, frame_id))

    def get_class_name(self, seq_id: int) -> Optional[str]:
        return self.sequence_meta_info[self.sequence_list[seq_id]]['object_class_name']

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        seq_path = self._get_sequence_path(seq_id)
        obj_meta = self.sequence_meta_info[self.sequence_list[seq_id]]
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        anno_frames = self._frames_anno(anno, frame_ids)
        frame_list = [self._get_frame(seq_path, f) for f in frame_ids]
        return frame_list, anno_frames, OrderedDict(obj_meta)

"""LaSOT training dataset.

On-disk layout (the official release)::

    root/<class>/<class>-<n>/img/00000001.jpg ...
                            /groundtruth.txt      x,y,w,h per line
                            /full_occlusion.txt   one line of comma-separated 0/1 flags
                            /out_of_view.txt      one line of comma-separated 0/1 flags

Publication: LaSOT: A High-quality Benchmark for Large-scale Single Object Tracking,
H. Fan et al., CVPR 2019.
"""
import os
import random
from collections import OrderedDict
from typing import Callable, List, Optional

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_video_dataset import AnnotationError, BaseVideoDataset, read_box_file, read_flag_file, read_split_file, \
    resolve_root

__all__ = ['Lasot']

_SPLIT_FILES = {'train': 'lasot_train_split.txt', 'train-train': 'lasot_train_train_split.txt',
                'train-val': 'lasot_train_val_split.txt'}


class Lasot(BaseVideoDataset):
    """LaSOT dataset.

    args:
        root: path to the LaSOT folder (default: ``lasot_dir`` of ``ltr/admin/local.py``).
        image_loader: function reading an image file.
        vid_ids: video numbers (1-20) to use from every class, e.g. [1, 3] -> '<class>-1', '<class>-3'.
        split: 'train' (official protocol-II training set), 'train-train' or 'train-val'
               (the original's sub-splits of it). Only one of ``vid_ids`` and ``split`` may be given.
        data_fraction: fraction of the sequences to keep (chosen at random); all when None.
    """

    def __init__(self, root: Optional[str] = None, image_loader: Callable = jpeg4py_loader,
                 vid_ids: Optional[List[int]] = None, split: Optional[str] = None,
                 data_fraction: Optional[float] = None):
        root = resolve_root(root, 'lasot_dir', 'LaSOT')
        super().__init__('LaSOT', root, image_loader)

        self.class_list = sorted(f for f in os.listdir(self.root) if os.path.isdir(os.path.join(self.root, f)))
        self.class_to_id = {name: i for i, name in enumerate(self.class_list)}

        self.sequence_list = self._build_sequence_list(vid_ids, split)
        if data_fraction is not None:
            self.sequence_list = random.sample(self.sequence_list, int(len(self.sequence_list) * data_fraction))
        self.seq_per_class = self._build_class_list()

    def _build_sequence_list(self, vid_ids, split) -> List[str]:
        if split is not None:
            if vid_ids is not None:
                raise ValueError('Cannot set both split and vid_ids.')
            if split not in _SPLIT_FILES:
                raise ValueError("Unknown LaSOT split '{}': use one of {}".format(split, sorted(_SPLIT_FILES)))
            return read_split_file(_SPLIT_FILES[split])
        if vid_ids is not None:
            return ['{}-{}'.format(c, v) for c in self.class_list for v in vid_ids]
        raise ValueError('Set either split or vid_ids.')

    def _build_class_list(self) -> 'OrderedDict[str, List[int]]':
        seq_per_class = OrderedDict()
        for seq_id, seq_name in enumerate(self.sequence_list):
            seq_per_class.setdefault(seq_name.split('-')[0], []).append(seq_id)
        return seq_per_class

    def get_name(self) -> str:
        return 'lasot'

    def has_class_info(self) -> bool:
        return True

    def has_occlusion_info(self) -> bool:
        return True

    def get_num_sequences(self) -> int:
        return len(self.sequence_list)

    def get_num_classes(self) -> int:
        return len(self.class_list)

    def get_sequences_in_class(self, class_name: str) -> List[int]:
        return self.seq_per_class[class_name]

    def _get_sequence_path(self, seq_id: int) -> str:
        seq_name = self.sequence_list[seq_id]
        class_name, vid_id = seq_name.rsplit('-', 1)
        return os.path.join(self.root, class_name, class_name + '-' + vid_id)

    def _read_bb_anno(self, seq_path: str) -> torch.Tensor:
        return read_box_file(os.path.join(seq_path, 'groundtruth.txt'))

    def _read_target_visible(self, seq_path: str) -> torch.Tensor:
        occlusion = read_flag_file(os.path.join(seq_path, 'full_occlusion.txt'))
        out_of_view = read_flag_file(os.path.join(seq_path, 'out_of_view.txt'))
        if len(occlusion) != len(out_of_view):
            raise AnnotationError("'{}': full_occlusion.txt has {} flags but out_of_view.txt has {}"
                                  .format(seq_path, len(occlusion), len(out_of_view)))
        return (occlusion == 0) & (out_of_view == 0)

    def _load_sequence_info(self, seq_id: int) -> dict:
        seq_path = self._get_sequence_path(seq_id)
        if not os.path.isdir(seq_path):
            raise AnnotationError("LaSOT sequence folder '{}' not found (sequence '{}' of the split)"
                                  .format(seq_path, self.sequence_list[seq_id]))
        bbox = self._read_bb_anno(seq_path)
        target_visible = self._read_target_visible(seq_path)
        if len(target_visible) != len(bbox):
            raise AnnotationError("'{}': {} boxes in groundtruth.txt but {} visibility flags"
                                  .format(seq_path, len(bbox), len(target_visible)))
        valid = (bbox[:, 2] > 0) & (bbox[:, 3] > 0)
        visible = (target_visible & valid).to(torch.uint8)
        return {'bbox': bbox, 'valid': valid, 'visible': visible}

    def get_sequence_info(self, seq_id: int) -> dict:
        return dict(self._cached(seq_id, lambda: self._load_sequence_info(seq_id)))

    def _get_frame_path(self, seq_path: str, frame_id: int) -> str:
        return os.path.join(seq_path, 'img', '{:08}.jpg'.format(frame_id + 1))  # files are numbered from 1

    def _get_frame(self, seq_path: str, frame_id: int):
        return self.image_loader(self._get_frame_path(seq_path, frame_id))

    def _get_class(self, seq_path: str) -> str:
        return os.path.basename(os.path.dirname(seq_path))

    def get_class_name(self, seq_id: int) -> str:
        return self._get_class(self._get_sequence_path(seq_id))

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        seq_path = self._get_sequence_path(seq_id)
        obj_class = self._get_class(seq_path)
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        anno_frames = self._frames_anno(anno, frame_ids)
        frame_list = [self._get_frame(seq_path, f) for f in frame_ids]
        return frame_list, anno_frames, self._object_meta(obj_class)

"""LaSOT test set (280 videos, protocol II) and its train sequences.

Publication: LaSOT: A High-quality Benchmark for Large-scale Single Object Tracking, Fan et al., CVPR 2019.
Download: https://cis.temple.edu/lasot/download.html

On disk: ``<lasot_path>/<class>/<class>-<n>/img/<frame:08d>.jpg``, ``groundtruth.txt`` (comma-separated
``x,y,w,h``), ``full_occlusion.txt`` and ``out_of_view.txt`` (one line of comma-separated 0/1 flags per
frame). ``target_visible`` is True where the target is neither fully occluded nor out of view.
"""
import os
from typing import List

import numpy as np

from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import AnnotationError, load_boxes, load_text

# class: video numbers, in the benchmark's order (benchmark data: 70 classes x 4 test videos).
_LASOT_TEST = """
airplane 1 9 13 15; basketball 1 6 7 11; bear 2 4 6 17; bicycle 2 7 9 18; bird 2 3 15 17; boat 3 4 12 17;
book 3 10 11 19; bottle 1 12 14 18; bus 2 5 17 19; car 2 6 9 17; cat 1 3 18 20; cattle 2 7 12 13;
spider 14 16 18 20; coin 3 6 7 18; crab 3 6 12 18; surfboard 12 4 5 8; cup 1 4 7 17; deer 4 8 10 14;
dog 1 7 15 19; guitar 3 8 10 16; person 1 5 10 12; pig 2 10 13 18; rubicCube 1 6 14 19; swing 10 14 17 20;
drone 13 15 2 7; pool 12 15 3 7; rabbit 10 13 17 19; racing 10 15 16 20; robot 1 19 5 8; sepia 13 16 6 8;
sheep 3 5 7 9; skateboard 16 19 3 8; tank 14 16 6 9; tiger 12 18 4 6; train 1 11 20 7; truck 16 3 6 7;
turtle 16 5 8 9; umbrella 17 19 2 9; yoyo 15 17 19 7; zebra 10 14 16 17; elephant 1 12 16 18;
goldfish 3 7 8 10; hat 1 2 5 18; kite 4 6 10 15; motorcycle 1 3 9 18; mouse 1 8 9 17; flag 3 9 5 2;
frog 3 4 20 9; gametarget 1 2 7 13; hand 2 3 9 16; helmet 5 11 19 13; licenseplate 6 12 13 15;
electricfan 1 10 18 20; chameleon 3 6 11 20; crocodile 3 4 10 14; gecko 1 5 16 19; fox 2 3 5 20;
giraffe 2 10 13 15; gorilla 4 6 9 13; hippo 1 7 9 20; horse 1 4 12 15; kangaroo 2 5 11 14; leopard 1 7 16 20;
lion 1 5 12 20; lizard 1 3 6 13; microphone 2 6 14 16; monkey 3 4 9 17; shark 2 3 5 6; squirrel 8 11 13 19;
volleyball 1 13 18 19
"""

_DATA_SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'ltr', 'data_specs')


def expand_class_table(table: str) -> List[str]:
    """``'cls 1 2; other 5'`` -> ``['cls-1', 'cls-2', 'other-5']``."""
    names = []
    for entry in table.replace('\n', ' ').split(';'):
        parts = entry.split()
        if parts:
            names += ['{}-{}'.format(parts[0], n) for n in parts[1:]]
    return names


def load_flags(path: str, num_frames: int) -> np.ndarray:
    """A per-frame 0/1 flag file (comma-separated, one or several lines) as a float array of length ``num_frames``."""
    flags = np.atleast_1d(load_text(path, delimiter=(',', None), dtype=np.float64, backend='numpy')).ravel()
    if flags.size != num_frames:
        raise AnnotationError("'{}' has {} flags but the sequence has {} annotated frames".format(
            path, flags.size, num_frames))
    return flags


def visibility_from_flags(occlusion_path: str, out_of_view_path: str, num_frames: int) -> np.ndarray:
    """Boolean array: True where the target is neither fully occluded nor out of view."""
    full_occlusion = load_flags(occlusion_path, num_frames)
    out_of_view = load_flags(out_of_view_path, num_frames)
    return np.logical_and(full_occlusion == 0, out_of_view == 0)


class _LaSOTStyleDataset(BaseDataset):
    """Common reader of LaSOT-layout sequences ``<root>/<class>/<class>-<n>``."""

    dataset_name = 'lasot'
    path_setting = 'lasot_path'

    def __init__(self):
        super().__init__()
        self.base_path = self._require_path(self.path_setting)
        self.sequence_list = self._get_sequence_list()

    def _get_sequence_list(self) -> List[str]:
        raise NotImplementedError

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(s) for s in self.sequence_list])

    def _construct_sequence(self, sequence_name: str) -> Sequence:
        class_name = sequence_name.rsplit('-', 1)[0]
        seq_dir = '{}/{}/{}'.format(self.base_path, class_name, sequence_name)
        ground_truth_rect = load_boxes('{}/groundtruth.txt'.format(seq_dir), delimiter=',', dtype=np.float64)
        n = ground_truth_rect.shape[0]
        target_visible = visibility_from_flags('{}/full_occlusion.txt'.format(seq_dir),
                                               '{}/out_of_view.txt'.format(seq_dir), n)
        frames = ['{}/img/{:08d}.jpg'.format(seq_dir, f) for f in range(1, n + 1)]
        return Sequence(sequence_name, frames, self.dataset_name, ground_truth_rect, object_class=class_name,
                        target_visible=target_visible)

    def __len__(self) -> int:
        return len(self.sequence_list)


class LaSOTDataset(_LaSOTStyleDataset):
    """LaSOT test set (280 videos); path from ``env_settings().lasot_path`` (env ``PYTRACKING_LASOT_PATH``)."""

    def _get_sequence_list(self) -> List[str]:
        return expand_class_table(_LASOT_TEST)


class LaSOTTrainSequencesDataset(_LaSOTStyleDataset):
    """The LaSOT training videos listed in ``ltr/data_specs/lasot_train_split.txt``."""

    def _get_sequence_list(self) -> List[str]:
        spec_dir = getattr(self.env_settings, 'dataspec_path', None) or _DATA_SPECS
        split_file = os.path.join(spec_dir, 'lasot_train_split.txt')
        if not os.path.isfile(split_file):
            raise AnnotationError("LaSOT train split file not found: '{}'".format(split_file))
        with open(split_file) as f:
            return [s.strip() for s in f.read().splitlines() if s.strip()]

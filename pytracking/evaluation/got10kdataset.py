"""GOT-10k test / val sets and the LTR validation split of its train set.

Publication: GOT-10k: A Large High-Diversity Benchmark for Generic Object Tracking in the Wild, Huang, Zhao
and Huang, TPAMI 2019. Download: http://got-10k.aitestunion.com/downloads

On disk: ``<got10k_path>/<split>/list.txt`` (sequence names), ``<got10k_path>/<split>/<seq>/<frame:08d>.jpg``
and ``<seq>/groundtruth.txt`` (comma-separated ``x,y,w,h``; only the first box in the test set).
``ltrval`` uses the train folder and the indices in ``ltr/data_specs/got10k_val_split.txt``.
"""
import os

import numpy as np

from pytracking.evaluation._listing import list_numbered_frames
from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import AnnotationError, load_boxes

_DEFAULT_DATASPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'ltr', 'data_specs')


class GOT10KDataset(BaseDataset):
    """GOT-10k; path from ``env_settings().got10k_path`` (env ``PYTRACKING_GOT10K_PATH``).

    args:
        split: ``'test'`` (official test set), ``'val'`` (official val set) or ``'ltrval'`` (a validation
            split of the official train set, used to train the LTR trackers).
    """

    def __init__(self, split: str):
        super().__init__()
        if split not in ('test', 'val', 'ltrval'):
            raise ValueError("Unknown GOT-10k split '{}' (use 'test', 'val' or 'ltrval')".format(split))
        root = self._require_path('got10k_path')
        self.base_path = os.path.join(root, split if split in ('test', 'val') else 'train')
        self.split = split
        self.sequence_list = self._get_sequence_list(split)

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(s) for s in self.sequence_list])

    def _construct_sequence(self, sequence_name: str) -> Sequence:
        anno_path = '{}/{}/groundtruth.txt'.format(self.base_path, sequence_name)
        ground_truth_rect = load_boxes(anno_path, delimiter=(',', None), dtype=np.float64)
        frames = list_numbered_frames('{}/{}'.format(self.base_path, sequence_name))
        return Sequence(sequence_name, frames, 'got10k', ground_truth_rect)

    def __len__(self) -> int:
        return len(self.sequence_list)

    def _get_sequence_list(self, split: str):
        list_file = os.path.join(self.base_path, 'list.txt')
        if not os.path.isfile(list_file):
            raise AnnotationError("GOT-10k sequence list not found: '{}'".format(list_file))
        with open(list_file) as f:
            sequence_list = [s.strip() for s in f.read().splitlines() if s.strip()]
        if split == 'ltrval':
            spec_dir = getattr(self.env_settings, 'dataspec_path', None) or _DEFAULT_DATASPEC
            split_file = os.path.join(spec_dir, 'got10k_val_split.txt')
            if not os.path.isfile(split_file):
                raise AnnotationError("GOT-10k LTR validation split file not found: '{}'".format(split_file))
            with open(split_file) as f:
                ids = [int(x) for x in f.read().split()]
            bad = [i for i in ids if not 0 <= i < len(sequence_list)]
            if bad:
                raise AnnotationError("'{}' refers to sequence index {} but '{}' lists only {} sequences".format(
                    split_file, bad[0], list_file, len(sequence_list)))
            sequence_list = [sequence_list[i] for i in ids]
        return sequence_list

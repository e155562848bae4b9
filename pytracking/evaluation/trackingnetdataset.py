"""TrackingNet test set (511 videos).

Publication: TrackingNet: A Large-Scale Dataset and Benchmark for Object Tracking in the Wild, Mueller,
Bibi, Giancola, Al-Subaihi and Ghanem, ECCV 2018. Download with https://github.com/SilvioGiancola/TrackingNet-devkit

On disk: ``<trackingnet_path>/TEST/frames/<video>/<n>.jpg`` (n from 0) and
``<trackingnet_path>/TEST/anno/<video>.txt`` (comma-separated ``x,y,w,h``; the test set has only the first box).
"""
import os

import numpy as np

from pytracking.evaluation._listing import list_numbered_frames
from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import load_boxes


class TrackingNetDataset(BaseDataset):
    """TrackingNet test set; path from ``env_settings().trackingnet_path`` (env ``PYTRACKING_TRACKINGNET_PATH``)."""

    def __init__(self):
        super().__init__()
        self.base_path = self._require_path('trackingnet_path')
        self.sequence_list = self._list_sequences(self.base_path, ['TEST'])

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(s, name) for s, name in self.sequence_list])

    def _construct_sequence(self, set_name: str, sequence_name: str) -> Sequence:
        anno_path = '{}/{}/anno/{}.txt'.format(self.base_path, set_name, sequence_name)
        ground_truth_rect = load_boxes(anno_path, delimiter=',', dtype=np.float64)
        frames = list_numbered_frames('{}/{}/frames/{}'.format(self.base_path, set_name, sequence_name))
        return Sequence(sequence_name, frames, 'trackingnet', ground_truth_rect)

    def __len__(self) -> int:
        return len(self.sequence_list)

    @staticmethod
    def _list_sequences(root: str, set_ids):
        sequence_list = []
        for s in set_ids:
            anno_dir = os.path.join(root, s, 'anno')
            if not os.path.isdir(anno_dir):
                raise FileNotFoundError("TrackingNet annotation folder not found: '{}'".format(anno_dir))
            sequence_list += [(s, os.path.splitext(f)[0]) for f in sorted(os.listdir(anno_dir)) if f.endswith('.txt')]
        return sequence_list

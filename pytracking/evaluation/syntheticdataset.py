"""The embedded synthetic benchmark (``get_dataset('synthetic')``).

The test split is generated on first use into ``env_settings().synthetic_path`` (env
``PYTRACKING_SYNTHETIC_PATH``) by :mod:`ltr.data.synthetic`, in the GOT-10k layout, and reused
afterwards. Its seeds are disjoint from the training split used by ``ltr``.
"""
import os
from typing import Dict, List, Optional

import numpy as np

from ltr.data import synthetic
from pytracking.evaluation._listing import list_numbered_frames
from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import load_boxes, load_text


class SyntheticDataset(BaseDataset):
    """Synthetic sequences with full ground truth, absence flags and per-frame challenge flags.

    args:
        split - ``'test'`` (the evaluation split), ``'val'`` (held-out training-range seeds, for tuning) or ``'train'``.
        num_sequences, num_frames, frame_size - size of the generated split (defaults: the standard
            30 x 120-frame, 320x240 test split; other values generate and cache another variant).
    """

    def __init__(self, split: str = 'test', num_sequences: Optional[int] = None, num_frames: int = 120,
                 frame_size=(320, 240)):
        super().__init__()
        root = self.env_settings.synthetic_path
        if not root:
            root = self._require_path('synthetic_path')
        variant = '' if (num_sequences is None and num_frames == 120 and tuple(frame_size) == (320, 240)) else \
            '_{}x{}_{}x{}'.format(num_sequences, num_frames, *frame_size)
        self.base_path = synthetic.generate_split(os.path.join(root, 'v{}{}'.format(synthetic.GENERATOR_VERSION,
                                                                                     variant)),
                                                  split, num_sequences, num_frames, tuple(frame_size))
        with open(os.path.join(self.base_path, 'list.txt')) as f:
            self.sequence_list = [s for s in f.read().split() if s]

    def __len__(self) -> int:
        return len(self.sequence_list)

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(s) for s in self.sequence_list])

    def _construct_sequence(self, name: str) -> Sequence:
        seq_dir = os.path.join(self.base_path, name)
        gt = load_boxes(os.path.join(seq_dir, 'groundtruth.txt'), delimiter=(',',), dtype=np.float64)
        absent = load_text(os.path.join(seq_dir, 'absence.label'), delimiter=' ', dtype=np.int64).reshape(-1)
        frames = list_numbered_frames(seq_dir)
        seq = Sequence(name, frames, 'synthetic', gt, object_class='synthetic_object', target_visible=absent == 0)
        seq.frame_attributes = synthetic.read_attributes(seq_dir)
        return seq

    def attributes(self) -> Dict[str, List[str]]:
        """Challenge factor -> names of the sequences in which it occurs in at least one frame."""
        out = {c: [] for c in synthetic.CHALLENGES}
        for name in self.sequence_list:
            flags = synthetic.read_attributes(os.path.join(self.base_path, name))
            for c, v in flags.items():
                if v.any():
                    out[c].append(name)
        return out

"""Training dataset drawing sequences of the embedded synthetic benchmark (training seeds).

Frames are rendered on demand (:mod:`ltr.data.synthetic`), so nothing needs to be generated on
disk; the seeds never overlap those of the evaluation split (``get_dataset('synthetic')``).
"""
from collections import OrderedDict
from typing import List, Optional, Tuple

import numpy as np
import torch

from ltr.data import synthetic
from ltr.dataset.base_video_dataset import BaseVideoDataset, _LRUCache


class SyntheticTracking(BaseVideoDataset):
    """Synthetic training videos with boxes, visibility and visible ratio per frame.

    args:
        num_sequences - number of training sequences (seeds 0 .. num_sequences-1).
        num_frames - frames per sequence.
        frame_size - (width, height) of the frames.
        cache_size - rendered-sequence objects kept per process (each holds its textures, several MB); the
            annotations (small) of all sequences stay cached.
    """

    def __init__(self, num_sequences: int = 1000, num_frames: int = 120, frame_size: Tuple[int, int] = (320, 240),
                 cache_size: int = 32):
        # Read by the base class to size its annotation cache: annotating a sequence costs ~0.1 s, keep them all.
        self.anno_cache_size = max(int(num_sequences), 1)
        super().__init__('SyntheticTracking', root='<procedural>', image_loader=None)
        self.specs = synthetic.split_specs('train', num_sequences, num_frames, tuple(frame_size))
        self.sequence_list = [s.name for s in self.specs]
        self._sequences = _LRUCache(cache_size)

    def get_name(self) -> str:
        return 'synthetic_tracking'

    def has_class_info(self) -> bool:
        return False

    def has_occlusion_info(self) -> bool:
        return True

    def _sequence(self, seq_id: int) -> synthetic.SyntheticSequence:
        return self._sequences.get_or_load(seq_id, lambda: synthetic.SyntheticSequence(self.specs[seq_id]))

    def _load_sequence_info(self, seq_id: int) -> dict:
        seq = self._sequence(seq_id)
        infos = [seq.annotate(t) for t in range(seq.num_frames)]
        bbox = torch.tensor(np.stack([i['bbox'] for i in infos]), dtype=torch.float32)
        visible = torch.tensor([not i['absent'] for i in infos], dtype=torch.uint8)
        visible_ratio = torch.tensor([i['visible_ratio'] for i in infos], dtype=torch.float32)
        valid = (bbox[:, 2] > 0) & (bbox[:, 3] > 0)
        return {'bbox': bbox, 'valid': valid, 'visible': visible & valid.byte(), 'visible_ratio': visible_ratio}

    def get_sequence_info(self, seq_id: int) -> dict:
        return dict(self._cached(seq_id, lambda: self._load_sequence_info(seq_id)))

    def get_class_name(self, seq_id: int) -> Optional[str]:
        return 'synthetic_object'

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        seq = self._sequence(seq_id)
        frames = [seq.render(f)[0] for f in frame_ids]
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        return frames, self._frames_anno(anno, frame_ids), self._object_meta('synthetic_object', 'synthetic',
                                                                            'synthetic', 'object', 'synthetic')

"""VOT2018 short-term (60 videos).

Publication: The sixth Visual Object Tracking VOT2018 challenge results, Kristan et al., ECCV 2018.
Download: http://www.votchallenge.net/vot2018/dataset.html

On disk: ``<vot_path>/<video>/color/<frame:08d>.jpg`` and ``<vot_path>/<video>/groundtruth.txt``: one
region per line, either ``x,y,w,h`` or a rotated box ``x1,y1,x2,y2,x3,y3,x4,y4``; polygons are
converted to their axis-aligned bounding box.
"""
import numpy as np

from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import AnnotationError, load_text

VOT2018_SEQUENCES = [
    'ants1', 'ants3', 'bag', 'ball1', 'ball2', 'basketball', 'birds1', 'blanket', 'bmx', 'bolt1', 'bolt2', 'book',
    'butterfly', 'car1', 'conduction1', 'crabs1', 'crossing', 'dinosaur', 'drone_across', 'drone_flip', 'drone1',
    'fernando', 'fish1', 'fish2', 'fish3', 'flamingo1', 'frisbee', 'girl', 'glove', 'godfather', 'graduate',
    'gymnastics1', 'gymnastics2', 'gymnastics3', 'hand', 'handball1', 'handball2', 'helicopter', 'iceskater1',
    'iceskater2', 'leaves', 'matrix', 'motocross1', 'motocross2', 'nature', 'pedestrian1', 'rabbit', 'racing',
    'road', 'shaking', 'sheep', 'singer2', 'singer3', 'soccer1', 'soccer2', 'soldier', 'tiger', 'traffic', 'wiper',
    'zebrafish1']


def polygons_to_rects(regions: np.ndarray) -> np.ndarray:
    """``N x 8`` polygons ``x1,y1,...,x4,y4`` -> ``N x 4`` axis-aligned ``[x, y, w, h]`` bounding boxes."""
    xs = regions[:, 0::2]
    ys = regions[:, 1::2]
    x1, y1 = xs.min(axis=1), ys.min(axis=1)
    return np.stack([x1, y1, xs.max(axis=1) - x1, ys.max(axis=1) - y1], axis=1)


class VOTDataset(BaseDataset):
    """VOT2018 dataset; path from ``env_settings().vot_path`` (env ``PYTRACKING_VOT_PATH``)."""

    def __init__(self):
        super().__init__()
        self.base_path = self._require_path('vot_path')
        self.sequence_list = list(VOT2018_SEQUENCES)

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(s) for s in self.sequence_list])

    def _construct_sequence(self, sequence_name: str) -> Sequence:
        anno_path = '{}/{}/groundtruth.txt'.format(self.base_path, sequence_name)
        regions = np.asarray(load_text(anno_path, delimiter=(',', None), dtype=np.float64))
        if regions.ndim == 1:
            regions = regions.reshape(1, -1)
        if regions.shape[1] == 8:
            ground_truth_rect = polygons_to_rects(regions)
        elif regions.shape[1] == 4:
            ground_truth_rect = regions
        else:
            raise AnnotationError("Annotation file '{}' has {} values per line, expected 4 or 8".format(
                anno_path, regions.shape[1]))
        frames = ['{}/{}/color/{:08d}.jpg'.format(self.base_path, sequence_name, f)
                  for f in range(1, ground_truth_rect.shape[0] + 1)]
        return Sequence(sequence_name, frames, 'vot', ground_truth_rect)

    def __len__(self) -> int:
        return len(self.sequence_list)

"""OxUvA long-term tracking: dev (200 tracks) and test (166 tracks) sets.

Publication: Long-term Tracking in the Wild: A Benchmark, Valmadre et al., ECCV 2018.
Download: https://oxuva.github.io/long-term-tracking-benchmark

On disk: ``<oxuva_path>/tasks/{dev,test}.csv`` (``video,object,init_frame,last_frame,xmin,xmax,ymin,ymax``,
coordinates relative to the image size), ``<oxuva_path>/annotations/dev.csv`` (``video,object,class_id,
class_name,contains_cuts,always_visible,frame_num,object_presence,xmin,xmax,ymin,ymax``) and the frames
``<oxuva_path>/images/<split>/<video>/<frame:06d>.jpeg``. Sequences are named
``<video>_<object>_frames[<init:06d>:<last+1:06d>]``; unannotated frames get the box ``[-1, -1, -1, -1]``.
Results are written as the challenge's CSV files (see :mod:`pytracking.evaluation.running`).
"""
import os

import numpy as np

from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import AnnotationError

TASK_FIELDS = ['video_id', 'object_id', 'init_frame', 'last_frame', 'xmin', 'xmax', 'ymin', 'ymax']
ANNOTATION_FIELDS = ['video_id', 'object_id', 'class_id', 'class_name', 'contains_cuts', 'always_visible',
                     'frame_num', 'object_presence', 'xmin', 'xmax', 'ymin', 'ymax']


def _read_csv(path: str, names, dtype):
    import pandas as pd
    if not os.path.isfile(path):
        raise AnnotationError("OxUvA file not found: '{}'".format(path))
    try:
        return pd.read_csv(path, header=None, names=names, dtype=dtype)
    except (ValueError, pd.errors.ParserError) as e:
        raise AnnotationError("Could not parse OxUvA file '{}': {}".format(path, e)) from e


def _xxyy_to_xywh(xxyy: np.ndarray, w: int, h: int) -> np.ndarray:
    """Relative ``[xmin, xmax, ymin, ymax]`` rows -> pixel ``[x, y, w, h]`` rows."""
    xxyy = xxyy.astype(np.float64).copy()
    xxyy[:, :2] *= w
    xxyy[:, 2:] *= h
    return np.stack([xxyy[:, 0], xxyy[:, 2], xxyy[:, 1] - xxyy[:, 0], xxyy[:, 3] - xxyy[:, 2]], axis=1)


class OxUvADataset(BaseDataset):
    """OxUvA; path from ``env_settings().oxuva_path`` (env ``PYTRACKING_OXUVA_PATH``).

    args:
        split: ``'dev'`` or ``'test'``.
    """

    def __init__(self, split: str):
        super().__init__()
        if split not in ('dev', 'test'):
            raise ValueError("Split '{}' is not a valid option for OxUvA (use 'dev' or 'test')".format(split))
        self.base_path = self._require_path('oxuva_path')
        self.split = split
        task_dtype = {'video_id': str, 'object_id': str, 'init_frame': int, 'last_frame': int,
                      'xmin': float, 'xmax': float, 'ymin': float, 'ymax': float}
        self.tasks_df = _read_csv(os.path.join(self.base_path, 'tasks', '{}.csv'.format(split)), TASK_FIELDS,
                                  task_dtype)
        self.dev_annotations_df = None
        if split == 'dev':
            anno_dtype = {'video_id': str, 'object_id': str, 'class_id': int, 'class_name': str,
                          'contains_cuts': str, 'always_visible': str, 'frame_num': int, 'object_presence': str,
                          'xmin': float, 'xmax': float, 'ymin': float, 'ymax': float}
            self.dev_annotations_df = _read_csv(os.path.join(self.base_path, 'annotations', 'dev.csv'),
                                                ANNOTATION_FIELDS, anno_dtype)

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(i) for i in range(self.tasks_df.shape[0])])

    def _construct_sequence(self, index: int) -> Sequence:
        task = self.tasks_df.iloc[index]
        video_id, object_id = task['video_id'], task['object_id']
        init_frame, last_frame = int(task['init_frame']), int(task['last_frame'])
        name = '{}_{}_frames[{:06d}:{:06d}]'.format(video_id, object_id, init_frame, last_frame + 1)
        frames_path = os.path.join(self.base_path, 'images', self.split, video_id)
        frames = [os.path.join(frames_path, '{:06d}.jpeg'.format(f)) for f in range(init_frame, last_frame + 1)]
        w, h = self._image_size(frames[0])

        ground_truth_rect = -np.ones((last_frame - init_frame + 1, 4))
        if self.split == 'dev':
            df = self.dev_annotations_df
            rows = df[(df['video_id'] == video_id) & (df['object_id'] == object_id)]
            frame_num = rows['frame_num'].to_numpy()
            in_range = (frame_num >= init_frame) & (frame_num <= last_frame)
            xywh = _xxyy_to_xywh(rows[['xmin', 'xmax', 'ymin', 'ymax']].to_numpy()[in_range], w, h)
            ground_truth_rect[frame_num[in_range] - init_frame] = xywh
            if np.all(ground_truth_rect[0] == -1):  # no annotation row at the first frame: use the task's box
                ground_truth_rect[0] = _xxyy_to_xywh(task[['xmin', 'xmax', 'ymin', 'ymax']].to_numpy()[None], w, h)[0]
        else:
            ground_truth_rect[0] = _xxyy_to_xywh(task[['xmin', 'xmax', 'ymin', 'ymax']].to_numpy()[None], w, h)[0]
        return Sequence(name, frames, 'oxuva', ground_truth_rect, object_class=None, target_visible=None)

    @staticmethod
    def _image_size(path: str):
        from PIL import Image
        if not os.path.isfile(path):
            raise FileNotFoundError("OxUvA frame not found: '{}'".format(path))
        with Image.open(path) as im:
            return im.size

    def __len__(self) -> int:
        return self.tasks_df.shape[0]

"""Sequences and datasets for evaluation.

A :class:`Sequence` holds the frame paths and ground truth of one video; boxes are ``[x, y, w, h]``
with ``(x, y)`` the top-left corner in pixels. A dataset (subclass of :class:`BaseDataset`) turns the
files of one benchmark into a :class:`SequenceList`.
"""
import logging
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Union

import numpy as np

logger = logging.getLogger(__name__)


class UnknownSequenceError(IndexError):
    """A sequence name or index that is not in the dataset."""


class BaseDataset:
    """Base class for all evaluation datasets.

    Subclasses implement ``get_sequence_list()`` and ``__len__``. ``self.env_settings`` gives the paths
    (``pytracking.evaluation.environment.env_settings()``).
    """

    def __init__(self):
        from pytracking.evaluation.environment import env_settings
        self.env_settings = env_settings()

    def __len__(self) -> int:
        """Number of sequences in the dataset."""
        raise NotImplementedError

    def get_sequence_list(self) -> 'SequenceList':
        """Return the sequences of the dataset as a :class:`SequenceList`."""
        raise NotImplementedError

    def _require_path(self, setting: str) -> str:
        """The directory configured in ``env_settings().<setting>``; clear error when unset or missing."""
        from pytracking.evaluation._paths import require_setting_path
        return require_setting_path(self.env_settings, setting)


def _is_mapping(x) -> bool:
    return isinstance(x, (dict, OrderedDict))


class Sequence:
    """One evaluation video.

    args:
        name: Sequence name (used for the result file names).
        frames: List of image paths, one per frame.
        dataset: Short name of the dataset the sequence belongs to (e.g. ``'otb'``, ``'oxuva'``).
        ground_truth_rect: ``N x 4`` array of ``[x, y, w, h]`` boxes (``NaN`` rows where unknown), or in
            multi-object datasets a dict ``object_id -> N x 4`` array.
        ground_truth_seg: Optional list of segmentation-mask file paths, one per frame.
        init_data: Optional dict ``frame_number -> {'bbox': ..., 'mask': ..., 'object_ids': ...}`` telling
            where each object is initialised. Default: frame 0 with the first ground-truth box.
        object_class: Class name of the target, if the benchmark gives one.
        target_visible: Optional boolean array of length N, False where the target is absent/occluded.
        object_ids: Object ids in multi-object datasets (``None`` for single-object ones).
        multiobj_mode: Whether all objects are tracked together (``True``) or only ``object_ids[0]``.

    When the first initialisation frame is not 0, frames and annotations before it are dropped, so
    the tracker always starts at frame 0.
    """

    def __init__(self, name: str, frames: List[str], dataset: str, ground_truth_rect,
                 ground_truth_seg: Optional[List[str]] = None, init_data: Optional[Dict[int, dict]] = None,
                 object_class: Optional[str] = None, target_visible=None, object_ids: Optional[List] = None,
                 multiobj_mode: bool = False):
        self.name = name
        self.frames = frames
        self.dataset = dataset
        self.ground_truth_rect = ground_truth_rect
        self.ground_truth_seg = ground_truth_seg
        self.object_class = object_class
        self.target_visible = target_visible
        self.object_ids = object_ids
        self.multiobj_mode = multiobj_mode
        self.init_data = self._construct_init_data(init_data)
        self._ensure_start_frame()

    def _single_object_id(self):
        if self.object_ids is not None and len(self.object_ids) != 1:
            raise ValueError("Sequence '{}': single-object mode needs exactly one object id, got {}"
                             .format(self.name, self.object_ids))
        return None if self.object_ids is None else self.object_ids[0]

    def _ensure_start_frame(self) -> None:
        # Trackers always start at frame 0: cut everything before the first initialisation frame.
        start = min(self.init_data.keys())
        if start <= 0:
            return
        self.frames = self.frames[start:]
        if self.ground_truth_rect is not None:
            if _is_mapping(self.ground_truth_rect):
                for obj_id in list(self.ground_truth_rect.keys()):
                    self.ground_truth_rect[obj_id] = self.ground_truth_rect[obj_id][start:, :]
            else:
                self.ground_truth_rect = self.ground_truth_rect[start:, :]
        if self.ground_truth_seg is not None:
            self.ground_truth_seg = self.ground_truth_seg[start:]
            if len(self.ground_truth_seg) != len(self.frames):
                raise ValueError("Sequence '{}': {} frames but {} segmentation masks"
                                 .format(self.name, len(self.frames), len(self.ground_truth_seg)))
        if self.target_visible is not None:
            self.target_visible = self.target_visible[start:]
        self.init_data = {frame - start: val for frame, val in self.init_data.items()}

    def _construct_init_data(self, init_data: Optional[Dict[int, dict]]) -> Dict[int, dict]:
        if init_data is not None:
            if not self.multiobj_mode:
                obj_id = self._single_object_id()
                for init_val in init_data.values():
                    if 'bbox' in init_val and _is_mapping(init_val['bbox']):
                        init_val['bbox'] = init_val['bbox'][obj_id]
            for init_val in init_data.values():
                if 'bbox' in init_val:
                    if _is_mapping(init_val['bbox']):
                        init_val['bbox'] = OrderedDict((k, list(v)) for k, v in init_val['bbox'].items())
                    else:
                        init_val['bbox'] = list(init_val['bbox'])
            return init_data

        init_data = {0: dict()}
        if self.object_ids is not None:
            init_data[0]['object_ids'] = self.object_ids
        if self.ground_truth_rect is not None:
            if self.multiobj_mode:
                if not _is_mapping(self.ground_truth_rect):
                    raise ValueError("Sequence '{}': multi-object mode needs a dict of ground-truth boxes"
                                     .format(self.name))
                init_data[0]['bbox'] = OrderedDict((k, list(gt[0, :])) for k, gt in self.ground_truth_rect.items())
            else:
                obj_id = self._single_object_id()
                if _is_mapping(self.ground_truth_rect):
                    init_data[0]['bbox'] = list(self.ground_truth_rect[obj_id][0, :])
                else:
                    if len(self.ground_truth_rect) == 0:
                        raise ValueError("Sequence '{}' has no ground-truth boxes".format(self.name))
                    init_data[0]['bbox'] = list(self.ground_truth_rect[0, :])
        if self.ground_truth_seg is not None:
            init_data[0]['mask'] = self.ground_truth_seg[0]
        return init_data

    def init_info(self) -> dict:
        """Information given to the tracker's ``initialize`` (``init_bbox``, ``init_mask``, ``object_ids``...)."""
        return self.frame_info(frame_num=0)

    def frame_info(self, frame_num: int) -> dict:
        """Information given to the tracker at frame ``frame_num`` (new objects to initialise, if any)."""
        return self.object_init_data(frame_num=frame_num)

    def init_bbox(self, frame_num: int = 0):
        """Initial ``[x, y, w, h]`` box at ``frame_num`` (a dict ``object_id -> box`` in multi-object mode)."""
        return self.object_init_data(frame_num=frame_num).get('init_bbox')

    def init_mask(self, frame_num: int = 0):
        """Initial segmentation mask (H x W array) at ``frame_num``, if any."""
        return self.object_init_data(frame_num=frame_num).get('init_mask')

    def get_info(self, keys: Iterable[str], frame_num: Optional[int] = None) -> dict:
        """Dict of the non-None values of ``self.<key>(frame_num)`` for each key."""
        info = dict()
        for k in keys:
            val = self.get(k, frame_num=frame_num)
            if val is not None:
                info[k] = val
        return info

    def object_init_data(self, frame_num: Optional[int] = None) -> dict:
        """The ``init_*`` entries for ``frame_num`` (empty when nothing is initialised at that frame)."""
        if frame_num is None:
            frame_num = 0
        if frame_num not in self.init_data:
            return dict()

        data = dict()
        for key, val in self.init_data[frame_num].items():
            if val is None:
                continue
            data['init_' + key] = val

        if data.get('init_mask') is not None:
            from ltr.data.image_loader import imread_indexed
            anno = imread_indexed(data['init_mask'])
            if not self.multiobj_mode and self.object_ids is not None:
                anno = (anno == int(self._single_object_id())).astype(np.uint8)
            data['init_mask'] = anno

        if self.object_ids is not None:
            data['object_ids'] = self.object_ids
            data['sequence_object_ids'] = self.object_ids
        return data

    def target_class(self, frame_num: Optional[int] = None) -> Optional[str]:
        """Class name of the target (or None)."""
        return self.object_class

    def get(self, name: str, frame_num: Optional[int] = None) -> Any:
        """Call the accessor method ``name`` (e.g. ``'init_bbox'``) for ``frame_num``."""
        return getattr(self, name)(frame_num)

    def __repr__(self) -> str:
        return "{} {}, length={} frames".format(self.__class__.__name__, self.name, len(self.frames))


class SequenceList(list):
    """List of sequences, indexable by position, slice, list of positions or sequence name.

    ``+`` concatenates two lists into a new ``SequenceList``.
    """

    def __getitem__(self, item: Union[int, str, slice, list, tuple]):
        if isinstance(item, str):
            for seq in self:
                if seq.name == item:
                    return seq
            raise UnknownSequenceError("Sequence name '{}' not in the dataset ({} sequences)".format(item, len(self)))
        if isinstance(item, (int, np.integer)):
            if not -len(self) <= int(item) < len(self):
                raise UnknownSequenceError("Sequence index {} out of range ({} sequences)".format(item, len(self)))
            return super().__getitem__(int(item))
        if isinstance(item, (tuple, list)):
            return SequenceList([super(SequenceList, self).__getitem__(i) for i in item])
        return SequenceList(super().__getitem__(item))

    def __add__(self, other: list) -> 'SequenceList':
        return SequenceList(super().__add__(other))

    def copy(self) -> 'SequenceList':
        return SequenceList(super().copy())

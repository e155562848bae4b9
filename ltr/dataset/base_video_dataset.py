"""Base class of the training video datasets, and helpers shared by all dataset readers."""
import logging
import os
from collections import OrderedDict
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
import torch.utils.data

from ltr.data.image_loader import jpeg4py_loader

logger = logging.getLogger(__name__)

__all__ = ['BaseVideoDataset', 'resolve_root', 'read_box_file', 'DATA_SPECS_DIR', 'read_split_file',
           'AnnotationError']

DATA_SPECS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data_specs')


class AnnotationError(ValueError):
    """An annotation file is missing or malformed (the message names the file)."""


def resolve_root(root: Optional[str], setting: str, dataset_name: str) -> str:
    """The dataset root: ``root`` if given, else the ``ltr/admin/local.py`` setting ``setting``.

    Raises a clear error naming the path, the setting and its ``LTR_<SETTING>`` environment variable
    when the folder does not exist.
    """
    if root is None or root == '':
        from ltr.admin.environment import env_settings
        return env_settings().require_path(setting)
    root = os.path.expanduser(str(root))
    if not os.path.isdir(root):
        raise FileNotFoundError("{} root folder '{}' does not exist. Give the correct root, or set '{}' in "
                                "ltr/admin/local.py (or the environment variable LTR_{}).".format(
                                    dataset_name, root, setting, setting.upper()))
    return root


def read_box_file(path: str, delimiter: Optional[str] = ',') -> torch.Tensor:
    """Read an ``N x 4`` box file (one ``x, y, w, h`` line per frame) as a float32 tensor.

    ``delimiter`` None accepts commas, tabs and spaces. Raises :class:`AnnotationError` naming the
    file when it is missing, empty or not ``N x 4`` numbers.
    """
    if not os.path.isfile(path):
        raise AnnotationError("Annotation file '{}' not found".format(path))
    try:
        with open(path, 'r') as f:
            text = f.read()
        if delimiter is None:
            text = text.replace(',', ' ').replace('\t', ' ')
        rows = [line for line in text.splitlines() if line.strip()]
        data = np.array([[float(v) for v in (line.split(delimiter) if delimiter else line.split())]
                         for line in rows], dtype=np.float32)
    except ValueError as e:
        raise AnnotationError("Malformed annotation file '{}': {}".format(path, e)) from e
    if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] != 4:
        raise AnnotationError("Annotation file '{}' must hold one 'x,y,w,h' line per frame; got shape {}"
                              .format(path, data.shape))
    return torch.from_numpy(data)


def read_flag_file(path: str) -> torch.Tensor:
    """Read integer per-frame flags separated by commas and/or newlines (``[N]`` int64 tensor)."""
    if not os.path.isfile(path):
        raise AnnotationError("Annotation file '{}' not found".format(path))
    with open(path, 'r') as f:
        text = f.read().replace(',', ' ')
    try:
        return torch.tensor([int(float(v)) for v in text.split()], dtype=torch.int64)
    except ValueError as e:
        raise AnnotationError("Malformed flag file '{}': {}".format(path, e)) from e


def read_split_file(name: str) -> List[str]:
    """Lines of the split file ``ltr/data_specs/<name>`` (empty lines dropped)."""
    path = os.path.join(DATA_SPECS_DIR, name)
    if not os.path.isfile(path):
        raise FileNotFoundError("Split file '{}' is missing from the installation".format(path))
    with open(path, 'r') as f:
        return [line.strip() for line in f if line.strip()]


class _LRUCache:
    """A small per-process cache of parsed sequence annotations."""

    def __init__(self, max_items: int):
        self.max_items = max_items
        self._items: 'OrderedDict[object, object]' = OrderedDict()

    def get_or_load(self, key, load: Callable):
        if self.max_items <= 0:
            return load()
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = load()
        self._items[key] = value
        if len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return value


class BaseVideoDataset(torch.utils.data.Dataset):
    """Base class of video datasets used for training.

    args:
        name: dataset name (e.g. 'LaSOT').
        root: dataset root folder.
        image_loader: function path -> ``H x W x 3`` uint8 RGB image.
    """

    # Parsed annotations of this many sequences are kept per process (0 disables the cache).
    anno_cache_size = 256

    def __init__(self, name: str, root: str, image_loader: Callable = jpeg4py_loader):
        self.name = name
        self.root = root
        self.image_loader = image_loader
        self.sequence_list = []
        self.class_list = []
        self._anno_cache = _LRUCache(self.anno_cache_size)

    def __len__(self) -> int:
        """Number of sequences."""
        return self.get_num_sequences()

    def __getitem__(self, index):
        """Not used: samplers call :meth:`get_frames`."""
        return None

    def is_video_sequence(self) -> bool:
        """True for a video dataset (False for image datasets that pose as length-1 videos)."""
        return True

    def is_synthetic_video_dataset(self) -> bool:
        return False

    def get_name(self) -> str:
        """Dataset name used in batches and logs."""
        raise NotImplementedError

    def get_num_sequences(self) -> int:
        return len(self.sequence_list)

    def is_mot_dataset(self) -> bool:
        return False

    def has_class_info(self) -> bool:
        return False

    def has_occlusion_info(self) -> bool:
        return False

    def get_num_classes(self) -> int:
        return len(self.class_list)

    def get_class_list(self) -> list:
        return self.class_list

    def get_sequences_in_class(self, class_name: str) -> List[int]:
        """Indices of the sequences whose target belongs to ``class_name``."""
        raise NotImplementedError

    def get_class_name(self, seq_id: int) -> Optional[str]:
        """Class name of the target of sequence ``seq_id``."""
        raise NotImplementedError

    def has_segmentation_info(self) -> bool:
        return False

    def get_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        """Per-frame annotation of a sequence: dict with ``bbox`` ``[N, 4]`` (xywh), ``valid`` ``[N]``
        (bool, positive box size), ``visible`` ``[N]`` (uint8, target visible) and dataset extras."""
        raise NotImplementedError

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        """Frames ``frame_ids`` (0-based) of sequence ``seq_id``.

        args:
            anno: the sequence info (see :meth:`get_sequence_info`); loaded when None.
        returns:
            list of images, dict of per-frame annotation lists (same keys as the sequence info),
            meta-information dict (``object_class_name``, ``motion_class``, ``major_class``,
            ``root_class``, ``motion_adverb``).
        """
        raise NotImplementedError

    # Shared helpers for subclasses

    def _cached(self, key, load: Callable):
        return self._anno_cache.get_or_load(key, load)

    @staticmethod
    def _frames_anno(anno: dict, frame_ids: List[int]) -> dict:
        out = {}
        for key, value in anno.items():
            n = len(value)
            for f in frame_ids:
                if not -n <= f < n:
                    raise IndexError("Frame {} requested from a sequence with {} annotated frames".format(f, n))
            out[key] = [value[f, ...].clone() for f in frame_ids]
        return out

    @staticmethod
    def _object_meta(class_name: Optional[str] = None, motion_class=None, major_class=None, root_class=None,
                     motion_adverb=None) -> 'OrderedDict[str, Optional[str]]':
        return OrderedDict({'object_class_name': class_name, 'motion_class': motion_class,
                            'major_class': major_class, 'root_class': root_class,
                            'motion_adverb': motion_adverb})

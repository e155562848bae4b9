"""Common reader of the benchmarks described by a per-sequence info list (OTB, NFS, UAV123, TC-128).

Each info dict holds ``name, path, startFrame, endFrame, nz, ext, anno_path`` (optionally ``initOmit`` and
``object_class``); frames are ``<base>/<path>/<frame number, zero-padded to nz digits>.<ext>``.
"""
from typing import List, Optional, Sequence as Seq

import numpy as np

from pytracking.evaluation.attributes import filter_by_attribute
from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList
from pytracking.utils.load_text import load_boxes


def frames_from_info(base_path: str, info: dict):
    """Frame paths ``<base>/<path>/<frame:0nz>.<ext>`` for frames ``startFrame + initOmit .. endFrame``.

    Returns ``(frames, init_omit)``; the first ``init_omit`` annotation rows must be dropped too.
    """
    init_omit = info.get('initOmit', 0)
    frames = ['{}/{}/{:0{nz}}.{}'.format(base_path, info['path'], f, info['ext'], nz=info['nz'])
              for f in range(info['startFrame'] + init_omit, info['endFrame'] + 1)]
    return frames, init_omit


class InfoListDataset(BaseDataset):
    """Dataset built from an info list; subclasses set the class attributes and ``_info_list``."""

    dataset_name = ''            # Sequence.dataset
    path_setting = ''            # env_settings attribute holding the root folder
    anno_delimiter: Seq[Optional[str]] = ','
    attribute_spec = ''          # attribute spec file prefix ('' = no attributes)
    attribute_key_prefix = ''    # prefix of the sequence names that the spec file leaves out

    def __init__(self, attribute: Optional[str] = None):
        super().__init__()
        self.base_path = self._require_path(self.path_setting)
        self.sequence_info_list = self._info_list()
        if attribute is not None:
            n = len(self.attribute_key_prefix)
            keep = set(filter_by_attribute(self.attribute_spec or self.dataset_name, attribute,
                                           [s['name'] for s in self.sequence_info_list], key=lambda s: s[n:]))
            self.sequence_info_list = [s for s in self.sequence_info_list if s['name'] in keep]

    def _info_list(self) -> List[dict]:
        raise NotImplementedError

    def get_sequence_list(self) -> SequenceList:
        return SequenceList([self._construct_sequence(s) for s in self.sequence_info_list])

    def _construct_sequence(self, info: dict) -> Sequence:
        frames, init_omit = frames_from_info(self.base_path, info)
        anno_path = '{}/{}'.format(self.base_path, info['anno_path'])
        ground_truth_rect = load_boxes(anno_path, delimiter=self.anno_delimiter, dtype=np.float64, backend='numpy')
        return Sequence(info['name'], frames, self.dataset_name, ground_truth_rect[init_omit:, :],
                        object_class=info.get('object_class'))

    def __len__(self) -> int:
        return len(self.sequence_info_list)

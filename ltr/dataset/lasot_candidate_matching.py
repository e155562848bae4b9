"""KeepTrack training data: the target candidates a base tracker found in LaSOT training sequences,
read together with the frames and annotations.

The candidate file is the JSON written by ``pytracking/util_scripts/create_distractor_dataset.py``
(``target_candidates_dataset_<tracker>_<param>.json``), one entry per sequence name::

    {"<seq>": {"index":                   [frame index (0-based), ...],
               "search_area_box":         [[x, y, w, h] of the tracker's search area in the image, ...],
               "target_anno_coord":       [[row, col] of the ground-truth centre on the score map, ...],
               "target_candidate_coords": [[[row, col] of each candidate (score-map local maximum), ...], ...],
               "target_candidate_scores": [[score of each candidate, highest first], ...],
               "frame_states":   {"G"|"H"|"J"|"K": [frame index, ...]},
               "subseq_states":  {"HH"|"HK"|"HG": [index of the first of two consecutive frames, ...]}},
     ...}

The per-frame lists are aligned with ``index``; only frames with a state are stored. A sequence without any
stored frame is ``{}``.
"""
import json
import logging
import os
from collections import OrderedDict, defaultdict
from typing import Callable, Dict, List, Optional

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_video_dataset import AnnotationError
from .lasot import Lasot

__all__ = ['LasotCandidateMatching', 'CandidateMatchingData', 'load_candidate_file']

logger = logging.getLogger(__name__)

_PER_FRAME_KEYS = ('search_area_box', 'target_anno_coord', 'target_candidate_coords', 'target_candidate_scores')


def load_candidate_file(path: str) -> Dict[str, dict]:
    """Read a candidate file (format in the module docstring); a missing or malformed file is a clear error."""
    if not path:
        raise FileNotFoundError("No candidate file given: set 'lasot_candidate_matching_dataset_path' in "
                                "ltr/admin/local.py (or LTR_LASOT_CANDIDATE_MATCHING_DATASET_PATH), or pass path_to_json")
    if not os.path.isfile(path):
        raise FileNotFoundError("Candidate file '{}' not found (create it with "
                                "pytracking/util_scripts/create_distractor_dataset.py)".format(path))
    try:
        with open(path, 'r') as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AnnotationError("Candidate file '{}' is not valid JSON: {}".format(path, e)) from e
    if not isinstance(data, dict):
        raise AnnotationError("Candidate file '{}' must hold a JSON object (sequence name -> data)".format(path))
    for seq_name, seq in data.items():
        if not isinstance(seq, dict):
            raise AnnotationError("Candidate file '{}': entry '{}' is not an object".format(path, seq_name))
        if not seq:
            continue
        n = len(seq.get('index', []))
        for key in _PER_FRAME_KEYS:
            if len(seq.get(key, ())) != n:
                raise AnnotationError("Candidate file '{}': sequence '{}' has {} frame indices but {} '{}' entries"
                                      .format(path, seq_name, n, len(seq.get(key, ())), key))
    return data


class CandidateMatchingData:
    """Mixin for a video dataset class: adds the candidate data of ``self.candidate_data`` (a loaded candidate
    file) to the frames, and lists the frames / frame pairs of each state for the sampler.

    Call :meth:`_init_candidate_data` at the end of ``__init__``; sequences of the split that the candidate file
    does not cover are dropped (with a log message), since nothing can be sampled from them.
    """

    def _init_candidate_data(self, path_to_json: str) -> None:
        self.path_to_json = path_to_json
        self.candidate_data = load_candidate_file(path_to_json)
        missing = [s for s in self.sequence_list if s not in self.candidate_data]
        if missing:
            logger.info("%d of %d sequences have no entry in the candidate file '%s' and are not used (e.g. %s)",
                        len(missing), len(self.sequence_list), path_to_json, missing[:3])
            self.sequence_list = [s for s in self.sequence_list if s in self.candidate_data]
            self._rebuild_after_filter()
        if not self.sequence_list:
            raise AnnotationError("The candidate file '{}' covers none of the {} dataset's sequences"
                                  .format(path_to_json, self.get_name()))
        self._index_of = {}

    def _rebuild_after_filter(self) -> None:
        """Recompute the per-class lists after sequences were dropped (dataset specific)."""

    def _states(self, field: str) -> Dict[str, torch.Tensor]:
        states = defaultdict(list)
        for seq_id, seq_name in enumerate(self.sequence_list):
            for state, indices in self.candidate_data[seq_name].get(field, {}).items():
                if indices:
                    idx = torch.tensor(indices, dtype=torch.long).view(-1, 1)
                    states[state].append(torch.cat([torch.full_like(idx, seq_id), idx], dim=1))
        return {state: torch.cat(parts, dim=0) for state, parts in states.items()}

    def get_frame_states(self) -> Dict[str, torch.Tensor]:
        """Frame state name ('G', 'H', 'J', 'K') -> ``[K, 2]`` long tensor of (sequence id, frame index)."""
        return self._states('frame_states')

    def get_subseq_states(self) -> Dict[str, torch.Tensor]:
        """Pair state name ('HH', 'HK', 'HG') -> ``[K, 2]`` (sequence id, index of the pair's first frame)."""
        return self._states('subseq_states')

    def get_sequence_name(self, seq_id: int) -> str:
        return self.sequence_list[seq_id]

    def _candidate_row(self, seq_name: str, frame_id: int) -> int:
        if seq_name not in self._index_of:
            self._index_of[seq_name] = {int(f): i for i, f in enumerate(self.candidate_data[seq_name].get('index', []))}
        row = self._index_of[seq_name].get(int(frame_id))
        if row is None:
            raise KeyError("Frame {} of sequence '{}' has no candidate data in '{}'".format(
                frame_id, seq_name, self.path_to_json))
        return row

    def _get_data(self, seq_id: int, seq_path: str, frame_id: int) -> dict:
        seq_name = self.get_sequence_name(seq_id)
        data = self.candidate_data[seq_name]
        row = self._candidate_row(seq_name, frame_id)
        coords = torch.tensor(data['target_candidate_coords'][row], dtype=torch.float32).reshape(-1, 2)
        return dict(search_area_box=torch.tensor(data['search_area_box'][row], dtype=torch.float32),
                    img=self.image_loader(self._get_frame_path(seq_path, frame_id)),
                    target_anno_coord=torch.tensor(data['target_anno_coord'][row], dtype=torch.float32),
                    target_candidate_coords=coords,
                    target_candidate_scores=torch.tensor(data['target_candidate_scores'][row],
                                                         dtype=torch.float32).reshape(-1))

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        """Frames with their candidate data.

        returns:
            (frames_dict, object_meta): ``frames_dict`` maps each of ``img``, ``search_area_box``,
            ``target_anno_coord``, ``target_candidate_coords`` ``[K, 2]``, ``target_candidate_scores`` ``[K]`` and
            the annotation keys (``bbox``, ``valid``, ``visible``) to a list with one entry per frame id.
        """
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        seq_path = self._get_sequence_path(seq_id)
        per_frame = [self._get_data(seq_id, seq_path, f) for f in frame_ids]
        frames_dict = {key: [d[key] for d in per_frame] for key in per_frame[0]}
        for key, value in anno.items():
            frames_dict[key] = [value[f, ...].clone() for f in frame_ids]
        object_meta = OrderedDict({'object_class_name': self.get_class_name(seq_id), 'motion_class': None,
                                   'major_class': None, 'root_class': None, 'motion_adverb': None})
        return frames_dict, object_meta


class LasotCandidateMatching(CandidateMatchingData, Lasot):
    """LaSOT sequences with the candidates the base tracker (SuperDiMP-simple) found in them.

    args:
        root: LaSOT folder (default: ``lasot_dir`` of ``ltr/admin/local.py``).
        path_to_json: Candidate file (default: ``lasot_candidate_matching_dataset_path``).
        image_loader: Function reading an image file.
        vid_ids, split, data_fraction: As for :class:`ltr.dataset.Lasot` (KeepTrack uses 'train-train' and
            'train-val').
    """

    def __init__(self, root: Optional[str] = None, path_to_json: Optional[str] = None,
                 image_loader: Callable = jpeg4py_loader, vid_ids: Optional[List[int]] = None,
                 split: Optional[str] = None, data_fraction: Optional[float] = None):
        super().__init__(root, image_loader, vid_ids=vid_ids, split=split, data_fraction=data_fraction)
        self.name = 'LaSOTCandidateMatching'
        if path_to_json is None:
            from ltr.admin.environment import env_settings
            path_to_json = env_settings().lasot_candidate_matching_dataset_path
        self._init_candidate_data(path_to_json)

    def _rebuild_after_filter(self) -> None:
        self.seq_per_class = self._build_class_list()

    def get_name(self) -> str:
        return 'lasot_candidate_matching'

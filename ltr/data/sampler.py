"""Samplers: draw training samples (sets of train and test frames of one target) from datasets.

Each ``__getitem__`` picks a dataset (with probabilities ``p_datasets``), a sequence with enough
frames where the target is visible, and frame ids according to ``frame_sample_mode``; it returns
the processed :class:`TensorDict` with ``train_images``, ``train_anno``, ``test_images``,
``test_anno``, ``dataset`` and ``test_class`` (before processing: lists of ``H x W x 3`` uint8
images and ``[4]`` xywh boxes). Random numbers come from Python's ``random`` module (seeded per
worker by the DataLoader).
"""
import logging
import random
from typing import Callable, List, Optional, Sequence

import torch
import torch.utils.data

from .loader import TensorDict

logger = logging.getLogger(__name__)

__all__ = ['no_processing', 'TrackingSampler', 'DiMPSampler', 'ATOMSampler']

# Sequences shorter than this are skipped for video datasets (as in the original).
MIN_SEQUENCE_LENGTH = 20
_MAX_SEQUENCE_TRIES = 1000
_GAP_STEP = 5


def no_processing(data):
    """Identity processing."""
    return data


class TrackingSampler(torch.utils.data.Dataset):
    """Sample train/test frame sets of one target for training (see the module docstring).

    args:
        datasets: list of datasets (``BaseVideoDataset`` / image datasets exposing the same interface).
        p_datasets: relative sampling weights per dataset; None -> proportional to dataset size.
        samples_per_epoch: number of samples per epoch (the length of this dataset).
        max_gap: largest frame distance between train and test frames (grown by 5 until frames are found).
        num_test_frames / num_train_frames: frames per sample.
        processing: callable applied to the sampled TensorDict (e.g. ``DiMPProcessing``).
        frame_sample_mode: 'causal' (test frames after the first train frame, train frames before it),
            'interval' (all frames within ``max_gap`` of a base frame) or 'default' (train frames
            anywhere, test frames within ``max_gap`` of the first train frame).
    """

    def __init__(self, datasets: Sequence, p_datasets: Optional[Sequence[float]], samples_per_epoch: int,
                 max_gap: int, num_test_frames: int, num_train_frames: int = 1, processing: Callable = no_processing,
                 frame_sample_mode: str = 'causal'):
        if len(datasets) == 0:
            raise ValueError('TrackingSampler needs at least one dataset')
        if frame_sample_mode not in ('causal', 'interval', 'default'):
            raise ValueError("Unknown frame_sample_mode '{}': use 'causal', 'interval' or 'default'"
                             .format(frame_sample_mode))
        self.datasets = list(datasets)
        if p_datasets is None:
            p_datasets = [len(d) for d in self.datasets]
        if len(p_datasets) != len(self.datasets):
            raise ValueError('p_datasets has {} weights for {} datasets'.format(len(p_datasets), len(self.datasets)))
        p_total = sum(p_datasets)
        if not p_total > 0:
            raise ValueError('The dataset weights p_datasets={} must sum to a positive number'.format(p_datasets))
        self.p_datasets = [x / p_total for x in p_datasets]

        self.samples_per_epoch = samples_per_epoch
        self.max_gap = max_gap
        self.num_test_frames = num_test_frames
        self.num_train_frames = num_train_frames
        self.processing = processing
        self.frame_sample_mode = frame_sample_mode

    def __len__(self) -> int:
        return self.samples_per_epoch

    def _sample_visible_ids(self, visible: torch.Tensor, num_ids: int = 1, min_id: Optional[int] = None,
                            max_id: Optional[int] = None) -> Optional[List[int]]:
        """``num_ids`` frame ids (with replacement) in ``[min_id, max_id)`` where ``visible`` is set,
        or None when there is no such frame."""
        if num_ids == 0:
            return []
        if min_id is None or min_id < 0:
            min_id = 0
        if max_id is None or max_id > len(visible):
            max_id = len(visible)
        if max_id <= min_id:
            return None
        valid_ids = (torch.nonzero(visible[min_id:max_id]).flatten() + min_id).tolist()
        if len(valid_ids) == 0:
            return None
        return random.choices(valid_ids, k=num_ids)

    def _sample_sequence(self, dataset, is_video_dataset: bool):
        min_visible = 2 * (self.num_test_frames + self.num_train_frames)
        for _ in range(_MAX_SEQUENCE_TRIES):
            seq_id = random.randint(0, dataset.get_num_sequences() - 1)
            seq_info_dict = dataset.get_sequence_info(seq_id)
            visible = seq_info_dict['visible']
            if not is_video_dataset:
                return seq_id, seq_info_dict, visible
            if int(visible.type(torch.int64).sum()) > min_visible and len(visible) >= MIN_SEQUENCE_LENGTH:
                return seq_id, seq_info_dict, visible
        raise RuntimeError("Dataset '{}': found no sequence with at least {} frames and more than {} visible "
                           "frames in {} tries".format(dataset.get_name(), MIN_SEQUENCE_LENGTH, min_visible,
                                                       _MAX_SEQUENCE_TRIES))

    def _sample_frame_ids(self, visible: torch.Tensor):
        train_frame_ids = None
        test_frame_ids = None
        gap_increase = 0
        max_gap_increase = len(visible) + self.max_gap + _GAP_STEP
        while test_frame_ids is None:
            if gap_increase > max_gap_increase:
                raise RuntimeError('Could not sample {} train and {} test frames from a sequence of {} frames'
                                   .format(self.num_train_frames, self.num_test_frames, len(visible)))
            gap = self.max_gap + gap_increase
            if self.frame_sample_mode == 'default':
                train_frame_ids = self._sample_visible_ids(visible, num_ids=self.num_train_frames)
                test_frame_ids = self._sample_visible_ids(visible, num_ids=self.num_test_frames,
                                                          min_id=train_frame_ids[0] - gap,
                                                          max_id=train_frame_ids[0] + gap)
            elif self.frame_sample_mode == 'interval':
                base = self._sample_visible_ids(visible, num_ids=1)
                extra = self._sample_visible_ids(visible, num_ids=self.num_train_frames - 1,
                                                 min_id=base[0] - gap, max_id=base[0] + gap)
                if extra is None:
                    gap_increase += _GAP_STEP
                    continue
                train_frame_ids = base + extra
                test_frame_ids = self._sample_visible_ids(visible, num_ids=self.num_test_frames,
                                                          min_id=train_frame_ids[0] - gap,
                                                          max_id=train_frame_ids[0] + gap)
            else:  # causal: train frames at or before the base frame, test frames after it
                base = self._sample_visible_ids(visible, num_ids=1, min_id=self.num_train_frames - 1,
                                                max_id=len(visible) - self.num_test_frames)
                if base is None:
                    raise RuntimeError('No visible base frame in a sequence of {} frames'.format(len(visible)))
                prev = self._sample_visible_ids(visible, num_ids=self.num_train_frames - 1,
                                                min_id=base[0] - gap, max_id=base[0])
                if prev is None:
                    gap_increase += _GAP_STEP
                    continue
                train_frame_ids = base + prev
                test_frame_ids = self._sample_visible_ids(visible, num_ids=self.num_test_frames,
                                                          min_id=train_frame_ids[0] + 1,
                                                          max_id=train_frame_ids[0] + gap)
            gap_increase += _GAP_STEP
        return train_frame_ids, test_frame_ids

    def __getitem__(self, index: int):
        """Draw one random sample (``index`` is ignored) and return the processed TensorDict."""
        dataset = random.choices(self.datasets, self.p_datasets)[0]
        is_video_dataset = dataset.is_video_sequence()

        seq_id, seq_info_dict, visible = self._sample_sequence(dataset, is_video_dataset)

        if is_video_dataset:
            train_frame_ids, test_frame_ids = self._sample_frame_ids(visible)
        else:
            # An image dataset gives a synthetic video: the same image repeated.
            train_frame_ids = [1] * self.num_train_frames
            test_frame_ids = [1] * self.num_test_frames

        train_frames, train_anno, _ = dataset.get_frames(seq_id, train_frame_ids, seq_info_dict)
        test_frames, test_anno, meta_obj_test = dataset.get_frames(seq_id, test_frame_ids, seq_info_dict)

        data = TensorDict({'train_images': train_frames,
                           'train_anno': train_anno['bbox'],
                           'test_images': test_frames,
                           'test_anno': test_anno['bbox'],
                           'dataset': dataset.get_name(),
                           'test_class': meta_obj_test.get('object_class_name')})
        return self.processing(data)


class DiMPSampler(TrackingSampler):
    """:class:`TrackingSampler` with DiMP's defaults (causal frame sampling)."""

    def __init__(self, datasets, p_datasets, samples_per_epoch, max_gap, num_test_frames, num_train_frames=1,
                 processing=no_processing, frame_sample_mode='causal'):
        super().__init__(datasets=datasets, p_datasets=p_datasets, samples_per_epoch=samples_per_epoch,
                         max_gap=max_gap, num_test_frames=num_test_frames, num_train_frames=num_train_frames,
                         processing=processing, frame_sample_mode=frame_sample_mode)


class ATOMSampler(TrackingSampler):
    """:class:`TrackingSampler` with ATOM's defaults (one train and one test frame, interval sampling)."""

    def __init__(self, datasets, p_datasets, samples_per_epoch, max_gap, num_test_frames=1, num_train_frames=1,
                 processing=no_processing, frame_sample_mode='interval'):
        super().__init__(datasets=datasets, p_datasets=p_datasets, samples_per_epoch=samples_per_epoch,
                         max_gap=max_gap, num_test_frames=num_test_frames, num_train_frames=num_train_frames,
                         processing=processing, frame_sample_mode=frame_sample_mode)


# KeepTrack sampler, importable from its original module path (ltr.data.sampler).
def __getattr__(attr: str):
    # Resolved on first access: sampler_candidate_matching imports this module, so an import at load time would
    # be circular.
    if attr == 'SequentialTargetCandidateMatchingSampler':
        from .sampler_candidate_matching import SequentialTargetCandidateMatchingSampler
        return SequentialTargetCandidateMatchingSampler
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, attr))

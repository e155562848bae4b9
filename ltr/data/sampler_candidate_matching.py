"""Sampler of KeepTrack's training samples from a candidate matching dataset
(:class:`ltr.dataset.LasotCandidateMatching` and the like).

Frame states (written by ``create_distractor_dataset.py``; the KeepTrack paper's notation), for frames with at
least two candidates where the target is visible:
    'H': the highest-scoring candidate is the target (score >= 0.25) and no other candidate is near it;
    'G': the same with a low top score (< 0.25);
    'K': the target is a candidate, but not the highest-scoring one;
    'J': no candidate is at the target, while the top score is >= 0.25 (a distractor wins).
Sub-sequence states 'HH', 'HK', 'HG' are pairs of consecutive frames with those states.

Self supervision (``self_sup``) samples one frame by frame state; partial supervision (``partial_sup``) samples a
pair of consecutive frames by sub-sequence state.
"""
import logging
import random
from typing import Callable, List, Optional, Sequence

import torch
import torch.utils.data

from .loader import TensorDict
from .sampler import no_processing

__all__ = ['SequentialTargetCandidateMatchingSampler']

logger = logging.getLogger(__name__)


def _normalised(weights: Sequence[float]) -> List[float]:
    total = float(sum(weights))
    if total <= 0:
        raise ValueError('Sampling weights must have a positive sum, got {}'.format(list(weights)))
    return [w / total for w in weights]


class SequentialTargetCandidateMatchingSampler(torch.utils.data.Dataset):
    """Draw KeepTrack training samples.

    args:
        dataset: The candidate matching dataset (``get_frame_states``, ``get_subseq_states``, ``get_frames``...).
        samples_per_epoch: Length of an epoch.
        sup_modes: Supervision modes to draw from: 'self_sup' and/or 'partial_sup'.
        p_sup_modes: Their probabilities (default uniform).
        processing: :class:`ltr.data.processing.TargetCandiateMatchingProcessing` (or any callable).
        subseq_modes / p_subseq_modes: Pair states for 'partial_sup' and their probabilities (default: proportional
            to how many pairs of each state the dataset has).
        frame_modes / p_frame_modes: Frame states for 'self_sup' and their probabilities (default: proportional to
            their counts).
    States the dataset has no example of are left out (their probability is shared by the others).
    """

    def __init__(self, dataset, samples_per_epoch: int, sup_modes: Optional[Sequence[str]],
                 p_sup_modes: Optional[Sequence[float]] = None, processing: Callable = no_processing,
                 subseq_modes: Optional[Sequence[str]] = None, p_subseq_modes: Optional[Sequence[float]] = None,
                 frame_modes: Optional[Sequence[str]] = None, p_frame_modes: Optional[Sequence[float]] = None):
        self.dataset = dataset
        self.samples_per_epoch = samples_per_epoch
        self.processing = processing
        self.sup_modes = list(sup_modes) if sup_modes is not None else ['self_sup']
        unknown = [m for m in self.sup_modes if m not in ('self_sup', 'partial_sup')]
        if unknown:
            raise ValueError("Supervision modes {} are invalid (use 'self_sup' and/or 'partial_sup')".format(unknown))
        self.p_sup_modes = _normalised(p_sup_modes if p_sup_modes is not None else [1.0] * len(self.sup_modes))

        self.subseq_modes, self.p_subseq_modes, self.dataset_subseq_states = None, None, {}
        self.frame_modes, self.p_frame_modes, self.dataset_frame_states = None, None, {}
        if subseq_modes is not None:
            self.dataset_subseq_states = dataset.get_subseq_states()
            self.subseq_modes, self.p_subseq_modes = self._available(subseq_modes, p_subseq_modes,
                                                                     self.dataset_subseq_states, 'sub-sequence')
        if frame_modes is not None:
            self.dataset_frame_states = dataset.get_frame_states()
            self.frame_modes, self.p_frame_modes = self._available(frame_modes, p_frame_modes,
                                                                   self.dataset_frame_states, 'frame')
        if 'self_sup' in self.sup_modes and self.frame_modes is None:
            raise ValueError("'self_sup' sampling needs frame_modes (e.g. ['H', 'K', 'J'])")
        if 'partial_sup' in self.sup_modes and self.subseq_modes is None:
            raise ValueError("'partial_sup' sampling needs subseq_modes (e.g. ['HH', 'HK', 'HG'])")

    def _available(self, modes, probs, states, what):
        counts = [int(states[m].shape[0]) if m in states else 0 for m in modes]
        probs = list(probs) if probs is not None else counts
        if len(probs) != len(modes):
            raise ValueError('{} {} states but {} probabilities'.format(len(modes), what, len(probs)))
        keep = [i for i, c in enumerate(counts) if c > 0]
        if len(keep) < len(modes):
            logger.info("Dataset '%s' has no %s states %s; sampling the others", self.dataset.get_name(), what,
                        [m for i, m in enumerate(modes) if i not in keep])
        if not keep or sum(probs[i] for i in keep) <= 0:
            raise ValueError("Dataset '{}' has none of the {} states {} (counts {})".format(
                self.dataset.get_name(), what, list(modes), dict(zip(modes, counts))))
        return [modes[i] for i in keep], _normalised([probs[i] for i in keep])

    def __len__(self) -> int:
        return self.samples_per_epoch

    def __getitem__(self, index) -> TensorDict:
        """A processed sample (``index`` is ignored: samples are drawn at random)."""
        sup_mode = random.choices(self.sup_modes, self.p_sup_modes, k=1)[0]
        if sup_mode == 'self_sup':
            mode = random.choices(self.frame_modes, self.p_frame_modes, k=1)[0]
            states = self.dataset_frame_states[mode]
        else:
            mode = random.choices(self.subseq_modes, self.p_subseq_modes, k=1)[0]
            states = self.dataset_subseq_states[mode]
        seq_id, base_frame_id = [int(v) for v in states[random.randrange(states.shape[0])]]
        frame_ids = [base_frame_id] if sup_mode == 'self_sup' else [base_frame_id, base_frame_id + 1]

        seq_info = self.dataset.get_sequence_info(seq_id)
        frames_dict, _ = self.dataset.get_frames(seq_id, frame_ids, seq_info)
        data = TensorDict({'dataset': self.dataset.get_name(), 'mode': mode,
                           'seq_name': self.dataset.get_sequence_name(seq_id), 'base_frame_id': base_frame_id,
                           'sup_mode': sup_mode})
        data.update(frames_dict)
        return self.processing(data)

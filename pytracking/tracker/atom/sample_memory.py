"""Sample weights of the trackers' training-sample memory (shared by ATOM and DiMP)."""
from typing import List, Optional, Sequence

import torch


def update_sample_weights(sample_weights: Sequence[torch.Tensor], previous_replace_ind: Sequence[Optional[int]],
                          num_stored_samples: Sequence[int], num_init_samples: Sequence[int],
                          learning_rates: Sequence[float], init_min_weights: Sequence[Optional[float]],
                          fill_free_slots_first: bool, replace_scores: Optional[Sequence[torch.Tensor]] = None,
                          keep_weights_on_same_slot: bool = False) -> List[int]:
    """Update the memory weights (in place) for one new sample and return the slot it goes to, per memory.

    The new sample gets the weight of the previous new sample divided by ``1 - lr`` (so older
    samples decay geometrically; the very first update scales all weights by ``1 / (1 - lr)`` and
    gives the new sample ``lr``), then the weights are normalised. When the initial samples have a
    minimum total weight and fall below it, they are set back to it.

    args:
        sample_weights: weight vector [memory size] per memory.
        previous_replace_ind: slot of the previous new sample per memory (None before the first update).
        num_stored_samples, num_init_samples: per memory.
        learning_rates: learning rate per memory (1 resets the memory to the new sample only).
        init_min_weights: minimum total weight of the initial samples (None or 0: none, and they may be replaced).
        fill_free_slots_first: take the next free slot while the memory is not full (DiMP), instead of
            always the lowest-weighted slot (ATOM).
        replace_scores: per memory, the score [memory size] whose minimum picks the slot to replace
            (default: the weights themselves; KeepTrack uses certainty x weight).
        keep_weights_on_same_slot: when the slot is the previous new sample's, leave the weights as they
            are before normalising (KeepTrack) instead of dividing that weight by ``1 - lr``.
    """
    replace_ind = []
    if replace_scores is None:
        replace_scores = sample_weights
    for sw, score, prev_ind, num_samp, num_init, lr, init_samp_weight in zip(
            sample_weights, replace_scores, previous_replace_ind, num_stored_samples, num_init_samples,
            learning_rates, init_min_weights):
        if init_samp_weight == 0:
            init_samp_weight = None
        s_ind = 0 if init_samp_weight is None else num_init

        if num_samp == 0 or lr == 1:
            sw[:] = 0
            sw[0] = 1
            r_ind = 0
        else:
            if fill_free_slots_first and num_samp < sw.shape[0]:
                r_ind = num_samp
            else:
                r_ind = torch.min(score[s_ind:], 0)[1].item() + s_ind
            if prev_ind is None:
                sw /= 1 - lr
                sw[r_ind] = lr
            elif not (keep_weights_on_same_slot and r_ind == prev_ind):
                sw[r_ind] = sw[prev_ind] / (1 - lr)

        sw /= sw.sum()
        if init_samp_weight is not None and sw[:num_init].sum() < init_samp_weight:
            sw /= init_samp_weight + sw[num_init:].sum()
            sw[:num_init] = init_samp_weight / num_init
        replace_ind.append(r_ind)
    return replace_ind

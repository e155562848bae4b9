"""Target candidates across frames: identity propagation for KeepTrack.

Every local maximum of the score map is a *candidate*. Candidates matched from one frame to the next
keep their *object id*; unmatched ones start a new object. One object id is the target. The
collection decides each frame which candidate is the target, when the target is lost
('not_found') and when a candidate is taken as the target again.

Candidate ids are indices into the current frame's candidate list, which is sorted by score (id 0
has the highest score).
"""
from typing import Dict, List, Optional

import torch


class Candidate:
    """An object seen in one or more consecutive frames: its candidate ids, scores and score-map
    coordinates per frame (oldest first), and its object id."""

    def __init__(self, id: int, score, tsm_coord, object_id: int):
        self.ids: List[int] = [id]
        self.scores: List = [score]
        self.tsm_coords: List = [tsm_coord]
        self.object_id = object_id


class CandidateCollection:
    """The candidates of the latest frame and which of them is the target.

    args:
        scores - candidate scores [N] of the first frame, highest first.
        tsm_coords - their score-map coordinates [N, 2].
        candidate_selection_is_certain - whether the highest candidate is known to be the target
            (early in the sequence). If not, the objects get ids from 1 on, so that no object has the
            target id 0 until a candidate is selected with enough confidence.

    attributes:
        flag - 'normal' or 'not_found'.
        candidate_id_of_selected_candidate - index of the target in the current candidates (None if lost).
        object_id_of_selected_candidate - object id of the target.
    """

    # Association is rejected for the target when the matching probability is below this...
    MIN_MATCH_PROB = 0.6
    # ...or below this while the candidate's score is also below LOW_SCORE.
    MIN_MATCH_PROB_LOW_SCORE = 0.85
    LOW_SCORE = 0.2
    # A target with a score above this (once) makes the selection certain.
    CERTAIN_SCORE = 0.75
    # A lost target is re-detected as the best candidate scoring above this.
    REDETECT_SCORE = 0.25

    def __init__(self, scores: torch.Tensor, tsm_coords: torch.Tensor, candidate_selection_is_certain: bool = True):
        self.candidates: Dict[int, Candidate] = {}
        self.object_id_cntr = 0
        self.flag = 'normal'
        self.candidate_id_of_selected_candidate: Optional[int] = 0
        self.object_id_of_selected_candidate = 0
        self.candidate_selection_is_certain = candidate_selection_is_certain

        if not candidate_selection_is_certain:
            self.object_id_of_selected_candidate = 1
            self.object_id_cntr = 1

        for id, (score, tsm_coord) in enumerate(zip(scores.reshape(-1).tolist(), tsm_coords.cpu().numpy())):
            self.candidates[id] = Candidate(id, float(score), tsm_coord, self._new_object_id())

    def _new_object_id(self) -> int:
        object_id = self.object_id_cntr
        self.object_id_cntr += 1
        return object_id

    def update(self, scores: torch.Tensor, tsm_coords: torch.Tensor, matches: torch.Tensor,
               match_scores: torch.Tensor) -> None:
        """Take the candidates of a new frame.

        args:
            scores, tsm_coords - the new candidates [N], [N, 2].
            matches - for each new candidate, the index of its match among the previous candidates, or -1 [N].
            match_scores - the matching probability of each new candidate [N].
        """
        # Plain numbers from here on (the inputs may live on the GPU).
        matches = [int(m) for m in matches.reshape(-1).tolist()]
        match_scores = [float(m) for m in match_scores.reshape(-1).tolist()]
        scores = [float(s) for s in scores.reshape(-1).tolist()]
        tsm_coords = tsm_coords.cpu().numpy()

        self._reassign_candidates_according_to_matching(match_scores, matches, scores, tsm_coords)
        target_detected = self._check_if_object0_is_detected()
        target_detected = self._check_if_more_suitable_candidate_is_available(target_detected)
        if not target_detected:
            self._clean_up_if_object0_not_found()
            self._try_to_reselect_candidate()

    def _reassign_candidates_according_to_matching(self, match_scores, matches, scores, tsm_coords) -> None:
        candidates = {}
        for id, (score, tsm_coord, match, match_score) in enumerate(zip(scores, tsm_coords, matches, match_scores)):
            if match >= 0:
                candidate = self.candidates[match]
                too_unlikely = match_score < self.MIN_MATCH_PROB or \
                    (match_score < self.MIN_MATCH_PROB_LOW_SCORE and score < self.LOW_SCORE)
                if candidate.object_id == self.object_id_of_selected_candidate and too_unlikely:
                    # Too weak an association to carry the target identity: a new object instead.
                    candidate = Candidate(id, score, tsm_coord, self._new_object_id())
                else:
                    candidate.scores.append(score)
                    candidate.ids.append(id)
                    candidate.tsm_coords.append(tsm_coord)
                candidates[id] = candidate
            else:
                candidates[id] = Candidate(id, score, tsm_coord, self._new_object_id())
        self.candidates = candidates

    def _check_if_object0_is_detected(self) -> bool:
        detected = False
        for id, candidate in self.candidates.items():
            if candidate.object_id == self.object_id_of_selected_candidate:
                self.candidate_id_of_selected_candidate = id
                self.flag = 'normal'
                detected = True
                if max(candidate.scores) > self.CERTAIN_SCORE:
                    self.candidate_selection_is_certain = True
        return detected

    def _check_if_more_suitable_candidate_is_available(self, detected: bool) -> bool:
        """Switch to the highest-scoring candidate when its best score ever beats the target's."""
        if detected and self.candidate_id_of_selected_candidate != 0:
            best = self.candidates[0]
            selected = self.candidates[self.candidate_id_of_selected_candidate]
            if max(best.scores) > max(selected.scores):
                self.flag = 'normal'
                self.candidate_id_of_selected_candidate = 0
                self.object_id_of_selected_candidate = best.object_id
        return detected

    def _clean_up_if_object0_not_found(self) -> None:
        self.candidate_id_of_selected_candidate = None
        if self.flag == 'normal':
            # The target has just disappeared.
            self.flag = 'not_found'
            self.candidate_selection_is_certain = False

    def _try_to_reselect_candidate(self) -> None:
        """Take the candidate with the highest current score above REDETECT_SCORE as the target."""
        max_score = 0
        for id, candidate in self.candidates.items():
            recent_score = candidate.scores[-1]
            if recent_score > self.REDETECT_SCORE and recent_score > max_score:
                self.flag = 'normal'
                self.candidate_id_of_selected_candidate = id
                self.object_id_of_selected_candidate = candidate.object_id
                max_score = recent_score

"""KeepTrack training data from GOT-10k: the candidate file of ``create_distractor_dataset.py`` run on GOT-10k
training sequences, read together with the frames (format: :mod:`ltr.dataset.lasot_candidate_matching`).

Not in the original, which builds the candidate data from LaSOT only.
"""
from typing import Callable, List, Optional

from ltr.data.image_loader import jpeg4py_loader
from .got10k import Got10k
from .lasot_candidate_matching import CandidateMatchingData

__all__ = ['Got10kCandidateMatching']


class Got10kCandidateMatching(CandidateMatchingData, Got10k):
    """GOT-10k training sequences with the base tracker's candidates.

    args:
        root: GOT-10k ``train`` folder (default: ``got10k_dir``).
        path_to_json: Candidate file (required; keys are the sequence folder names).
        image_loader: Function reading an image file.
        split, seq_ids, data_fraction: As for :class:`ltr.dataset.Got10k`.
    """

    def __init__(self, root: Optional[str] = None, path_to_json: Optional[str] = None,
                 image_loader: Callable = jpeg4py_loader, split: Optional[str] = None,
                 seq_ids: Optional[List[int]] = None, data_fraction: Optional[float] = None):
        super().__init__(root, image_loader, split=split, seq_ids=seq_ids, data_fraction=data_fraction)
        self.name = 'GOT10kCandidateMatching'
        self._init_candidate_data(path_to_json)

    def _rebuild_after_filter(self) -> None:
        self.seq_per_class = self._build_seq_per_class()

    def get_name(self) -> str:
        return 'got10k_candidate_matching'

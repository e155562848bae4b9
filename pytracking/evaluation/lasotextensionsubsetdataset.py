"""LaSOT extension subset (LaSOT-ext: 15 new classes x 10 videos).

Publication: LaSOT: A High-quality Large-scale Single Object Tracking Benchmark, Fan et al., IJCV 2020.
Download: http://vision.cs.stonybrook.edu/~lasot/download.html

Same layout as LaSOT, under ``env_settings().lasot_extension_subset_path``.
"""
from typing import List

from pytracking.evaluation.lasotdataset import _LaSOTStyleDataset, expand_class_table

# Benchmark data: the 150 sequences, in the benchmark's order.
_LASOT_EXT = """
atv 1 2 3 4 5 6 7 8 9 10; badminton 1 2 3 4 5 6 7 8 9 10; cosplay 1 10 2 3 4 5 6 7 8 9;
dancingshoe 1 2 3 4 5 6 7 8 9 10; footbag 1 2 3 4 5 6 7 8 9 10; frisbee 1 2 3 4 5 6 7 8 9 10;
jianzi 1 2 3 4 5 6 7 8 9 10; lantern 1 2 3 4 5 6 7 8 9 10; misc 1 2 3 4 5 6 7 8 9 10;
opossum 1 2 3 4 5 6 7 8 9 10; paddle 1 2 3 4 5 6 7 8 9 10; raccoon 1 2 3 4 5 6 7 8 9 10;
rhino 1 2 3 4 5 6 7 8 9 10; skatingshoe 1 2 3 4 5 6 7 8 9 10; wingsuit 1 2 3 4 5 6 7 8 9 10
"""


class LaSOTExtensionSubsetDataset(_LaSOTStyleDataset):
    """LaSOT-ext; path from ``env_settings().lasot_extension_subset_path``
    (env ``PYTRACKING_LASOT_EXTENSION_SUBSET_PATH``)."""

    dataset_name = 'lasot_extension_subset'
    path_setting = 'lasot_extension_subset_path'

    def _get_sequence_list(self) -> List[str]:
        return expand_class_table(_LASOT_EXT)

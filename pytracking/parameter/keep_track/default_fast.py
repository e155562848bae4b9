"""KeepTrack, faster setting: the SuperDiMP search area (22*16 pixels, 6 target sizes), 3 box
refinement iterations and a higher score threshold for target candidates."""
from pytracking.parameter.keep_track.default import parameters as default_parameters
from pytracking.utils.params import TrackerParams


def parameters() -> TrackerParams:
    """The ``default`` parameters with the fast setting's changes."""
    params = default_parameters()

    params.image_sample_size = 22*16
    params.search_area_scale = 6
    params.box_refinement_iter = 3
    params.local_max_candidate_score_th = 0.1

    return params

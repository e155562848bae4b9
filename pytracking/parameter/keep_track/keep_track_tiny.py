"""KeepTrack on the embedded synthetic benchmark: the shipped DiMP-tiny base tracker (``dimp/dimp_tiny``, all its
settings) with target candidate association by the small matching network ``keep_track_tiny.pth.tar`` (trained by
``ltr/train_settings/keep_track/keep_track_tiny.py``; see ``MODEL_ZOO.md``).

The KeepTrack-specific settings are those of ``keep_track/default``; the search area, box refinement and
localisation settings stay DiMP-tiny's, which they were tuned for.
"""
from pytracking.features.net_wrappers import NetWrapper
from pytracking.parameter.dimp.dimp_tiny import parameters as dimp_tiny_parameters
from pytracking.utils.params import TrackerParams


def parameters() -> TrackerParams:
    """Tracker parameters; networks ``dimp_tiny.pth.tar`` and ``keep_track_tiny.pth.tar`` (loaded lazily)."""
    params = dimp_tiny_parameters()

    # Memory samples weighted by the certainty of their label (the target's peak score), as in keep_track/default.
    params.use_certainty_for_weight_computation = True
    params.certainty_for_weight_computation_ths = 0.5
    params.target_candidate_matching_net = NetWrapper(net_path='keep_track_tiny.pth.tar', use_gpu=params.use_gpu)

    params.visualize_candidate_matching = False
    params.visualize_candidate_assignment_matrix = False

    return params

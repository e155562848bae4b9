"""KeepTrack tracker package."""
from .keep_track import KeepTrack


def get_tracker_class():
    """The tracker class run by ``run_tracker.py keep_track <param>``."""
    return KeepTrack

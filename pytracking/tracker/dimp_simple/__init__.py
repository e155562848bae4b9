"""SuperDiMP-simple tracker package (KeepTrack's base tracker)."""
from .dimp_simple import DiMPSimple


def get_tracker_class():
    """The tracker class run by ``run_tracker.py dimp_simple <param>``."""
    return DiMPSimple

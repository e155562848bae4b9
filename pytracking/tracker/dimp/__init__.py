"""DiMP / PrDiMP / SuperDiMP tracker package."""
from .dimp import DiMP


def get_tracker_class():
    """The tracker class run by ``run_tracker.py dimp <param>``."""
    return DiMP

"""ATOM tracker package."""
from .atom import ATOM


def get_tracker_class():
    """The tracker class run by ``run_tracker.py atom <param>``."""
    return ATOM

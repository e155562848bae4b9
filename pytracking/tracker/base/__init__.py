from .basetracker import BaseTracker

__all__ = ['BaseTracker']

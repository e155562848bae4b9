"""Example experiments for ``run_experiment.py``: each function returns ``(trackers, dataset)``."""
from pytracking.evaluation import get_dataset, trackerlist


def atom_nfs_uav():
    """Three runs of ATOM on NFS and UAV123."""
    trackers = trackerlist('atom', 'default', range(3))
    dataset = get_dataset('nfs', 'uav')
    return trackers, dataset


def uav_test():
    """DiMP-18 and ATOM on UAV123."""
    trackers = trackerlist('dimp', 'dimp18', range(1)) + trackerlist('atom', 'default', range(1))
    dataset = get_dataset('uav')
    return trackers, dataset


def dimp_otb():
    """The DiMP family on OTB-100."""
    trackers = (trackerlist('dimp', 'dimp18') + trackerlist('dimp', 'dimp50') + trackerlist('dimp', 'prdimp18')
                + trackerlist('dimp', 'prdimp50') + trackerlist('dimp', 'super_dimp'))
    dataset = get_dataset('otb')
    return trackers, dataset


from .data import Sequence, SequenceList, BaseDataset
from .tracker import Tracker, trackerlist
from .datasets import get_dataset, load_dataset, get_dataset_attributes

__all__ = ['Sequence', 'SequenceList', 'BaseDataset', 'Tracker', 'trackerlist', 'get_dataset', 'load_dataset',
           'get_dataset_attributes']

"""Registry of the evaluation datasets by name (``get_dataset('otb', 'nfs')``)."""
import importlib
from collections import namedtuple
from typing import Dict

from pytracking.evaluation.data import SequenceList

DatasetInfo = namedtuple('DatasetInfo', ['module', 'class_name', 'kwargs'])

pt = "pytracking.evaluation.%sdataset"

dataset_dict = dict(
    otb=DatasetInfo(module=pt % "otb", class_name="OTBDataset", kwargs=dict()),
    nfs=DatasetInfo(module=pt % "nfs", class_name="NFSDataset", kwargs=dict()),
    uav=DatasetInfo(module=pt % "uav", class_name="UAVDataset", kwargs=dict()),
    tpl=DatasetInfo(module=pt % "tpl", class_name="TPLDataset", kwargs=dict()),
    tpl_nootb=DatasetInfo(module=pt % "tpl", class_name="TPLDataset", kwargs=dict(exclude_otb=True)),
    vot=DatasetInfo(module=pt % "vot", class_name="VOTDataset", kwargs=dict()),
    trackingnet=DatasetInfo(module=pt % "trackingnet", class_name="TrackingNetDataset", kwargs=dict()),
    got10k_test=DatasetInfo(module=pt % "got10k", class_name="GOT10KDataset", kwargs=dict(split='test')),
    got10k_val=DatasetInfo(module=pt % "got10k", class_name="GOT10KDataset", kwargs=dict(split='val')),
    got10k_ltrval=DatasetInfo(module=pt % "got10k", class_name="GOT10KDataset", kwargs=dict(split='ltrval')),
    lasot=DatasetInfo(module=pt % "lasot", class_name="LaSOTDataset", kwargs=dict()),
    lasot_train=DatasetInfo(module=pt % "lasot", class_name="LaSOTTrainSequencesDataset", kwargs=dict()),
    lasot_extension_subset=DatasetInfo(module=pt % "lasotextensionsubset", class_name="LaSOTExtensionSubsetDataset",
                                       kwargs=dict()),
    oxuva_dev=DatasetInfo(module=pt % "oxuva", class_name="OxUvADataset", kwargs=dict(split='dev')),
    oxuva_test=DatasetInfo(module=pt % "oxuva", class_name="OxUvADataset", kwargs=dict(split='test')),
    avist=DatasetInfo(module=pt % "avist", class_name="AVisTDataset", kwargs=dict()),
    synthetic=DatasetInfo(module="pytracking.evaluation.syntheticdataset", class_name="SyntheticDataset",
                          kwargs=dict()),
)


class UnknownDatasetError(ValueError):
    """The dataset name is not registered."""


def _dataset_info(name: str) -> DatasetInfo:
    dset_info = dataset_dict.get(name.lower())
    if dset_info is None:
        raise UnknownDatasetError("Unknown dataset '{}'. Valid names: {}".format(name, ', '.join(sorted(dataset_dict))))
    return dset_info


def load_dataset(name: str, **kwargs):
    """Import and construct the dataset object registered as ``name`` (extra kwargs go to its constructor)."""
    dset_info = _dataset_info(name)
    try:
        m = importlib.import_module(dset_info.module)
    except ModuleNotFoundError as e:
        if e.name is not None and dset_info.module.startswith(e.name):
            raise UnknownDatasetError("Dataset '{}' is registered but its module '{}' is not available"
                                      .format(name, dset_info.module)) from e
        raise
    cls = getattr(m, dset_info.class_name, None)
    if cls is None:
        raise UnknownDatasetError("Dataset '{}': module '{}' has no class '{}'"
                                  .format(name, dset_info.module, dset_info.class_name))
    return cls(**dset_info.kwargs, **kwargs)


def get_dataset(*args: str, **kwargs) -> SequenceList:
    """The sequences of one or several datasets, concatenated into one :class:`SequenceList`."""
    for name in args:  # every name is checked before any dataset is read
        _dataset_info(name)
    dset = SequenceList()
    for name in args:
        dset.extend(load_dataset(name, **kwargs).get_sequence_list())
    return dset


def get_dataset_attributes(name: str, mode: str = 'short', **kwargs) -> Dict[str, SequenceList]:
    """Dict ``attribute name -> SequenceList`` of the sequences having that attribute.

    Datasets without attribute annotations give ``{name: all sequences}``.
    """
    dset = load_dataset(name, **kwargs)
    if not hasattr(dset, 'get_attribute_names'):
        return {name: get_dataset(name)}
    return {att: get_dataset(name, attribute=att) for att in dset.get_attribute_names(mode)}

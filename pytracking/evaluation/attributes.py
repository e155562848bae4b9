"""Per-sequence attribute annotations (``dataset_attribute_specs/<dataset>_attributes.json``).

A spec file holds ``att_name_short`` and ``att_name_long`` (lists of attribute names) and, for each
sequence name, the list of its short attribute names.
"""
import json
import os
from typing import Callable, List, Optional

SPEC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dataset_attribute_specs')


def load_attributes(dataset: str) -> dict:
    """The attribute spec dict of ``dataset``; FileNotFoundError naming the file when it is missing."""
    path = os.path.join(SPEC_DIR, '{}_attributes.json'.format(dataset))
    if not os.path.isfile(path):
        raise FileNotFoundError("No attribute annotations for dataset '{}': '{}' is missing".format(dataset, path))
    with open(path) as f:
        return json.load(f)


def attribute_names(dataset: str, mode: str = 'short') -> List[str]:
    """Short (``mode='short'``) or long attribute names of ``dataset``."""
    spec = load_attributes(dataset)
    return spec['att_name_short'] if mode == 'short' else spec['att_name_long']


def filter_by_attribute(dataset: str, attribute: str, sequence_names: List[str],
                        key: Optional[Callable[[str], str]] = None) -> List[str]:
    """The names in ``sequence_names`` whose sequences have ``attribute`` (short or long name).

    args:
        key: Maps a sequence name to its key in the spec file (e.g. strips a ``uav_`` prefix).
    """
    spec = load_attributes(dataset)
    short, long_ = spec['att_name_short'], spec['att_name_long']
    if attribute not in short:
        if attribute not in long_:
            raise ValueError("Unknown attribute '{}' for dataset '{}'. Valid: {}".format(
                attribute, dataset, ', '.join(short)))
        attribute = short[long_.index(attribute)]
    key = key or (lambda n: n)
    return [s for s in sequence_names if attribute in spec.get(key(s), [])]


class AttributeDatasetMixin:
    """Gives a dataset ``get_attribute_names`` (used by ``datasets.get_dataset_attributes``)."""

    attribute_spec = ''  # spec file prefix, e.g. 'otb' for otb_attributes.json

    def get_attribute_names(self, mode: str = 'short') -> List[str]:
        """Short (``mode='short'``) or long names of the dataset's attributes."""
        return attribute_names(self.attribute_spec, mode)

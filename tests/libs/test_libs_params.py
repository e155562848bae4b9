import random

import pytest
import torch

from pytracking.libs import TensorList
from pytracking.utils.params import Choice, FeatureParams, TrackerParams


def test_tracker_params_get_has_defaults():
    p = TrackerParams()
    p.debug = 0
    p.set_default_values({'debug': 5, 'use_gpu': True})
    assert p.debug == 0 and p.use_gpu is True
    assert p.get('debug') == 0
    assert p.get('missing', 3) == 3
    assert p.get('missing', None) is None
    assert p.has('debug') and not p.has('missing')
    with pytest.raises(AttributeError, match="'search_area_scale'"):
        p.get('search_area_scale')
    with pytest.raises(ValueError):
        p.get('debug', 1, 2)


def test_feature_params_lists_become_tensorlists():
    fp = FeatureParams(feature_params=[1, 2], kernel_size=(4, 4), learning_rate=0.01)
    assert isinstance(fp.feature_params, TensorList)
    assert (fp.feature_params * 2).list() == [2, 4]
    assert fp.kernel_size == (4, 4) and not isinstance(fp.kernel_size, TensorList)
    assert fp.learning_rate == 0.01
    with pytest.raises(ValueError):
        FeatureParams([1])
    # A TensorList of FeatureParams gives per-feature values through attribute().
    fps = TensorList([FeatureParams(reg=0.1), FeatureParams(reg=0.2)])
    assert fps.attribute('reg') == [0.1, 0.2]
    assert fps.attribute('absent', None) == [None, None]


def test_choice():
    random.seed(0)
    draws = {Choice(1, 2, 3) for _ in range(100)}
    assert draws == {1, 2, 3}
    assert Choice('only') == 'only'
    with pytest.raises(ValueError):
        Choice()
    assert torch.is_tensor(Choice(torch.ones(1)))

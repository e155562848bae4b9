"""pytracking.utils.plotting and pytracking.utils.visdom (optional dependency)."""
import importlib.util

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use('Agg')

from pytracking.utils import plotting  # noqa: E402


def test_pascal_color_map_known_entries():
    cmap = plotting._pascal_color_map()
    assert cmap.shape == (256, 3) and cmap.dtype == np.uint8
    assert cmap[0].tolist() == [0, 0, 0]
    assert cmap[1].tolist() == [128, 0, 0]
    assert cmap[2].tolist() == [0, 128, 0]
    assert cmap[3].tolist() == [128, 128, 0]
    assert cmap[4].tolist() == [0, 0, 128]
    assert plotting._pascal_color_map(8, normalized=True)[1].tolist() == pytest.approx([128 / 255, 0, 0])


def test_overlay_mask_blends_only_object_pixels():
    im = np.full((4, 5, 3), 100, np.uint8)
    ann = np.zeros((4, 5), np.int64)
    ann[1:3, 2:4] = 1
    out = plotting.overlay_mask(im, ann, alpha=0.5)
    assert (out[0, 0] == 100).all()
    assert out[1, 2].tolist() == [int(0.5 * 128 + 50), 50, 50]
    with pytest.raises(ValueError, match='same spatial size'):
        plotting.overlay_mask(im, ann[:3])


def test_show_tensor_and_plot_graph_headless():
    plotting.show_tensor(torch.rand(8, 9), fig_num=1, title='t')
    plotting.show_tensor(torch.rand(3, 8, 9), fig_num=1)
    plotting.plot_graph(torch.arange(5.), fig_num=2, title='g')
    with pytest.raises(ValueError, match='1-D'):
        plotting.plot_graph(torch.zeros(2, 2))


@pytest.mark.skipif(importlib.util.find_spec('visdom') is not None, reason='visdom is installed')
def test_visdom_module_imports_without_visdom_and_explains():
    from pytracking.utils import visdom as vis
    with pytest.raises(ImportError, match='pip install visdom'):
        vis.Visdom(debug=1)

"""Test-wide isolation: outputs of every test go to its own temporary folders, never the repository."""
import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_output_paths(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp('outputs')
    monkeypatch.setenv('PYTRACKING_RESULTS_PATH', str(base / 'tracking_results'))
    monkeypatch.setenv('PYTRACKING_SEGMENTATION_PATH', str(base / 'segmentation_results'))
    monkeypatch.setenv('PYTRACKING_RESULT_PLOT_PATH', str(base / 'result_plots'))
    monkeypatch.setenv('LTR_WORKSPACE_DIR', str(base / 'workspace'))
    monkeypatch.setenv('MPLBACKEND', 'Agg')
    yield


def pytest_collection_modifyitems(config, items):
    import torch
    if torch.cuda.is_available():
        return
    skip_cuda = pytest.mark.skip(reason='needs a CUDA device')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip_cuda)

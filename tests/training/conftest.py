"""Fixtures of the training tests: tiny datasets in the real formats and isolated ltr settings."""
import os

import pytest

from ltr.train_settings.smoke._fixtures import write_fixture_trees, write_got10k_fixture


@pytest.fixture(scope='session')
def got10k_fixture(tmp_path_factory) -> str:
    """A 4-sequence GOT-10k ``train`` folder with 24 frames of 96x96 pixels per sequence."""
    root = str(tmp_path_factory.mktemp('got10k_train'))
    write_got10k_fixture(root, num_sequences=4, num_frames=24, image_size=96, seed=0)
    return root


@pytest.fixture
def ltr_env(tmp_path, monkeypatch, got10k_fixture):
    """Point the ltr settings at temporary folders and the fixture dataset; returns the workspace folder."""
    workspace = tmp_path / 'workspace'
    monkeypatch.setenv('LTR_WORKSPACE_DIR', str(workspace))
    monkeypatch.setenv('LTR_TENSORBOARD_DIR', str(tmp_path / 'tensorboard'))
    monkeypatch.setenv('LTR_GOT10K_DIR', got10k_fixture)
    monkeypatch.setenv('OMP_NUM_THREADS', os.environ.get('OMP_NUM_THREADS', '1'))
    return str(workspace)


@pytest.fixture(scope='session')
def fixture_roots(tmp_path_factory) -> dict:
    """{name: root} of the LaSOT, GOT-10k, TrackingNet, COCO and ImageNet VID fixture trees (64 x 48 frames)."""
    trees = write_fixture_trees(str(tmp_path_factory.mktemp('fixture_trees')))
    return {name: root for name, (root, _) in trees.items()}

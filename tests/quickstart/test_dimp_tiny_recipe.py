"""The DiMP-tiny recipe (ltr/train_settings/dimp/dimp_tiny.py) trains, and its network is the shipped layout."""
import math

import torch

from ltr.admin import loading
from ltr.admin.settings import Settings
from ltr.models.tracking import dimpnet
from ltr.run_training import run_training


def _tiny_settings(**attrs) -> Settings:
    settings = Settings()
    # Few training sequences, small crops, small batches: the loss must fall within 30 iterations.
    settings.num_sequences = 2
    settings.feature_sz = 4
    settings.batch_size = 4
    settings.samples_per_epoch = 20
    settings.num_epochs = 6
    settings.num_workers = 0
    settings.print_interval = 100
    settings.fail_safe = False
    for k, v in attrs.items():
        setattr(settings, k, v)
    return settings


def test_dimp_tiny_recipe_loss_falls():
    trainer = run_training('dimp', 'dimp_tiny', seed=1, device='cpu', settings=_tiny_settings())
    history = trainer.stats['train']['Loss/total'].history
    assert len(history) == 6 and all(math.isfinite(v) for v in history)
    first, last = sum(history[:2]) / 2, sum(history[-2:]) / 2
    assert last < 0.9 * first, history

    # The checkpoint rebuilds the same network through the recorded constructor (official layout).
    path = trainer.checkpoint_path(6)
    ckpt = loading.torch_load_legacy(path)
    assert ckpt['constructor'].fun_name == 'dimpnet_tiny'
    assert ckpt['constructor'].fun_module == 'ltr.models.tracking.dimpnet'
    net, _ = loading.load_network(path)
    for k, v in trainer.net.state_dict().items():
        assert torch.equal(v.cpu(), net.state_dict()[k]), k


def test_dimpnet_tiny_shapes():
    net = dimpnet.dimpnet_tiny(filter_size=4, out_feature_dim=64)
    feat = net.extract_backbone_features(torch.zeros(2, 3, 128, 128))
    # resnet_baby: 16 channels after conv1, doubled per layer; stride 8 at layer2 and 16 at layer3.
    assert feat['layer2'].shape == (2, 32, 16, 16) and feat['layer3'].shape == (2, 64, 8, 8)
    assert net.extract_classification_feat(feat).shape == (2, 64, 8, 8)
    n_bytes = sum(p.numel() * p.element_size() for p in net.state_dict().values())
    assert n_bytes < 15e6

"""Every original training recipe builds with the original's hyperparameters, and its data fits its actor.

The four training datasets are replaced by the fixture GOT-10k folder, backbones are built without ImageNet
weights and ``trainer.train`` is intercepted, so nothing is downloaded or trained here.
"""
import importlib

import pytest
import torch

import ltr.models.backbone as backbones
from ltr.admin.settings import Settings
from ltr.data.loader import ltr_collate_stack1
from ltr.dataset import Got10k
from ltr.train_settings import common
from ltr.trainers import LTRTrainer

# recipe: (batch size, learning rates of the parameter groups, train samples/epoch, val samples/epoch, max_gap,
#          dataset weights, actor, loss weights)
DIMP_W = {'iou': 1, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}
PRDIMP_W = {'bb_ce': 0.0025, 'clf_ce': 0.25, 'clf_ce_init': 0.25, 'clf_ce_iter': 1.0}
EXPECTED = {
    'dimp.dimp18': (26, [5e-5, 5e-4, 5e-5, 1e-3, 2e-4], 26000, 5000, 30, [0.25, 1, 1, 1], 'DiMPActor', DIMP_W),
    'dimp.dimp50': (10, [5e-5, 5e-4, 5e-5, 2e-4, 2e-5], 26000, 5000, 30, [0.25, 1, 1, 1], 'DiMPActor', DIMP_W),
    'dimp.prdimp18': (26, [1e-3, 1e-3, 2e-4], 26000, 5000, 200, [0.25, 1, 1, 1], 'KLDiMPActor', PRDIMP_W),
    'dimp.prdimp50': (10, [1e-3, 1e-3, 2e-5], 26000, 5000, 200, [0.25, 1, 1, 1], 'KLDiMPActor', PRDIMP_W),
    'dimp.super_dimp': (20, [5e-5, 5e-4, 5e-5, 1e-3, 2e-5], 40000, 10000, 200, [1, 1, 1, 1], 'KLDiMPActor',
                        {'bb_ce': 0.01, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}),
    'bbreg.atom': (64, [1e-3], 64000, 32000, 50, [1, 1, 1, 1], 'AtomActor', None),
    'bbreg.atom_prob_ml': (64, [1e-3], 64000, 32000, 200, [1, 1, 1, 1], 'AtomBBKLActor', None),
    'bbreg.atom_gmm_sampl': (64, [1e-3], 64000, 32000, 200, [1, 1, 1, 1], 'AtomActor', None),
}
# Data fields each actor reads.
ACTOR_FIELDS = {
    'DiMPActor': {'train_images', 'test_images', 'train_anno', 'test_anno', 'test_proposals', 'proposal_iou',
                  'test_label'},
    'KLDiMPActor': {'train_images', 'test_images', 'train_anno', 'test_anno', 'test_proposals', 'proposal_density',
                    'gt_density'},
    'AtomActor': {'train_images', 'test_images', 'train_anno', 'test_proposals', 'proposal_iou'},
    'AtomBBKLActor': {'train_images', 'test_images', 'train_anno', 'test_proposals', 'proposal_density',
                      'gt_density'},
}
# Recipes whose network is cheap enough on a CPU for one forward/backward step on a real sample.
STEP_RECIPES = {'dimp.prdimp18', 'bbreg.atom', 'bbreg.atom_prob_ml', 'bbreg.atom_gmm_sampl'}


@pytest.fixture
def captured(ltr_env, got10k_fixture, monkeypatch):
    calls = []

    def fake_datasets(settings):
        return [Got10k(got10k_fixture) for _ in range(4)], [Got10k(got10k_fixture)]

    def fake_train(self, max_epochs, load_latest=False, fail_safe=True):
        calls.append((self, max_epochs, load_latest, fail_safe))

    for name in ('resnet18', 'resnet50'):
        builder = getattr(backbones, name)
        monkeypatch.setattr(backbones, name,
                            lambda *a, _b=builder, **kw: _b(*a, **dict(kw, pretrained=False)))
    monkeypatch.setattr(common, 'tracking_datasets', fake_datasets)
    monkeypatch.setattr(LTRTrainer, 'train', fake_train)
    return calls


@pytest.mark.slow
@pytest.mark.parametrize('recipe', sorted(EXPECTED))
def test_recipe_hyperparameters_and_data(recipe, captured):
    batch_size, lrs, spe, val_spe, max_gap, p_datasets, actor_name, loss_weight = EXPECTED[recipe]
    settings = Settings()
    settings.module_name, settings.script_name = recipe.split('.')
    settings.project_path = 'ltr/' + recipe.replace('.', '/')
    settings.device = 'cpu'
    importlib.import_module('ltr.train_settings.' + recipe).run(settings)

    assert len(captured) == 1
    trainer, max_epochs, load_latest, fail_safe = captured[0]
    assert (max_epochs, load_latest, fail_safe) == (50, True, True)
    assert settings.batch_size == batch_size and settings.num_workers == 8
    assert [g['lr'] for g in trainer.optimizer.param_groups] == pytest.approx(lrs)
    assert isinstance(trainer.optimizer, torch.optim.Adam)
    assert (trainer.lr_scheduler.step_size, trainer.lr_scheduler.gamma) == (15, 0.2)
    assert type(trainer.actor).__name__ == actor_name
    if loss_weight is not None:
        assert trainer.actor.loss_weight == loss_weight

    loader_train, loader_val = trainer.loaders
    assert (loader_train.name, loader_train.training, loader_train.batch_size) == ('train', True, batch_size)
    assert (loader_val.name, loader_val.training, loader_val.epoch_interval) == ('val', False, 5)
    assert loader_train.stack_dim == 1 and loader_train.drop_last
    sampler = loader_train.dataset
    assert (sampler.samples_per_epoch, sampler.max_gap) == (spe, max_gap)
    assert loader_val.dataset.samples_per_epoch == val_spe
    assert sampler.p_datasets == pytest.approx([p / sum(p_datasets) for p in p_datasets])

    # Every parameter that trains belongs to exactly one optimizer group.
    grouped = [p for g in trainer.optimizer.param_groups for p in g['params']]
    assert len(grouped) == len({id(p) for p in grouped})

    torch.manual_seed(0)
    sample = sampler[0]
    assert ACTOR_FIELDS[actor_name] <= set(sample.keys())
    out_sz = settings.output_sz
    assert tuple(sample['train_images'].shape[-3:]) == (3, out_sz, out_sz)

    if recipe in STEP_RECIPES:
        batch = ltr_collate_stack1([sample, sampler[1]])  # two sequences: batch norm needs more than one
        # One train and one test frame per sequence keep the step cheap; the data layout stays the same.
        batch = {k: v[:1] if torch.is_tensor(v) else v for k, v in batch.items()}
        batch['epoch'], batch['settings'] = 1, settings
        trainer.actor.train(True)
        loss, stats = trainer.actor(batch)
        loss.backward()
        assert torch.isfinite(loss) and stats['Loss/total'] == pytest.approx(loss.item())
        trained = [p for g in trainer.optimizer.param_groups for p in g['params']]
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trained)

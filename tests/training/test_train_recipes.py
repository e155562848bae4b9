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

# The recipes ask for 8 loader workers (never started here); the DataLoader warns about it on a small machine.
pytestmark = pytest.mark.filterwarnings('ignore:This DataLoader will create:UserWarning')

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


# The original recipes' data and network settings, written out from visionml/pytracking's train_settings files.
_SIGMA_FACTOR = [0.01, 0.05, 0.1, 0.2, 0.3]
_DIMP_PROPOSALS = {'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': _SIGMA_FACTOR}
_KL_PROPOSALS = {'boxes_per_frame': 128, 'gt_sigma': (0.05, 0.05), 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]}
_DIMP_CROP = dict(search_area_factor=5.0, output_sz=288, center_jitter_factor={'train': 3, 'test': 4.5},
                  scale_jitter_factor={'train': 0.25, 'test': 0.5}, mode='sequence')
_ATOM_CROP = dict(search_area_factor=5.0, output_sz=288, center_jitter_factor={'train': 0, 'test': 4.5},
                  scale_jitter_factor={'train': 0, 'test': 0.5}, mode='sequence')
_LABEL_18 = {'feature_sz': 18, 'sigma_factor': 1 / 4 / 5.0, 'kernel_sz': 4}
_LABEL_22 = {'feature_sz': 22, 'sigma_factor': 1 / 4 / 6.0, 'kernel_sz': 4}
_DIMP_NET = dict(filter_size=4, backbone_pretrained=True, optim_iter=5, clf_feat_norm=True, final_conv=True,
                 optim_init_step=0.9, optim_init_reg=0.1, init_gauss_sigma=0.9, num_dist_bins=100,
                 bin_displacement=0.1, mask_init_factor=3.0, target_mask_act='sigmoid', score_act='relu')
_PRDIMP_NET = dict(filter_size=4, backbone_pretrained=True, optim_iter=5, clf_feat_norm=True, final_conv=True,
                   optim_init_step=1.0, optim_init_reg=0.05, optim_min_reg=0.05, gauss_sigma=0.9, alpha_eps=0.05,
                   normalize_label=True, init_initializer='zero')
_R50 = dict(clf_feat_blocks=0, out_feature_dim=512)
_DIMP_GROUPS = ['classifier.filter_initializer', 'classifier.filter_optimizer', 'classifier.feature_extractor',
                'bb_regressor', 'feature_extractor']

# recipe: (processing class, crop settings, extra processing attributes, (train, test frames, sample mode),
#          flip augmentation, builder, builder keywords, module of each optimizer parameter group)
SPEC = {
    'dimp.dimp18': ('DiMPProcessing', _DIMP_CROP,
                    dict(crop_type='replicate', max_scale_change=None, proposal_params=_DIMP_PROPOSALS,
                         label_function_params=_LABEL_18), (3, 3, 'causal'), False,
                    'dimpnet18', _DIMP_NET, _DIMP_GROUPS),
    'dimp.dimp50': ('DiMPProcessing', _DIMP_CROP,
                    dict(crop_type='replicate', max_scale_change=None, proposal_params=_DIMP_PROPOSALS,
                         label_function_params=_LABEL_18), (3, 3, 'causal'), False,
                    'dimpnet50', dict(_DIMP_NET, **_R50), _DIMP_GROUPS),
    'dimp.prdimp18': ('KLDiMPProcessing', _DIMP_CROP,
                      dict(crop_type='replicate', max_scale_change=None, proposal_params=_KL_PROPOSALS,
                           label_function_params=_LABEL_18, label_density_params=dict(_LABEL_18, normalize=True)),
                      (3, 3, 'causal'), False, 'klcedimpnet18', _PRDIMP_NET,
                      ['classifier', 'bb_regressor', 'feature_extractor']),
    'dimp.prdimp50': ('KLDiMPProcessing', _DIMP_CROP,
                      dict(crop_type='replicate', max_scale_change=None, proposal_params=_KL_PROPOSALS,
                           label_function_params=_LABEL_18, label_density_params=dict(_LABEL_18, normalize=True)),
                      (3, 3, 'causal'), False, 'klcedimpnet50', dict(_PRDIMP_NET, **_R50),
                      ['classifier', 'bb_regressor', 'feature_extractor']),
    'dimp.super_dimp': ('KLDiMPProcessing', dict(_DIMP_CROP, search_area_factor=6.0, output_sz=352,
                                                 center_jitter_factor={'train': 3, 'test': 5.5}),
                        dict(crop_type='inside_major', max_scale_change=1.5, proposal_params=_KL_PROPOSALS,
                             label_function_params=_LABEL_22, label_density_params=_LABEL_22),
                        (3, 3, 'causal'), True, 'dimpnet50',
                        dict(_DIMP_NET, **_R50, init_gauss_sigma=1 / 4 / 6.0 * 22,
                             frozen_backbone_layers=['conv1', 'bn1', 'layer1', 'layer2']),
                        _DIMP_GROUPS[:-1] + ['feature_extractor.layer3']),
    'bbreg.atom': ('ATOMProcessing', _ATOM_CROP,
                   dict(proposal_params={'min_iou': 0.1, 'boxes_per_frame': 16, 'sigma_factor': _SIGMA_FACTOR}),
                   (1, 1, 'interval'), False, 'atom_resnet18', dict(backbone_pretrained=True), ['bb_regressor']),
    'bbreg.atom_gmm_sampl': ('ATOMProcessing', _ATOM_CROP,
                             dict(proposal_params={'proposal_method': 'gmm', 'boxes_per_frame': 128,
                                                   'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]}),
                             (1, 1, 'interval'), False, 'atom_resnet18', dict(backbone_pretrained=True),
                             ['bb_regressor']),
    'bbreg.atom_prob_ml': ('KLBBregProcessing', _ATOM_CROP,
                           dict(proposal_params={'boxes_per_frame': 128, 'gt_sigma': (0, 0),
                                                 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)], 'add_mean_box': True}),
                           (1, 1, 'interval'), False, 'atom_resnet18', dict(backbone_pretrained=True),
                           ['bb_regressor']),
}


def _same(a, b) -> bool:
    """Equality with float tolerance, through nested dicts / lists / tuples (tuple vs list kept distinct)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and \
            all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9)
    return type(a) is type(b) and a == b


def _transform_spec(transform):
    """(class name, distinguishing parameters) of each element of a Transform."""
    out = []
    for t in transform.transforms:
        params = {k: getattr(t, k) for k in ('probability', 'brightness_jitter', 'mean', 'std') if hasattr(t, k)}
        out.append((type(t).__name__, params))
    return out


@pytest.mark.slow
@pytest.mark.parametrize('recipe', sorted(SPEC))
def test_recipe_data_processing_network_and_param_groups(recipe, captured):
    proc_cls, crop, extra, (n_train, n_test, mode), flip, builder, net_kwds, group_modules = SPEC[recipe]
    settings = Settings()
    settings.module_name, settings.script_name = recipe.split('.')
    settings.project_path = 'ltr/' + recipe.replace('.', '/')
    settings.device = 'cpu'
    importlib.import_module('ltr.train_settings.' + recipe).run(settings)
    trainer = captured[0][0]
    loader_train, loader_val = trainer.loaders

    norm = ('Normalize', {'mean': [0.485, 0.456, 0.406], 'std': [0.229, 0.224, 0.225]})
    for loader, training in ((loader_train, True), (loader_val, False)):
        smp = loader.dataset
        assert (smp.num_train_frames, smp.num_test_frames, smp.frame_sample_mode) == (n_train, n_test, mode)
        assert type(smp).__name__ == ('ATOMSampler' if recipe.startswith('bbreg') else 'DiMPSampler')
        proc = smp.processing
        assert type(proc).__name__ == proc_cls
        for name, value in dict(crop, **extra).items():
            assert _same(getattr(proc, name), value), (name, getattr(proc, name), value)
        # Joint: 5 % grayscale (+ flips for SuperDiMP); per frame: brightness jitter 0.2 (+ flip) then normalise
        # in training, plain ToTensor + normalise in validation.
        joint = [('ToGrayscale', {'probability': 0.05})] + ([('RandomHorizontalFlip', {'probability': 0.5})]
                                                          if flip else [])
        assert _same(_transform_spec(proc.transform['joint']), joint)
        if training:
            frame = [('ToTensorAndJitter', {'brightness_jitter': 0.2})] + \
                ([('RandomHorizontalFlip', {'probability': 0.5})] if flip else []) + [norm]
        else:
            frame = [('ToTensor', {}), norm]
        assert _same(_transform_spec(proc.transform['train']), frame)
        assert proc.transform['test'] is proc.transform['train']
    assert loader_train.num_workers == loader_val.num_workers == 8
    assert isinstance(loader_train.sampler, torch.utils.data.RandomSampler)
    assert isinstance(loader_val.sampler, torch.utils.data.SequentialSampler) and loader_val.drop_last

    net = trainer.net
    assert net.constructor.fun_name == builder
    assert _same(net.constructor.kwds, net_kwds), net.constructor.kwds
    for group, module in zip(trainer.optimizer.param_groups, group_modules):
        assert {id(p) for p in group['params']} == {id(p) for p in net.get_submodule(module).parameters()}, module
    assert len(trainer.optimizer.param_groups) == len(group_modules)


def test_standard_training_sets_use_the_original_splits(monkeypatch):
    import ltr.dataset as datasets
    calls = []

    def recorder(name):
        def build(*args, **kwargs):
            calls.append((name, args, kwargs))
            return name
        return build

    for name in ('Lasot', 'Got10k', 'TrackingNet', 'MSCOCOSeq'):
        monkeypatch.setattr(datasets, name, recorder(name))
    settings = Settings()
    train, val = common.tracking_datasets(settings)
    assert train == ['Lasot', 'Got10k', 'TrackingNet', 'MSCOCOSeq'] and val == ['Got10k']
    env = settings.env
    assert calls == [('Lasot', (env.lasot_dir,), {'split': 'train'}),
                     ('Got10k', (env.got10k_dir,), {'split': 'vottrain'}),
                     ('TrackingNet', (env.trackingnet_dir,), {'set_ids': [0, 1, 2, 3]}),
                     ('MSCOCOSeq', (env.coco_dir,), {}),
                     ('Got10k', (env.got10k_dir,), {'split': 'votval'})]

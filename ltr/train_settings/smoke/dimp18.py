"""DiMP-18 smoke-test recipe: the architecture, losses and optimizer groups of ``dimp/dimp18`` on tiny crops,
with a random backbone, reading one GOT-10k-format folder (``settings.env.got10k_dir``).

Runs in seconds on a CPU; used by the tests and as a quick check of an installation:

    LTR_GOT10K_DIR=/path/to/got10k/train python ltr/run_training.py smoke dimp18

Any of the size settings below that is already set on ``settings`` before ``run`` keeps its value, so a caller
can shrink or grow the run (e.g. ``settings.num_epochs``, ``settings.samples_per_epoch``).

Data: the GOT-10k folder ``settings.env.got10k_dir``, or, when ``settings.fixture_roots`` is set (``{name: root}``
as written by ``_fixtures.write_fixture_trees``), the LaSOT, GOT-10k, TrackingNet, COCO and ImageNet VID fixture
trees with equal weights (training and validation). Only paths are kept on ``settings``, because the settings are
saved in every checkpoint.
"""
import torch.nn as nn
import torch.optim as optim

import ltr.models.loss as ltr_losses
from ltr import actors
from ltr.admin.multigpu import MultiGPU
from ltr.data import processing, sampler
from ltr.dataset import Got10k
from ltr.models.tracking import dimpnet
from ltr.train_settings import common
from ltr.train_settings.smoke._fixtures import fixture_datasets
from ltr.trainers import LTRTrainer

DEFAULTS = {
    'batch_size': 2,
    'num_workers': 0,
    'multi_gpu': False,
    'print_interval': 1,
    'feature_sz': 4,
    'search_area_factor': 4.0,
    'num_train_frames': 2,
    'num_test_frames': 1,
    'samples_per_epoch': 8,
    'val_samples_per_epoch': 2,
    'num_epochs': 2,
    'out_feature_dim': 64,
    'iou_dim': 64,
    'optim_iter': 2,
    'lr_scale': 1.0,
    'fail_safe': False,
}


def run(settings):
    settings.description = 'DiMP-18 smoke test on tiny crops (random backbone).'
    for name, value in DEFAULTS.items():
        if getattr(settings, name, None) is None:
            setattr(settings, name, value)
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.output_sigma_factor = 1 / 4
    settings.target_filter_sz = 4
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 3, 'test': 4.5}
    settings.scale_jitter_factor = {'train': 0.25, 'test': 0.5}
    settings.hinge_threshold = 0.05

    fixture_roots = getattr(settings, 'fixture_roots', None)
    datasets = fixture_datasets(fixture_roots) if fixture_roots else [Got10k(settings.env.got10k_dir)]
    weights = [1] * len(datasets)
    transform_joint, transform_train, transform_val = common.standard_transforms(settings)

    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    proposal_params = {'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]}
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                    'kernel_sz': settings.target_filter_sz}
    processing_train, processing_val = common.processing_pair(
        processing.DiMPProcessing, settings, transform_joint, transform_train, transform_val,
        proposal_params=proposal_params, label_function_params=label_params)

    frames = dict(num_test_frames=settings.num_test_frames, num_train_frames=settings.num_train_frames)
    dataset_train = sampler.DiMPSampler(datasets, weights, samples_per_epoch=settings.samples_per_epoch, max_gap=30,
                                        processing=processing_train, **frames)
    dataset_val = sampler.DiMPSampler(datasets, weights, samples_per_epoch=settings.val_samples_per_epoch, max_gap=30,
                                      processing=processing_val, **frames)
    loader_train, loader_val = common.train_val_loaders(settings, dataset_train, dataset_val, val_epoch_interval=1)

    net = dimpnet.dimpnet18(filter_size=settings.target_filter_sz, backbone_pretrained=False,
                            optim_iter=settings.optim_iter, clf_feat_norm=True, final_conv=True,
                            out_feature_dim=settings.out_feature_dim, optim_init_step=0.9, optim_init_reg=0.1,
                            init_gauss_sigma=output_sigma * settings.feature_sz, num_dist_bins=100,
                            bin_displacement=0.1, mask_init_factor=3.0, target_mask_act='sigmoid', score_act='relu',
                            iou_input_dim=(settings.iou_dim, settings.iou_dim),
                            iou_inter_dim=(settings.iou_dim, settings.iou_dim))
    if settings.multi_gpu:
        net = MultiGPU(net, dim=1)

    objective = {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=settings.hinge_threshold)}
    loss_weight = {'iou': 1, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}
    actor = actors.DiMPActor(net=net, objective=objective, loss_weight=loss_weight)

    s = settings.lr_scale
    optimizer = optim.Adam([{'params': actor.net.classifier.filter_initializer.parameters(), 'lr': 5e-5 * s},
                            {'params': actor.net.classifier.filter_optimizer.parameters(), 'lr': 5e-4 * s},
                            {'params': actor.net.classifier.feature_extractor.parameters(), 'lr': 5e-5 * s},
                            {'params': actor.net.bb_regressor.parameters(), 'lr': 1e-3 * s},
                            {'params': actor.net.feature_extractor.parameters()}],
                           lr=2e-4 * s)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)

    trainer = LTRTrainer(actor, [loader_train, loader_val], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
    return trainer

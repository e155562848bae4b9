"""PrDiMP with a ResNet-18 backbone: the original's default training settings."""
import torch.optim as optim

import ltr.actors.tracking as tracking_actors
import ltr.models.loss.kl_regression as klreg_losses
from ltr.admin.multigpu import MultiGPU
from ltr.data import processing, sampler
from ltr.models.tracking import dimpnet
from ltr.train_settings import common
from ltr.trainers import LTRTrainer


def run(settings):
    settings.description = 'Default train settings for PrDiMP with ResNet18 as backbone.'
    settings.batch_size = 26
    settings.num_workers = 8
    settings.multi_gpu = False
    settings.print_interval = 1
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.search_area_factor = 5.0
    settings.output_sigma_factor = 1 / 4
    settings.target_filter_sz = 4
    settings.feature_sz = 18
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 3, 'test': 4.5}
    settings.scale_jitter_factor = {'train': 0.25, 'test': 0.5}
    settings.hinge_threshold = 0.05
    settings.print_stats = ['Loss/total', 'Loss/bb_ce', 'ClfTrain/clf_ce']

    train_datasets, val_datasets = common.tracking_datasets(settings)
    transform_joint, transform_train, transform_val = common.standard_transforms(settings)

    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    proposal_params = {'boxes_per_frame': 128, 'gt_sigma': (0.05, 0.05), 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]}
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                    'kernel_sz': settings.target_filter_sz}
    label_density_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                            'kernel_sz': settings.target_filter_sz, 'normalize': True}
    processing_train, processing_val = common.processing_pair(
        processing.KLDiMPProcessing, settings, transform_joint, transform_train, transform_val,
        proposal_params=proposal_params, label_function_params=label_params,
        label_density_params=label_density_params)

    dataset_train = sampler.DiMPSampler(train_datasets, [0.25, 1, 1, 1], samples_per_epoch=26000, max_gap=200,
                                        num_test_frames=3, num_train_frames=3, processing=processing_train)
    dataset_val = sampler.DiMPSampler(val_datasets, [1], samples_per_epoch=5000, max_gap=200,
                                      num_test_frames=3, num_train_frames=3, processing=processing_val)
    loader_train, loader_val = common.train_val_loaders(settings, dataset_train, dataset_val)

    net = dimpnet.klcedimpnet18(filter_size=settings.target_filter_sz, backbone_pretrained=True, optim_iter=5,
                                clf_feat_norm=True, final_conv=True, optim_init_step=1.0, optim_init_reg=0.05,
                                optim_min_reg=0.05, gauss_sigma=output_sigma * settings.feature_sz, alpha_eps=0.05,
                                normalize_label=True, init_initializer='zero')
    if settings.multi_gpu:
        net = MultiGPU(net, dim=1)

    objective = {'bb_ce': klreg_losses.KLRegression(), 'clf_ce': klreg_losses.KLRegressionGrid()}
    loss_weight = {'bb_ce': 0.0025, 'clf_ce': 0.25, 'clf_ce_init': 0.25, 'clf_ce_iter': 1.0}
    actor = tracking_actors.KLDiMPActor(net=net, objective=objective, loss_weight=loss_weight)

    optimizer = optim.Adam([{'params': actor.net.classifier.parameters(), 'lr': 1e-3},
                            {'params': actor.net.bb_regressor.parameters(), 'lr': 1e-3},
                            {'params': actor.net.feature_extractor.parameters()}],
                           lr=2e-4)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)

    trainer = LTRTrainer(actor, [loader_train, loader_val], optimizer, settings, lr_scheduler)
    trainer.train(50, load_latest=True, fail_safe=True)

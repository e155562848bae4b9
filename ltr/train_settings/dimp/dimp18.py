"""DiMP with a ResNet-18 backbone: the original's default training settings."""
import torch.nn as nn
import torch.optim as optim

import ltr.models.loss as ltr_losses
from ltr import actors
from ltr.admin.multigpu import MultiGPU
from ltr.data import processing, sampler
from ltr.models.tracking import dimpnet
from ltr.train_settings import common
from ltr.trainers import LTRTrainer


def run(settings):
    settings.description = 'Default train settings for DiMP with ResNet18 as backbone.'
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

    train_datasets, val_datasets = common.tracking_datasets(settings)
    transform_joint, transform_train, transform_val = common.standard_transforms(settings)

    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    proposal_params = {'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]}
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                    'kernel_sz': settings.target_filter_sz}
    processing_train, processing_val = common.processing_pair(
        processing.DiMPProcessing, settings, transform_joint, transform_train, transform_val,
        proposal_params=proposal_params, label_function_params=label_params)

    dataset_train = sampler.DiMPSampler(train_datasets, [0.25, 1, 1, 1], samples_per_epoch=26000, max_gap=30,
                                        num_test_frames=3, num_train_frames=3, processing=processing_train)
    dataset_val = sampler.DiMPSampler(val_datasets, [1], samples_per_epoch=5000, max_gap=30,
                                      num_test_frames=3, num_train_frames=3, processing=processing_val)
    loader_train, loader_val = common.train_val_loaders(settings, dataset_train, dataset_val)

    net = dimpnet.dimpnet18(filter_size=settings.target_filter_sz, backbone_pretrained=True, optim_iter=5,
                            clf_feat_norm=True, final_conv=True, optim_init_step=0.9, optim_init_reg=0.1,
                            init_gauss_sigma=output_sigma * settings.feature_sz, num_dist_bins=100,
                            bin_displacement=0.1, mask_init_factor=3.0, target_mask_act='sigmoid', score_act='relu')
    if settings.multi_gpu:
        net = MultiGPU(net, dim=1)

    objective = {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=settings.hinge_threshold)}
    loss_weight = {'iou': 1, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}
    actor = actors.DiMPActor(net=net, objective=objective, loss_weight=loss_weight)

    optimizer = optim.Adam([{'params': actor.net.classifier.filter_initializer.parameters(), 'lr': 5e-5},
                            {'params': actor.net.classifier.filter_optimizer.parameters(), 'lr': 5e-4},
                            {'params': actor.net.classifier.feature_extractor.parameters(), 'lr': 5e-5},
                            {'params': actor.net.bb_regressor.parameters(), 'lr': 1e-3},
                            {'params': actor.net.feature_extractor.parameters()}],
                           lr=2e-4)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)

    trainer = LTRTrainer(actor, [loader_train, loader_val], optimizer, settings, lr_scheduler)
    trainer.train(50, load_latest=True, fail_safe=True)

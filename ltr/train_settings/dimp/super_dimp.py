"""SuperDiMP: the DiMP classifier with the PrDiMP box regressor and improved training settings."""
import torch.optim as optim

import ltr.actors.tracking as tracking_actors
import ltr.models.loss as ltr_losses
import ltr.models.loss.kl_regression as klreg_losses
from ltr.admin.multigpu import MultiGPU
from ltr.data import processing, sampler
from ltr.models.tracking import dimpnet
from ltr.train_settings import common
from ltr.trainers import LTRTrainer


def run(settings):
    settings.description = ('SuperDiMP: Combines the DiMP classifier with the PrDiMP bounding box regressor and '
                            'better training settings (larger batch size, inside_major cropping, and flipping '
                            'augmentation. Gives results significantly better than both DiMP-50 and PrDiMP-50.')
    settings.batch_size = 20
    settings.num_workers = 8
    settings.multi_gpu = False
    settings.print_interval = 1
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.search_area_factor = 6.0
    settings.output_sigma_factor = 1 / 4
    settings.target_filter_sz = 4
    settings.feature_sz = 22
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 3, 'test': 5.5}
    settings.scale_jitter_factor = {'train': 0.25, 'test': 0.5}
    settings.hinge_threshold = 0.05

    train_datasets, val_datasets = common.tracking_datasets(settings)
    transform_joint, transform_train, transform_val = common.standard_transforms(settings, flip=True)

    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    proposal_params = {'boxes_per_frame': 128, 'gt_sigma': (0.05, 0.05), 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]}
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                    'kernel_sz': settings.target_filter_sz}
    label_density_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                            'kernel_sz': settings.target_filter_sz}
    processing_train, processing_val = common.processing_pair(
        processing.KLDiMPProcessing, settings, transform_joint, transform_train, transform_val,
        crop_type='inside_major', max_scale_change=1.5, proposal_params=proposal_params,
        label_function_params=label_params, label_density_params=label_density_params)

    dataset_train = sampler.DiMPSampler(train_datasets, [1, 1, 1, 1], samples_per_epoch=40000, max_gap=200,
                                        num_test_frames=3, num_train_frames=3, processing=processing_train)
    dataset_val = sampler.DiMPSampler(val_datasets, [1], samples_per_epoch=10000, max_gap=200,
                                      num_test_frames=3, num_train_frames=3, processing=processing_val)
    loader_train, loader_val = common.train_val_loaders(settings, dataset_train, dataset_val)

    net = dimpnet.dimpnet50(filter_size=settings.target_filter_sz, backbone_pretrained=True, optim_iter=5,
                            clf_feat_norm=True, clf_feat_blocks=0, final_conv=True, out_feature_dim=512,
                            optim_init_step=0.9, optim_init_reg=0.1,
                            init_gauss_sigma=output_sigma * settings.feature_sz, num_dist_bins=100,
                            bin_displacement=0.1, mask_init_factor=3.0, target_mask_act='sigmoid', score_act='relu',
                            frozen_backbone_layers=['conv1', 'bn1', 'layer1', 'layer2'])
    if settings.multi_gpu:
        net = MultiGPU(net, dim=1)

    objective = {'bb_ce': klreg_losses.KLRegression(),
                 'test_clf': ltr_losses.LBHinge(threshold=settings.hinge_threshold)}
    loss_weight = {'bb_ce': 0.01, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}
    actor = tracking_actors.KLDiMPActor(net=net, objective=objective, loss_weight=loss_weight)

    optimizer = optim.Adam([{'params': actor.net.classifier.filter_initializer.parameters(), 'lr': 5e-5},
                            {'params': actor.net.classifier.filter_optimizer.parameters(), 'lr': 5e-4},
                            {'params': actor.net.classifier.feature_extractor.parameters(), 'lr': 5e-5},
                            {'params': actor.net.bb_regressor.parameters(), 'lr': 1e-3},
                            {'params': actor.net.feature_extractor.layer3.parameters(), 'lr': 2e-5}],
                           lr=2e-4)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)

    trainer = LTRTrainer(actor, [loader_train, loader_val], optimizer, settings, lr_scheduler)
    trainer.train(50, load_latest=True, fail_safe=True)

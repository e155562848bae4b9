"""ATOM with the probabilistic box regression of [https://arxiv.org/abs/1909.12297], trained by maximum likelihood."""
import torch.optim as optim

import ltr.models.bbreg.atom as atom_models
import ltr.actors.bbreg as bbreg_actors
import ltr.models.loss.kl_regression as klreg_losses
from ltr.data import processing, sampler
from ltr.train_settings import common
from ltr.trainers import LTRTrainer


def run(settings):
    settings.description = ('ATOM using the probabilistic maximum likelihood trained regression model for '
                            'bounding-box regression presented in [https://arxiv.org/abs/1909.12297].')
    settings.batch_size = 64
    settings.num_workers = 8
    settings.print_interval = 1
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.search_area_factor = 5.0
    settings.feature_sz = 18
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 0, 'test': 4.5}
    settings.scale_jitter_factor = {'train': 0, 'test': 0.5}

    train_datasets, val_datasets = common.tracking_datasets(settings)
    transform_joint, transform_train, transform_val = common.standard_transforms(settings)

    proposal_params = {'boxes_per_frame': 128, 'gt_sigma': (0, 0), 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)],
                       'add_mean_box': True}
    processing_train, processing_val = common.processing_pair(
        processing.KLBBregProcessing, settings, transform_joint, transform_train, transform_val,
        proposal_params=proposal_params)

    dataset_train = sampler.ATOMSampler(train_datasets, [1, 1, 1, 1], samples_per_epoch=1000 * settings.batch_size,
                                        max_gap=200, processing=processing_train)
    dataset_val = sampler.ATOMSampler(val_datasets, [1], samples_per_epoch=500 * settings.batch_size, max_gap=200,
                                      processing=processing_val)
    loader_train, loader_val = common.train_val_loaders(settings, dataset_train, dataset_val)

    net = atom_models.atom_resnet18(backbone_pretrained=True)
    actor = bbreg_actors.AtomBBKLActor(net=net, objective=klreg_losses.MLRegression())

    optimizer = optim.Adam(actor.net.bb_regressor.parameters(), lr=1e-3)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)

    trainer = LTRTrainer(actor, [loader_train, loader_val], optimizer, settings, lr_scheduler)
    trainer.train(50, load_latest=True, fail_safe=True)

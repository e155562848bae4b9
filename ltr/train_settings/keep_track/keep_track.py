"""KeepTrack: trains the target candidate matching network on the candidate matching dataset (LaSOT).

    python ltr/run_training.py keep_track keep_track

Needs the LaSOT training set (``lasot_dir``), the candidate file written by
``pytracking/util_scripts/create_distractor_dataset.py dimp_simple super_dimp_simple lasot_train <dir>``
(``lasot_candidate_matching_dataset_path``) and the base network ``super_dimp_simple.pth.tar`` in
``pretrained_networks``, whose backbone the matching network shares (frozen).

Hyperparameters are the original's. Settings already present on ``settings`` before ``run`` keep their value,
so a caller can shrink the run: ``batch_size``, ``num_workers``, ``feature_sz`` (crop side = 16 x feature_sz),
``num_epochs``, ``samples_per_epoch``, ``val_samples_per_epoch``, ``val_hh_samples``, ``val_hk_samples``,
``backbone_pretrained``, ``base_network_path``, ``fail_safe``.
"""
import logging
import os

import torch.optim as optim

import ltr.admin.loading as network_loading
import ltr.data.transforms as tfm
import ltr.models.loss.target_candidate_matching_loss as tcm_loss
from ltr.actors.keep_track import TargetCandiateMatchingActor
from ltr.admin.multigpu import MultiGPU
from ltr.data import LTRLoader, processing, sampler
from ltr.dataset import LasotCandidateMatching
from ltr.models.target_candidate_matching import target_candidate_matching as tcm
from ltr.trainers import LTRTrainer

logger = logging.getLogger(__name__)

DEFAULTS = {
    'batch_size': 64,
    'num_workers': 8,
    'multi_gpu': False,
    'print_interval': 1,
    'feature_sz': 22,
    'num_epochs': 15,
    'backbone_pretrained': True,
    'fail_safe': True,
}


def run(settings):
    settings.description = ('KeepTrack: Trains the target candidate association network using the candidate '
                            'matching dataset')
    for name, value in DEFAULTS.items():
        if getattr(settings, name, None) is None:
            setattr(settings, name, value)
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.search_area_factor = 6.0
    settings.output_sigma_factor = 1 / 4
    settings.target_filter_sz = 4
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 3, 'test': 5.5}
    settings.scale_jitter_factor = {'train': 0.25, 'test': 0.5}
    settings.hinge_threshold = 0.05
    bs = settings.batch_size
    samples = {'samples_per_epoch': bs * 100, 'val_samples_per_epoch': bs * 10, 'val_hh_samples': bs * 5,
               'val_hk_samples': bs * 2}
    for name, value in samples.items():
        if getattr(settings, name, None) is None:
            setattr(settings, name, value)
    # The base tracker's score map (4x4 filter on the features) is one cell larger than the features.
    score_map_sz = (settings.feature_sz + 1, settings.feature_sz + 1)

    # Train and validation datasets
    lasot_dumped_train = LasotCandidateMatching(settings.env.lasot_dir,
                                                settings.env.lasot_candidate_matching_dataset_path, split='train-train')
    lasot_dumped_val = LasotCandidateMatching(settings.env.lasot_dir,
                                              settings.env.lasot_candidate_matching_dataset_path, split='train-val')

    loaders = make_loaders(settings, lasot_dumped_train, lasot_dumped_val, score_map_sz)

    # The network: its backbone (frozen) comes from the base tracker's network
    net = tcm.target_candidate_matching_net_resnet50(backbone_pretrained=settings.backbone_pretrained,
                                                     frozen_backbone_layers=['conv1', 'bn1', 'layer1', 'layer2'])
    base_network_path = getattr(settings, 'base_network_path', None) or \
        os.path.join(settings.env.pretrained_networks, 'super_dimp_simple.pth.tar')
    if not os.path.isfile(base_network_path):
        raise FileNotFoundError("Base network '{}' not found: put the model-zoo file super_dimp_simple.pth.tar in "
                                "'pretrained_networks' (ltr/admin/local.py)".format(base_network_path))
    base_net, _ = network_loading.load_network(checkpoint=base_network_path, backbone_pretrained=False)
    net.load_state_dict(base_net.state_dict(), strict=False)

    return train_matching_net(settings, net, loaders, lr=1.0e-4, lr_step_size=6)


def make_loaders(settings, train_data, val_data, score_map_sz) -> list:
    """The recipe's loaders: self- and partially supervised training pairs from ``train_data``, self-supervised
    validation pairs and (when ``val_data`` has such pairs) real detected-candidate pairs 'HH' / 'HK' from
    ``val_data`` (candidate-matching datasets). Reads ``batch_size``, ``num_workers``, ``output_sz``,
    ``normalize_mean`` / ``normalize_std`` and the sample counts from ``settings``; ``score_map_sz`` is the base
    tracker's score map (rows, cols)."""
    bs = settings.batch_size
    transform_train = tfm.Transform(tfm.ToTensor(),
                                    tfm.Normalize(mean=settings.normalize_mean, std=settings.normalize_std))
    img_aug_transform_train = tfm.Transform(tfm.ToTensorAndJitter(normalize=True, brightness_jitter=0.5),
                                            tfm.RandomBlur(sigma=0.5, probability=0.75),
                                            tfm.Normalize(mean=settings.normalize_mean, std=settings.normalize_std))

    processing_train = processing.TargetCandiateMatchingProcessing(
        output_sz=settings.output_sz, train_transform=transform_train, num_target_candidates=5,
        img_aug_transform=img_aug_transform_train, score_map_sz=score_map_sz)
    processing_val = processing.TargetCandiateMatchingProcessing(
        output_sz=settings.output_sz, train_transform=transform_train, num_target_candidates=5,
        img_aug_transform=img_aug_transform_train, score_map_sz=score_map_sz)
    processing_val_real = processing.TargetCandiateMatchingProcessing(
        output_sz=settings.output_sz, train_transform=transform_train, real_target_candidates_only=True,
        score_map_sz=score_map_sz)

    # Samplers and loaders
    dataset_train = sampler.SequentialTargetCandidateMatchingSampler(
        train_data, samples_per_epoch=settings.samples_per_epoch, processing=processing_train,
        sup_modes=['self_sup', 'partial_sup'], frame_modes=['H', 'K', 'J'], p_frame_modes=[1., 0.5, 0.5],
        subseq_modes=['HH', 'HK', 'HG'], p_subseq_modes=[1.0, 0.1, 0.1])
    dataset_val = sampler.SequentialTargetCandidateMatchingSampler(
        val_data, samples_per_epoch=settings.val_samples_per_epoch, processing=processing_val,
        sup_modes=['self_sup'], frame_modes=['G', 'H', 'J', 'K'], p_frame_modes=[0.2, 0.4, 0.2, 0.2])

    loader_train = LTRLoader('train', dataset_train, training=True, batch_size=bs, num_workers=settings.num_workers,
                             shuffle=True, drop_last=True, stack_dim=1)
    loader_val = LTRLoader('val_self_sup', dataset_val, training=False, batch_size=bs,
                           num_workers=settings.num_workers, shuffle=False, drop_last=True, stack_dim=1)
    loaders = [loader_train, loader_val]

    # Validation on the real detected candidates of consecutive frames (one pair per batch: candidate numbers
    # differ), for the pair states the validation set has.
    val_pair_states = val_data.get_subseq_states()
    for state, num_samples in (('HH', settings.val_hh_samples), ('HK', settings.val_hk_samples)):
        if state not in val_pair_states:
            logger.warning("The validation candidate data has no '%s' frame pairs: no val_%s loader", state, state)
            continue
        dataset = sampler.SequentialTargetCandidateMatchingSampler(
            val_data, samples_per_epoch=num_samples, processing=processing_val_real,
            sup_modes=['partial_sup'], subseq_modes=[state], p_subseq_modes=[1.])
        loaders.append(LTRLoader('val_' + state, dataset, training=False, batch_size=1,
                                 num_workers=settings.num_workers, shuffle=False, drop_last=True, stack_dim=1))

    return loaders


def train_matching_net(settings, net, loaders: list, lr: float, lr_step_size: int) -> LTRTrainer:
    """Train ``net`` (backbone frozen) with the matching loss: Adam at ``lr``, x0.2 every ``lr_step_size`` epochs,
    for ``settings.num_epochs`` epochs. Returns the trainer."""
    for p in net.parameters():
        p.requires_grad_(True)
    for p in net.feature_extractor.parameters():
        p.requires_grad_(False)

    if settings.multi_gpu:
        net = MultiGPU(net, dim=1)

    objective = {'target_candidate_matching': tcm_loss.TargetCandidateMatchingLoss()}
    actor = TargetCandiateMatchingActor(net=net, objective=objective)

    optimizer = optim.Adam([{'params': actor.net.parameters(), 'lr': lr}], lr=lr)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=lr_step_size, gamma=0.2)

    trainer = LTRTrainer(actor, loaders, optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
    return trainer

"""DiMP-tiny: the project's shipped small DiMP, trained from scratch on the embedded synthetic benchmark.

A narrow ResNet (``resnet_baby``, 16 channels after conv1, no pretrained weights), 64-channel classification
features and a narrow IoU-Net, on 128x128 crops (feature size 8 at stride 16). 1500 iterations of batch size 8
train in about 15 minutes on a 2-core CPU (measured under a load average of 5-6 from other jobs; see MODEL_ZOO.md)
and need no dataset download: the training videos are rendered on the fly from the synthetic benchmark's training
seeds 0-399 (disjoint from the test split that ``get_dataset('synthetic')`` evaluates on).

    OMP_NUM_THREADS=1 python ltr/run_training.py dimp dimp_tiny --seed 1 --device cpu

produced the shipped ``pytracking/networks/dimp_tiny.pth.tar`` (via :func:`export_network` on epoch 30).

Any size setting in ``DEFAULTS`` that is already set on ``settings`` before ``run`` keeps its value, so a caller
(e.g. a test) can shrink the run: ``settings.num_epochs``, ``settings.samples_per_epoch``, ``settings.batch_size``.
"""
import torch.nn as nn
import torch.optim as optim

import ltr.models.loss as ltr_losses
from ltr import actors
from ltr.admin.multigpu import MultiGPU
from ltr.data import LTRLoader, processing, sampler
from ltr.dataset.synthetic_tracking import SyntheticTracking
from ltr.models.tracking import dimpnet
from ltr.train_settings import common
from ltr.trainers import LTRTrainer

DEFAULTS = {
    'batch_size': 8,
    'num_workers': 1,
    'multi_gpu': False,
    'print_interval': 10,
    'feature_sz': 8,
    'search_area_factor': 4.0,
    'num_train_frames': 2,
    'num_test_frames': 2,
    'num_sequences': 400,       # training seeds 0..399
    'samples_per_epoch': 400,   # 50 iterations of batch size 8
    'num_epochs': 30,
    'lr_step': 22,              # epochs between learning-rate drops (x0.2)
    'out_feature_dim': 64,
    'iou_dim': 64,
    'backbone_inplanes': 16,
    'optim_iter': 5,
    'lr_scale': 1.0,
    'fail_safe': True,
}


def run(settings):
    settings.description = 'DiMP-tiny: narrow DiMP trained from scratch on the synthetic benchmark (training seeds).'
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

    # Annotations of all sequences stay cached in the (persistent) loader process; textures of 64 sequences.
    dataset = SyntheticTracking(num_sequences=settings.num_sequences, cache_size=64)
    transform_joint, transform_train, _ = common.standard_transforms(settings)

    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    proposal_params = {'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]}
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                    'kernel_sz': settings.target_filter_sz}
    processing_train, _ = common.processing_pair(
        processing.DiMPProcessing, settings, transform_joint, transform_train, transform_train,
        proposal_params=proposal_params, label_function_params=label_params)

    dataset_train = sampler.DiMPSampler([dataset], [1], samples_per_epoch=settings.samples_per_epoch, max_gap=30,
                                        num_test_frames=settings.num_test_frames,
                                        num_train_frames=settings.num_train_frames, processing=processing_train)
    # No validation loader: the meaningful check of this model is tracking (pytracking/quick_start.py), and
    # every CPU second goes to training. Persistent workers keep the rendered-sequence caches between epochs.
    loader_train = LTRLoader('train', dataset_train, training=True, batch_size=settings.batch_size,
                             num_workers=settings.num_workers, shuffle=True, drop_last=True, stack_dim=1,
                             persistent_workers=settings.num_workers > 0)

    net = dimpnet.dimpnet_tiny(filter_size=settings.target_filter_sz, optim_iter=settings.optim_iter,
                               optim_init_step=0.9, optim_init_reg=0.1, backbone_inplanes=settings.backbone_inplanes,
                               clf_feat_norm=True, final_conv=True, out_feature_dim=settings.out_feature_dim,
                               init_gauss_sigma=output_sigma * settings.feature_sz, num_dist_bins=100,
                               bin_displacement=0.1, mask_init_factor=3.0, target_mask_act='sigmoid',
                               score_act='relu', iou_input_dim=(settings.iou_dim, settings.iou_dim),
                               iou_inter_dim=(settings.iou_dim, settings.iou_dim))
    if settings.multi_gpu:
        net = MultiGPU(net, dim=1)

    objective = {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=settings.hinge_threshold)}
    loss_weight = {'iou': 1, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}
    actor = actors.DiMPActor(net=net, objective=objective, loss_weight=loss_weight)

    # The DiMP-18 learning rates are for fine-tuning a pretrained backbone over 50k iterations; a backbone and
    # classifier trained from scratch in ~1.5k iterations need larger steps.
    s = settings.lr_scale
    optimizer = optim.Adam([{'params': actor.net.classifier.filter_initializer.parameters(), 'lr': 5e-4 * s},
                            {'params': actor.net.classifier.filter_optimizer.parameters(), 'lr': 1e-3 * s},
                            {'params': actor.net.classifier.feature_extractor.parameters(), 'lr': 1e-3 * s},
                            {'params': actor.net.bb_regressor.parameters(), 'lr': 1e-3 * s},
                            {'params': actor.net.feature_extractor.parameters()}],
                           lr=1e-3 * s)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=settings.lr_step, gamma=0.2)

    trainer = LTRTrainer(actor, [loader_train], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
    return trainer


def export_network(checkpoint_path: str, out_path: str) -> dict:
    """Write the network file that ships in ``pytracking/networks`` from a training checkpoint of this recipe.

    Keeps the official layout (``epoch``, ``actor_type``, ``net_type``, ``net``, ``net_info``, ``constructor``,
    ``stats``, ``settings``) but drops what only resuming needs (``optimizer``, ``lr_scheduler``: they would double
    the file) and the machine-specific paths in ``settings.env``.

        python -c "from ltr.train_settings.dimp.dimp_tiny import export_network; export_network(
            'workspace/checkpoints/ltr/dimp/dimp_tiny/DiMPnet_ep0014.pth.tar', 'pytracking/networks/dimp_tiny.pth.tar')"

    returns: the written dict.
    """
    from ltr.admin.loading import export_network_file
    return export_network_file(checkpoint_path, out_path, builder_name='dimpnet_tiny')

"""Whole DiMP-family networks: forward at training shapes, the tracking calls under no_grad, and one
training step reaching every learned parameter."""
import math

import pytest
import torch
import torch.nn as nn

from ltr.models.loss import KLRegression, KLRegressionGrid, LBHinge
from ltr.models.tracking import dimpnet

# Constructor keywords of the model-zoo networks (tests/data/checkpoints/*.txt).
DIMP_KWDS = dict(filter_size=4, backbone_pretrained=False, optim_iter=5, clf_feat_norm=True, final_conv=True,
                 optim_init_step=0.9, optim_init_reg=0.1, init_gauss_sigma=0.9, num_dist_bins=100,
                 bin_displacement=0.1, mask_init_factor=3.0, target_mask_act='sigmoid', score_act='relu')
PRDIMP_KWDS = dict(filter_size=4, backbone_pretrained=False, optim_iter=5, clf_feat_norm=True, final_conv=True,
                   optim_init_step=1.0, optim_init_reg=0.05, optim_min_reg=0.05, gauss_sigma=0.9, alpha_eps=0.05,
                   normalize_label=True, init_initializer='zero')
RES50 = dict(clf_feat_blocks=0, out_feature_dim=512)

BUILDERS = {
    'dimp18': lambda: dimpnet.dimpnet18(**DIMP_KWDS),
    'prdimp18': lambda: dimpnet.klcedimpnet18(**PRDIMP_KWDS),
    'l2dimp18': lambda: dimpnet.L2dimpnet18(filter_size=4, backbone_pretrained=False, optim_init_step=0.9,
                                            optim_init_reg=0.1, hinge_threshold=0.05),
    'dimp50': lambda: dimpnet.dimpnet50(**DIMP_KWDS, **RES50),
    'prdimp50': lambda: dimpnet.klcedimpnet50(**PRDIMP_KWDS, **RES50),
    'super_dimp': lambda: dimpnet.dimpnet50(**dict(DIMP_KWDS, init_gauss_sigma=0.9166666666666666), **RES50,
                                            frozen_backbone_layers=['conv1', 'bn1', 'layer1', 'layer2']),
}
SLOW = {'dimp50', 'prdimp50', 'super_dimp'}


def builder_params(names):
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


def training_batch(num_frames=3, num_sequences=2, size=288, num_proposals=8, seed=0):
    """Random images (frames, sequences, 3, size, size), train and test boxes (frames, sequences, 4) and
    proposals around the test boxes (frames, sequences, num_proposals, 4)."""
    gen = torch.Generator().manual_seed(seed)
    train = torch.randn(num_frames, num_sequences, 3, size, size, generator=gen)
    test = torch.randn(num_frames, num_sequences, 3, size, size, generator=gen)
    centre = size / 2 + size / 16 * torch.randn(2, num_frames, num_sequences, 2, generator=gen)
    wh = size / 4 * (1 + 0.3 * torch.rand(2, num_frames, num_sequences, 2, generator=gen))
    train_bb, test_bb = torch.cat((centre - wh / 2, wh), dim=-1)
    proposals = test_bb[:, :, None, :] + 6 * torch.randn(num_frames, num_sequences, num_proposals, 4, generator=gen)
    return train, test, train_bb, test_bb, proposals


@pytest.mark.parametrize('name', builder_params(['dimp18', 'prdimp18', 'l2dimp18', 'dimp50', 'prdimp50']))
def test_forward_at_training_shapes(name):
    """3 train and 3 test frames of 288x288, 2 sequences, 8 proposals per frame, training mode."""
    torch.manual_seed(0)
    net = BUILDERS[name]().train()
    train, test, train_bb, _, proposals = training_batch()
    with torch.no_grad():
        scores, iou = net(train, test, train_bb, proposals)
    assert len(scores) == 5 + 1                          # initial filter + one per iteration
    for s in scores:
        assert s.shape == (3, 2, 19, 19) and torch.isfinite(s).all()   # 288/16 = 18 cells, even filter: +1
    assert iou.shape == (3, 2, 8) and torch.isfinite(iou).all()
    # The iterations change the filter.
    assert not torch.allclose(scores[0], scores[-1])


def tracking_calls(net, num_init_samples=2, size=288, num_proposals=10):
    """What the DiMP tracker does: learn a filter from a few samples, update it, classify, refine boxes."""
    gen = torch.Generator().manual_seed(1)
    init_im = torch.randn(num_init_samples, 3, size, size, generator=gen)
    test_im = torch.randn(1, 3, size, size, generator=gen)
    boxes = torch.tensor([[110.0, 120.0, 60.0, 50.0]]).repeat(num_init_samples, 1) + \
        torch.randn(num_init_samples, 4, generator=gen)

    init_backbone = net.extract_backbone_features(init_im)
    init_clf = net.extract_classification_feat(init_backbone)                 # (samples, C, H, W)
    target_filter, _, losses = net.classifier.get_filter(init_clf, boxes, num_iter=10, compute_losses=True)
    sample_weight = torch.full((num_init_samples,), 1.0 / num_init_samples)
    target_filter, _, _ = net.classifier.filter_optimizer(target_filter, feat=init_clf, bb=boxes,
                                                          sample_weight=sample_weight, num_iter=2)

    test_backbone = net.extract_backbone_features(test_im)
    scores = net.classifier.classify(target_filter, net.extract_classification_feat(test_backbone))

    iou_backbone = net.get_backbone_bbreg_feat(init_backbone)
    modulation = net.bb_regressor.get_modulation([f[:1] for f in iou_backbone], boxes[:1])
    iou_feat = net.bb_regressor.get_iou_feat(net.get_backbone_bbreg_feat(test_backbone))
    proposals = boxes[:1, None, :] + 5 * torch.randn(1, num_proposals, 4, generator=gen)
    iou = net.bb_regressor.predict_iou(modulation, iou_feat, proposals)
    return target_filter, losses, scores, iou


# Image sample size of the tracker's parameter files: 18 cells of 16 px for the ResNet-18 models, 22 for ResNet-50.
TRACKING_SIZE = {'dimp18': 288, 'prdimp18': 288, 'l2dimp18': 288, 'dimp50': 352, 'prdimp50': 352, 'super_dimp': 352}


@pytest.mark.parametrize('name', builder_params(['dimp18', 'prdimp18', 'l2dimp18', 'super_dimp', 'prdimp50']))
def test_tracking_calls_under_no_grad(name):
    torch.manual_seed(0)
    net = BUILDERS[name]().eval()
    size = TRACKING_SIZE[name]
    with torch.no_grad():
        target_filter, losses, scores, iou = tracking_calls(net, size=size)
    assert target_filter.shape == (1, net.classifier.filter_initializer.filter_conv.out_channels, 4, 4)
    assert len(losses) == 11 and all(torch.isfinite(l) for l in losses)
    assert scores.shape == (1, 1, size // 16 + 1, size // 16 + 1) and torch.isfinite(scores).all()
    assert iou.shape == (1, 10) and torch.isfinite(iou).all()
    assert not target_filter.requires_grad


def test_extract_features_names_and_shapes():
    torch.manual_seed(0)
    net = BUILDERS['dimp18']().eval()
    with torch.no_grad():
        feats = net.extract_features(torch.randn(2, 3, 256, 256))
    assert list(feats.keys()) == ['layer2', 'layer3', 'classification']
    assert feats['layer2'].shape == (2, 128, 32, 32)
    assert feats['layer3'].shape == (2, 256, 16, 16)
    assert feats['classification'].shape == (2, 256, 16, 16)
    # L2-normalised so that the mean square is 1 / (C * f * f): total energy H * W / (f * f).
    energy = (feats['classification'] ** 2).sum(dim=(1, 2, 3))
    assert torch.allclose(energy, torch.full((2,), 16 * 16 / (4 * 4)), rtol=1e-4)


def test_forward_rejects_4d_images():
    net = BUILDERS['dimp18']()
    with pytest.raises(ValueError, match='5-dimensional'):
        net(torch.zeros(1, 3, 64, 64), torch.zeros(1, 3, 64, 64), torch.zeros(1, 1, 4), torch.zeros(1, 1, 8, 4))


# ---- one training step --------------------------------------------------------------------------

SIZE, STRIDE = 160, 16


def gaussian_on_score_map(bb, sigma=0.25 * 18 / 16):
    """Gaussian around the target centre on the (SIZE/STRIDE + 1)^2 score map of a 4x4 filter."""
    n = SIZE // STRIDE + 1
    centre = ((bb[..., :2] + bb[..., 2:] / 2) / STRIDE).flip(-1)
    k = torch.arange(n, dtype=torch.float32)
    d2 = (k.reshape(1, 1, -1, 1) - centre[..., 0, None, None]) ** 2 + \
         (k.reshape(1, 1, 1, -1) - centre[..., 1, None, None]) ** 2
    return torch.exp(-d2 / (2 * sigma ** 2))


def assert_all_learned_parameters_have_gradients(net):
    missing = []
    for name, p in net.named_parameters():
        # layer4 and fc of the backbone are not used by DiMP (classification on layer3).
        if not p.requires_grad or name.startswith(('feature_extractor.layer4', 'feature_extractor.fc')):
            continue
        if p.grad is None or not torch.isfinite(p.grad).all() or p.grad.abs().sum() == 0:
            missing.append(name)
    assert not missing, missing


def test_dimp_training_loss_reaches_every_parameter():
    torch.manual_seed(0)
    net = dimpnet.dimpnet18(**dict(DIMP_KWDS, optim_iter=3)).train()
    train, test, train_bb, test_bb, proposals = training_batch(num_frames=2, size=SIZE)
    scores, iou = net(train, test, train_bb, proposals)

    label = gaussian_on_score_map(test_bb)
    hinge = LBHinge(threshold=0.05)
    clf_loss = sum(hinge(s, label) for s in scores)
    iou_loss = nn.MSELoss()(iou, torch.rand(iou.shape, generator=torch.Generator().manual_seed(1)))
    (clf_loss + iou_loss).backward()
    assert_all_learned_parameters_have_gradients(net)
    opt = net.classifier.filter_optimizer
    assert opt.log_step_length.grad.abs() > 0 and opt.filter_reg.grad.abs() > 0


def test_prdimp_training_loss_reaches_every_parameter():
    torch.manual_seed(0)
    net = dimpnet.klcedimpnet18(**dict(PRDIMP_KWDS, optim_iter=3)).train()
    train, test, train_bb, test_bb, proposals = training_batch(num_frames=2, size=SIZE, seed=1)
    scores, iou = net(train, test, train_bb, proposals)

    label = gaussian_on_score_map(test_bb)
    label_density = label / label.sum(dim=(-2, -1), keepdim=True)
    clf_loss = sum(KLRegressionGrid()(s, label_density, grid_dim=(-2, -1)) for s in scores)
    # Proposals drawn around the target: Gaussian sample and ground-truth densities (any positive values do).
    offsets = proposals - test_bb[:, :, None, :]
    sample_density = torch.exp(-(offsets ** 2).sum(-1) / (2 * 6.0 ** 2)) / (2 * math.pi * 6.0 ** 2) ** 2
    gt_density = torch.exp(-(offsets ** 2).sum(-1) / (2 * 3.0 ** 2)) / (2 * math.pi * 3.0 ** 2) ** 2
    bb_loss = KLRegression()(iou, sample_density, gt_density, mc_dim=-1)
    (clf_loss + bb_loss).backward()
    assert_all_learned_parameters_have_gradients(net)


def test_l2dimp_training_loss_reaches_every_parameter():
    """L2dimpnet18 (DiMPL2SteepestDescentGN: fixed Gaussian label, hinge on the background)."""
    torch.manual_seed(0)
    net = BUILDERS['l2dimp18']().train()
    net.classifier.filter_optimizer.num_iter = 3
    train, test, train_bb, test_bb, proposals = training_batch(num_frames=2, size=SIZE, seed=2)
    scores, iou = net(train, test, train_bb, proposals)
    assert len(scores) == 4

    label = gaussian_on_score_map(test_bb)
    clf_loss = sum(LBHinge(threshold=0.05)(s, label) for s in scores)
    iou_loss = nn.MSELoss()(iou, torch.rand(iou.shape, generator=torch.Generator().manual_seed(3)))
    (clf_loss + iou_loss).backward()
    assert_all_learned_parameters_have_gradients(net)
    opt = net.classifier.filter_optimizer
    assert {n for n, _ in opt.named_parameters()} == {'log_step_length', 'filter_reg'}
    assert opt.log_step_length.grad.abs() > 0 and opt.filter_reg.grad.abs() > 0


@pytest.mark.parametrize('name', ['dimp18', 'prdimp18'])
def test_batched_forward_equals_per_sequence_tracking_calls(name):
    """The batched training forward keeps sequences apart: in eval mode (fixed batch-norm statistics), the
    score maps and IoUs of every (frame, sequence) equal those computed from that sequence alone with the
    calls the tracker makes (filter learned on its train frames, IoU modulation from its first train frame)."""
    torch.manual_seed(0)
    net = BUILDERS[name]().double().eval()
    if name == 'prdimp18':
        # The official PrDiMP initializer starts from zero weights: give it some so that it matters.
        nn.init.normal_(net.classifier.filter_initializer.filter_conv.weight, std=0.01)
    size, num_frames, num_sequences = 128, 2, 2
    train, test, train_bb, _, proposals = [t.double() for t in training_batch(num_frames, num_sequences, size,
                                                                              num_proposals=4, seed=4)]
    with torch.no_grad():
        scores, iou = net(train, test, train_bb, proposals, num_iter=3)
        assert len(scores) == 4 and not torch.allclose(scores[-1][:, 0], scores[-1][:, 1])
        for s in range(num_sequences):
            train_feat = net.extract_backbone_features(train[:, s])
            weights, _, _ = net.classifier.get_filter(net.extract_classification_feat(train_feat), train_bb[:, s],
                                                      num_iter=3)
            modulation = net.bb_regressor.get_modulation([f[:1] for f in net.get_backbone_bbreg_feat(train_feat)],
                                                         train_bb[0, s:s + 1])
            test_feat = net.extract_backbone_features(test[:, s])
            expected_scores = net.classifier.classify(weights, net.extract_classification_feat(test_feat))
            assert torch.allclose(scores[-1][:, s], expected_scores[:, 0], rtol=1e-9, atol=1e-11)
            iou_feat = net.bb_regressor.get_iou_feat(net.get_backbone_bbreg_feat(test_feat))
            for i in range(num_frames):
                expected_iou = net.bb_regressor.predict_iou(modulation, [f[i:i + 1] for f in iou_feat],
                                                            proposals[i, s:s + 1])
                assert torch.allclose(iou[i, s], expected_iou[0], rtol=1e-9, atol=1e-11)


@pytest.mark.slow
def test_super_dimp_training_loss_reaches_every_unfrozen_parameter():
    """DiMP-50 layout (bottleneck feature block) with SuperDiMP's frozen backbone layers: every trainable
    parameter gets a gradient, the frozen ones none."""
    torch.manual_seed(0)
    net = BUILDERS['super_dimp']().train()
    net.classifier.filter_optimizer.num_iter = 2
    train, test, train_bb, test_bb, proposals = training_batch(num_frames=2, size=SIZE, seed=5)
    scores, iou = net(train, test, train_bb, proposals)
    label = gaussian_on_score_map(test_bb)
    clf_loss = sum(LBHinge(threshold=0.05)(s, label) for s in scores)
    iou_loss = nn.MSELoss()(iou, torch.rand(iou.shape, generator=torch.Generator().manual_seed(6)))
    (clf_loss + iou_loss).backward()
    assert_all_learned_parameters_have_gradients(net)
    frozen = [n for n, p in net.feature_extractor.named_parameters() if not p.requires_grad]
    assert {n.split('.')[0] for n in frozen} == {'conv1', 'bn1', 'layer1', 'layer2'}
    assert all(p.grad is None for p in net.feature_extractor.parameters() if not p.requires_grad)

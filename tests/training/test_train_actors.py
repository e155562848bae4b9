"""Loss assembly of the actors, checked against hand-computed weighted sums."""
import pytest
import torch
import torch.nn as nn

from ltr.actors import AtomActor, AtomBBKLActor, BaseActor, DiMPActor, KLDiMPActor


class _FixedOutputNet(nn.Module):
    """Returns preset outputs and records the arguments it was called with."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs = outputs
        self.calls = []
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.outputs


def _mean_loss(scores, label=None, anno=None):
    return scores.mean()


def _dimp_data():
    return {'train_images': torch.zeros(3, 2, 3, 8, 8), 'test_images': torch.zeros(3, 2, 3, 8, 8),
            'train_anno': torch.zeros(3, 2, 4), 'test_anno': torch.ones(3, 2, 4),
            'test_proposals': torch.zeros(3, 2, 5, 4), 'proposal_iou': torch.full((3, 2, 5), 0.5),
            'test_label': torch.zeros(3, 2, 5, 5)}


def test_dimp_actor_weights_every_iteration():
    # Iteration losses are the means of constant score maps: 1, 2, 3, 4 (initial, two intermediate, final).
    scores = [torch.full((3, 2, 5, 5), float(v)) for v in (1, 2, 3, 4)]
    iou_pred = torch.full((3, 2, 5), 0.75)
    net = _FixedOutputNet((scores, iou_pred))
    actor = DiMPActor(net, {'test_clf': _mean_loss, 'iou': nn.MSELoss()},
                      loss_weight={'iou': 2, 'test_clf': 100, 'test_init_clf': 10, 'test_iter_clf': 400})
    loss, stats = actor(_dimp_data())

    iou = 2 * 0.25 ** 2
    expected = iou + 100 * 4 + 10 * 1 + 400 / 2 * (2 + 3)
    assert loss.item() == pytest.approx(expected)
    assert stats['Loss/total'] == pytest.approx(expected)
    assert stats['Loss/iou'] == pytest.approx(iou)
    assert stats['Loss/target_clf'] == pytest.approx(400)
    assert stats['Loss/test_init_clf'] == pytest.approx(10)
    assert stats['Loss/test_iter_clf'] == pytest.approx(1000)
    assert stats['ClfTrain/test_loss'] == pytest.approx(4)
    assert stats['ClfTrain/test_init_loss'] == pytest.approx(1)
    assert stats['ClfTrain/test_iter_loss'] == pytest.approx(2.5)
    # The network is called with the original keyword names.
    assert set(net.calls[0][1]) == {'train_imgs', 'test_imgs', 'train_bb', 'test_proposals'}


def test_dimp_actor_per_iteration_weight_list_and_defaults():
    scores = [torch.full((3, 2, 5, 5), float(v)) for v in (1, 2, 3, 4)]
    net = _FixedOutputNet((scores, torch.full((3, 2, 5), 0.5)))
    actor = DiMPActor(net, {'test_clf': _mean_loss, 'iou': nn.MSELoss()},
                      loss_weight={'iou': 1, 'test_clf': 1, 'test_iter_clf': [10, 100]})
    loss, stats = actor(_dimp_data())
    assert loss.item() == pytest.approx(4 + 10 * 2 + 100 * 3)
    assert 'Loss/test_init_clf' not in stats

    default_actor = DiMPActor(net, {'test_clf': _mean_loss, 'iou': nn.MSELoss()})
    assert default_actor.loss_weight == {'iou': 1.0, 'test_clf': 1.0}
    loss, _ = default_actor(_dimp_data())
    assert loss.item() == pytest.approx(4)


def _kl_data(valid):
    data = _dimp_data()
    data['test_anno'] = torch.ones(3, 2, 4)
    for i, j in [(i, j) for i in range(3) for j in range(2) if not valid[i][j]]:
        data['test_anno'][i, j] = 1e5
    data['proposal_density'] = torch.ones(3, 2, 5)
    data['gt_density'] = torch.ones(3, 2, 5)
    data['test_label_density'] = torch.zeros(3, 2, 5, 5)
    return data


def test_kldimp_actor_drops_invalid_frames_and_sums_terms():
    valid = [[True, False], [True, True], [False, True]]
    bb_scores = torch.arange(30, dtype=torch.float32).view(3, 2, 5)
    scores = [torch.full((3, 2, 5, 5), float(v)) for v in (1, 2, 3)]
    net = _FixedOutputNet((scores, bb_scores))
    seen = {}

    def bb_objective(scores, sample_density, gt_density, mc_dim):
        seen['shape'] = tuple(scores.shape)
        seen['mc_dim'] = mc_dim
        return scores.mean()

    def clf_ce(scores, label_density, grid_dim):
        assert grid_dim == (-2, -1)
        return scores.mean()

    actor = KLDiMPActor(net, {'bb_ce': bb_objective, 'clf_ce': clf_ce},
                        loss_weight={'bb_ce': 0.5, 'clf_ce': 2, 'clf_ce_init': 3, 'clf_ce_iter': 5})
    loss, stats = actor(_kl_data(valid))

    mask = torch.tensor(valid)
    bb = bb_scores[mask].mean().item()
    assert seen == {'shape': (4, 5), 'mc_dim': 1}
    expected = 0.5 * bb + 2 * 3 + 3 * 1 + 5 * 2
    assert loss.item() == pytest.approx(expected)
    assert stats['Loss/bb_ce'] == pytest.approx(bb)
    assert stats['Loss/loss_bb_ce'] == pytest.approx(0.5 * bb)
    assert stats['ClfTrain/clf_ce'] == pytest.approx(3)
    assert stats['ClfTrain/clf_ce_iter'] == pytest.approx(2)
    assert 'Loss/target_clf' not in stats


def test_kldimp_actor_with_hinge_classifier_and_nan_guard():
    scores = [torch.full((3, 2, 5, 5), float(v)) for v in (1, 2, 3)]
    net = _FixedOutputNet((scores, torch.zeros(3, 2, 5)))
    objective = {'bb_ce': lambda s, sample_density, gt_density, mc_dim: s.mean(), 'test_clf': _mean_loss}
    actor = KLDiMPActor(net, objective, loss_weight={'bb_ce': 0.01, 'test_clf': 100, 'test_init_clf': 100,
                                                     'test_iter_clf': 400})
    loss, stats = actor(_kl_data([[True, True]] * 3))
    assert loss.item() == pytest.approx(100 * 3 + 100 * 1 + 400 * 2)
    assert stats['ClfTrain/test_iter_loss'] == pytest.approx(2)

    net.outputs = (scores, torch.full((3, 2, 5), float('nan')))
    with pytest.raises(FloatingPointError, match='loss is nan'):
        actor(_kl_data([[True, True]] * 3))


def test_atom_actors_flatten_proposals():
    iou_pred = torch.rand(2, 3, 4)
    iou_gt = torch.rand(2, 3, 4)
    net = _FixedOutputNet(iou_pred)
    data = {'train_images': 0, 'test_images': 0, 'train_anno': 0, 'test_proposals': 0, 'proposal_iou': iou_gt,
            'proposal_density': torch.rand(2, 3, 4), 'gt_density': torch.rand(2, 3, 4)}
    loss, stats = AtomActor(net, nn.MSELoss())(data)
    assert loss.item() == pytest.approx(((iou_pred - iou_gt) ** 2).mean().item(), rel=1e-6)
    assert stats == {'Loss/total': loss.item(), 'Loss/iou': loss.item()}

    shapes = []

    def kl(scores, sample_density, gt_density, mc_dim):
        shapes.extend([scores.shape, sample_density.shape, gt_density.shape])
        return (scores * gt_density).sum()

    loss, stats = AtomBBKLActor(net, kl)(data)
    assert all(tuple(s) == (6, 4) for s in shapes)
    assert loss.item() == pytest.approx((iou_pred * data['gt_density']).sum().item(), rel=1e-6)
    assert set(stats) == {'Loss/total', 'Loss/bb_ce'}


def test_base_actor_moves_and_switches_mode():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    actor = BaseActor(net, nn.MSELoss())
    actor.eval()
    assert not net.training
    actor.train()
    assert net.training
    actor.to('cpu')
    with pytest.raises(NotImplementedError):
        actor({})

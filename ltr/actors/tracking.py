"""Actors for the DiMP family: DiMP (hinge classification + IoU regression) and PrDiMP / SuperDiMP (KL losses)."""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch

from .base_actor import BaseActor

Weight = Union[float, Sequence[float]]


def _iteration_losses(losses: List[torch.Tensor], loss_weight: Mapping[str, Weight], final_key: str,
                      init_key: str, iter_key: str) -> Tuple[torch.Tensor, Union[torch.Tensor, float],
                                                             Union[torch.Tensor, float]]:
    """Weight the losses of the successive filter-optimisation iterations.

    args:
        losses - one loss per optimiser iteration; losses[0] is the initial filter, losses[-1] the final one.
        loss_weight - weights; ``final_key`` is required, ``init_key`` and ``iter_key`` optional. The weight of the
            intermediate iterations is either a list (one weight per intermediate iteration) or a number that is
            shared equally among them.
    returns:
        (final, init, intermediate) weighted losses; absent terms are 0.
    """
    final = loss_weight[final_key] * losses[-1]
    init = loss_weight[init_key] * losses[0] if init_key in loss_weight else 0
    intermediate = 0
    if iter_key in loss_weight and len(losses) > 2:
        weights = loss_weight[iter_key]
        if isinstance(weights, (list, tuple)):
            intermediate = sum(w * l for w, l in zip(weights, losses[1:-1]))
        else:
            intermediate = (weights / (len(losses) - 2)) * sum(losses[1:-1])
    return final, init, intermediate


def _iteration_stats(losses: List[torch.Tensor], prefix: str, final: str, init: str, inter: str) -> Dict[str, float]:
    """Unweighted final / initial / mean intermediate iteration losses for logging."""
    stats = {prefix + final: losses[-1].item(), prefix + init: losses[0].item()}
    if len(losses) > 2:
        stats[prefix + inter] = sum(losses[1:-1]).item() / (len(losses) - 2)
    return stats


def _as_float(x: Union[torch.Tensor, float]) -> float:
    return x.item() if torch.is_tensor(x) else float(x)


class DiMPActor(BaseActor):
    """Actor for training DiMP: hinge classification loss on the target scores of every optimiser iteration and
    MSE on the IoU predictions of the proposals.

    args:
        net - a DiMPnet.
        objective - dict with 'test_clf' (e.g. LBHinge) and 'iou' (e.g. MSELoss).
        loss_weight - dict with 'iou', 'test_clf' and optionally 'test_init_clf', 'test_iter_clf'.
    """

    def __init__(self, net, objective, loss_weight: Optional[Dict[str, Weight]] = None):
        super().__init__(net, objective)
        self.loss_weight = {'iou': 1.0, 'test_clf': 1.0} if loss_weight is None else loss_weight

    def __call__(self, data) -> Tuple[torch.Tensor, Dict[str, float]]:
        """args:
            data - dict with 'train_images' [Ntr, B, 3, H, W], 'test_images' [Nte, B, 3, H, W], 'train_anno'
                [Ntr, B, 4] (x, y, w, h in crop coordinates), 'test_anno' [Nte, B, 4], 'test_proposals'
                [Nte, B, P, 4], 'proposal_iou' [Nte, B, P] and 'test_label' [Nte, B, S, S].
        returns:
            (loss, stats)
        """
        target_scores, iou_pred = self.net(train_imgs=data['train_images'], test_imgs=data['test_images'],
                                           train_bb=data['train_anno'], test_proposals=data['test_proposals'])

        clf_losses = [self.objective['test_clf'](s, data['test_label'], data['test_anno']) for s in target_scores]
        loss_clf, loss_init, loss_iter = _iteration_losses(clf_losses, self.loss_weight, 'test_clf',
                                                           'test_init_clf', 'test_iter_clf')
        loss_iou = self.loss_weight['iou'] * self.objective['iou'](iou_pred, data['proposal_iou'])

        loss = loss_iou + loss_clf + loss_init + loss_iter

        stats = {'Loss/total': loss.item(), 'Loss/iou': loss_iou.item(), 'Loss/target_clf': loss_clf.item()}
        if 'test_init_clf' in self.loss_weight:
            stats['Loss/test_init_clf'] = _as_float(loss_init)
        if 'test_iter_clf' in self.loss_weight:
            stats['Loss/test_iter_clf'] = _as_float(loss_iter)
        stats.update(_iteration_stats(clf_losses, 'ClfTrain/', 'test_loss', 'test_init_loss', 'test_iter_loss'))
        return loss, stats


class KLDiMPActor(BaseActor):
    """Actor for PrDiMP and SuperDiMP: KL-divergence bounding-box regression loss ('bb_ce') plus either the DiMP
    hinge classification loss ('test_clf' weights) or the PrDiMP KL classification loss ('clf_ce' weights).

    args:
        net - a DiMPnet whose bb regressor outputs proposal scores.
        objective - dict with 'bb_ce' (KLRegression) and 'test_clf' (LBHinge) and/or 'clf_ce' (KLRegressionGrid).
        loss_weight - dict with 'bb_ce' and the classification weights ('test_clf', 'test_init_clf',
            'test_iter_clf' and/or 'clf_ce', 'clf_ce_init', 'clf_ce_iter').
    """

    def __init__(self, net, objective, loss_weight: Optional[Dict[str, Weight]] = None):
        super().__init__(net, objective)
        self.loss_weight = {'bb_ce': 1.0} if loss_weight is None else loss_weight

    def __call__(self, data) -> Tuple[torch.Tensor, Dict[str, float]]:
        """args:
            data - dict with 'train_images', 'test_images', 'train_anno', 'test_anno', 'test_proposals'
                [Nte, B, P, 4], 'proposal_density' [Nte, B, P], 'gt_density' [Nte, B, P] and 'test_label'
                and/or 'test_label_density' [Nte, B, S, S].
        returns:
            (loss, stats)
        """
        target_scores, bb_scores = self.net(train_imgs=data['train_images'], test_imgs=data['test_images'],
                                            train_bb=data['train_anno'], test_proposals=data['test_proposals'])

        # Frames whose box is marked invalid (coordinates set to a huge value) take no part in box regression.
        is_valid = data['test_anno'][:, :, 0] < 99999.0
        bb_ce = self.objective['bb_ce'](bb_scores[is_valid, :], sample_density=data['proposal_density'][is_valid, :],
                                        gt_density=data['gt_density'][is_valid, :], mc_dim=1)
        loss_bb_ce = self.loss_weight['bb_ce'] * bb_ce
        loss = loss_bb_ce
        stats = {'Loss/bb_ce': bb_ce.item(), 'Loss/loss_bb_ce': loss_bb_ce.item()}
        iteration_stats = {}

        if 'test_clf' in self.loss_weight:
            clf_losses = [self.objective['test_clf'](s, data['test_label'], data['test_anno']) for s in target_scores]
            loss_clf, loss_init, loss_iter = _iteration_losses(clf_losses, self.loss_weight, 'test_clf',
                                                               'test_init_clf', 'test_iter_clf')
            loss = loss + loss_clf + loss_init + loss_iter
            stats['Loss/target_clf'] = loss_clf.item()
            if 'test_init_clf' in self.loss_weight:
                stats['Loss/test_init_clf'] = _as_float(loss_init)
            if 'test_iter_clf' in self.loss_weight:
                stats['Loss/test_iter_clf'] = _as_float(loss_iter)
            iteration_stats.update(_iteration_stats(clf_losses, 'ClfTrain/', 'test_loss', 'test_init_loss',
                                                    'test_iter_loss'))

        if 'clf_ce' in self.loss_weight:
            ce_losses = [self.objective['clf_ce'](s, data['test_label_density'], grid_dim=(-2, -1))
                         for s in target_scores]
            loss_ce, loss_ce_init, loss_ce_iter = _iteration_losses(ce_losses, self.loss_weight, 'clf_ce',
                                                                    'clf_ce_init', 'clf_ce_iter')
            loss = loss + loss_ce + loss_ce_init + loss_ce_iter
            stats['Loss/clf_ce'] = loss_ce.item()
            if 'clf_ce_init' in self.loss_weight:
                stats['Loss/clf_ce_init'] = _as_float(loss_ce_init)
            if 'clf_ce_iter' in self.loss_weight and len(ce_losses) > 2:
                stats['Loss/clf_ce_iter'] = _as_float(loss_ce_iter)
            iteration_stats.update(_iteration_stats(ce_losses, 'ClfTrain/', 'clf_ce', 'clf_ce_init', 'clf_ce_iter'))

        if not torch.isfinite(loss):
            raise FloatingPointError('KLDiMPActor: the training loss is {} (components: {})'.format(
                loss.item(), ', '.join('{}={:.4g}'.format(k, v) for k, v in stats.items())))

        stats = {'Loss/total': loss.item(), **stats, **iteration_stats}
        return loss, stats


# KeepTrack actor, importable from its original module path (ltr.actors.tracking).
def __getattr__(attr: str):
    # Resolved on first access: keep_track imports this module, so an import at load time would be circular.
    if attr == 'TargetCandiateMatchingActor':
        from .keep_track import TargetCandiateMatchingActor
        return TargetCandiateMatchingActor
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, attr))

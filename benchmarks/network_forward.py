"""Forward time of the DiMP networks (random weights; speed does not depend on them).

Usage:
    python benchmarks/network_forward.py [--models dimp18 dimp50] [--device cpu|cuda] [--repeats 3]
                                         [--threads N]

Prints one table row per network and workload, in milliseconds (median of the repeats, after one warm-up):
    train_fwd   DiMPnet.forward at training shapes: 3 train + 3 test frames of 288x288, 2 sequences,
                8 proposals per frame, training mode, no autograd graph
    train_fwdbwd  the same forward plus backward of a simple loss (autograd graph kept)
    track_frame one tracking step in eval mode: backbone of one 288x288 frame, classification features,
                filter application, IoU prediction of 10 proposals (no_grad)
    init        tracker initialisation from 13 augmented 288x288 samples: backbone, filter initializer +
                10 optimizer iterations, IoU modulation (no_grad)
"""
import argparse
import statistics
import time
from typing import Callable, Dict

import torch

from ltr.admin.device import resolve_device
from ltr.models.tracking import dimpnet

KWDS = dict(filter_size=4, backbone_pretrained=False, optim_iter=5, clf_feat_norm=True, final_conv=True,
            optim_init_step=0.9, optim_init_reg=0.1, init_gauss_sigma=0.9, num_dist_bins=100, bin_displacement=0.1,
            mask_init_factor=3.0, target_mask_act='sigmoid', score_act='relu')
BUILDERS: Dict[str, Callable] = {
    'dimp18': lambda: dimpnet.dimpnet18(**KWDS),
    'dimp50': lambda: dimpnet.dimpnet50(clf_feat_blocks=0, out_feature_dim=512, **KWDS),
}


def _median_ms(fn: Callable, device: torch.device, repeats: int) -> float:
    def run():
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def _workloads(net: dimpnet.DiMPnet, device: torch.device) -> Dict[str, Callable]:
    gen = torch.Generator().manual_seed(0)
    train = torch.randn(3, 2, 3, 288, 288, generator=gen).to(device)
    test = torch.randn(3, 2, 3, 288, 288, generator=gen).to(device)
    bb = torch.tensor([110.0, 120.0, 60.0, 50.0]).repeat(3, 2, 1).to(device)
    proposals = (bb[:, :, None, :] + 5 * torch.randn(3, 2, 8, 4, generator=gen).to(device))
    frame = torch.randn(1, 3, 288, 288, generator=gen).to(device)
    init_samples = torch.randn(13, 3, 288, 288, generator=gen).to(device)
    init_boxes = bb[0, :1].repeat(13, 1)
    track_proposals = proposals[0, :1, :, :].repeat(1, 2, 1)[:, :10]

    def train_fwd():
        net.train()
        with torch.no_grad():
            net(train, test, bb, proposals)

    def train_fwdbwd():
        net.train()
        net.zero_grad(set_to_none=True)
        scores, iou = net(train, test, bb, proposals)
        (sum(s.square().mean() for s in scores) + iou.square().mean()).backward()

    with torch.no_grad():
        net.eval()
        init_feat = net.extract_backbone_features(init_samples[:1])
        target_filter, _, _ = net.classifier.get_filter(net.extract_classification_feat(init_feat), init_boxes[:1])
        modulation = net.bb_regressor.get_modulation(net.get_backbone_bbreg_feat(init_feat), init_boxes[:1])

    def track_frame():
        net.eval()
        with torch.no_grad():
            feat = net.extract_backbone_features(frame)
            net.classifier.classify(target_filter, net.extract_classification_feat(feat))
            iou_feat = net.bb_regressor.get_iou_feat(net.get_backbone_bbreg_feat(feat))
            net.bb_regressor.predict_iou(modulation, iou_feat, track_proposals)

    def init():
        net.eval()
        with torch.no_grad():
            feat = net.extract_backbone_features(init_samples)
            net.classifier.get_filter(net.extract_classification_feat(feat), init_boxes, num_iter=10)
            net.bb_regressor.get_modulation([f[:1] for f in net.get_backbone_bbreg_feat(feat)], init_boxes[:1])

    return {'train_fwd': train_fwd, 'train_fwdbwd': train_fwdbwd, 'track_frame': track_frame, 'init': init}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models', nargs='+', default=list(BUILDERS), choices=list(BUILDERS))
    parser.add_argument('--device', default=None, help='cpu or cuda[:i] (default: cuda when available)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    args = parser.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = resolve_device(True, args.device)
    print('device: {}  torch threads: {}'.format(device, torch.get_num_threads()))
    print('{:<8} {:<13} {:>10}'.format('model', 'workload', 'ms'))
    for name in args.models:
        torch.manual_seed(0)
        net = BUILDERS[name]().to(device)
        for workload, fn in _workloads(net, device).items():
            print('{:<8} {:<13} {:>10.1f}'.format(name, workload, _median_ms(fn, device, args.repeats)), flush=True)


if __name__ == '__main__':
    main()

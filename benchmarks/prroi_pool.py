"""Speed of the pure-PyTorch Precise RoI Pooling against torchvision's RoIAlign (forward + backward).

Usage:
    python benchmarks/prroi_pool.py [--device cpu|cuda] [--batch 8] [--channels 256] [--size 36]
                                    [--rois 8 32 128] [--pool 3 5 7] [--repeats 3]

Prints one table row per configuration: milliseconds per forward+backward pass (median of the repeats) for
    prroi      PrRoIPool2D, gradient w.r.t. the features only
    prroi+box  PrRoIPool2D, gradients w.r.t. the features and the roi coordinates
    roi_align  torchvision.ops.roi_align (sampling_ratio=2, aligned=False), gradient w.r.t. the features
               (RoIAlign has no roi-coordinate gradient)
"""
import argparse
import statistics
import time

import torch
from torchvision.ops import roi_align

from ltr.models.layers.prroi_pool import prroi_pool2d


def _random_rois(batch: int, per_image: int, img_size: float, gen: torch.Generator) -> torch.Tensor:
    """[batch*per_image, 5] boxes (b, x1, y1, x2, y2), jittered around the image centre like IoU-Net proposals."""
    n = batch * per_image
    b = torch.arange(batch).repeat_interleave(per_image).float()
    c = img_size / 2 + (torch.rand(n, 2, generator=gen) - 0.5) * img_size * 0.5
    wh = img_size * (0.1 + 0.5 * torch.rand(n, 2, generator=gen))
    return torch.stack([b, c[:, 0] - wh[:, 0] / 2, c[:, 1] - wh[:, 1] / 2, c[:, 0] + wh[:, 0] / 2,
                        c[:, 1] + wh[:, 1] / 2], dim=1)


def _time(fn, device: torch.device, repeats: int) -> float:
    fn()  # warm-up
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--channels', type=int, default=256)
    parser.add_argument('--size', type=int, default=36, help='feature map height = width')
    parser.add_argument('--stride', type=int, default=8, help='image pixels per feature pixel (1/spatial_scale)')
    parser.add_argument('--rois', type=int, nargs='+', default=[8, 32, 128], help='rois per image')
    parser.add_argument('--pool', type=int, nargs='+', default=[3, 5, 7], help='pooled output size')
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()

    device = torch.device(args.device)
    gen = torch.Generator().manual_seed(0)
    scale = 1.0 / args.stride
    feats = torch.randn(args.batch, args.channels, args.size, args.size, generator=gen).to(device)

    print('device={} B={} C={} map={}x{} spatial_scale=1/{} repeats={} (ms per forward+backward, median)'.format(
        device, args.batch, args.channels, args.size, args.size, args.stride, args.repeats))
    print('{:>10} {:>6} {:>10} {:>10} {:>10} {:>8}'.format('rois/img', 'pool', 'prroi', 'prroi+box', 'roi_align',
                                                          'ratio'))
    for per_image in args.rois:
        rois = _random_rois(args.batch, per_image, args.size * args.stride, gen).to(device)
        for pool in args.pool:
            def run_prroi(box_grad: bool):
                f = feats.detach().requires_grad_(True)
                r = rois.detach().requires_grad_(box_grad)
                out = prroi_pool2d(f, r, pool, pool, scale)
                out.backward(torch.ones_like(out))

            def run_align():
                f = feats.detach().requires_grad_(True)
                out = roi_align(f, rois, (pool, pool), spatial_scale=scale, sampling_ratio=2, aligned=False)
                out.backward(torch.ones_like(out))

            t_p = _time(lambda: run_prroi(False), device, args.repeats)
            t_pb = _time(lambda: run_prroi(True), device, args.repeats)
            t_a = _time(run_align, device, args.repeats)
            print('{:>10} {:>6} {:>10.2f} {:>10.2f} {:>10.2f} {:>8.2f}'.format(
                per_image, '{0}x{0}'.format(pool), t_p, t_pb, t_a, t_p / t_a))


if __name__ == '__main__':
    main()

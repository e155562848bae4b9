"""Training throughput of DiMP-50: network steps on random data through the real actor (fp32 vs bf16), and data
loading from the LaSOT, GOT-10k, TrackingNet, COCO and ImageNet VID fixture trees (640x480 frames) through the real
sampler and processing with N workers.

    python benchmarks/training_speed.py [--device cpu|cuda] [--batch-size 2] [--steps 3] [--workers 0 2]

Prints samples per second; a sample is one training sequence (3 train + 3 test frames of 288x288).
"""
import argparse
import os
import tempfile
import time
from types import SimpleNamespace
from typing import Optional

import torch

from ltr.admin.device import resolve_device
from ltr.data import LTRLoader, sampler
from ltr.train_settings.dimp import dimp50
from ltr.train_settings.smoke._fixtures import fixture_datasets, write_fixture_trees
from ltr.trainers import LTRTrainer


def _settings():
    settings = SimpleNamespace()
    dimp50.set_defaults(settings)
    return settings


class _RandomSequences(torch.utils.data.Dataset):
    """Sequences with the shapes DiMPProcessing produces for DiMP-50, filled with random values."""

    def __init__(self, settings, length: int, num_frames: int = 3, num_proposals: int = 8):
        sz = settings.output_sz
        label_sz = settings.feature_sz + (settings.target_filter_sz + 1) % 2
        g = torch.Generator().manual_seed(0)

        def boxes(*lead):
            xy = torch.rand(*lead, 2, generator=g) * sz * 0.5 + sz * 0.2
            wh = torch.rand(*lead, 2, generator=g) * sz * 0.2 + sz * 0.1
            return torch.cat([xy, wh], dim=-1)

        self.sample = {'train_images': torch.randn(num_frames, 3, sz, sz, generator=g),
                       'test_images': torch.randn(num_frames, 3, sz, sz, generator=g),
                       'train_anno': boxes(num_frames), 'test_anno': boxes(num_frames),
                       'test_proposals': boxes(num_frames, num_proposals),
                       'proposal_iou': torch.rand(num_frames, num_proposals, generator=g),
                       'test_label': torch.rand(num_frames, label_sz, label_sz, generator=g)}
        self.length = length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        return dict(self.sample)


def bench_steps(device: torch.device, batch_size: int, steps: int, amp: Optional[str] = None) -> float:
    """Samples/s of DiMP-50 training iterations (forward, loss, backward, Adam) run by ``LTRTrainer`` with
    ``DiMPActor`` on random data."""
    settings = _settings()
    settings.device = device
    settings.amp = amp
    settings.env = SimpleNamespace(workspace_dir=None, tensorboard_dir=None)
    settings.project_path = 'benchmark'
    settings.print_interval = 10 ** 9
    torch.manual_seed(0)
    actor = dimp50.build_actor(settings, backbone_pretrained=False)
    optimizer, _ = dimp50.build_optimizer(actor)
    loader = LTRLoader('train', _RandomSequences(settings, batch_size * (steps + 1)), training=True,
                       batch_size=batch_size, stack_dim=1)
    warmup = LTRLoader('train', _RandomSequences(settings, batch_size), training=True, batch_size=batch_size,
                       stack_dim=1)
    trainer = LTRTrainer(actor, [loader], optimizer, settings)
    trainer.epoch = 1
    trainer.cycle_dataset(warmup)  # allocations, cudnn autotuning
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    trainer.cycle_dataset(loader)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    return len(loader.dataset) / (time.perf_counter() - start)


def bench_loading(roots: dict, num_workers: int, batch_size: int, num_batches: int) -> float:
    """Samples/s of DiMPSampler + DiMPProcessing (DiMP-50 settings) from the fixture trees ``roots``
    ({name: root}, equal dataset weights)."""
    settings = _settings()
    processing_train, _ = dimp50.build_processing(settings)
    datasets = fixture_datasets(roots)
    dataset = sampler.DiMPSampler(datasets, [1] * len(datasets), samples_per_epoch=batch_size * (num_batches + 1),
                                  max_gap=30, num_test_frames=3, num_train_frames=3, processing=processing_train)
    loader = LTRLoader('train', dataset, training=True, batch_size=batch_size, num_workers=num_workers,
                       shuffle=True, drop_last=True, stack_dim=1)
    it = iter(loader)
    next(it)  # worker start-up is not throughput
    start = time.perf_counter()
    n = 0
    for batch in it:
        n += batch['train_images'].shape[1]
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default=None, help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    parser.add_argument('--load-batches', type=int, default=4)
    parser.add_argument('--skip-steps', action='store_true', help='only measure data loading')
    args = parser.parse_args()

    device = resolve_device(True, args.device)
    rows = []
    if not args.skip_steps:
        precisions = [None, 'bf16'] + (['fp16'] if device.type == 'cuda' else [])
        for amp in precisions:
            rate = bench_steps(device, args.batch_size, args.steps, amp)
            rows.append(('DiMP-50 train step', str(device), amp or 'fp32', args.batch_size, rate))

    with tempfile.TemporaryDirectory() as tmp:
        trees = write_fixture_trees(os.path.join(tmp, 'trees'), width=640, height=480)
        roots = {name: root for name, (root, _) in trees.items()}
        for workers in args.workers:
            rate = bench_loading(roots, workers, args.batch_size, args.load_batches)
            rows.append(('data loading ({} workers)'.format(workers), 'cpu', '-', args.batch_size, rate))

    print('torch {}, {} intra-op threads'.format(torch.__version__, torch.get_num_threads()))
    print('| what | device | precision | batch | samples/s |')
    print('|---|---|---|---|---|')
    for what, dev, prec, bs, rate in rows:
        print('| {} | {} | {} | {} | {:.2f} |'.format(what, dev, prec, bs, rate))


if __name__ == '__main__':
    main()

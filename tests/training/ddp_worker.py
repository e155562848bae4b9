"""Worker run by test_train_distributed.py under ``torchrun --nproc_per_node=2`` (CPU, gloo).

1. Trains the smoke DiMP-18 recipe for one epoch through ``run_training`` on the LaSOT, GOT-10k, TrackingNet, COCO
   and ImageNet VID fixture trees (their roots in the JSON file given as the second argument) and records a
   fingerprint of every batch each rank trained on.
2. Checks one DDP step: each rank back-propagates its half of a global batch; the averaged gradients are compared
   (on rank 0) with a single-process step on the whole batch.
Results are written as JSON to the folder given as the first argument.
"""
import copy
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn as nn

from ltr.actors import DiMPActor
from ltr.admin import multigpu
from ltr.admin.settings import Settings
from ltr.data.loader import ltr_collate_stack1
from ltr.run_training import run_training, seed_everything


def _freeze_bn(net):
    # Batch statistics couple the samples of a batch, so a per-rank batch and the whole batch would normalise
    # differently; running statistics make every sample's loss independent of the others.
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def main(out_dir, roots_file):
    rank, world_size, device = multigpu.init_distributed('cpu')

    fingerprints = []
    original_call = DiMPActor.__call__

    def recording_call(self, data):
        fingerprints.append([float(data['train_anno'].sum()), float(data['test_images'].sum()),
                             list(data['dataset'])])
        return original_call(self, data)

    DiMPActor.__call__ = recording_call
    settings = Settings()
    settings.num_epochs = 1
    settings.samples_per_epoch = 8
    settings.val_samples_per_epoch = 4
    with open(roots_file) as f:
        settings.fixture_roots = json.load(f)
    trainer = run_training('smoke', 'dimp18', seed=7, device='cpu', settings=settings)
    DiMPActor.__call__ = original_call

    all_fingerprints = [None] * world_size
    dist.all_gather_object(all_fingerprints, fingerprints)
    train_indices = [None] * world_size
    dist.all_gather_object(train_indices, list(trainer.loaders[0].sampler))

    # One DDP step on a global batch of 4 sequences that every rank draws identically.
    seed_everything(1234)
    dataset = trainer.loaders[0].dataset
    batch = ltr_collate_stack1([dataset[i] for i in range(4)])
    tensors = {k: v for k, v in batch.items() if torch.is_tensor(v)}
    per_rank = 4 // world_size
    local = {k: v[:, rank * per_rank:(rank + 1) * per_rank] for k, v in tensors.items()}

    actor = trainer.actor
    net = actor.net
    assert isinstance(net, torch.nn.parallel.DistributedDataParallel)
    bare = multigpu.unwrap(net)
    reference_net = copy.deepcopy(bare)

    actor.train(True)
    _freeze_bn(net)
    bare.zero_grad(set_to_none=True)
    loss_local, _ = actor(dict(local, epoch=1, settings=settings))
    loss_local.backward()
    ddp_grads = {n: p.grad.detach().clone() for n, p in bare.named_parameters() if p.grad is not None}

    result = {'rank': rank, 'world_size': world_size, 'fingerprints': all_fingerprints,
              'train_indices': train_indices, 'loader_len': len(trainer.loaders[0]),
              'is_ddp': True}
    if rank == 0:
        reference = DiMPActor(reference_net, actor.objective, actor.loss_weight)
        reference.train(True)
        _freeze_bn(reference_net)
        loss_full, _ = reference(dict(tensors, epoch=1, settings=settings))
        loss_full.backward()
        ref_grads = {n: p.grad.detach() for n, p in reference_net.named_parameters() if p.grad is not None}
        diffs = {n: (ddp_grads[n] - g).abs().max().item() for n, g in ref_grads.items() if n in ddp_grads}
        scales = {n: g.abs().max().item() for n, g in ref_grads.items()}
        result.update({'grad_names_ddp': sorted(ddp_grads), 'grad_names_ref': sorted(ref_grads),
                       'max_abs_diff': diffs, 'max_abs': scales, 'loss_full': loss_full.item()})
        with open(os.path.join(out_dir, 'result.json'), 'w') as f:
            json.dump(result, f)
    dist.barrier()
    multigpu.cleanup_distributed()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])

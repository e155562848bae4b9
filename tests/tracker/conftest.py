"""Random-weight tracking networks in the official checkpoint layout, written once per test session.

The builder keyword arguments are those recorded in the official model-zoo files
(``ltr.admin.model_constructor.NetConstructor.kwds``), hard-coded here so that the tests do not
read the shared specification at run time.
"""
import importlib
import os

import pytest
import torch

_DIMP18_KW = {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5, 'clf_feat_norm': True,
              'final_conv': True, 'optim_init_step': 0.9, 'optim_init_reg': 0.1, 'init_gauss_sigma': 0.9,
              'num_dist_bins': 100, 'bin_displacement': 0.1, 'mask_init_factor': 3.0,
              'target_mask_act': 'sigmoid', 'score_act': 'relu'}
_DIMP50_KW = {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5, 'clf_feat_norm': True,
              'clf_feat_blocks': 0, 'final_conv': True, 'out_feature_dim': 512, 'optim_init_step': 0.9,
              'optim_init_reg': 0.1, 'init_gauss_sigma': 0.9, 'num_dist_bins': 100, 'bin_displacement': 0.1,
              'mask_init_factor': 3.0, 'target_mask_act': 'sigmoid', 'score_act': 'relu'}
_PRDIMP18_KW = {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5, 'clf_feat_norm': True,
                'final_conv': True, 'optim_init_step': 1.0, 'optim_init_reg': 0.05, 'optim_min_reg': 0.05,
                'gauss_sigma': 0.9, 'alpha_eps': 0.05, 'normalize_label': True, 'init_initializer': 'zero'}
_PRDIMP50_KW = {'filter_size': 4, 'backbone_pretrained': False, 'optim_iter': 5, 'clf_feat_norm': True,
                'clf_feat_blocks': 0, 'final_conv': True, 'out_feature_dim': 512, 'optim_init_step': 1.0,
                'optim_init_reg': 0.05, 'optim_min_reg': 0.05, 'gauss_sigma': 0.9, 'alpha_eps': 0.05,
                'normalize_label': True, 'init_initializer': 'zero'}
_SUPER_DIMP_KW = dict(_DIMP50_KW, init_gauss_sigma=0.9166666666666666,
                      frozen_backbone_layers=['conv1', 'bn1', 'layer1', 'layer2'])

# checkpoint path (relative to network_path) -> (builder module, builder name, kwds, net_type, actor_type)
CHECKPOINTS = {
    'dimp18.pth': ('ltr.models.tracking.dimpnet', 'dimpnet18', _DIMP18_KW, 'DiMPnet', 'DiMPActor'),
    'dimp50.pth': ('ltr.models.tracking.dimpnet', 'dimpnet50', _DIMP50_KW, 'DiMPnet', 'DiMPActor'),
    'prdimp18.pth.tar': ('ltr.models.tracking.dimpnet', 'klcedimpnet18', _PRDIMP18_KW, 'DiMPnet', 'KLDiMPActor'),
    'prdimp50.pth.tar': ('ltr.models.tracking.dimpnet', 'klcedimpnet50', _PRDIMP50_KW, 'DiMPnet', 'KLDiMPActor'),
    'super_dimp.pth.tar': ('ltr.models.tracking.dimpnet', 'dimpnet50', _SUPER_DIMP_KW, 'DiMPnet', 'KLDiMPActor'),
    'atom_default.pth': ('ltr.models.bbreg.atom', 'atom_resnet18', {'backbone_pretrained': False}, 'ATOMnet', 'AtomActor'),
    # The original's atom_prob_ml / atom_gmm_sampl parameters name checkpoint folders
    'atom_prob_ml/ATOMnet_ep0040.pth.tar': ('ltr.models.bbreg.atom', 'atom_resnet18', {'backbone_pretrained': False},
                                            'ATOMnet', 'AtomBBKLActor'),
    'atom_gmm_sampl/ATOMnet_ep0040.pth.tar': ('ltr.models.bbreg.atom', 'atom_resnet18',
                                              {'backbone_pretrained': False}, 'ATOMnet', 'AtomBBKLActor'),
}


def write_checkpoint(path: str, name: str) -> None:
    """Build the network of checkpoint ``name`` with random weights and save it in the official layout."""
    from ltr.admin.loading import save_checkpoint
    module, fun, kwds, net_type, actor_type = CHECKPOINTS[name]
    torch.manual_seed(0)
    net = getattr(importlib.import_module(module), fun)(**dict(kwds))
    state = {'epoch': 40, 'actor_type': actor_type, 'net_type': net_type, 'net': net.state_dict(),
             'net_info': None, 'constructor': net.constructor, 'optimizer': None, 'stats': None, 'settings': None}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_checkpoint(state, path)


class NetworkDir:
    """A folder of random-weight checkpoints, created on demand."""

    def __init__(self, root: str):
        self.root = root

    def require(self, *names: str) -> str:
        for name in names:
            path = os.path.join(self.root, name)
            if not os.path.exists(path):
                write_checkpoint(path, name)
        return self.root


@pytest.fixture(scope='session')
def network_dir(tmp_path_factory) -> NetworkDir:
    return NetworkDir(str(tmp_path_factory.mktemp('networks')))


# --------------------------------------------------------------------------- fixture datasets
FRAME_W, FRAME_H = 64, 48


def _frame(i: int, box, gray: bool = False):
    """A textured frame with a bright object at ``box`` = (x, y, w, h)."""
    import numpy as np
    rng = np.random.RandomState(i)
    im = rng.randint(0, 90, (FRAME_H, FRAME_W, 3)).astype(np.uint8)
    x, y, w, h = [int(round(v)) for v in box]
    im[max(y, 0):y + h, max(x, 0):x + w] = (230, 200, 40)
    if gray:
        im = im.mean(axis=2).astype(np.uint8)
    return im


def _boxes(n: int):
    return [(18 + (k % 5), 14 + (k % 3), 16, 12) for k in range(n)]


def write_frames(folder: str, names, boxes, gray: bool = False) -> None:
    import cv2 as cv
    os.makedirs(folder, exist_ok=True)
    for k, (name, box) in enumerate(zip(names, boxes)):
        im = _frame(k, box, gray)
        cv.imwrite(os.path.join(folder, name), im if gray else im[:, :, ::-1])


@pytest.fixture
def make_otb_tree(tmp_path):
    """Build an OTB-2015 tree: every annotation file of the 100 videos, frames only for ``with_frames``."""
    def make(with_frames=('Deer',)) -> str:
        from pytracking.evaluation.otbdataset import otb_sequence_info_list
        root = str(tmp_path / 'otb')
        for info in otb_sequence_info_list():
            n = info['endFrame'] - info['startFrame'] + 1
            anno = os.path.join(root, info['anno_path'])
            os.makedirs(os.path.dirname(anno), exist_ok=True)
            boxes = _boxes(n)
            with open(anno, 'w') as f:
                f.write('\n'.join('{},{},{},{}'.format(*b) for b in boxes) + '\n')
            if info['name'] in with_frames:
                names = ['{:0{nz}}.{}'.format(k, info['ext'], nz=info['nz'])
                         for k in range(info['startFrame'], info['endFrame'] + 1)]
                write_frames(os.path.join(root, info['path']), names, boxes)
        return root
    return make


@pytest.fixture
def make_got10k_val_tree(tmp_path):
    """Build a GOT-10k ``val`` split; ``spec`` maps sequence name -> dict(n=frames, init=first box,
    gray=bool, missing=[frame indices to leave out])."""
    def make(spec: dict) -> str:
        root = tmp_path / 'got10k'
        val = root / 'val'
        val.mkdir(parents=True, exist_ok=True)
        for name, s in spec.items():
            n = s.get('n', 3)
            boxes = _boxes(n)
            if 'init' in s:
                boxes[0] = s['init']
            names = ['{:08d}.jpg'.format(k + 1) for k in range(n)]
            keep = [k for k in range(n) if k not in s.get('missing', ())]
            write_frames(str(val / name), [names[k] for k in keep], [_boxes(n)[k] for k in keep], s.get('gray', False))
            with open(val / name / 'groundtruth.txt', 'w') as f:
                f.write('\n'.join(','.join(str(v) for v in b) for b in boxes) + '\n')
        (val / 'list.txt').write_text('\n'.join(spec) + '\n')
        return str(root)
    return make

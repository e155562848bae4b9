"""Loading tracking networks by file name, relative to the ``network_path`` setting."""
import os
from typing import List

import torch

from ltr.admin import loading as ltr_loading
from pytracking.evaluation.environment import env_settings

# Model-zoo file name -> the network it holds (used in the error for a missing file).
MODEL_ZOO_FILES = {
    'atom_default.pth': 'ATOM (ResNet-18)',
    'dimp18.pth': 'DiMP-18',
    'dimp50.pth': 'DiMP-50',
    'prdimp18.pth.tar': 'PrDiMP-18',
    'prdimp50.pth.tar': 'PrDiMP-50',
    'super_dimp.pth.tar': 'SuperDiMP',
    'super_dimp_simple.pth.tar': 'SuperDiMP-simple (KeepTrack base network)',
    'keep_track.pth.tar': 'KeepTrack target candidate matching network',
    'tomp50.pth.tar': 'ToMP-50',
    'tomp101.pth.tar': 'ToMP-101',
}


def _network_dirs() -> List[str]:
    path = env_settings().network_path
    return [str(p) for p in path] if isinstance(path, (list, tuple)) else [str(path)]


def load_network(net_path: str, **kwargs) -> torch.nn.Module:
    """Load a tracking network; ``backbone_pretrained`` is forced to False (nothing is downloaded).

    args:
        net_path - absolute path of a checkpoint, or a file name searched in ``network_path``
                   (which may be a list of folders).
        kwargs - builder keyword arguments replacing the recorded ones.
    """
    kwargs['backbone_pretrained'] = False
    net_path = os.path.expanduser(str(net_path))
    if os.path.isabs(net_path):
        candidates = [net_path]
    else:
        candidates = [os.path.join(d, net_path) for d in _network_dirs()]
    for path in candidates:
        if os.path.exists(path):
            net, _ = ltr_loading.load_network(path, **kwargs)
            return net
    name = os.path.basename(net_path)
    what = MODEL_ZOO_FILES.get(name)
    hint = ("It is the model-zoo file of {}: download it (see MODEL_ZOO.md) and place it in the network_path "
            "folder".format(what) if what else "Place the file in the network_path folder")
    raise FileNotFoundError("Network file '{}' not found (looked in: {}). {} (set network_path in "
                            "pytracking/evaluation/local.py or with the environment variable "
                            "PYTRACKING_NETWORK_PATH).".format(net_path, ', '.join(candidates), hint))

"""Tracking speed (frames per second, first frame excluded) of the DiMP-family and ATOM parameter sets.

Random-weight networks (built with the builders' default arguments, no download) are saved in the
official checkpoint layout to a temporary network folder; each parameter set then tracks a synthetic
640x480 sequence (a textured object moving over a textured background).

    python benchmarks/tracking_speed.py [--frames 20] [--device cpu|cuda] [--params dimp/dimp50 atom/default ...]

Prints one line per parameter set: init time, tracking FPS and the 1-minute load average of the machine.
"""
import argparse
import importlib
import logging
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

PARAM_SETS = ['dimp/dimp18', 'dimp/dimp18_vot18', 'dimp/dimp50', 'dimp/dimp50_vot18', 'dimp/dimp50_vot19',
              'dimp/prdimp18', 'dimp/prdimp50', 'dimp/prdimp50_vot18', 'dimp/super_dimp',
              'atom/default', 'atom/default_vot', 'atom/multiscale_no_iounet', 'atom/atom_prob_ml',
              'atom/atom_gmm_sampl',
              'dimp_simple/super_dimp_simple', 'keep_track/default', 'keep_track/default_fast']

# network file -> (builder module, builder function)
NETWORKS = {
    'dimp18.pth': ('ltr.models.tracking.dimpnet', 'dimpnet18'),
    'dimp50.pth': ('ltr.models.tracking.dimpnet', 'dimpnet50'),
    'prdimp18.pth.tar': ('ltr.models.tracking.dimpnet', 'klcedimpnet18'),
    'prdimp50.pth.tar': ('ltr.models.tracking.dimpnet', 'klcedimpnet50'),
    'super_dimp.pth.tar': ('ltr.models.tracking.dimpnet', 'dimpnet50'),
    'atom_default.pth': ('ltr.models.bbreg.atom', 'atom_resnet18'),
    'atom_prob_ml/ATOMnet_ep0040.pth.tar': ('ltr.models.bbreg.atom', 'atom_resnet18'),
    'atom_gmm_sampl/ATOMnet_ep0040.pth.tar': ('ltr.models.bbreg.atom', 'atom_resnet18'),
    'super_dimp_simple.pth.tar': ('ltr.models.tracking.dimpnet', 'dimpnet50_simple'),
    'keep_track.pth.tar': ('ltr.models.target_candidate_matching.target_candidate_matching',
                           'target_candidate_matching_net_resnet50'),
}


def write_networks(folder: str) -> None:
    from ltr.admin.loading import save_checkpoint
    for name, (module, fun) in NETWORKS.items():
        path = os.path.join(folder, name)
        if os.path.exists(path):
            continue
        net = getattr(importlib.import_module(module), fun)(backbone_pretrained=False)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        save_checkpoint({'epoch': 0, 'actor_type': None, 'net_type': type(net).__name__, 'net': net.state_dict(),
                         'net_info': None, 'constructor': net.constructor, 'optimizer': None, 'stats': None,
                         'settings': None}, path)


def synthetic_sequence(num_frames: int, width: int = 640, height: int = 480, seed: int = 0):
    """Frames (H x W x 3 uint8) with an object moving on a smooth path, and its first box [x, y, w, h]."""
    rng = np.random.RandomState(seed)
    background = rng.randint(0, 120, (height, width, 3)).astype(np.uint8)
    texture = rng.randint(120, 255, (60, 80, 3)).astype(np.uint8)
    frames, first_box = [], None
    for k in range(num_frames):
        x = int(200 + 80 * np.sin(k / 10))
        y = int(180 + 40 * np.cos(k / 13))
        im = background.copy()
        im[y:y + 60, x:x + 80] = texture
        frames.append(im)
        if first_box is None:
            first_box = [x, y, 80, 60]
    return frames, first_box


def run_param_set(name: str, frames, init_box, device: str):
    tracker_name, param_name = name.split('/')
    params = importlib.import_module('pytracking.parameter.{}.{}'.format(tracker_name, param_name)).parameters()
    params.device = device
    tracker = importlib.import_module('pytracking.tracker.{}'.format(tracker_name)).get_tracker_class()(params)
    sync = torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)
    tic = time.perf_counter()
    tracker.initialize(frames[0], {'init_bbox': init_box})
    sync()
    init_time = time.perf_counter() - tic
    tic = time.perf_counter()
    for im in frames[1:]:
        tracker.track(im)
    sync()
    fps = (len(frames) - 1) / (time.perf_counter() - tic)
    return init_time, fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--frames', type=int, default=20, help='frames per sequence (the first is not timed)')
    parser.add_argument('--device', type=str, default=None, help="'cpu' or 'cuda' (default: both when CUDA exists)")
    parser.add_argument('--params', nargs='*', default=PARAM_SETS, help='tracker/parameter names')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [args.device] if args.device else (['cpu', 'cuda'] if torch.cuda.is_available() else ['cpu'])
    frames, init_box = synthetic_sequence(args.frames)
    with tempfile.TemporaryDirectory() as net_dir:
        os.environ['PYTRACKING_NETWORK_PATH'] = net_dir
        write_networks(net_dir)
        # The 1-minute load average after each measurement: on a shared machine it tells how busy it was.
        print('{:<28} {:>6} {:>10} {:>10} {:>6}'.format('parameter set', 'device', 'init [s]', 'FPS', 'load'))
        for device in devices:
            for name in args.params:
                torch.manual_seed(0)
                init_time, fps = run_param_set(name, frames, init_box, device)
                print('{:<28} {:>6} {:>10.2f} {:>10.2f} {:>6.1f}'.format(name, device, init_time, fps,
                                                                       os.getloadavg()[0]), flush=True)


if __name__ == '__main__':
    main()

"""Run an experiment: a function in ``pytracking/experiments/<module>.py`` returning ``(trackers, dataset)``.

    python pytracking/run_experiment.py myexperiments atom_nfs_uav [--threads 4]
"""
import argparse
import importlib
import logging
import os
import sys

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from pytracking.evaluation._cli import add_visdom_args, run_main, setup_logging, visdom_info_from_args  # noqa: E402
from pytracking.evaluation.running import run_dataset  # noqa: E402
from pytracking.evaluation.tracker import UnknownTrackerError  # noqa: E402

logger = logging.getLogger(__name__)


def run_experiment(experiment_module: str, experiment_name: str, debug: int = 0, threads: int = 0,
                   visdom_info: dict = None, device: str = None) -> dict:
    """Run experiment.

    args:
        experiment_module: Name of experiment module in the experiments/ folder.
        experiment_name: Name of the experiment function.
        debug: Debug level.
        threads: Number of worker processes.
        visdom_info: Dict with visdom ``use_visdom``, ``server``, ``port``.
        device: Optional device string applied to every tracker of the experiment.
    returns:
        The summary of :func:`pytracking.evaluation.running.run_dataset`.
    """
    visdom_info = {} if visdom_info is None else visdom_info
    module_name = 'pytracking.experiments.{}'.format(experiment_module)
    try:
        expr_module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is not None and module_name.startswith(e.name):
            raise UnknownTrackerError("Unknown experiment module '{}' (no file pytracking/experiments/{}.py)"
                                      .format(experiment_module, experiment_module)) from e
        raise
    expr_func = getattr(expr_module, experiment_name, None)
    if expr_func is None:
        names = [n for n in dir(expr_module) if not n.startswith('_') and callable(getattr(expr_module, n))
                 and getattr(getattr(expr_module, n), '__module__', None) == module_name]
        raise UnknownTrackerError("Unknown experiment '{}' in '{}'. Available: {}".format(
            experiment_name, module_name, ', '.join(names)))
    trackers, dataset = expr_func()
    for trk in trackers:
        if device is not None:
            trk.device = device
        trk.check_available()
    logger.info('Running:  %s  %s', experiment_module, experiment_name)
    return run_dataset(dataset, trackers, debug, threads, visdom_info=visdom_info)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Run tracker on sequence or dataset.')
    parser.add_argument('experiment_module', type=str, help='Name of experiment module in the experiments/ folder.')
    parser.add_argument('experiment_name', type=str, help='Name of the experiment function.')
    parser.add_argument('--debug', type=int, default=0, help='Debug level.')
    parser.add_argument('--threads', type=int, default=0, help='Number of worker processes.')
    parser.add_argument('--device', type=str, default=None, help='Device, e.g. cpu, cuda, cuda:1.')
    add_visdom_args(parser)
    args = parser.parse_args(argv)

    setup_logging()
    summary = run_experiment(args.experiment_module, args.experiment_name, args.debug, args.threads,
                             visdom_info_from_args(args), device=args.device)
    if summary['failed']:
        sys.stderr.write('{} of {} runs failed (results of the others are saved):\n'.format(
            len(summary['failed']), summary['total']))
        for seq, trk, err in summary['failed']:
            sys.stderr.write('  {} on {}: {}\n'.format(trk, seq, err))
        return 1
    return 0


if __name__ == '__main__':
    run_main(main)

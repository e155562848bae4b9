"""Helpers shared by the command-line scripts (``run_tracker.py``, ``run_experiment.py``, ``run_video.py``)."""
import argparse
import logging
import sys
from typing import Callable


def str2bool(v: str) -> bool:
    """Parse a command-line boolean (``true/false``, ``1/0``, ``yes/no``)."""
    if isinstance(v, bool):
        return v
    if v.lower() in ('true', '1', 'yes', 'y', 't'):
        return True
    if v.lower() in ('false', '0', 'no', 'n', 'f'):
        return False
    raise argparse.ArgumentTypeError("expected a boolean, got '{}'".format(v))


def add_visdom_args(parser: argparse.ArgumentParser) -> None:
    """The original's ``--use_visdom``, ``--visdom_server`` and ``--visdom_port`` options."""
    parser.add_argument('--use_visdom', type=str2bool, default=True, help='Flag to enable visdom.')
    parser.add_argument('--visdom_server', type=str, default='127.0.0.1', help='Server for visdom.')
    parser.add_argument('--visdom_port', type=int, default=8097, help='Port for visdom.')


def visdom_info_from_args(args) -> dict:
    """The ``visdom_info`` dict built from the visdom options."""
    return {'use_visdom': args.use_visdom, 'server': args.visdom_server, 'port': args.visdom_port}


def setup_logging() -> None:
    """Log INFO messages of the project to stderr (progress bars come from tqdm)."""
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(name)s: %(message)s')


def _user_errors():
    from ltr.admin.env_overrides import SettingsError
    from pytracking.evaluation.data import UnknownSequenceError
    from pytracking.evaluation.datasets import UnknownDatasetError
    from pytracking.evaluation.tracker import FrameReadError, InvalidInitBoxError, UnknownTrackerError
    from pytracking.utils.load_text import AnnotationError
    errors = (SettingsError, UnknownDatasetError, UnknownTrackerError, AnnotationError, InvalidInitBoxError,
              FrameReadError, FileNotFoundError, UnknownSequenceError)
    # Importing these modules would pull in torch for nothing; if they raised, they are loaded.
    image_loader = sys.modules.get('ltr.data.image_loader')
    if image_loader is not None:
        errors += (image_loader.ImageLoadError,)
    loading = sys.modules.get('ltr.admin.loading')
    if loading is not None:
        errors += tuple(getattr(loading, n) for n in ('CheckpointError', 'UnsafeCheckpointError') if hasattr(loading, n))
    return errors


def run_main(main: Callable[[], int]) -> None:
    """Run ``main`` and exit with its return code; user errors (bad name, path, annotation...) are reported
    as one line on stderr with exit code 2 instead of a traceback."""
    try:
        code = main()
    except _user_errors() as e:
        sys.stderr.write('error: {}\n'.format(e))
        sys.exit(2)
    sys.exit(code or 0)

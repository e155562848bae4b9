"""Pack TrackingNet test-set results into the zip archive the TrackingNet evaluation server accepts."""
import logging
import os
from typing import Iterable, Optional

from pytracking.analysis._results_io import read_box_file
from pytracking.evaluation.environment import env_settings
from pytracking.util_scripts._packing import format_rows, write_zip

logger = logging.getLogger(__name__)


def pack_trackingnet_results(tracker_name: str, param_name: str, run_id: Optional[int] = None,
                             output_name: Optional[str] = None,
                             sequence_names: Optional[Iterable[str]] = None) -> str:
    """Zip the results of one tracker run on the TrackingNet test set.

    args:
        tracker_name, param_name: Results are read from ``<results_path>/<tracker>/<param>[_<run_id:03d>]/``.
        run_id: Run id, or None for results without one.
        output_name: Archive name (default ``<tracker>_<param>[_<run_id:03d>]``), written to
            ``<tn_packed_results_path>/<output_name>.zip``.
        sequence_names: Sequences to pack (default: those of ``get_dataset('trackingnet')``).
    returns: Path of the zip file, which holds one ``<seq>.txt`` per sequence (comma-separated, 2 decimals).
    """
    if output_name is None:
        output_name = '{}_{}'.format(tracker_name, param_name) if run_id is None else \
            '{}_{}_{:03d}'.format(tracker_name, param_name, run_id)
    settings = env_settings()
    out_dir = settings.require_path('tn_packed_results_path', must_exist=False)
    if sequence_names is None:
        from pytracking.evaluation import get_dataset
        sequence_names = [seq.name for seq in get_dataset('trackingnet')]
    param_dir = param_name if run_id is None else '{}_{:03d}'.format(param_name, run_id)
    members = []
    for seq_name in sequence_names:
        boxes = read_box_file(os.path.join(settings.results_path, tracker_name, param_dir, '{}.txt'.format(seq_name)))
        members.append(('{}.txt'.format(seq_name), format_rows(boxes, '%.2f', ',')))
    zip_path = write_zip(os.path.join(out_dir, '{}.zip'.format(output_name)), members)
    logger.info('Packed %d TrackingNet sequences into %s', len(members), zip_path)
    return zip_path


__all__ = ['pack_trackingnet_results']

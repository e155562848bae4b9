"""Pack GOT-10k test-set results into the zip archive the GOT-10k evaluation server accepts."""
import logging
import os
from typing import Iterable, List, Optional

from pytracking.analysis._results_io import read_box_file
from pytracking.evaluation.environment import env_settings
from pytracking.util_scripts._packing import format_rows, write_zip

logger = logging.getLogger(__name__)

GOT10K_TEST_SEQUENCES = ['GOT-10k_Test_{:06d}'.format(i) for i in range(1, 181)]


def _members(results_path: str, tracker_name: str, param_name: str, seq_names: List[str], run_ids: List[int]):
    for seq_name in seq_names:
        times = None
        for k, run_id in enumerate(run_ids):
            run_dir = os.path.join(results_path, tracker_name, '{}_{:03d}'.format(param_name, run_id))
            boxes = read_box_file(os.path.join(run_dir, '{}.txt'.format(seq_name)))
            times = read_box_file(os.path.join(run_dir, '{}_time.txt'.format(seq_name)), num_columns=1)
            # The server numbers the repetitions from 1.
            yield '{0}/{0}_{1:03d}.txt'.format(seq_name, k + 1), format_rows(boxes, '%f', ',')
        # One timing file per sequence: the last run's, as the original packer leaves it.
        yield '{0}/{0}_time.txt'.format(seq_name), format_rows(times, '%f')


def pack_got10k_results(tracker_name: str, param_name: str, output_name: str,
                        sequence_names: Optional[Iterable[str]] = None, run_ids: Iterable[int] = (0, 1, 2)) -> str:
    """Zip the results of ``tracker_name/param_name`` runs ``_000.._002`` for the GOT-10k test set.

    args:
        tracker_name: Tracker name (folder in ``results_path``).
        param_name: Parameter name; results are read from ``<results_path>/<tracker>/<param>_<run:03d>/``.
        output_name: Archive name: ``<got_packed_results_path>/<output_name>.zip``.
        sequence_names: Sequences to pack (default: the 180 GOT-10k test sequences).
        run_ids: Run ids to pack as repetitions 1, 2, 3 (the server expects three).
    returns: Path of the zip file. The archive holds ``<seq>/<seq>_00k.txt`` (comma-separated boxes) and
        ``<seq>/<seq>_time.txt`` per sequence. Raises ``MissingResultsError`` naming the first missing
        file before anything is written.
    """
    settings = env_settings()
    out_dir = settings.require_path('got_packed_results_path', must_exist=False)
    seq_names = list(GOT10K_TEST_SEQUENCES if sequence_names is None else sequence_names)
    run_ids = list(run_ids)
    if not run_ids:
        raise ValueError('run_ids is empty')
    members = list(_members(settings.results_path, tracker_name, param_name, seq_names, run_ids))
    zip_path = write_zip(os.path.join(out_dir, '{}.zip'.format(output_name)), members)
    logger.info('Packed %d GOT-10k sequences x %d runs into %s', len(seq_names), len(run_ids), zip_path)
    return zip_path


__all__ = ['pack_got10k_results', 'GOT10K_TEST_SEQUENCES']

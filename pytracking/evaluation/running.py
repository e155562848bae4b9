"""Running trackers over datasets and writing the results in the original's formats.

Layout (``results_dir`` = ``<results_path>/<tracker>/<param>[_<runid:03d>]``):

- ``<results_dir>/<seq>.txt``: one tab-separated integer box ``x y w h`` per frame;
- ``<results_dir>/<seq>_time.txt``: seconds per frame;
- ``<results_dir>/<seq>_object_presence_scores.txt``: when the tracker outputs presence scores;
- multi-object sequences: ``<seq>_<objid>.txt``, ``<seq>_<objid>_time.txt``, ...;
- OxUvA: ``<results_dir>/<video>_<object>.csv`` (the challenge's prediction format);
- segmentation masks: ``<segmentation_dir>/<seq>/<frame>.png`` (indexed PNG).

Every file is written to a temporary name and renamed, and the box file(s) last, so a run killed at
any point leaves either complete results or none for a sequence; sequences with results are skipped.

Bad input (each case is tested):

- an invalid initial box (width or height <= 0, NaN/inf, neither 4 values nor an 8-value polygon, fully
  outside the first frame) stops that sequence with one ``InvalidInitBoxError`` naming the sequence and the box; no result
  file is written, the other sequences run, and ``run_tracker.py`` exits with status 1 listing it. A box
  partly outside the image is valid;
- grayscale frames are given to the tracker as 3-channel RGB (the gray value replicated);
- a missing or unreadable frame in the middle of a sequence stops that sequence with one error naming
  the frame file and the sequence; no (partial) result file is written, the other sequences run.
"""
import csv
import io
import logging
import multiprocessing
import os
import sys
import traceback
from collections import OrderedDict
from itertools import product
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

logger = logging.getLogger(__name__)

PREDICTION_FIELD_NAMES = ['video', 'object', 'frame_num', 'present', 'score', 'xmin', 'xmax', 'ymin', 'ymax']


# --------------------------------------------------------------------------- atomic writers
def _atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, '.{}.tmp{}'.format(os.path.basename(path), os.getpid()))
    try:
        with open(tmp, 'w', newline='') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _savetxt_atomic(path: str, data: np.ndarray, fmt: str) -> None:
    buf = io.StringIO()
    np.savetxt(buf, data, delimiter='\t', fmt=fmt)
    _atomic_write_text(path, buf.getvalue())


def save_boxes(path: str, boxes) -> None:
    """Write ``N x 4`` ``[x, y, w, h]`` boxes as tab-separated integers (truncated like ``astype(int)``)."""
    arr = np.array(boxes, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        # Written as the original did (an undefined integer), but it is a tracker bug worth knowing about.
        logger.warning("Non-finite box values in '%s' (rows %s)", path,
                       np.nonzero(~np.isfinite(arr).all(axis=-1))[0].tolist()[:10])
        with np.errstate(invalid='ignore'):
            arr_int = arr.astype(int)
    else:
        arr_int = arr.astype(int)
    _savetxt_atomic(path, arr_int, '%d')


def save_values(path: str, values) -> None:
    """Write one float per line (times, scores) with ``%f``."""
    _savetxt_atomic(path, np.array(values).astype(float), '%f')


def _imwrite_indexed_atomic(path: str, mask: np.ndarray) -> None:
    from ltr.data.image_loader import imwrite_indexed
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, '.{}.tmp{}.png'.format(name, os.getpid()))
    try:
        imwrite_indexed(tmp, mask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# --------------------------------------------------------------------------- result files
def _per_object(frames: list) -> 'OrderedDict[object, list]':
    """List over frames of dicts obj_id -> value  ->  dict obj_id -> list over frames."""
    data = OrderedDict()
    for elem in frames:
        for k, v in elem.items():
            data.setdefault(k, []).append(v)
    return data


def _oxuva_ids(seq) -> Tuple[str, str]:
    parts = seq.name.split('_')
    if len(parts) < 2:
        raise ValueError("OxUvA sequence name '{}' is not '<video>_<object>'".format(seq.name))
    return parts[0], parts[1]


def oxuva_result_file(seq, tracker) -> str:
    """Path of the OxUvA prediction CSV of ``seq``."""
    vid_id, obj_id = _oxuva_ids(seq)
    return os.path.join(tracker.results_dir, '{}_{}.csv'.format(vid_id, obj_id))


def result_files(seq, tracker) -> List[str]:
    """The box/CSV file(s) whose existence marks ``seq`` as finished for ``tracker``."""
    if seq.dataset == 'oxuva':
        return [oxuva_result_file(seq, tracker)]
    if seq.object_ids is None or not seq.multiobj_mode:
        # Single-object runs write one box file, even for a sequence of a multi-object dataset.
        return [os.path.join(tracker.results_dir, '{}.txt'.format(seq.name))]
    return [os.path.join(tracker.results_dir, '{}_{}.txt'.format(seq.name, obj_id)) for obj_id in seq.object_ids]


def results_exist(seq, tracker) -> bool:
    """Whether all result files of ``seq`` exist for ``tracker``."""
    return all(os.path.isfile(f) for f in result_files(seq, tracker))


def _save_tracker_output_oxuva(seq, tracker, output: dict) -> None:
    """Write the OxUvA prediction CSV: one row per frame after the first, coordinates normalised to [0, 1]."""
    frame_names = [os.path.splitext(os.path.basename(f))[0] for f in seq.frames]
    img_h, img_w = output['image_shape']
    bb = np.array(output['target_bbox'], dtype=np.float64)
    scores = np.array(output.get('object_presence_score', []), dtype=np.float64)
    if scores.shape[0] != bb.shape[0]:
        # The tracker gives no presence scores: report the target as present with score 1 everywhere.
        scores = np.ones(bb.shape[0])
    norm = np.stack([bb[:, 0] / img_w, (bb[:, 0] + bb[:, 2]) / img_w,
                     bb[:, 1] / img_h, (bb[:, 1] + bb[:, 3]) / img_h], axis=1).clip(0., 1.)
    frame_numbers = [int(f) for f in frame_names[1:]]
    vid_id, obj_id = _oxuva_ids(seq)
    threshold = output['object_presence_score_threshold']

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=PREDICTION_FIELD_NAMES)
    for i, frame_num in enumerate(frame_numbers, start=1):
        writer.writerow({'video': vid_id, 'object': obj_id, 'frame_num': frame_num,
                         'present': str(bool(scores[i] > threshold)).lower(), 'score': scores[i],
                         'xmin': norm[i, 0], 'xmax': norm[i, 1], 'ymin': norm[i, 2], 'ymax': norm[i, 3]})
    _atomic_write_text(oxuva_result_file(seq, tracker), buf.getvalue())


def _save_tracker_output(seq, tracker, output: dict) -> None:
    """Write the outputs of one sequence in the original's files (see the module docstring)."""
    os.makedirs(tracker.results_dir, exist_ok=True)
    base = os.path.join(tracker.results_dir, seq.name)
    frame_names = [os.path.splitext(os.path.basename(f))[0] for f in seq.frames]

    # File name suffix of each per-frame output; box files are written last: their existence marks the
    # sequence as done.
    suffixes = {'target_bbox': '', 'object_presence_score': '_object_presence_scores', 'time': '_time'}
    box_writes = []
    for key, data in output.items():
        if not isinstance(data, list) or len(data) == 0:
            continue
        if key in suffixes:
            if isinstance(data[0], (dict, OrderedDict)):
                files = [('{}_{}{}.txt'.format(base, obj_id, suffixes[key]), d)
                         for obj_id, d in _per_object(data).items()]
            else:
                files = [('{}{}.txt'.format(base, suffixes[key]), data)]
            if key == 'target_bbox':
                box_writes += files
            else:
                for path, d in files:
                    save_values(path, d)
        elif key == 'segmentation':
            names = frame_names
            if len(data) == len(frame_names) - 1:
                names = frame_names[1:]  # initialised from a box: no mask for the first frame
            elif len(data) != len(frame_names):
                raise ValueError("Sequence '{}': {} frames but {} segmentation masks".format(
                    seq.name, len(frame_names), len(data)))
            seg_dir = os.path.join(tracker.segmentation_dir, seq.name)
            os.makedirs(seg_dir, exist_ok=True)
            for frame_name, frame_seg in zip(names, data):
                _imwrite_indexed_atomic(os.path.join(seg_dir, '{}.png'.format(frame_name)), frame_seg)

    for path, d in box_writes:
        save_boxes(path, d)


# --------------------------------------------------------------------------- running
def is_setup_error(e: BaseException) -> bool:
    """Whether ``e`` comes from the set-up (missing network file, bad settings, unknown tracker), so that every
    sequence would fail the same way: such errors stop the run instead of being reported per sequence."""
    from ltr.admin.env_overrides import SettingsError
    from pytracking.evaluation.tracker import UnknownTrackerError
    kinds = (FileNotFoundError, SettingsError, UnknownTrackerError)
    loading = sys.modules.get('ltr.admin.loading')  # only loaded when a network is
    if loading is not None:
        kinds += tuple(getattr(loading, n) for n in ('CheckpointError', 'UnsafeCheckpointError') if hasattr(loading, n))
    return isinstance(e, kinds)


def _fps(output: dict) -> float:
    times = output['time']
    if isinstance(times[0], (dict, OrderedDict)):
        exec_time = sum(sum(t.values()) for t in times)
    else:
        exec_time = sum(times)
    return len(times) / exec_time if exec_time > 0 else float('inf')


def run_sequence(seq, tracker, debug=False, visdom_info: Optional[dict] = None) -> Optional[str]:
    """Run ``tracker`` on ``seq`` and save the results, unless they already exist.

    args:
        seq: The :class:`~pytracking.evaluation.data.Sequence`.
        tracker: The :class:`~pytracking.evaluation.tracker.Tracker`.
        debug: Debug level. With debug > 0 results are neither skipped nor saved, and errors propagate.
        visdom_info: Visdom server info.
    returns:
        None on success or when skipped; otherwise the error message (the error is logged, not raised).
    """
    visdom_info = {} if visdom_info is None else visdom_info

    if not debug and results_exist(seq, tracker):
        logger.debug("Results of %s on '%s' exist; skipping", tracker, seq.name)
        return None

    logger.info("Tracker: %s %s %s, Sequence: %s", tracker.name, tracker.parameter_name, tracker.run_id, seq.name)
    if debug:
        output = tracker.run_sequence(seq, debug=debug, visdom_info=visdom_info)
    else:
        try:
            output = tracker.run_sequence(seq, debug=debug, visdom_info=visdom_info)
        except Exception as e:  # one failing sequence must not stop the others; reported by run_dataset
            if is_setup_error(e):
                raise
            msg = '{}: {}'.format(type(e).__name__, e)
            logger.error("Tracker %s failed on sequence '%s': %s\n%s", tracker, seq.name, msg,
                         traceback.format_exc())
            return msg

    logger.info("FPS: %.2f", _fps(output))
    if not debug:
        try:
            if seq.dataset == 'oxuva':
                _save_tracker_output_oxuva(seq, tracker, output)
            else:
                _save_tracker_output(seq, tracker, output)
        except (OSError, ValueError, KeyError, IndexError) as e:
            msg = 'could not save results: {}: {}'.format(type(e).__name__, e)
            logger.error("Tracker %s, sequence '%s': %s", tracker, seq.name, msg)
            return msg
    return None


def _worker_init(gpu_ids: List[str], num_workers: int = 1) -> None:
    # Spread the worker processes over the visible GPUs before CUDA is initialised in them.
    identity = multiprocessing.current_process()._identity
    if gpu_ids and identity:
        os.environ['CUDA_VISIBLE_DEVICES'] = gpu_ids[(identity[0] - 1) % len(gpu_ids)]
    # Each worker would otherwise start one OpenMP thread per core: N workers x all cores oversubscribe the
    # CPU, and spin-waiting threads then multiply the wall time. An explicit OMP_NUM_THREADS is respected.
    if 'OMP_NUM_THREADS' not in os.environ:
        torch.set_num_threads(cpu_threads_per_worker(num_workers))


def cpu_threads_per_worker(num_workers: int) -> int:
    """Intra-op CPU threads for each of ``num_workers`` tracking processes sharing this machine's cores."""
    return max(1, (os.cpu_count() or 1) // max(1, num_workers))


def _run_task(args) -> Tuple[str, str, Optional[str]]:
    seq, tracker, debug, visdom_info = args
    try:
        err = run_sequence(seq, tracker, debug=debug, visdom_info=visdom_info)
    except Exception as e:  # keep the pool alive whatever happens inside a worker, except set-up errors
        if is_setup_error(e):
            raise
        err = '{}: {}'.format(type(e).__name__, e)
    return seq.name, repr(tracker), err


def _visible_gpu_ids(trackers) -> List[str]:
    if any(getattr(t, 'device', None) is not None for t in trackers):
        return []  # an explicit device wins
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    if visible is not None:
        ids = [v.strip() for v in visible.split(',') if v.strip()]
    else:
        try:
            import torch
            ids = [str(i) for i in range(torch.cuda.device_count())]
        except (ImportError, RuntimeError):
            ids = []
    return ids if len(ids) > 1 else []


def run_dataset(dataset, trackers, debug=False, threads: int = 0, visdom_info: Optional[dict] = None) -> Dict:
    """Run each tracker on each sequence of the dataset.

    args:
        dataset: List of :class:`~pytracking.evaluation.data.Sequence` (e.g. a ``SequenceList``).
        trackers: List of :class:`~pytracking.evaluation.tracker.Tracker`.
        debug: Debug level.
        threads: Number of worker processes (0: run in this process). With several GPUs visible, workers
            are spread over them.
        visdom_info: Visdom server info.
    returns:
        ``{'failed': [(sequence name, tracker repr, error message), ...], 'total': number of runs}``. Failed
        sequences are logged at the end; the results of all other sequences are written. Set-up errors
        (:func:`is_setup_error`, e.g. a missing network file) stop the run and are raised.
    """
    visdom_info = {} if visdom_info is None else visdom_info
    logger.info("Evaluating %d trackers on %d sequences", len(trackers), len(dataset))
    tasks = [(seq, trk, debug, visdom_info) for seq, trk in product(dataset, trackers)]
    failed = []

    if threads == 0:
        for task in tqdm(tasks, desc='Tracking', unit='seq', disable=len(tasks) == 0):
            name, trk, err = task[0].name, repr(task[1]), run_sequence(*task)
            if err is not None:
                failed.append((name, trk, err))
    else:
        ctx = multiprocessing.get_context('spawn')  # CUDA cannot be used in forked processes
        with ctx.Pool(processes=threads, initializer=_worker_init,
                      initargs=(_visible_gpu_ids(trackers), threads)) as pool:
            for name, trk, err in tqdm(pool.imap_unordered(_run_task, tasks), total=len(tasks), desc='Tracking',
                                       unit='seq'):
                if err is not None:
                    failed.append((name, trk, err))

    if failed:
        logger.error("%d of %d runs failed:\n%s", len(failed), len(tasks),
                     '\n'.join('  {} on {}: {}'.format(t, s, e) for s, t, e in failed))
    logger.info("Done")
    return {'failed': failed, 'total': len(tasks)}

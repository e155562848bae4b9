"""Standard one-pass-evaluation scores from saved tracking results.

Boxes are ``[x, y, w, h]`` rows with ``(x, y)`` the top-left corner, as in the result files
``<tracker.results_dir>/<sequence.name>.txt`` (tab or comma delimited). The per-frame measures and
the per-sequence curves are the original PyTracking ones:

* overlap: intersection over union of the two boxes,
* center error: distance between box centres ``x + (w - 1) / 2``, in pixels or (normalized) in
  units of the ground-truth size,
* success curve: fraction of frames with overlap ``>`` each threshold ``0, gap, ..., 1``,
* precision curves: fraction of frames with center error ``<=`` each threshold ``0..50`` px
  (normalized: ``0..0.5``).

Frames with an invalid ground truth (zero/negative/NaN size, or target marked absent) get overlap
``-1`` so that they never count as a success; the denominators follow the original (all frames, or
only the valid ones with ``exclude_invalid_frames``).
"""
import hashlib
import logging
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

from pytracking.analysis._results_io import (AnalysisError, InvalidResultsError, MissingResultsError,
                                             atomic_pickle_dump, read_box_file, tracker_results_file)
from pytracking.evaluation.environment import env_settings

logger = logging.getLogger(__name__)

__all__ = ['calc_err_center', 'calc_iou_overlap', 'calc_seq_err_robust', 'extract_results',
           'extract_results_prec_rec_f1', 'get_threshold_sets', 'results_fingerprint',
           'AnalysisError', 'InvalidResultsError', 'MissingResultsError']

EVAL_DATA_FILE = 'eval_data.pkl'
EVAL_DATA_F1_FILE = 'eval_data_prec_rec_f1.pkl'
F1_RESULT_SUFFIXES = ('.txt', '_object_presence_scores.txt')


def _as_array(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().to(torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def _like(result: np.ndarray, reference):
    """Return a tensor when the caller gave tensors (the original API), else the array."""
    return torch.from_numpy(result) if isinstance(reference, torch.Tensor) else result


def _center_error(pred_bb: np.ndarray, anno_bb: np.ndarray, normalized: bool) -> np.ndarray:
    # inf/NaN only arise on frames with an invalid ground truth, which the caller overwrites.
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        pred_center = pred_bb[..., :2] + 0.5 * (pred_bb[..., 2:] - 1.0)
        anno_center = anno_bb[..., :2] + 0.5 * (anno_bb[..., 2:] - 1.0)
        if normalized:
            # Same operation order as the original so that ties at a threshold resolve identically.
            pred_center = pred_center / anno_bb[..., 2:]
            anno_center = anno_center / anno_bb[..., 2:]
        return np.sqrt(((pred_center - anno_center) ** 2).sum(-1))


def _overlap(pred_bb: np.ndarray, anno_bb: np.ndarray) -> np.ndarray:
    tl = np.maximum(pred_bb[..., :2], anno_bb[..., :2])
    # Inclusive pixel corners (x + w - 1) as in the original, keeping its rounding at exact ties.
    br = np.minimum(pred_bb[..., :2] + pred_bb[..., 2:] - 1.0, anno_bb[..., :2] + anno_bb[..., 2:] - 1.0)
    intersection = np.clip(br - tl + 1.0, 0.0, None).prod(-1)
    union = pred_bb[..., 2:].prod(-1) + anno_bb[..., 2:].prod(-1) - intersection
    with np.errstate(divide='ignore', invalid='ignore'):
        return intersection / union


def calc_err_center(pred_bb, anno_bb, normalized: bool = False):
    """Center location error per frame.

    args:
        pred_bb, anno_bb: ``[..., 4]`` boxes ``[x, y, w, h]`` (tensors or arrays).
        normalized: Measure the error in units of the ground-truth width/height instead of pixels.
    returns: ``[...]`` errors (a float64 tensor for tensor input, else an array).
    """
    return _like(_center_error(_as_array(pred_bb), _as_array(anno_bb), normalized), pred_bb)


def calc_iou_overlap(pred_bb, anno_bb):
    """Intersection over union per frame of ``[..., 4]`` boxes ``[x, y, w, h]``; returns ``[...]``
    (a float64 tensor for tensor input, else an array)."""
    return _like(_overlap(_as_array(pred_bb), _as_array(anno_bb)), pred_bb)


def _describe(results_path: Optional[str]) -> str:
    return "results file '{}'".format(results_path) if results_path else 'predictions'


def calc_seq_err_robust(pred_bb, anno_bb, dataset: str, target_visible=None, *,
                        results_path: Optional[str] = None, invalid_pred_as_failure: bool = False
                        ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-frame overlap and center errors of one sequence, with the original's robust handling.

    args:
        pred_bb: ``[N_pred, 4]`` predicted boxes ``[x, y, w, h]`` (tensor or array).
        anno_bb: ``[N, 4]`` ground-truth boxes ``[x, y, w, h]``; a row with a NaN means "unknown"
            (an invalid frame).
        dataset: Dataset short name; ``'uav'`` and ``'lasot'`` have their own rules as in the original.
        target_visible: Optional ``[N]`` bool/0-1 flags, False where the target is absent.
        results_path: Only used to name the file in error messages.
        invalid_pred_as_failure: If False (default, as the original) a NaN/infinite box or a negative
            width/height raises :class:`InvalidResultsError` naming the file and frame. If True such
            frames count as failures (overlap 0, infinite center error).
    returns: ``(err_overlap, err_center, err_center_normalized, valid)`` tensors, each ``[N]``; invalid
        frames have overlap -1, normalized center error -1 and center error inf (-1 for ``'uav'``).

    Zero-size predictions are replaced by the previous frame's prediction (unless the ground truth of
    that frame is NaN); predictions longer than the ground truth are cut, shorter ones padded with
    zero boxes (an error for LaSOT); frame 0 is always counted as the ground truth.
    """
    visible = None if target_visible is None else _as_array(target_visible)
    out = _seq_errors(_as_array(pred_bb), _as_array(anno_bb), dataset, visible, results_path, invalid_pred_as_failure)
    return tuple(torch.from_numpy(o) for o in out)


def _seq_errors(pred_bb: np.ndarray, anno_bb: np.ndarray, dataset: str, visible: Optional[np.ndarray],
                results_path: Optional[str], invalid_pred_as_failure: bool):
    """Array implementation of :func:`calc_seq_err_robust`."""
    where = _describe(results_path)
    if pred_bb.ndim != 2 or pred_bb.shape[1] != 4:
        raise InvalidResultsError('{}: expected rows of 4 numbers [x, y, w, h], got an array of shape {}'
                                  .format(where, pred_bb.shape))
    if anno_bb.ndim != 2 or anno_bb.shape[1] != 4 or anno_bb.shape[0] == 0:
        raise AnalysisError('Ground truth for {} must be a non-empty N x 4 array, got shape {}'
                            .format(where, anno_bb.shape))
    if pred_bb.shape[0] == 0:
        raise InvalidResultsError('{} contains no boxes'.format(where))
    n_anno, n_pred = anno_bb.shape[0], pred_bb.shape[0]

    bad = ~np.isfinite(pred_bb).all(1) | (pred_bb[:, 2:] < 0.0).any(1)
    if bad.any() and not invalid_pred_as_failure:
        frames = np.flatnonzero(bad)
        first = int(frames[0])
        raise InvalidResultsError(
            '{}: invalid box {} at frame {} (line {}){}: boxes must be finite with non-negative width and '
            'height. Pass invalid_pred_as_failure=True to count such frames as tracking failures.'.format(
                where, pred_bb[first].tolist(), first, first + 1,
                '' if len(frames) == 1 else ' and {} more frame(s)'.format(len(frames) - 1)))

    anno_nan = np.isnan(anno_bb).any(1)
    if anno_nan.any() and dataset != 'uav':
        # The original refuses NaN annotations outside UAV123; here such frames are simply invalid.
        logger.warning('Ground truth for %s has NaN boxes in %d frame(s); they are treated as invalid frames',
                       where, int(anno_nan.sum()))

    # A zero-size prediction means "not found": reuse the last real prediction (a forward fill, as the
    # original's frame loop does), except where the ground truth is unknown.
    anno_nan_pred = np.zeros(n_pred, dtype=bool)
    m = min(n_pred, n_anno)
    anno_nan_pred[:m] = anno_nan[:m]
    need_fill = (pred_bb[:, 2:] == 0.0).any(1) & ~anno_nan_pred
    need_fill[0] = False
    if need_fill.any():
        src = np.maximum.accumulate(np.where(need_fill, 0, np.arange(n_pred)))
        pred_bb = pred_bb[src]
        bad = bad | bad[src]
    else:
        pred_bb = pred_bb.copy()

    if n_pred > n_anno:
        pred_bb, bad = pred_bb[:n_anno], bad[:n_anno]
    elif n_pred < n_anno:
        if dataset == 'lasot':
            raise InvalidResultsError('{} has {} boxes but the ground truth has {} frames (LaSOT results must '
                                      'cover every frame)'.format(where, n_pred, n_anno))
        logger.debug('%s has %d boxes for %d frames; padding with zero boxes', where, n_pred, n_anno)
        pred_bb = np.concatenate((pred_bb, np.zeros((n_anno - n_pred, 4))), 0)
        bad = np.concatenate((bad, np.zeros(n_anno - n_pred, dtype=bool)))

    pred_bb[0] = anno_bb[0]
    bad[0] = False

    with np.errstate(invalid='ignore'):
        # A partly-NaN ground-truth row (e.g. only x unknown) is as unknown as a fully-NaN one; the
        # original would stop on the resulting NaN overlap instead.
        valid = (anno_bb[:, 2:] > 0.0).all(1) & ~anno_nan
    if visible is not None:
        visible = visible.astype(bool).reshape(-1)
        if visible.size != n_anno:
            raise AnalysisError('target_visible for {} has {} entries but the ground truth has {} frames'
                                .format(where, visible.size, n_anno))
        valid &= visible

    err_center = _center_error(pred_bb, anno_bb, False)
    err_center_normalized = _center_error(pred_bb, anno_bb, True)
    err_overlap = _overlap(pred_bb, anno_bb)

    failed = bad & valid
    err_overlap[failed] = 0.0
    err_center[failed] = np.inf
    err_center_normalized[failed] = np.inf

    err_center[~valid] = -1.0 if dataset == 'uav' else np.inf
    err_center_normalized[~valid] = -1.0
    err_overlap[~valid] = -1.0

    if dataset == 'lasot' and visible is not None:
        err_center_normalized[~visible] = np.inf
        err_center[~visible] = np.inf

    if np.isnan(err_overlap).any():
        frame = int(np.flatnonzero(np.isnan(err_overlap))[0])
        raise InvalidResultsError('{}: the overlap at frame {} is NaN (prediction {}, ground truth {})'
                                  .format(where, frame, pred_bb[frame].tolist(), anno_bb[frame].tolist()))
    return err_overlap, err_center, err_center_normalized, valid


def get_threshold_sets(plot_bin_gap: float = 0.05) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The original's thresholds: overlap ``0:gap:1``, center ``0..50`` px, normalized ``0..0.5``."""
    if not 0.0 < plot_bin_gap <= 1.0:
        raise ValueError('plot_bin_gap must be in (0, 1], got {}'.format(plot_bin_gap))
    threshold_set_overlap = torch.arange(0.0, 1.0 + plot_bin_gap, plot_bin_gap, dtype=torch.float64)
    threshold_set_center = torch.arange(0, 51, dtype=torch.float64)
    threshold_set_center_norm = torch.arange(0, 51, dtype=torch.float64) / 100.0
    return threshold_set_overlap, threshold_set_center, threshold_set_center_norm


def _count_at_most(err: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``[T, N]`` errors -> ``[T, K]`` number of frames with error <= each threshold (exact ties included)."""
    srt = np.sort(err, axis=-1)
    return np.stack([np.searchsorted(row, thresholds, side='right') for row in srt])


def _prefetch(func, items, workers: Optional[int] = None) -> Iterator:
    """``map(func, items)`` computed by a few threads ahead of the consumer (file parsing releases the
    GIL), keeping at most ``2 * workers`` results in memory; exceptions surface in order."""
    workers = workers or min(4, os.cpu_count() or 1)
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        yield from map(func, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _ground_truth(seq) -> np.ndarray:
    gt = seq.ground_truth_rect
    if isinstance(gt, dict):
        ids = list(seq.object_ids) if getattr(seq, 'object_ids', None) is not None else list(gt.keys())
        if len(ids) != 1:
            raise AnalysisError("Sequence '{}' has {} objects; box analysis needs single-object sequences"
                                .format(seq.name, len(ids)))
        gt = gt[ids[0]]
    return np.asarray(gt, dtype=np.float64)


def results_fingerprint(trackers, dataset, suffixes: Tuple[str, ...] = ('.txt',)) -> str:
    """A hash of the ground truth and of the size and modification time of every results file (missing
    files included), to tell whether a cached evaluation is still up to date."""
    h = hashlib.sha1()
    for seq in dataset:
        h.update(seq.name.encode())
        gt = seq.ground_truth_rect
        for arr in (list(gt.values()) if isinstance(gt, dict) else [gt]) + [seq.target_visible]:
            if arr is not None:
                h.update(np.ascontiguousarray(np.asarray(arr, dtype=np.float64)).tobytes())
        for trk in trackers:
            for suffix in suffixes:
                path = tracker_results_file(trk, seq.name, suffix)
                try:
                    st = os.stat(path)
                    h.update('{}|{}|{};'.format(path, st.st_size, st.st_mtime_ns).encode())
                except FileNotFoundError:
                    h.update('{}|missing;'.format(path).encode())
    return h.hexdigest()


def _check_missing(trackers, dataset, skip_missing_seq: bool) -> np.ndarray:
    """Which sequences have results for every tracker; raise naming the missing ones unless skipping."""
    present = np.array([[os.path.isfile(tracker_results_file(trk, seq.name)) for trk in trackers]
                        for seq in dataset], dtype=bool).reshape(len(dataset), len(trackers))
    complete = present.all(1)
    if complete.all():
        return complete
    lines = []
    for t, trk in enumerate(trackers):
        missing = [dataset[i].name for i in np.nonzero(~present[:, t])[0]]
        if missing:
            shown = ', '.join(missing[:10]) + (' ... ({} in all)'.format(len(missing)) if len(missing) > 10 else '')
            lines.append("tracker '{}' (results in '{}') has no results for: {}".format(
                _tracker_label(trk), trk.results_dir, shown))
    if not skip_missing_seq:
        raise MissingResultsError('Missing tracking results:\n  ' + '\n  '.join(lines) +
                                  '\nRun these sequences, or pass skip_missing_seq=True to leave them out.')
    logger.warning('Skipping %d of %d sequences with missing results:\n  %s', int((~complete).sum()),
                   len(complete), '\n  '.join(lines))
    return complete


def _tracker_label(trk) -> str:
    if getattr(trk, 'display_name', None):
        return trk.display_name
    if trk.run_id is None:
        return '{}_{}'.format(trk.name, trk.parameter_name)
    return '{}_{}_{:03d}'.format(trk.name, trk.parameter_name, trk.run_id)


def _tracker_dicts(trackers) -> List[dict]:
    return [{'name': t.name, 'param': t.parameter_name, 'run_id': t.run_id, 'disp_name': t.display_name}
            for t in trackers]


def extract_results(trackers, dataset, report_name: str, skip_missing_seq: bool = False,
                    plot_bin_gap: float = 0.05, exclude_invalid_frames: bool = False, verbose: bool = True,
                    invalid_pred_as_failure: bool = False) -> dict:
    """Evaluate every tracker on every sequence and cache the curves in
    ``<result_plot_path>/<report_name>/eval_data.pkl``.

    args:
        trackers: Trackers (``.name``, ``.parameter_name``, ``.run_id``, ``.display_name``, ``.results_dir``).
        dataset: Sequences (``.name``, ``.ground_truth_rect`` ``[N, 4]`` x,y,w,h, ``.target_visible``, ``.dataset``).
        report_name: Folder name under ``env_settings().result_plot_path``.
        skip_missing_seq: Leave out (mark invalid) sequences that some tracker has no results for,
            instead of raising :class:`MissingResultsError` naming them.
        plot_bin_gap: Step of the overlap thresholds.
        exclude_invalid_frames: Divide by the number of valid frames instead of all frames.
        verbose: Show a progress bar and log a summary.
        invalid_pred_as_failure: Count NaN/negative-size boxes as failures instead of raising.
    returns: The original's ``eval_data`` dict (lists): ``sequences``, ``trackers``, ``valid_sequence``,
        ``ave_success_rate_plot_overlap`` ``[S, T, K]``, ``ave_success_rate_plot_center``,
        ``ave_success_rate_plot_center_norm``, ``avg_overlap_all`` ``[S, T]``, the threshold sets, plus
        ``analysis_settings`` and ``results_fingerprint`` used to validate the cache.
    """
    settings = env_settings()
    result_plot_path = os.path.join(settings.result_plot_path, report_name)
    os.makedirs(result_plot_path, exist_ok=True)
    trackers = list(trackers)
    if len(trackers) == 0 or len(dataset) == 0:
        raise AnalysisError('Nothing to evaluate: {} trackers and {} sequences'.format(len(trackers), len(dataset)))

    th_overlap, th_center, th_center_norm = get_threshold_sets(plot_bin_gap)
    th_overlap_np, th_center_np, th_center_norm_np = th_overlap.numpy(), th_center.numpy(), th_center_norm.numpy()
    n_seq, n_trk = len(dataset), len(trackers)
    avg_overlap_all = np.zeros((n_seq, n_trk))
    success = np.zeros((n_seq, n_trk, th_overlap.numel()))
    prec = np.zeros((n_seq, n_trk, th_center.numel()))
    norm_prec = np.zeros((n_seq, n_trk, th_center_norm.numel()))

    valid_sequence = _check_missing(trackers, dataset, skip_missing_seq).astype(np.uint8)

    def load(seq_id):
        if not valid_sequence[seq_id]:
            return None
        paths = [tracker_results_file(trk, dataset[seq_id].name) for trk in trackers]
        return paths, [read_box_file(p) for p in paths]

    loaded = _prefetch(load, range(n_seq))
    for seq_id, seq in enumerate(tqdm(dataset, desc='Evaluating ' + report_name, disable=not verbose)):
        files = next(loaded)
        if files is None:
            continue
        anno_bb = _ground_truth(seq)
        visible = None if seq.target_visible is None else np.asarray(seq.target_visible)
        errs = [_seq_errors(pred, anno_bb, seq.dataset, visible, path, invalid_pred_as_failure)
                for path, pred in zip(*files)]
        err_overlap = np.stack([e[0] for e in errs])
        valid_frame = errs[0][3]  # depends on the ground truth only

        n_valid = int(valid_frame.sum())
        with np.errstate(invalid='ignore'):
            avg_overlap_all[seq_id] = err_overlap[:, valid_frame].mean(1) if n_valid else np.nan
        seq_length = n_valid if exclude_invalid_frames else anno_bb.shape[0]
        if seq_length <= 0:
            raise AnalysisError("Sequence '{}' has no valid ground-truth frame; with exclude_invalid_frames=True "
                                "it cannot be scored".format(seq.name))
        n_frames = err_overlap.shape[1]
        success[seq_id] = (n_frames - _count_at_most(err_overlap, th_overlap_np)) / seq_length
        prec[seq_id] = _count_at_most(np.stack([e[1] for e in errs]), th_center_np) / seq_length
        norm_prec[seq_id] = _count_at_most(np.stack([e[2] for e in errs]), th_center_norm_np) / seq_length

    if verbose:
        logger.info('Computed results over %d / %d sequences', int(valid_sequence.sum()), n_seq)

    eval_data = {'sequences': [s.name for s in dataset],
                 'trackers': _tracker_dicts(trackers),
                 'valid_sequence': valid_sequence.tolist(),
                 'ave_success_rate_plot_overlap': success.tolist(),
                 'ave_success_rate_plot_center': prec.tolist(),
                 'ave_success_rate_plot_center_norm': norm_prec.tolist(),
                 'avg_overlap_all': avg_overlap_all.tolist(),
                 'threshold_set_overlap': th_overlap.tolist(),
                 'threshold_set_center': th_center.tolist(),
                 'threshold_set_center_norm': th_center_norm.tolist(),
                 'analysis_settings': analysis_settings(skip_missing_seq, plot_bin_gap, exclude_invalid_frames,
                                                        invalid_pred_as_failure),
                 'results_fingerprint': results_fingerprint(trackers, dataset)}
    atomic_pickle_dump(eval_data, os.path.join(result_plot_path, EVAL_DATA_FILE))
    return eval_data


def analysis_settings(skip_missing_seq: bool = False, plot_bin_gap: float = 0.05,
                      exclude_invalid_frames: bool = False, invalid_pred_as_failure: bool = False,
                      **extra) -> Dict[str, object]:
    """The options a cached evaluation depends on (stored with it, compared when reusing it)."""
    out = {'skip_missing_seq': bool(skip_missing_seq), 'plot_bin_gap': float(plot_bin_gap),
           'exclude_invalid_frames': bool(exclude_invalid_frames),
           'invalid_pred_as_failure': bool(invalid_pred_as_failure)}
    out.update(extra)
    return out


def _presence_scores(trk, seq_name: str, n: int) -> torch.Tensor:
    path = tracker_results_file(trk, seq_name, '_object_presence_scores.txt')
    if not os.path.isfile(path):
        return torch.ones(n, dtype=torch.float64)
    scores = torch.from_numpy(read_box_file(path, num_columns=1)).flatten()
    if not torch.isfinite(scores).all():
        raise InvalidResultsError("Presence scores file '{}' contains non-finite values".format(path))
    return scores


def _fit_length(x: torch.Tensor, n: int, fill: float) -> torch.Tensor:
    if x.shape[0] >= n:
        return x[:n]
    pad = torch.full((n - x.shape[0],) + tuple(x.shape[1:]), fill, dtype=x.dtype)
    return torch.cat((x, pad), 0)


def f1_key(display_name: Optional[str], run_id: Optional[int]) -> str:
    """Key of a tracker run in the ``raw_data`` of :func:`extract_results_prec_rec_f1` (the original's)."""
    return '{}'.format(display_name) if run_id is None else '{}_{}'.format(display_name, run_id)


def extract_results_prec_rec_f1(trackers, dataset, report_name: str, skip_missing_seq: bool = False,
                                plot_bin_gap: float = 0.05, exclude_invalid_frames: bool = False,
                                verbose: bool = True, anno_period: int = 1, invalid_pred_as_failure: bool = False,
                                **kwargs) -> dict:
    """Long-term tracking precision/recall/F1 (as the original's variant for LaSOT/OxUvA-like datasets).

    Per tracker, the frames of all sequences (every ``anno_period``-th frame) are ranked by the
    tracker's presence score (``<seq>_object_presence_scores.txt``, 1 where absent). Going down the
    ranking, precision = summed overlap / frames reported, recall = summed overlap / visible frames;
    ``f1_max`` is the best F1 on that curve. ``plot_bin_gap`` and ``exclude_invalid_frames`` are
    accepted for signature compatibility and unused. Unlike the original, the robust per-frame
    errors are computed per sequence (frame 0 of every sequence counts as ground truth, and no zero-size
    fill crosses a sequence boundary).

    returns: dict with ``sequences``, ``trackers``, ``valid_sequence`` and ``raw_data``:
        key -> ``{'prec': [...], 'rec': [...], 'f1_max', 'ths_max', 'idx'}``; keys are the display name,
        followed by ``_<run_id>`` when the tracker has a run id. Cached in ``eval_data_prec_rec_f1.pkl``.
    """
    settings = env_settings()
    result_plot_path = os.path.join(settings.result_plot_path, report_name)
    os.makedirs(result_plot_path, exist_ok=True)
    trackers = list(trackers)
    if anno_period < 1:
        raise ValueError('anno_period must be >= 1, got {}'.format(anno_period))
    valid_sequence = _check_missing(trackers, dataset, skip_missing_seq).astype(np.uint8)

    raw_data = {}
    for trk in tqdm(trackers, desc='Evaluating ' + report_name, disable=not verbose):
        overlaps, valids, scores_all = [], [], []
        for seq_id, seq in enumerate(dataset):
            if not valid_sequence[seq_id]:
                continue
            path = tracker_results_file(trk, seq.name)
            anno_bb = torch.from_numpy(_ground_truth(seq))
            err_overlap, _, _, valid = calc_seq_err_robust(read_box_file(path), anno_bb, seq.dataset,
                                                           seq.target_visible, results_path=path,
                                                           invalid_pred_as_failure=invalid_pred_as_failure)
            scores = _fit_length(_presence_scores(trk, seq.name, anno_bb.shape[0]), anno_bb.shape[0], 0.0)
            overlaps.append(err_overlap[::anno_period])
            valids.append(valid[::anno_period])
            scores_all.append(scores[::anno_period])
        if not overlaps:
            raise AnalysisError('No sequence left to evaluate for the precision/recall analysis')
        overlap = torch.cat(overlaps)
        valid = torch.cat(valids)
        scores = torch.cat(scores_all)

        order = torch.argsort(scores, descending=True, stable=True)
        scores_sorted = scores[order]
        gained = torch.where(valid[order], overlap[order], torch.zeros_like(overlap))
        overlap_acc = torch.cumsum(gained, 0)
        n_visible = valid.sum().to(torch.float64)
        ranks = torch.arange(1, scores_sorted.numel() + 1, dtype=torch.float64)
        rec = torch.cat((torch.zeros(1, dtype=torch.float64), overlap_acc / n_visible))
        prec = torch.cat((torch.ones(1, dtype=torch.float64), overlap_acc / ranks))
        f1 = 2 * prec * rec / (prec + rec)
        f1 = torch.nan_to_num(f1, nan=0.0)
        idx = int(torch.argmax(f1))
        raw_data[f1_key(trk.display_name, trk.run_id)] = {'prec': prec.tolist(), 'rec': rec.tolist(), 'f1_max': float(f1[idx]),
                         'ths_max': float(scores_sorted[min(idx, scores_sorted.numel() - 1)]), 'idx': idx}

    eval_data = {'sequences': [s.name for s in dataset], 'trackers': _tracker_dicts(trackers),
                 'valid_sequence': valid_sequence.tolist(), 'raw_data': raw_data,
                 'analysis_settings': analysis_settings(skip_missing_seq, plot_bin_gap, exclude_invalid_frames,
                                                        invalid_pred_as_failure, anno_period=int(anno_period)),
                 'results_fingerprint': results_fingerprint(trackers, dataset, F1_RESULT_SUFFIXES)}
    atomic_pickle_dump(eval_data, os.path.join(result_plot_path, EVAL_DATA_F1_FILE))
    return eval_data

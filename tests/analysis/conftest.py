"""Fixtures for the analysis tests: settings in tmp dirs, result files on disk, a plain-loop reference."""
import math
import os

import numpy as np
import pytest

from pytracking.evaluation.data import Sequence


@pytest.fixture
def analysis_env(tmp_path, monkeypatch):
    """Results and plots go to tmp dirs through the environment-variable overrides."""
    paths = {'results': tmp_path / 'results', 'plots': tmp_path / 'plots', 'got_packed': tmp_path / 'got_packed',
             'tn_packed': tmp_path / 'tn_packed', 'got_reports': tmp_path / 'got_reports'}
    for p in paths.values():
        p.mkdir()
    monkeypatch.setenv('PYTRACKING_RESULTS_PATH', str(paths['results']))
    monkeypatch.setenv('PYTRACKING_RESULT_PLOT_PATH', str(paths['plots']))
    monkeypatch.setenv('PYTRACKING_GOT_PACKED_RESULTS_PATH', str(paths['got_packed']))
    monkeypatch.setenv('PYTRACKING_TN_PACKED_RESULTS_PATH', str(paths['tn_packed']))
    monkeypatch.setenv('PYTRACKING_GOT_REPORTS_PATH', str(paths['got_reports']))
    return paths


def write_results(tracker, seq_name: str, boxes, delimiter: str = '\t', fmt: str = '%.2f') -> str:
    """Write a results file the way trackers do (``<results_dir>/<seq>.txt``)."""
    os.makedirs(tracker.results_dir, exist_ok=True)
    path = os.path.join(tracker.results_dir, seq_name + '.txt')
    np.savetxt(path, np.asarray(boxes, dtype=np.float64).reshape(-1, 4), delimiter=delimiter, fmt=fmt)
    return path


def make_sequence(name, gt, dataset='otb', target_visible=None) -> Sequence:
    gt = np.asarray(gt, dtype=np.float64)
    return Sequence(name, ['{}/{:05d}.jpg'.format(name, i) for i in range(len(gt))], dataset, gt,
                    target_visible=None if target_visible is None else np.asarray(target_visible, dtype=bool))


# ------------------------------------------------------------------------------------------------------
# Independent reference: plain Python loops over frames, continuous box corners, no torch.
# ------------------------------------------------------------------------------------------------------

OVERLAP_THRESHOLDS = [k * 0.05 for k in range(21)]
CENTER_THRESHOLDS = [float(k) for k in range(51)]
NORM_THRESHOLDS = [k / 100.0 for k in range(51)]


def ref_frame_errors(pred, gt, dataset, visible):
    """Per-frame (overlap, center, norm_center, valid) lists following the documented rules."""
    n = len(gt)
    boxes = [list(map(float, b)) for b in pred]
    for i in range(1, len(boxes)):
        gt_known = i < n and not any(math.isnan(v) for v in gt[i])
        if (boxes[i][2] == 0.0 or boxes[i][3] == 0.0) and gt_known:
            boxes[i] = list(boxes[i - 1])
    boxes = boxes[:n]
    while len(boxes) < n:
        boxes.append([0.0, 0.0, 0.0, 0.0])
    boxes[0] = [float(v) for v in gt[0]]
    out = []
    for i in range(n):
        px, py, pw, ph = boxes[i]
        gx, gy, gw, gh = [float(v) for v in gt[i]]
        valid = (gw > 0) and (gh > 0) and (visible is None or bool(visible[i]))
        if valid:
            iw = max(0.0, min(px + pw, gx + gw) - max(px, gx))
            ih = max(0.0, min(py + ph, gy + gh) - max(py, gy))
            inter = iw * ih
            iou = inter / (pw * ph + gw * gh - inter)
            dx = (px + (pw - 1) / 2) - (gx + (gw - 1) / 2)
            dy = (py + (ph - 1) / 2) - (gy + (gh - 1) / 2)
            center = math.hypot(dx, dy)
            ndx = (px + (pw - 1) / 2) / gw - (gx + (gw - 1) / 2) / gw
            ndy = (py + (ph - 1) / 2) / gh - (gy + (gh - 1) / 2) / gh
            norm = math.hypot(ndx, ndy)
        else:
            iou = -1.0
            center = -1.0 if dataset == 'uav' else math.inf
            norm = -1.0
        if dataset == 'lasot' and visible is not None and not visible[i]:
            center, norm = math.inf, math.inf
        out.append((iou, center, norm, valid))
    return out


def ref_sequence_curves(pred, gt, dataset='otb', visible=None, exclude_invalid_frames=False):
    frames = ref_frame_errors(pred, gt, dataset, visible)
    n_valid = sum(1 for f in frames if f[3])
    denom = n_valid if exclude_invalid_frames else len(gt)
    success = [sum(1 for f in frames if f[0] > t) / denom for t in OVERLAP_THRESHOLDS]
    prec = [sum(1 for f in frames if f[1] <= t) / denom for t in CENTER_THRESHOLDS]
    norm = [sum(1 for f in frames if f[2] <= t) / denom for t in NORM_THRESHOLDS]
    ao = sum(f[0] for f in frames if f[3]) / n_valid if n_valid else float('nan')
    return success, prec, norm, ao


def ref_scores(per_seq_curves):
    """Dataset scores (in %) from a list of per-sequence (success, prec, norm, ao) tuples."""
    s = len(per_seq_curves)
    success = [sum(c[0][k] for c in per_seq_curves) / s * 100 for k in range(len(OVERLAP_THRESHOLDS))]
    prec = [sum(c[1][k] for c in per_seq_curves) / s * 100 for k in range(len(CENTER_THRESHOLDS))]
    norm = [sum(c[2][k] for c in per_seq_curves) / s * 100 for k in range(len(NORM_THRESHOLDS))]
    return {'AUC': sum(success) / len(success), 'OP50': success[10], 'OP75': success[15],
            'Precision': prec[20], 'Norm Precision': norm[20], 'success_curve': success}


@pytest.fixture
def H():
    """The helpers above, for test modules (conftest modules are not importable by name)."""
    import types
    return types.SimpleNamespace(write_results=write_results, make_sequence=make_sequence,
                                 ref_frame_errors=ref_frame_errors, ref_sequence_curves=ref_sequence_curves,
                                 ref_scores=ref_scores, OVERLAP_THRESHOLDS=OVERLAP_THRESHOLDS)

"""The analysis on the project's own synthetic benchmark (real Sequence objects, frames on disk)."""
import os

import cv2 as cv
import numpy as np
import pytest

from pytracking.analysis.playback_results import write_playback_video
from pytracking.analysis.plot_results import plot_attributes_radar, print_results, print_results_per_attribute
from pytracking.evaluation import get_dataset, trackerlist
from pytracking.evaluation.syntheticdataset import SyntheticDataset

SIZE = dict(num_sequences=3, num_frames=12, frame_size=(96, 72))


def test_synthetic_benchmark_end_to_end(analysis_env, tmp_path, monkeypatch, H):
    monkeypatch.setenv('PYTRACKING_SYNTHETIC_PATH', str(tmp_path / 'synthetic'))
    dataset = get_dataset('synthetic', **SIZE)
    assert len(dataset) == 3 and dataset[0].dataset == 'synthetic'
    trackers = trackerlist('oracle', 'gt', None, 'Oracle') + trackerlist('shifted', 'p', None, 'Shifted')
    preds = {}
    for seq in dataset:
        gt = seq.ground_truth_rect
        preds[(0, seq.name)] = gt.copy()
        preds[(1, seq.name)] = gt + np.array([3.0, -2.0, 1.0, 0.0])
        for t, trk in enumerate(trackers):
            H.write_results(trk, seq.name, preds[(t, seq.name)], fmt='%.4f')
    df = print_results(trackers, dataset, 'synthetic', plot_types=('success', 'prec', 'norm_prec'))
    for t, name in enumerate(['Oracle', 'Shifted']):
        ref = H.ref_scores([H.ref_sequence_curves(preds[(t, s.name)].tolist(), s.ground_truth_rect.tolist(), s.dataset,
                                                  s.target_visible.tolist()) for s in dataset])
        for col in df.columns:
            assert df.loc[name, col] == pytest.approx(ref[col], abs=1e-6), (name, col)
    assert df.loc['Oracle', 'AUC'] > df.loc['Shifted', 'AUC']

    per_attr = SyntheticDataset(**SIZE).attributes()
    by_name = {s.name: s for s in dataset}
    attrs = {'ALL': list(dataset)}
    attrs.update({a: [by_name[n] for n in names] for a, names in per_attr.items()})
    scores, names = print_results_per_attribute(trackers, attrs, 'synthetic')
    assert set(scores) == {'ALL'} | {a for a, n in per_attr.items() if n}  # empty attributes left out
    assert scores['ALL'][1].item() == pytest.approx(df.loc['Shifted', 'AUC'], abs=1e-9)
    plot_attributes_radar(trackers, attrs, 'synthetic')
    assert os.path.getsize(os.path.join(str(analysis_env['plots']), 'synthetic', 'radar_plot.png')) > 0

    video = write_playback_video(trackers, dataset[0], str(tmp_path / 'play.avi'), fps=5)
    cap = cv.VideoCapture(video)
    frames = 0
    while cap.read()[0]:
        frames += 1
    assert frames == len(dataset[0].frames)

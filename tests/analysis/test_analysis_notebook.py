"""The analysis notebook runs top to bottom headless on fixture results and shows the expected numbers."""
import os

import numpy as np
import pytest

nbformat = pytest.importorskip('nbformat')
nbclient = pytest.importorskip('nbclient')

from pytracking.evaluation import trackerlist  # noqa: E402

NOTEBOOK = os.path.join(os.path.dirname(__file__), '..', '..', 'pytracking', 'notebooks', 'analyze_results.ipynb')


@pytest.mark.slow
def test_notebook_runs_and_prints_the_scores(analysis_env, tmp_path, H):
    rng = np.random.default_rng(3)
    seq_dir = tmp_path / 'sequences'
    seqs, gts = [], {}
    for i in range(3):
        gt = np.c_[rng.integers(0, 300, (30, 2)), rng.integers(6, 60, (30, 2))].astype(float)
        (seq_dir / 'nbseq{}'.format(i)).mkdir(parents=True)
        np.savetxt(seq_dir / 'nbseq{}'.format(i) / 'groundtruth_rect.txt', gt, delimiter=',', fmt='%d')
        gts['nbseq{}'.format(i)] = gt
        seqs.append(H.make_sequence('nbseq{}'.format(i), gt))
    trackers = trackerlist('alpha', 'p', [0, 1], 'Alpha') + trackerlist('beta', 'q', None, 'Beta')
    preds = {}
    for t, trk in enumerate(trackers):
        for s in seqs:
            pred = s.ground_truth_rect + rng.integers(-6 * (t + 1), 6 * (t + 1) + 1, (30, 4))
            pred[:, 2:] = np.abs(pred[:, 2:])
            preds[(t, s.name)] = pred
            H.write_results(trk, s.name, pred, fmt='%d')

    def ref(t_ids):
        per_run = [H.ref_scores([H.ref_sequence_curves(preds[(t, s.name)].tolist(), s.ground_truth_rect.tolist())
                                 for s in seqs]) for t in t_ids]
        return {k: float(np.mean([r[k] for r in per_run])) for k in ('AUC', 'OP50', 'Precision', 'Norm Precision')}

    expected = {'Alpha': ref([0, 1]), 'Beta': ref([2])}

    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [i for i, c in enumerate(nb.cells) if 'parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(params) == 1
    # Like papermill: a cell after the parameters cell overrides them with the fixture data.
    nb.cells.insert(params[0] + 1, nbformat.v4.new_code_cell(
        'import os, numpy as np\n'
        'from pytracking.evaluation.data import Sequence\n'
        'seq_dir = {!r}\n'
        'dataset = [Sequence(n, [], "otb", np.loadtxt(os.path.join(seq_dir, n, "groundtruth_rect.txt"), delimiter=","))\n'
        '           for n in sorted(os.listdir(seq_dir))]\n'
        'tracker_specs = [("alpha", "p", [0, 1], "Alpha"), ("beta", "q", None, "Beta")]\n'
        'report_name = "nb_report"\n'.format(str(seq_dir))))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name='python3',
                                     resources={'metadata': {'path': str(tmp_path)}})
    client.execute()

    texts, plain, images = [], [], 0
    for cell in nb.cells:
        for out in cell.get('outputs', []):
            if out.get('output_type') == 'stream':
                texts.append(out['text'])
            elif 'data' in out:
                plain.append(out['data'].get('text/plain', ''))
                images += 'image/png' in out['data']
    text = '\n'.join(texts)
    assert '3 tracker runs on 3 sequences' in text
    for name, scores in expected.items():
        row = [line for line in text.splitlines() if line.startswith(name + ' ') and '|' in line][0]
        cells = [c.strip() for c in row.split('|')]
        assert cells[1] == '{:0.2f}'.format(scores['AUC']) and cells[2] == '{:0.2f}'.format(scores['OP50'])
        assert cells[4] == '{:0.2f}'.format(scores['Precision']) and cells[5] == '{:0.2f}'.format(scores['Norm Precision'])
    # the DataFrame shown by the table cell: Tracker row with AUC OP50 OP75 Precision Norm-Precision
    frame_rows = [line.split() for p in plain for line in p.splitlines() if line.startswith('Beta ')]
    assert len(frame_rows) == 1
    shown = [float(v) for v in frame_rows[0][1:]]
    assert shown[0] == pytest.approx(expected['Beta']['AUC'], abs=0.006)
    assert shown[3] == pytest.approx(expected['Beta']['Precision'], abs=0.006)
    assert images >= 3  # success, precision and normalized precision plots
    assert os.path.isfile(os.path.join(str(analysis_env['plots']), 'nb_report', 'success_plot.png'))

"""The VOT toolkit file protocol (images.txt / region.txt -> output.txt) through Tracker.run_vot."""

import numpy as np
import pytest

from pytracking.evaluation import vot
from pytracking.evaluation.tracker import Tracker, vot_polygon_to_box


def test_region_parsing_and_conversion():
    assert vot.parse_region('1,2,3,4') == vot.Rectangle(1, 2, 3, 4)
    poly = vot.parse_region('0,0,4,0,4,2,0,2')
    assert isinstance(poly, vot.Polygon) and len(poly.points) == 4
    assert vot.convert_region(poly, 'rectangle') == vot.Rectangle(0, 0, 4, 2)
    back = vot.convert_region(vot.Rectangle(1, 2, 3, 4), 'polygon')
    assert [tuple(p) for p in back.points] == [(1, 2), (4, 2), (4, 6), (1, 6)]
    assert vot.encode_region(vot.Rectangle(1.5, 2, 3, 4)) == '1.5,2,3,4'
    assert vot.encode_region(back) == '1,2,4,2,4,6,1,6'
    assert vot.parse_region('1,2,3') is None


def test_polygon_to_box_axis_aligned_square():
    # An axis-aligned rectangle is its own bounding box under 'union'.
    assert vot_polygon_to_box([10, 20, 50, 20, 50, 40, 10, 40], 'union') == [10, 20, 40, 20]
    assert vot_polygon_to_box([1, 2, 3, 4]) == [1, 2, 3, 4]


def test_run_vot_file_protocol(fake, eval_env, tmp_path, monkeypatch, helpers):
    frames = [helpers.write_image(tmp_path / 'seq' / '{:08d}.jpg'.format(i + 1), w=60, h=40) for i in range(4)]
    work = tmp_path / 'vot_work'
    work.mkdir()
    (work / 'images.txt').write_text('\n'.join(frames) + '\n')
    (work / 'region.txt').write_text('10,20,30,20,30,30,10,30\n')   # axis-aligned 20 x 10 box at (10, 20)
    monkeypatch.chdir(work)
    Tracker('evaltest_velocity', 'default').run_vot()
    lines = (work / 'output.txt').read_text().strip().split('\n')
    assert len(lines) == 4
    assert [float(v) for v in lines[0].split(',')] == [10, 20, 30, 20, 30, 30, 10, 30]  # initial region echoed
    got = np.array([[float(v) for v in line.split(',')] for line in lines[1:]])
    # 'preserve_area' on an axis-aligned 20 x 10 rectangle centred at (20, 25): w, h = 20 + 1, 10 + 1.
    init = [9.5, 19.5, 21.0, 11.0]
    assert np.allclose(vot_polygon_to_box([10, 20, 30, 20, 30, 30, 10, 30], 'preserve_area'), init)
    np.testing.assert_allclose(got, [[init[0] + 2 * k, init[1] + k, init[2], init[3]] for k in (1, 2, 3)])


# --------------------------------------------------------------------------- pytracking/run_vot.py
def test_run_vot_command_file_protocol_with_run_id(fake, eval_env, tmp_path, monkeypatch, helpers):
    from pytracking import run_vot
    frames = [helpers.write_image(tmp_path / 'seq' / '{:08d}.jpg'.format(i + 1), w=60, h=40) for i in range(3)]
    work = tmp_path / 'vot_work'
    work.mkdir()
    (work / 'images.txt').write_text('\n'.join(frames) + '\n')
    (work / 'region.txt').write_text('5,6,10,8\n')   # a rectangle: the polygon of its corners is given to the tracker
    monkeypatch.chdir(work)
    assert run_vot.main(['evaltest_velocity', 'default', '--run_id', '3', '--debug', '0']) == 0
    lines = (work / 'output.txt').read_text().strip().split('\n')
    assert [float(v) for v in lines[0].split(',')] == [5, 6, 15, 6, 15, 14, 5, 14]
    init = vot_polygon_to_box([5, 6, 15, 6, 15, 14, 5, 14], 'preserve_area')
    got = np.array([[float(v) for v in line.split(',')] for line in lines[1:]])
    np.testing.assert_allclose(got, [[init[0] + 2 * k, init[1] + k, init[2], init[3]] for k in (1, 2)])
    log = helpers.read_log(eval_env.log)
    assert [e['event'] for e in log] == ['init', 'track', 'track']


def test_run_vot_without_toolkit_is_one_clear_error(fake, eval_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(vot, 'TRAX', False)   # as on a machine without vot-trax
    from pytracking import run_vot
    from pytracking.evaluation._cli import run_main
    work = tmp_path / 'empty'
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(vot.VOTToolkitError) as e:
        run_vot.main(['evaltest_velocity', 'default'])
    msg = str(e.value)
    assert 'trax' in msg and 'images.txt / region.txt' in msg and str(work) in msg and 'vot-trax' in msg
    with pytest.raises(SystemExit) as ex:
        run_main(lambda: run_vot.main(['evaltest_velocity', 'default']))
    assert ex.value.code == 2
    err = capsys.readouterr().err.strip().split('\n')
    assert err[-1].startswith('error: No VOT toolkit session') and 'Traceback' not in '\n'.join(err)
    assert list(work.iterdir()) == []   # no empty output.txt left behind
    # Only the region file missing: the message names it alone.
    (work / 'images.txt').write_text('a.jpg\n')
    with pytest.raises(vot.VOTToolkitError, match="has no region.txt"):
        vot.VOT('polygon')


@pytest.mark.slow
def test_run_vot_unknown_tracker_and_help_from_another_directory(tmp_path):
    import os
    import subprocess
    import sys
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    res = subprocess.run([sys.executable, os.path.join(repo, 'pytracking', 'run_vot.py'), 'not_a_tracker_xyz', 'p'],
                         cwd=str(tmp_path), capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 2 and "Unknown tracker 'not_a_tracker_xyz'" in res.stderr
    assert 'Traceback' not in res.stderr
    res = subprocess.run([sys.executable, '-m', 'pytracking.run_vot', '--help'], cwd=str(tmp_path),
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0
    for flag in ('tracker_name', 'tracker_param', '--run_id', '--debug', '--use_visdom', '--visdom_port'):
        assert flag in res.stdout


def test_run_vot2020_rectangle_regions(fake, eval_env, tmp_path, monkeypatch, helpers):
    from pytracking import run_vot
    frames = [helpers.write_image(tmp_path / 'seq' / '{:08d}.jpg'.format(i + 1), w=60, h=40) for i in range(3)]
    work = tmp_path / 'vot2020'
    work.mkdir()
    (work / 'images.txt').write_text('\n'.join(frames) + '\n')
    (work / 'region.txt').write_text('5.5,6,10,8\n')
    monkeypatch.chdir(work)
    run_vot.run_vot2020('evaltest_velocity', 'default')
    lines = (work / 'output.txt').read_text().strip().split('\n')
    got = np.array([[float(v) for v in line.split(',')] for line in lines])
    # The rectangle is the initial box as it is (no polygon conversion); 2 px right, 1 px down per frame.
    np.testing.assert_allclose(got, [[5.5, 6, 10, 8], [7.5, 7, 10, 8], [9.5, 8, 10, 8]])
    assert helpers.read_log(eval_env.log)[0]['box'] == [5.5, 6, 10, 8]


# --------------------------------------------------------------------------- a real TraX session
_TRAX_SERVER = '''
import importlib, sys, types
mod = importlib.import_module({module!r})
pkg = types.ModuleType('pytracking.parameter.evaltest_velocity'); pkg.__path__ = []
params = types.ModuleType('pytracking.parameter.evaltest_velocity.default'); params.parameters = mod.parameters
sys.modules['pytracking.tracker.evaltest_velocity'] = mod
sys.modules['pytracking.parameter.evaltest_velocity'] = pkg
sys.modules['pytracking.parameter.evaltest_velocity.default'] = params
from pytracking import run_vot
sys.exit(run_vot.main(['evaltest_velocity', 'default', '--debug', '0']))
'''


def _xywh(region):
    """x, y, w, h of a TraX rectangle, or the axis-aligned extent of a TraX polygon."""
    if hasattr(region, 'bounds'):
        return [round(float(v), 4) for v in region.bounds()]
    pts = np.array([[float(p[0]), float(p[1])] for p in region])
    lo, hi = pts.min(0), pts.max(0)
    return [round(float(v), 4) for v in (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])]


def test_run_vot_over_a_real_trax_connection(fake, eval_env, tmp_path, helpers):
    """The toolkit's side of the protocol (``trax.client.Client`` of vot-trax) drives ``run_vot.py`` over pipes:
    the tracker is initialised with a rectangle and answers every frame with the moved region."""
    trax = pytest.importorskip('trax')
    import os
    import subprocess
    import sys
    import trax.client
    from tests.evaluation.conftest import FAKE_MODULE
    frames = [helpers.write_image(tmp_path / 'seq' / '{:08d}.jpg'.format(i + 1), w=60, h=40) for i in range(4)]
    work = tmp_path / 'trax_work'
    work.mkdir()
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, '-c', _TRAX_SERVER.format(module=FAKE_MODULE)], cwd=str(work), env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # (a callable log: vot-trax 4.0.2 fails to set up a client without one)
        client = trax.client.Client((proc.stdin.fileno(), proc.stdout.fileno()), timeout=120, log=lambda _msg: None)
        init = trax.Rectangle.create(5, 6, 10, 8)
        objects, _ = client.initialize({'color': trax.FileImage.create(frames[0])}, [(init, {})], {})
        assert len(objects) == 1
        # TraX hands a polygon-format tracker the rectangle's corners with inclusive pixel ends (x + w - 1):
        # the server echoes exactly the region it received.
        echoed = [float(v) for p in objects[0][0] for v in p]
        assert echoed == [5, 6, 14, 6, 14, 13, 5, 13]
        reported = []
        for path in frames[1:]:
            objects, _ = client.frame({'color': trax.FileImage.create(path)}, {}, [])
            reported.append(_xywh(objects[0][0]))
        client.quit()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The fake tracker moves its box by (+2, +1) per frame.
    init_box = vot_polygon_to_box(echoed, 'preserve_area')
    np.testing.assert_allclose(reported, [[init_box[0] + 2 * k, init_box[1] + k, init_box[2], init_box[3]]
                                          for k in (1, 2, 3)], atol=1e-4)
    assert [e['event'] for e in helpers.read_log(eval_env.log)] == ['init', 'track', 'track', 'track']
    assert not (work / 'output.txt').exists()

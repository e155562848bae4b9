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


@pytest.mark.skipif(vot.TRAX, reason='the file protocol is used only without trax')
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

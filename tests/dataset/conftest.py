"""Tiny fixture trees in the real on-disk formats of LaSOT, GOT-10k, TrackingNet, COCO and ImageNet VID.

Every frame is a grey textured background with one pure red rectangle: the target. Boxes are
integers and stay 4 px away from the image border, so the target's pixels can be checked after
cropping. Each writer returns the ground truth it wrote.
"""
import json
import os

import cv2 as cv
import numpy as np
import pytest

W, H = 64, 48
NUM_FRAMES = 24
TARGET_RGB = (255, 0, 0)


def make_track(n: int, seed: int):
    """n integer boxes [x, y, w, h] moving smoothly inside a W x H image."""
    rng = np.random.RandomState(seed)
    w, h = int(rng.randint(9, 15)), int(rng.randint(8, 13))
    x0, y0 = rng.uniform(5, W - w - 5), rng.uniform(5, H - h - 5)
    boxes = []
    for i in range(n):
        x = int(np.clip(round(x0 + 6 * np.sin(0.3 * i + seed)), 4, W - w - 4))
        y = int(np.clip(round(y0 + 4 * np.cos(0.2 * i + seed)), 4, H - h - 4))
        boxes.append([x, y, w, h])
    return boxes


def draw_frame(box, seed: int, width: int = W, height: int = H) -> np.ndarray:
    """RGB uint8 frame: low-contrast grey texture plus the red target rectangle."""
    rng = np.random.RandomState(seed)
    img = (110 + rng.randint(-12, 13, size=(height, width, 1))).repeat(3, axis=2).astype(np.uint8)
    x, y, w, h = box
    img[y:y + h, x:x + w] = TARGET_RGB
    return img


def write_jpg(path: str, img: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert cv.imwrite(path, cv.cvtColor(img, cv.COLOR_RGB2BGR), [cv.IMWRITE_JPEG_QUALITY, 98])


def write_lasot(root: str) -> dict:
    truth = {}
    for ci, cls in enumerate(['airplane', 'bear']):
        for vid in (1, 2):
            name = '{}-{}'.format(cls, vid)
            seq = os.path.join(root, cls, name)
            boxes = make_track(NUM_FRAMES, seed=10 * ci + vid)
            occ = [1 if i in (5, 6) else 0 for i in range(NUM_FRAMES)]
            oov = [1 if i == 10 else 0 for i in range(NUM_FRAMES)]
            for i, b in enumerate(boxes):
                write_jpg(os.path.join(seq, 'img', '{:08d}.jpg'.format(i + 1)), draw_frame(b, seed=i))
            with open(os.path.join(seq, 'groundtruth.txt'), 'w') as f:
                f.write('\n'.join(','.join(str(v) for v in b) for b in boxes) + '\n')
            with open(os.path.join(seq, 'full_occlusion.txt'), 'w') as f:
                f.write(','.join(str(v) for v in occ))
            with open(os.path.join(seq, 'out_of_view.txt'), 'w') as f:
                f.write(','.join(str(v) for v in oov))
            truth[name] = {'boxes': boxes, 'visible': [int(not (o or v)) for o, v in zip(occ, oov)],
                           'class': cls}
    return truth


GOT_META = """[METAINFO]
url: https://youtu.be/abc
begin: 00:00:01
end: 00:00:10
anno_fps: 10Hz
object_class: {cls}
motion_class: running
major_class: {major}
root_class: animal
motion_adverb: slowly
resolution: (64, 48)
"""


def write_got10k(root: str) -> dict:
    names = ['GOT-10k_Train_{:06d}'.format(i) for i in (1, 2, 3)]
    classes = ['ichneumon', 'zebra', 'ichneumon']
    truth = {}
    with open(os.path.join(root, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    for k, (name, cls) in enumerate(zip(names, classes)):
        seq = os.path.join(root, name)
        boxes = make_track(NUM_FRAMES, seed=100 + k)
        absence = [1 if i == 3 else 0 for i in range(NUM_FRAMES)]
        cover = [0 if i == 4 else 1 + (i % 8) for i in range(NUM_FRAMES)]
        for i, b in enumerate(boxes):
            write_jpg(os.path.join(seq, '{:08d}.jpg'.format(i + 1)), draw_frame(b, seed=50 + i))
        with open(os.path.join(seq, 'groundtruth.txt'), 'w') as f:
            f.write('\n'.join(','.join('{:.4f}'.format(v) for v in b) for b in boxes) + '\n')
        with open(os.path.join(seq, 'absence.label'), 'w') as f:
            f.write('\n'.join(str(v) for v in absence) + '\n')
        with open(os.path.join(seq, 'cover.label'), 'w') as f:
            f.write('\n'.join(str(v) for v in cover) + '\n')
        with open(os.path.join(seq, 'cut_by_image.label'), 'w') as f:
            f.write('\n'.join('0' for _ in boxes) + '\n')
        with open(os.path.join(seq, 'meta_info.ini'), 'w') as f:
            f.write(GOT_META.format(cls=cls, major='viverrine' if cls == 'ichneumon' else 'equine'))
        truth[name] = {'boxes': boxes, 'visible': [int(a == 0 and c > 0) for a, c in zip(absence, cover)],
                       'cover': cover, 'class': cls}
    return truth


def write_trackingnet(root: str) -> dict:
    truth = {}
    for set_id, vids in ((0, ['AAB6lO-XiKE_0', 'AACM71csS-Q_0']), (1, ['AARldOxX9Qc_0'])):
        for k, vid in enumerate(vids):
            boxes = make_track(NUM_FRAMES, seed=200 + 10 * set_id + k)
            base = os.path.join(root, 'TRAIN_{}'.format(set_id))
            for i, b in enumerate(boxes):
                write_jpg(os.path.join(base, 'frames', vid, '{}.jpg'.format(i)), draw_frame(b, seed=80 + i))
            os.makedirs(os.path.join(base, 'anno'), exist_ok=True)
            with open(os.path.join(base, 'anno', vid + '.txt'), 'w') as f:
                f.write('\n'.join(','.join(str(float(v)) for v in b) for b in boxes) + '\n')
            truth[(set_id, vid)] = {'boxes': boxes}
    return truth


def write_coco(root: str) -> dict:
    images, annotations = [], []
    truth = {}
    ann_id = 1
    for img_id in (1, 2):
        boxes = [make_track(1, seed=300 + img_id)[0], make_track(1, seed=400 + img_id)[0]]
        img = draw_frame(boxes[0], seed=img_id)
        x, y, w, h = boxes[1]
        img[y:y + h, x:x + w] = TARGET_RGB
        file_name = '{:012d}.jpg'.format(img_id)
        write_jpg(os.path.join(root, 'images', 'train2017', file_name), img)
        images.append({'id': img_id, 'file_name': file_name, 'width': W, 'height': H})
        for k, (x, y, w, h) in enumerate(boxes):
            crowd = 1 if (img_id == 2 and k == 1) else 0
            annotations.append({'id': ann_id, 'image_id': img_id, 'category_id': 1 + k, 'iscrowd': crowd,
                                'area': float(w * h), 'bbox': [float(x), float(y), float(w), float(h)],
                                'segmentation': [[x, y, x + w, y, x + w, y + h, x, y + h]]})
            if not crowd:
                truth[ann_id] = {'box': [x, y, w, h], 'class': ['cat', 'dog'][k], 'image': img_id}
            ann_id += 1
    categories = [{'id': 1, 'name': 'cat', 'supercategory': 'animal'},
                  {'id': 2, 'name': 'dog', 'supercategory': 'animal'}]
    os.makedirs(os.path.join(root, 'annotations'), exist_ok=True)
    with open(os.path.join(root, 'annotations', 'instances_train2017.json'), 'w') as f:
        json.dump({'images': images, 'annotations': annotations, 'categories': categories}, f)
    return truth


def _vid_xml(objects, width=W, height=H) -> str:
    parts = ['<annotation><folder>x</folder><filename>x</filename><source><database>ILSVRC_2015</database>'
             '</source><size><width>{}</width><height>{}</height></size>'.format(width, height)]
    for track_id, name, (x, y, w, h), occluded in objects:
        parts.append('<object><trackid>{}</trackid><name>{}</name><bndbox><xmax>{}</xmax><xmin>{}</xmin>'
                     '<ymax>{}</ymax><ymin>{}</ymin></bndbox><occluded>{}</occluded><generated>0</generated>'
                     '</object>'.format(track_id, name, x + w, x, y + h, y, occluded))
    parts.append('</annotation>')
    return ''.join(parts)


def write_imagenetvid(root: str) -> dict:
    """One video with two tracks: track 0 over all frames (occluded in frame 7), track 1 from frame 2 to 21."""
    set_name, vid_name = 'ILSVRC2015_VID_train_0000', 'ILSVRC2015_train_00000000'
    boxes0 = make_track(NUM_FRAMES, seed=500)
    boxes1 = make_track(NUM_FRAMES, seed=501)
    anno_dir = os.path.join(root, 'Annotations', 'VID', 'train', set_name, vid_name)
    data_dir = os.path.join(root, 'Data', 'VID', 'train', set_name, vid_name)
    os.makedirs(anno_dir, exist_ok=True)
    for i in range(NUM_FRAMES):
        objs = [('0', 'n02084071', boxes0[i], 1 if i == 7 else 0)]
        img = draw_frame(boxes0[i], seed=i)
        if 2 <= i < 22:
            objs.append(('1', 'n02121808', boxes1[i], 0))
            x, y, w, h = boxes1[i]
            img[y:y + h, x:x + w] = TARGET_RGB
        with open(os.path.join(anno_dir, '{:06d}.xml'.format(i)), 'w') as f:
            f.write(_vid_xml(objs))
        write_jpg(os.path.join(data_dir, '{:06d}.JPEG'.format(i)), img)
    return {'0': {'boxes': boxes0, 'visible': [int(i != 7) for i in range(NUM_FRAMES)], 'start': 0,
                  'class': 'n02084071'},
            '1': {'boxes': boxes1[2:22], 'visible': [1] * 20, 'start': 2, 'class': 'n02121808'}}


def _make(tmp_path_factory, name, writer):
    root = tmp_path_factory.mktemp(name)
    truth = writer(str(root))
    return str(root), truth


@pytest.fixture(scope='session')
def lasot_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'lasot', write_lasot)


@pytest.fixture(scope='session')
def got10k_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'got10k', write_got10k)


@pytest.fixture(scope='session')
def trackingnet_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'trackingnet', write_trackingnet)


@pytest.fixture(scope='session')
def coco_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'coco', write_coco)


@pytest.fixture(scope='session')
def imagenetvid_tree(tmp_path_factory):
    return _make(tmp_path_factory, 'imagenetvid', write_imagenetvid)


def red_fraction(img: np.ndarray) -> float:
    """Fraction of pixels that are target red (tolerant to JPEG and resampling)."""
    img = np.asarray(img).astype(np.int32)
    if img.size == 0:
        return float('nan')
    red = (img[..., 0] > 170) & (img[..., 1] < 90) & (img[..., 2] < 90)
    return float(red.mean())


class _Fixtures:
    """The writers and constants, handed to tests through the ``fx`` fixture."""
    W, H, NUM_FRAMES = W, H, NUM_FRAMES
    write_lasot = staticmethod(write_lasot)
    write_got10k = staticmethod(write_got10k)
    write_trackingnet = staticmethod(write_trackingnet)
    write_coco = staticmethod(write_coco)
    write_imagenetvid = staticmethod(write_imagenetvid)
    red_fraction = staticmethod(red_fraction)
    draw_frame = staticmethod(draw_frame)


@pytest.fixture
def fx():
    return _Fixtures

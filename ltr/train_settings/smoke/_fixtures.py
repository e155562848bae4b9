"""Tiny procedurally generated datasets in the real on-disk formats (GOT-10k for the smoke recipe; LaSOT, GOT-10k,
TrackingNet, COCO and ImageNet VID fixture trees), for tests and benchmarks of the training pipeline (no download
needed)."""
import json
import os
from typing import Dict, List, Tuple

import cv2
import numpy as np


def write_got10k_fixture(root: str, num_sequences: int = 4, num_frames: int = 24, image_size: int = 96,
                         seed: int = 0) -> List[str]:
    """Write a GOT-10k-style ``train`` folder with a textured rectangle moving over a noisy background.

    args:
        root - folder to create (it receives ``list.txt`` and one folder per sequence).
        num_sequences - number of sequences.
        num_frames - frames per sequence.
        image_size - width and height of the frames in pixels.
        seed - seed of the generator; the same seed writes the same files.
    returns:
        the sequence folder names.
    """
    rng = np.random.RandomState(seed)
    os.makedirs(root, exist_ok=True)
    names = ['GOT-10k_Train_{:06d}'.format(i + 1) for i in range(num_sequences)]
    for name in names:
        seq_dir = os.path.join(root, name)
        os.makedirs(seq_dir, exist_ok=True)
        background = rng.randint(0, 256, size=(image_size // 8, image_size // 8, 3)).astype(np.uint8)
        background = cv2.resize(background, (image_size, image_size), interpolation=cv2.INTER_LINEAR)
        color = rng.randint(0, 256, size=3)
        w, h = rng.uniform(0.15, 0.35, size=2) * image_size
        x, y = rng.uniform(0.1, 0.9 - max(w, h) / image_size, size=2) * image_size
        vx, vy = rng.uniform(-2, 2, size=2)
        boxes = []
        for f in range(num_frames):
            x = float(np.clip(x + vx, 0, image_size - w - 1))
            y = float(np.clip(y + vy, 0, image_size - h - 1))
            frame = background.copy()
            x0, y0, x1, y1 = int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h))
            frame[y0:y1, x0:x1] = color
            # A checker pattern on the target gives the backbone some texture to respond to.
            frame[y0:y1:4, x0:x1:4] = 255 - color
            noise = rng.randint(-10, 11, size=frame.shape)
            frame = np.clip(frame.astype(np.int32) + noise, 0, 255).astype(np.uint8)
            cv2.imwrite(os.path.join(seq_dir, '{:08d}.jpg'.format(f + 1)), frame[:, :, ::-1])
            boxes.append((x0, y0, x1 - x0, y1 - y0))
        np.savetxt(os.path.join(seq_dir, 'groundtruth.txt'), np.array(boxes), fmt='%d', delimiter=',')
        with open(os.path.join(seq_dir, 'absence.label'), 'w') as f:
            f.write('\n'.join('0' for _ in range(num_frames)) + '\n')
        with open(os.path.join(seq_dir, 'cover.label'), 'w') as f:
            f.write('\n'.join('8' for _ in range(num_frames)) + '\n')
        with open(os.path.join(seq_dir, 'meta_info.ini'), 'w') as f:
            f.write('[METAINFO]\nobject_class: box\nmotion_class: moving\nmajor_class: box\nroot_class: object\n')
    with open(os.path.join(root, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return names


# ---------------------------------------------------------------------------------------------------------------
# Fixture trees in the on-disk formats of LaSOT, GOT-10k, TrackingNet, COCO and ImageNet VID.
#
# Every frame is a grey, low-contrast textured background with pure red rectangles: the targets. Boxes are integers
# and stay 4 px (scaled with the image) away from the border, so a target's pixels can be checked after cropping.
# Each writer returns the ground truth it wrote. The default frame size (64 x 48) keeps the tests fast; the
# benchmarks write larger frames.

FIXTURE_W, FIXTURE_H = 64, 48
FIXTURE_NUM_FRAMES = 24
TARGET_RGB = (255, 0, 0)


def make_track(n: int, seed: int, width: int = FIXTURE_W, height: int = FIXTURE_H) -> List[List[int]]:
    """``n`` integer boxes ``[x, y, w, h]`` moving smoothly inside a ``width x height`` image.

    Sizes and motion scale with the image width (the default size gives 9-14 x 8-12 px targets).
    """
    rng = np.random.RandomState(seed)
    s = width / FIXTURE_W
    w, h = int(rng.randint(9, 15) * s), int(rng.randint(8, 13) * s)
    m = max(int(round(4 * s)), 4)
    x0, y0 = rng.uniform(m + 1, width - w - m - 1), rng.uniform(m + 1, height - h - m - 1)
    boxes = []
    for i in range(n):
        x = int(np.clip(round(x0 + 6 * s * np.sin(0.3 * i + seed)), m, width - w - m))
        y = int(np.clip(round(y0 + 4 * s * np.cos(0.2 * i + seed)), m, height - h - m))
        boxes.append([x, y, w, h])
    return boxes


def draw_frame(box, seed: int, width: int = FIXTURE_W, height: int = FIXTURE_H) -> np.ndarray:
    """``height x width x 3`` RGB uint8 frame: grey texture plus the red target rectangle ``box`` (x, y, w, h)."""
    rng = np.random.RandomState(seed)
    img = (110 + rng.randint(-12, 13, size=(height, width, 1))).repeat(3, axis=2).astype(np.uint8)
    x, y, w, h = box
    img[y:y + h, x:x + w] = TARGET_RGB
    return img


def write_jpg(path: str, img: np.ndarray) -> None:
    """Write an RGB uint8 image as a high-quality JPEG (creating the folder)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 98]):
        raise OSError("Could not write '{}'".format(path))


def write_lasot(root: str, width: int = FIXTURE_W, height: int = FIXTURE_H,
                num_frames: int = FIXTURE_NUM_FRAMES) -> dict:
    """LaSOT layout ``root/<class>/<class>-<k>/{img/%08d.jpg, groundtruth.txt, full_occlusion.txt,
    out_of_view.txt}`` for classes airplane and bear, videos 1 and 2. Frames 5, 6 (occluded) and 10 (out of view)
    are invisible. returns: {sequence name: {'boxes', 'visible', 'class'}}."""
    truth = {}
    for ci, cls in enumerate(['airplane', 'bear']):
        for vid in (1, 2):
            name = '{}-{}'.format(cls, vid)
            seq = os.path.join(root, cls, name)
            boxes = make_track(num_frames, 10 * ci + vid, width, height)
            occ = [1 if i in (5, 6) else 0 for i in range(num_frames)]
            oov = [1 if i == 10 else 0 for i in range(num_frames)]
            for i, b in enumerate(boxes):
                write_jpg(os.path.join(seq, 'img', '{:08d}.jpg'.format(i + 1)), draw_frame(b, i, width, height))
            with open(os.path.join(seq, 'groundtruth.txt'), 'w') as f:
                f.write('\n'.join(','.join(str(v) for v in b) for b in boxes) + '\n')
            with open(os.path.join(seq, 'full_occlusion.txt'), 'w') as f:
                f.write(','.join(str(v) for v in occ))
            with open(os.path.join(seq, 'out_of_view.txt'), 'w') as f:
                f.write(','.join(str(v) for v in oov))
            truth[name] = {'boxes': boxes, 'visible': [int(not (o or v)) for o, v in zip(occ, oov)],
                           'class': cls}
    return truth


_GOT_META = """[METAINFO]
url: https://youtu.be/abc
begin: 00:00:01
end: 00:00:10
anno_fps: 10Hz
object_class: {cls}
motion_class: running
major_class: {major}
root_class: animal
motion_adverb: slowly
resolution: ({w}, {h})
"""


def write_got10k(root: str, width: int = FIXTURE_W, height: int = FIXTURE_H,
                 num_frames: int = FIXTURE_NUM_FRAMES) -> dict:
    """GOT-10k ``train`` layout: ``list.txt`` and three ``GOT-10k_Train_%06d`` folders with ``%08d.jpg`` frames,
    ``groundtruth.txt``, ``absence.label`` (frame 3 absent), ``cover.label`` (frame 4 fully covered),
    ``cut_by_image.label`` and ``meta_info.ini``. returns: {name: {'boxes', 'visible', 'cover', 'class'}}."""
    names = ['GOT-10k_Train_{:06d}'.format(i) for i in (1, 2, 3)]
    classes = ['ichneumon', 'zebra', 'ichneumon']
    truth = {}
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    for k, (name, cls) in enumerate(zip(names, classes)):
        seq = os.path.join(root, name)
        boxes = make_track(num_frames, 100 + k, width, height)
        absence = [1 if i == 3 else 0 for i in range(num_frames)]
        cover = [0 if i == 4 else 1 + (i % 8) for i in range(num_frames)]
        for i, b in enumerate(boxes):
            write_jpg(os.path.join(seq, '{:08d}.jpg'.format(i + 1)), draw_frame(b, 50 + i, width, height))
        with open(os.path.join(seq, 'groundtruth.txt'), 'w') as f:
            f.write('\n'.join(','.join('{:.4f}'.format(v) for v in b) for b in boxes) + '\n')
        with open(os.path.join(seq, 'absence.label'), 'w') as f:
            f.write('\n'.join(str(v) for v in absence) + '\n')
        with open(os.path.join(seq, 'cover.label'), 'w') as f:
            f.write('\n'.join(str(v) for v in cover) + '\n')
        with open(os.path.join(seq, 'cut_by_image.label'), 'w') as f:
            f.write('\n'.join('0' for _ in boxes) + '\n')
        with open(os.path.join(seq, 'meta_info.ini'), 'w') as f:
            f.write(_GOT_META.format(cls=cls, major='viverrine' if cls == 'ichneumon' else 'equine', w=width,
                                     h=height))
        truth[name] = {'boxes': boxes, 'visible': [int(a == 0 and c > 0) for a, c in zip(absence, cover)],
                       'cover': cover, 'class': cls}
    return truth


def write_trackingnet(root: str, width: int = FIXTURE_W, height: int = FIXTURE_H,
                      num_frames: int = FIXTURE_NUM_FRAMES) -> dict:
    """TrackingNet layout ``root/TRAIN_<set>/{frames/<video>/<i>.jpg (0-based), anno/<video>.txt}`` with two videos
    in set 0 and one in set 1. returns: {(set_id, video): {'boxes'}}."""
    truth = {}
    for set_id, vids in ((0, ['AAB6lO-XiKE_0', 'AACM71csS-Q_0']), (1, ['AARldOxX9Qc_0'])):
        for k, vid in enumerate(vids):
            boxes = make_track(num_frames, 200 + 10 * set_id + k, width, height)
            base = os.path.join(root, 'TRAIN_{}'.format(set_id))
            for i, b in enumerate(boxes):
                write_jpg(os.path.join(base, 'frames', vid, '{}.jpg'.format(i)), draw_frame(b, 80 + i, width, height))
            os.makedirs(os.path.join(base, 'anno'), exist_ok=True)
            with open(os.path.join(base, 'anno', vid + '.txt'), 'w') as f:
                f.write('\n'.join(','.join(str(float(v)) for v in b) for b in boxes) + '\n')
            truth[(set_id, vid)] = {'boxes': boxes}
    return truth


def write_coco(root: str, width: int = FIXTURE_W, height: int = FIXTURE_H) -> dict:
    """COCO 2017 layout ``root/{annotations/instances_train2017.json, images/train2017/%012d.jpg}``: two images with
    two objects each (classes cat and dog, polygon masks); the second object of image 2 is a crowd annotation.
    returns: {annotation id: {'box', 'class', 'image'}} for the non-crowd objects."""
    images, annotations = [], []
    truth = {}
    ann_id = 1
    for img_id in (1, 2):
        boxes = [make_track(1, 300 + img_id, width, height)[0], make_track(1, 400 + img_id, width, height)[0]]
        img = draw_frame(boxes[0], img_id, width, height)
        x, y, w, h = boxes[1]
        img[y:y + h, x:x + w] = TARGET_RGB
        file_name = '{:012d}.jpg'.format(img_id)
        write_jpg(os.path.join(root, 'images', 'train2017', file_name), img)
        images.append({'id': img_id, 'file_name': file_name, 'width': width, 'height': height})
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


def _vid_xml(objects, width: int, height: int) -> str:
    parts = ['<annotation><folder>x</folder><filename>x</filename><source><database>ILSVRC_2015</database>'
             '</source><size><width>{}</width><height>{}</height></size>'.format(width, height)]
    for track_id, name, (x, y, w, h), occluded in objects:
        parts.append('<object><trackid>{}</trackid><name>{}</name><bndbox><xmax>{}</xmax><xmin>{}</xmin>'
                     '<ymax>{}</ymax><ymin>{}</ymin></bndbox><occluded>{}</occluded><generated>0</generated>'
                     '</object>'.format(track_id, name, x + w, x, y + h, y, occluded))
    parts.append('</annotation>')
    return ''.join(parts)


def write_imagenetvid(root: str, width: int = FIXTURE_W, height: int = FIXTURE_H,
                      num_frames: int = FIXTURE_NUM_FRAMES) -> dict:
    """ImageNet VID layout ``root/{Annotations,Data}/VID/train/<set>/<video>/%06d.{xml,JPEG}``: one video with two
    tracks, track 0 over all frames (occluded in frame 7) and track 1 from frame 2 to ``num_frames - 3``.
    returns: {track id: {'boxes', 'visible', 'start', 'class'}}."""
    set_name, vid_name = 'ILSVRC2015_VID_train_0000', 'ILSVRC2015_train_00000000'
    boxes0 = make_track(num_frames, 500, width, height)
    boxes1 = make_track(num_frames, 501, width, height)
    end1 = num_frames - 2
    anno_dir = os.path.join(root, 'Annotations', 'VID', 'train', set_name, vid_name)
    data_dir = os.path.join(root, 'Data', 'VID', 'train', set_name, vid_name)
    os.makedirs(anno_dir, exist_ok=True)
    for i in range(num_frames):
        objs = [('0', 'n02084071', boxes0[i], 1 if i == 7 else 0)]
        img = draw_frame(boxes0[i], i, width, height)
        if 2 <= i < end1:
            objs.append(('1', 'n02121808', boxes1[i], 0))
            x, y, w, h = boxes1[i]
            img[y:y + h, x:x + w] = TARGET_RGB
        with open(os.path.join(anno_dir, '{:06d}.xml'.format(i)), 'w') as f:
            f.write(_vid_xml(objs, width, height))
        write_jpg(os.path.join(data_dir, '{:06d}.JPEG'.format(i)), img)
    return {'0': {'boxes': boxes0, 'visible': [int(i != 7) for i in range(num_frames)], 'start': 0,
                  'class': 'n02084071'},
            '1': {'boxes': boxes1[2:end1], 'visible': [1] * (end1 - 2), 'start': 2, 'class': 'n02121808'}}


FIXTURE_WRITERS = {'lasot': write_lasot, 'got10k': write_got10k, 'trackingnet': write_trackingnet,
                   'coco': write_coco, 'imagenetvid': write_imagenetvid}


def write_fixture_trees(root: str, width: int = FIXTURE_W, height: int = FIXTURE_H) -> Dict[str, Tuple[str, dict]]:
    """Write all five fixture trees under ``root/<name>``.

    returns: {'lasot' | 'got10k' | 'trackingnet' | 'coco' | 'imagenetvid': (tree root, ground truth)}.
    """
    out = {}
    for name, writer in FIXTURE_WRITERS.items():
        path = os.path.join(root, name)
        out[name] = (path, writer(path, width=width, height=height))
    return out


def fixture_datasets(roots: Dict[str, str], image_loader=None) -> list:
    """The training datasets of the five fixture trees, in the order LaSOT, GOT-10k, TrackingNet, COCO, ImageNet
    VID (COCO is skipped when pycocotools is missing).

    args:
        roots - {name: tree root} as written by :func:`write_fixture_trees`.
        image_loader - optional image loader for every dataset.
    """
    from ltr.dataset import Got10k, ImagenetVID, Lasot, MSCOCOSeq, TrackingNet
    kw = {} if image_loader is None else {'image_loader': image_loader}
    datasets = [Lasot(roots['lasot'], vid_ids=[1, 2], **kw), Got10k(roots['got10k'], **kw),
                TrackingNet(roots['trackingnet'], set_ids=[0, 1], **kw)]
    try:
        import pycocotools  # noqa: F401
        datasets.append(MSCOCOSeq(roots['coco'], version='2017', **kw))
    except ImportError:
        pass
    datasets.append(ImagenetVID(roots['imagenetvid'], **kw))
    return datasets

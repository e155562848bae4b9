"""ImageNet VID training dataset: every object track ('trackid') of every training video is a sequence.

On-disk layout (ILSVRC2015)::

    root/Data/VID/train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000/000000.JPEG ...
    root/Annotations/VID/train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000/000000.xml ...

The XML annotations are parsed once and cached in ``root/cache.json`` (as the original does); the
cache is reused on later runs.

Publication: ImageNet Large Scale Visual Recognition Challenge, O. Russakovsky et al., IJCV 2015.
"""
import json
import logging
import os
import xml.etree.ElementTree as ET
from typing import Callable, List, Optional

import torch

from ltr.data.image_loader import jpeg4py_loader
from .base_video_dataset import AnnotationError, BaseVideoDataset, resolve_root

logger = logging.getLogger(__name__)

__all__ = ['ImagenetVID', 'get_target_to_image_ratio']


def get_target_to_image_ratio(seq: dict) -> float:
    """sqrt(first-frame target area / image area) of a cached sequence entry."""
    anno = torch.Tensor(seq['anno'])
    img_sz = torch.Tensor(seq['image_size'])
    return float((anno[0, 2:4].prod() / img_sz.prod()).sqrt())


def _xml_text(node, path: str, xml_file: str) -> str:
    found = node.find(path)
    if found is None or found.text is None:
        raise AnnotationError("Malformed ImageNet VID annotation '{}': missing <{}>".format(xml_file, path))
    return found.text


class ImagenetVID(BaseVideoDataset):
    """ImageNet VID dataset.

    args:
        root: ImageNet VID (ILSVRC2015) folder (default: ``imagenet_dir`` of ``ltr/admin/local.py``).
        image_loader: function reading an image file.
        min_length: drop tracks shorter than this.
        max_target_area: drop tracks whose first-frame sqrt(target area / image area) is not below this.
    """

    def __init__(self, root: Optional[str] = None, image_loader: Callable = jpeg4py_loader, min_length: int = 0,
                 max_target_area: float = 1):
        root = resolve_root(root, 'imagenet_dir', 'ImageNet VID')
        super().__init__('imagenetvid', root, image_loader)

        cache_file = os.path.join(root, 'cache.json')
        sequence_list = None
        if os.path.isfile(cache_file):
            try:
                with open(cache_file, 'r') as f:
                    sequence_list = json.load(f)
            except (json.JSONDecodeError, OSError) as e:
                logger.warning("Ignoring unreadable ImageNet VID cache '%s' (%s); re-parsing the annotations",
                               cache_file, e)
        if sequence_list is None:
            sequence_list = self._process_anno(root)
            self._write_cache(cache_file, sequence_list)

        self.sequence_list = [x for x in sequence_list if len(x['anno']) >= min_length and
                              get_target_to_image_ratio(x) < max_target_area]

    @staticmethod
    def _write_cache(cache_file: str, sequence_list: list) -> None:
        tmp = '{}.tmp{}'.format(cache_file, os.getpid())
        try:
            with open(tmp, 'w') as f:
                json.dump(sequence_list, f)
            os.replace(tmp, cache_file)  # atomic: readers never see a half-written cache
        except OSError as e:
            logger.warning("Could not write the ImageNet VID cache '%s' (%s); annotations will be parsed again "
                           "next time", cache_file, e)

    def get_name(self) -> str:
        return 'imagenetvid'

    def get_num_sequences(self) -> int:
        return len(self.sequence_list)

    def has_class_info(self) -> bool:
        return True

    def get_class_name(self, seq_id: int) -> Optional[str]:
        return self.sequence_list[seq_id]['class_name']

    def get_sequence_info(self, seq_id: int) -> dict:
        seq = self.sequence_list[seq_id]
        bb_anno = torch.Tensor(seq['anno']).view(-1, 4)
        valid = (bb_anno[:, 2] > 0) & (bb_anno[:, 3] > 0)
        visible = (torch.tensor(seq['target_visible'], dtype=torch.bool) & valid).to(torch.uint8)
        return {'bbox': bb_anno, 'valid': valid, 'visible': visible}

    def _get_frame(self, sequence: dict, frame_id: int):
        set_name = 'ILSVRC2015_VID_train_{:04d}'.format(sequence['set_id'])
        vid_name = 'ILSVRC2015_train_{:08d}'.format(sequence['vid_id'])
        frame_number = frame_id + sequence['start_frame']
        path = os.path.join(self.root, 'Data', 'VID', 'train', set_name, vid_name, '{:06d}.JPEG'.format(frame_number))
        return self.image_loader(path)

    def get_frames(self, seq_id: int, frame_ids: List[int], anno: Optional[dict] = None):
        sequence = self.sequence_list[seq_id]
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        anno_frames = self._frames_anno(anno, frame_ids)
        frame_list = [self._get_frame(sequence, f) for f in frame_ids]
        return frame_list, anno_frames, self._object_meta(sequence['class_name'])

    @staticmethod
    def _process_anno(root: str) -> list:
        """Parse all training XML files into tracklets (one per trackid, from its first frame until
        the first frame it is missing)."""
        base = os.path.join(root, 'Annotations', 'VID', 'train')
        if not os.path.isdir(base):
            raise AnnotationError("ImageNet VID annotation folder '{}' not found (setting imagenet_dir / "
                                  "LTR_IMAGENET_DIR)".format(base))
        all_sequences = []
        for set_name in sorted(os.listdir(base)):
            set_path = os.path.join(base, set_name)
            if not os.path.isdir(set_path):
                continue
            set_id = int(set_name.split('_')[-1])
            for vid in sorted(os.listdir(set_path)):
                vid_path = os.path.join(set_path, vid)
                anno_files = sorted(f for f in os.listdir(vid_path) if f.endswith('.xml'))
                if not anno_files:
                    continue
                vid_id = int(vid.split('_')[-1])
                try:
                    trees = [ET.parse(os.path.join(vid_path, f)) for f in anno_files]
                except ET.ParseError as e:
                    raise AnnotationError("Malformed XML in '{}': {}".format(vid_path, e)) from e
                first_xml = os.path.join(vid_path, anno_files[0])
                image_size = [int(_xml_text(trees[0], 'size/width', first_xml)),
                              int(_xml_text(trees[0], 'size/height', first_xml))]
                objects = [t.findall('object') for t in trees]

                tracklet_start = {}
                for f_id, targets in enumerate(objects):
                    for target in targets:
                        tracklet_start.setdefault(_xml_text(target, 'trackid', first_xml), f_id)

                for track_id, start in tracklet_start.items():
                    boxes, visible, class_name = [], [], None
                    for f_id in range(start, len(objects)):
                        target = next((t for t in objects[f_id] if t.find('trackid').text == track_id), None)
                        if target is None:
                            break
                        xml_file = os.path.join(vid_path, anno_files[f_id])
                        if class_name is None:
                            class_name = _xml_text(target, 'name', xml_file)
                        x1 = int(_xml_text(target, 'bndbox/xmin', xml_file))
                        y1 = int(_xml_text(target, 'bndbox/ymin', xml_file))
                        x2 = int(_xml_text(target, 'bndbox/xmax', xml_file))
                        y2 = int(_xml_text(target, 'bndbox/ymax', xml_file))
                        boxes.append([x1, y1, x2 - x1, y2 - y1])
                        occluded = target.find('occluded')
                        visible.append(occluded is None or occluded.text == '0')
                    all_sequences.append({'set_id': set_id, 'vid_id': vid_id, 'class_name': class_name,
                                          'start_frame': start, 'anno': boxes, 'target_visible': visible,
                                          'image_size': image_size})
        return all_sequences

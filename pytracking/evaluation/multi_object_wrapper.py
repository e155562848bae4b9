"""Runs one single-object tracker per object and merges their outputs."""
import copy
import logging
import time
from collections import OrderedDict
from typing import Optional

import numpy as np

logger = logging.getLogger(__name__)


class MultiObjectWrapper:
    """Tracks several objects with one instance of ``base_tracker_class`` per object.

    args:
        base_tracker_class: The single-object tracker class.
        params: Its parameters (shared by all instances).
        visdom: Optional visdom handle given to each instance.
        fast_load: Build one instance up front (with its features initialised) and deep-copy it for each new
            object, instead of constructing (and loading networks) every time.

    ``initialize``/``track`` take the multi-object info dict (``init_object_ids``, ``object_ids``,
    ``sequence_object_ids``, ``init_bbox`` = dict ``object_id -> [x, y, w, h]``, ``init_mask`` = label image)
    and return dicts whose entries are dicts ``object_id -> value`` (``segmentation`` is merged into one
    label image).
    """

    def __init__(self, base_tracker_class, params, visdom=None, fast_load: bool = False):
        self.base_tracker_class = base_tracker_class
        self.params = params
        self.visdom = visdom
        self.initialized_ids = []
        self.trackers = OrderedDict()
        self.fast_load = fast_load
        if self.fast_load:
            self.tracker_copy = self.base_tracker_class(self.params)
            if hasattr(self.tracker_copy, 'initialize_features'):
                self.tracker_copy.initialize_features()

    def create_tracker(self):
        """A new single-object tracker instance."""
        tracker = None
        if self.fast_load:
            try:
                tracker = copy.deepcopy(self.tracker_copy)
            except (TypeError, copy.Error, RuntimeError) as e:  # e.g. a module holding a non-copyable handle
                logger.debug("Could not copy the preloaded tracker (%s); constructing a new one", e)
        if tracker is None:
            tracker = self.base_tracker_class(self.params)
        tracker.visdom = self.visdom
        return tracker

    def _split_info(self, info: dict) -> 'OrderedDict[object, dict]':
        info_split = OrderedDict()
        init_other = OrderedDict()  # every object's init info, so that a tracker may use the others'
        for obj_id in info['init_object_ids']:
            info_split[obj_id] = dict(object_ids=[obj_id], sequence_object_ids=info['sequence_object_ids'])
            init_other[obj_id] = dict()
            if 'init_bbox' in info:
                info_split[obj_id]['init_bbox'] = info['init_bbox'][obj_id]
                init_other[obj_id]['init_bbox'] = info['init_bbox'][obj_id]
            if 'init_mask' in info:
                mask = (info['init_mask'] == int(obj_id)).astype(np.uint8)
                info_split[obj_id]['init_mask'] = mask
                init_other[obj_id]['init_mask'] = mask
        for obj_info in info_split.values():
            obj_info['init_other'] = init_other
        return info_split

    @staticmethod
    def _set_defaults(tracker_out: dict, defaults: Optional[dict] = None) -> dict:
        for key, val in (defaults or {}).items():
            if tracker_out.get(key) is None:
                tracker_out[key] = val
        return tracker_out

    def default_merge(self, out_all: 'OrderedDict[object, dict]') -> OrderedDict:
        """Merge per-object outputs: fields become dicts ``object_id -> value``; masks become one label image
        (each pixel gets the object with the highest score above ``params.segmentation_threshold``)."""
        out_merged = OrderedDict()
        out_first = list(out_all.values())[0]
        out_types = out_first.keys()

        if 'segmentation' in out_types and out_first['segmentation'] is not None:
            maps = np.stack([out.get('segmentation_soft', out['segmentation']) for out in out_all.values()])
            obj_ids = np.array([0, *map(int, out_all.keys())], dtype=np.uint8)
            threshold = getattr(self.params, 'segmentation_threshold', 0.5)
            out_merged['segmentation'] = obj_ids[np.where(maps.max(axis=0) > threshold, maps.argmax(axis=0) + 1, 0)]

        for key in out_types:
            if key != 'segmentation':
                out_merged[key] = {obj_id: out[key] for obj_id, out in out_all.items()}
        return out_merged

    def merge_outputs(self, out_all: 'OrderedDict[object, dict]') -> OrderedDict:
        """Use the tracker class' ``merge_results`` when it has one, else :meth:`default_merge`."""
        if hasattr(self.base_tracker_class, 'merge_results'):
            return self.base_tracker_class.merge_results(out_all)
        return self.default_merge(out_all)

    def _initialize_object(self, obj_id, image, obj_info: dict) -> dict:
        start_time = time.time()
        out = self.trackers[obj_id].initialize(image, obj_info)
        if out is None:
            out = {}
        return self._set_defaults(out, {'target_bbox': obj_info.get('init_bbox'),
                                        'time': time.time() - start_time,
                                        'segmentation': obj_info.get('init_mask')})

    def initialize(self, image: np.ndarray, info: dict) -> Optional[dict]:
        """Initialise one tracker per object in ``info['init_object_ids']`` (image: H x W x 3 uint8 RGB)."""
        self.initialized_ids = []
        self.trackers = OrderedDict()
        if len(info['init_object_ids']) == 0:
            return None

        init_info_split = self._split_info(info)
        self.trackers = OrderedDict((obj_id, self.create_tracker()) for obj_id in info['object_ids'])
        out_all = OrderedDict()
        for obj_id in info['init_object_ids']:
            if obj_id not in self.trackers:
                self.trackers[obj_id] = self.create_tracker()
            out_all[obj_id] = self._initialize_object(obj_id, image, init_info_split[obj_id])

        self.initialized_ids = list(info['init_object_ids'])
        return self.merge_outputs(out_all)

    def track(self, image: np.ndarray, info: dict = None) -> dict:
        """Track every initialised object, then initialise the objects that appear in this frame."""
        if info is None:
            info = {}
        prev_output = info.get('previous_output', OrderedDict())

        init_info_split = None
        if info.get('init_object_ids', False):
            init_info_split = self._split_info(info)
            for obj_init_info in init_info_split.values():
                obj_init_info['previous_output'] = prev_output
            info['init_other'] = list(init_info_split.values())[0]['init_other']

        out_all = OrderedDict()
        for obj_id in self.initialized_ids:
            start_time = time.time()
            out = self.trackers[obj_id].track(image, info)
            out_all[obj_id] = self._set_defaults(out, {'time': time.time() - start_time})

        if init_info_split is not None:
            for obj_id in info['init_object_ids']:
                if obj_id not in self.trackers:
                    self.trackers[obj_id] = self.create_tracker()
                out_all[obj_id] = self._initialize_object(obj_id, image, init_info_split[obj_id])
            self.initialized_ids.extend(info['init_object_ids'])

        if not out_all:
            return OrderedDict()
        return self.merge_outputs(out_all)

    def visdom_draw_tracking(self, image, box, segmentation=None) -> None:
        """Show the frame with all boxes in visdom."""
        from pytracking.tracker.base.basetracker import draw_tracking_visdom
        draw_tracking_visdom(self.visdom, image, box, segmentation)

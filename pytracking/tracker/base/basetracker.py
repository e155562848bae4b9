"""Base class of all trackers."""
from collections import OrderedDict


class BaseTracker:
    """Base class for all trackers.

    args:
        params: The tracker's parameters (``pytracking.utils.params.TrackerParams``).

    A tracker implements ``initialize(image, info)`` and ``track(image, info)``; ``image`` is an
    ``H x W x 3`` uint8 RGB numpy array. Both return a dict; ``target_bbox`` is the ``[x, y, w, h]``
    box (top-left corner, pixels) of the target in that frame.
    """

    def __init__(self, params):
        self.params = params
        self.visdom = None

    def predicts_segmentation_mask(self) -> bool:
        """Whether the tracker outputs a segmentation mask (``out['segmentation']``)."""
        return False

    def initialize(self, image, info: dict) -> dict:
        """Initialise the tracker on the first frame.

        args:
            image: ``H x W x 3`` uint8 RGB frame.
            info: Dict with at least ``init_bbox`` = ``[x, y, w, h]`` (and ``init_mask``, ``object_ids``...).
        """
        raise NotImplementedError

    def track(self, image, info: dict = None) -> dict:
        """Track the target in a new frame and update the model; returns a dict with ``target_bbox``."""
        raise NotImplementedError

    def visdom_draw_tracking(self, image, box, segmentation=None) -> None:
        """Show the frame with its box(es) (and mask) in visdom."""
        draw_tracking_visdom(self.visdom, image, box, segmentation)


def draw_tracking_visdom(visdom, image, box, segmentation=None) -> None:
    """Register the frame, its ``[x, y, w, h]`` box(es) (a list or a dict per object) and mask in ``visdom``."""
    if visdom is None:
        return
    boxes = list(box.values()) if isinstance(box, (dict, OrderedDict)) else [box]
    data = (image, *boxes) if segmentation is None else (image, *boxes, segmentation)
    visdom.register(data, 'Tracking', 1, 'Tracking')

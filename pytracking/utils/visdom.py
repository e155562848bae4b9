"""Optional live debug view through a visdom server (``pip install visdom``; ``python -m visdom.server``).

This module imports without visdom; creating a :class:`Visdom` object without it raises an
ImportError that says how to install it or how to run without the live view.
"""
import logging
import time
from collections import OrderedDict
from typing import Callable, Optional

import numpy as np
import torch

logger = logging.getLogger(__name__)


def _import_visdom():
    try:
        import visdom
    except ImportError:
        raise ImportError("The live debug view needs the 'visdom' package, which is not installed. "
                          "Install it with 'pip install visdom' and start 'python -m visdom.server', "
                          "or run without --use_visdom / visdom_info.") from None
    return visdom


def _to_numpy(a):
    if torch.is_tensor(a):
        return a.detach().cpu().float().numpy()
    return np.asarray(a)


def _image_chw(im) -> np.ndarray:
    """Image (tensor [3, H, W] / [1, 3, H, W] or array H x W x 3) -> float array [3, H, W] in 0-255."""
    a = _to_numpy(im).squeeze()
    if a.ndim == 3 and a.shape[-1] in (1, 3) and a.shape[0] not in (1, 3):
        a = a.transpose(2, 0, 1)
    return a.astype(np.float32)


def _draw_boxes(im_hwc: np.ndarray, boxes, colors) -> np.ndarray:
    import cv2 as cv
    im_hwc = np.ascontiguousarray(im_hwc.astype(np.uint8))
    for box, color in zip(boxes, colors):
        b = _to_numpy(box).reshape(-1)
        if b.size != 4 or not np.all(np.isfinite(b)):
            continue
        x, y, w, h = [int(round(v)) for v in b]
        cv.rectangle(im_hwc, (x, y), (x + w, y + h), color, 2)
    return im_hwc


class Visdom:
    """Registers tracker data with a visdom server, one window per title.

    args:
        debug: debug level; data registered with a higher ``debug_level`` is not shown.
        ui_info: optional dict with 'handler' (callable receiving visdom key events) and 'win_id'.
        visdom_info: dict with 'server' (default 'http://127.0.0.1'), 'port' (8097), 'env'.
        env: visdom environment name (overrides visdom_info['env']).
    """

    def __init__(self, debug: int = 0, ui_info: Optional[dict] = None, visdom_info: Optional[dict] = None,
                 env: Optional[str] = None):
        visdom = _import_visdom()
        visdom_info = {} if visdom_info is None else visdom_info
        self.debug = debug
        self.env = env if env is not None else visdom_info.get('env', 'main')
        self.visdom = visdom.Visdom(server=visdom_info.get('server', 'http://127.0.0.1'),
                                    port=visdom_info.get('port', 8097), env=self.env)
        self.registered_blocks = OrderedDict()
        self.blocks_shown = {}
        if ui_info is not None:
            handler: Callable = ui_info['handler']
            self.visdom.register_event_handler(handler, ui_info['win_id'])

    def register(self, data, mode: str, debug_level: int = 0, title: str = 'Data', **kwargs) -> None:
        """Show ``data`` in the window ``title``.

        args:
            mode: 'image' (tensor/array image), 'heatmap' (2-D tensor), 'featmap' (3-D tensor, first
                channel shown), 'info_dict' (dict shown as a table), 'text' (string), 'lineplot'
                ((y,) or (y, x) tensors), 'Tracking' / 'bbreg' ((image, box[, box...]) boxes x, y, w, h).
            debug_level: shown only when the visdom debug level is at least this.
        """
        if debug_level > self.debug:
            return
        win = title
        opts = {'title': title}
        if mode == 'image':
            self.visdom.image(_image_chw(data), win=win, opts=opts)
        elif mode in ('heatmap', 'featmap'):
            a = _to_numpy(data).squeeze()
            if a.ndim == 3:
                a = a[0]
            self.visdom.heatmap(np.flipud(a), win=win, opts=opts)
        elif mode == 'info_dict':
            rows = ''.join('<tr><td>{}</td><td>{}</td></tr>'.format(k, v) for k, v in data.items())
            self.visdom.text('<table>{}</table>'.format(rows), win=win, opts=opts)
        elif mode == 'text':
            self.visdom.text(str(data), win=win, opts=opts)
        elif mode == 'lineplot':
            if isinstance(data, (tuple, list)):
                y, x = _to_numpy(data[0]).reshape(-1), _to_numpy(data[1]).reshape(-1)
            else:
                y = _to_numpy(data).reshape(-1)
                x = np.arange(y.size)
            self.visdom.line(y, x, win=win, opts=opts)
        elif mode in ('Tracking', 'bbreg'):
            image, boxes = data[0], data[1:]
            im = _image_chw(image).transpose(1, 2, 0)
            palette = [(0, 255, 0), (255, 0, 0), (0, 0, 255), (255, 255, 0)]
            im = _draw_boxes(im, boxes, [palette[i % len(palette)] for i in range(len(boxes))])
            self.visdom.image(im.transpose(2, 0, 1), win=win, opts=opts)
        else:
            raise ValueError("Unknown visdom mode '{}'".format(mode))
        self.registered_blocks[title] = mode
        self.blocks_shown[title] = time.time()

"""Small matplotlib helpers used for debug views of the trackers and for drawing results."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch


def _plt():
    import matplotlib.pyplot as plt
    return plt


def draw_figure(fig) -> None:
    """Redraw ``fig`` and let the GUI event loop process it (no-op beyond drawing on headless backends)."""
    plt = _plt()
    fig.canvas.draw()
    fig.canvas.flush_events()
    plt.pause(0.001)


def show_tensor(a: torch.Tensor, fig_num=None, title: Optional[str] = None, range: Tuple = (None, None),
                ax=None) -> None:
    """Display a 2-D tensor ([H, W], or [3, H, W] as an image) in figure ``fig_num`` (or on ``ax``)."""
    plt = _plt()
    a_np = a.squeeze().detach().cpu().clone().numpy()
    if a_np.ndim == 3:
        a_np = np.transpose(a_np, (1, 2, 0))
    if ax is None:
        fig = plt.figure(fig_num)
        plt.tight_layout()
        plt.cla()
        plt.imshow(a_np, vmin=range[0], vmax=range[1])
        plt.axis('off')
        plt.axis('equal')
        if title is not None:
            plt.title(title)
        draw_figure(fig)
    else:
        ax.cla()
        ax.imshow(a_np, vmin=range[0], vmax=range[1])
        ax.set_axis_off()
        ax.axis('equal')
        if title is not None:
            ax.set_title(title)
        draw_figure(plt.gcf())


def plot_graph(a: torch.Tensor, fig_num=None, title: Optional[str] = None) -> None:
    """Plot a 1-D tensor as a curve in figure ``fig_num``."""
    plt = _plt()
    a_np = a.squeeze().detach().cpu().clone().numpy()
    if a_np.ndim > 1:
        raise ValueError('plot_graph expects a 1-D tensor, got shape {}'.format(tuple(a.shape)))
    fig = plt.figure(fig_num)
    plt.cla()
    plt.plot(a_np)
    if title is not None:
        plt.title(title)
    draw_figure(fig)


def show_image_with_boxes(im, boxes: torch.Tensor, iou_pred: Optional[torch.Tensor] = None, disp_ids=None) -> None:
    """Show an image tensor [3, H, W] (or HxWx3 array) with boxes [N, 4] (x, y, w, h) drawn on it,
    labelled with ``iou_pred`` [N] when given."""
    import cv2 as cv
    plt = _plt()
    im_np = im.clone().cpu().squeeze().numpy() if torch.is_tensor(im) else np.array(im)
    if im_np.ndim == 3 and im_np.shape[0] == 3:
        im_np = np.ascontiguousarray(im_np.transpose(1, 2, 0).astype(np.uint8))
    boxes = boxes.view(-1, 4).cpu().numpy().round().astype(int)
    for i in range(boxes.shape[0]):
        if disp_ids is None or disp_ids[i]:
            x, y, w, h = boxes[i]
            cv.rectangle(im_np, (int(x), int(y)), (int(x + w), int(y + h)), (255, 0, 0), 2)
            if iou_pred is not None:
                cv.putText(im_np, '{:.2f}'.format(float(iou_pred[i])), (int(x), int(y) - 5),
                           cv.FONT_HERSHEY_COMPLEX, 0.5, (0, 255, 0), 1, bottomLeftOrigin=False)
    show_tensor(torch.from_numpy(im_np.transpose(2, 0, 1)).float() / 255, 1, title='Boxes')


def _pascal_color_map(N: int = 256, normalized: bool = False) -> np.ndarray:
    """The PASCAL VOC / DAVIS label colour map: [N, 3] uint8 (or float in [0, 1])."""
    def bit(val, idx):
        return (val >> idx) & 1

    cmap = np.zeros((N, 3), dtype=np.float32 if normalized else np.uint8)
    for i in range(N):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= bit(c, 0) << (7 - j)
            g |= bit(c, 1) << (7 - j)
            b |= bit(c, 2) << (7 - j)
            c >>= 3
        cmap[i] = np.array([r, g, b])
    return cmap / 255 if normalized else cmap


def overlay_mask(im: np.ndarray, ann: np.ndarray, alpha: float = 0.5, colors: Optional[np.ndarray] = None,
                 contour_thickness: Optional[int] = None) -> np.ndarray:
    """Blend a label mask ``ann`` (H x W ints, 0 = background) over image ``im`` (H x W x 3 uint8).

    args:
        alpha: opacity of the colour overlay.
        colors: [K, 3] colour per label (default: PASCAL colour map).
        contour_thickness: also draw the object contours with this thickness.
    """
    import cv2 as cv
    im, ann = np.asarray(im, dtype=np.uint8), np.asarray(ann, dtype=np.int64)
    if im.shape[:-1] != ann.shape:
        raise ValueError('Image {} and mask {} must have the same spatial size'.format(im.shape, ann.shape))
    colors = _pascal_color_map() if colors is None else np.asarray(colors)
    img = im.copy()
    for obj_id in np.unique(ann):
        if obj_id == 0:
            continue
        mask = ann == obj_id
        blended = alpha * np.ones(im.shape) * colors[obj_id] + (1 - alpha) * im
        img[mask] = blended[mask].astype(np.uint8)
        if contour_thickness:
            contours = cv.findContours(mask.astype(np.uint8), cv.RETR_TREE, cv.CHAIN_APPROX_SIMPLE)[-2]
            cv.drawContours(img, contours, -1, colors[obj_id].tolist(), contour_thickness)
    return img

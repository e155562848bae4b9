"""VOT toolkit integration (the short-term protocol used by ``Tracker.run_vot``).

When the working directory holds the legacy file protocol's inputs, that protocol is used; otherwise
the tracker talks TraX to the toolkit through the ``trax`` module of ``vot-trax`` (an optional dependency:
``pip install vot-trax``). The file protocol, in the working directory: ``images.txt`` (one frame path per line), ``region.txt`` (the
initial region) in, ``output.txt`` (one region per frame, ``x,y,w,h`` or ``x1,y1,...,xn,yn``) out.
"""
from __future__ import annotations

import collections
import logging
import os
from typing import List, Optional, Union

logger = logging.getLogger(__name__)

try:
    import trax
    TRAX = True
except ImportError:  # optional dependency: fall back to the file protocol
    trax = None
    TRAX = False


def _file_protocol_present() -> bool:
    return os.path.isfile('images.txt') and os.path.isfile('region.txt')


class _TraxSession:
    """The server side of a TraX session with the bindings of ``vot-trax`` 4.x (``trax.Server``).

    The toolkit sends one ``initialize`` request (image + region), then ``frame`` requests until ``quit``;
    every request is answered with one ``status`` holding the tracker's region.
    """

    def __init__(self, region_format: str):
        fmt = trax.Region.POLYGON if region_format == 'polygon' else trax.Region.RECTANGLE
        self._server = trax.Server([fmt], [trax.Image.PATH])
        request = self._server.wait()
        if request.type != trax.TraxStatus.INITIALIZE:
            raise RuntimeError("Expected a TraX 'initialize' request, got '{}'".format(request.type))
        objects = request.objects
        if not objects:
            raise RuntimeError('The TraX initialize request holds no region')
        region = objects[0][0]
        if isinstance(region, trax.Polygon):
            self.region = Polygon([Point(float(p[0]), float(p[1])) for p in region])
        else:
            self.region = Rectangle(*[float(v) for v in region.bounds()])
        self.first_image = self._image_path(request.image)
        self._server.status(objects)

    @staticmethod
    def _image_path(images) -> str:
        image = next(iter(images.values())) if isinstance(images, dict) else images
        return image.path() if hasattr(image, 'path') else str(image)

    def report(self, region: Region, confidence: float) -> None:
        if isinstance(region, Polygon):
            tregion = trax.Polygon.create([(p.x, p.y) for p in region.points])
        else:
            tregion = trax.Rectangle.create(region.x, region.y, region.width, region.height)
        self._server.status([(tregion, {})], {'confidence': confidence})

    def next_image(self) -> Optional[str]:
        request = self._server.wait()
        if request.type != trax.TraxStatus.FRAME:
            return None
        return self._image_path(request.image)

    def quit(self) -> None:
        self._server.quit()


class VOTToolkitError(FileNotFoundError):
    """Neither a TraX connection nor the file protocol's input files are available."""


Rectangle = collections.namedtuple('Rectangle', ['x', 'y', 'width', 'height'])
Point = collections.namedtuple('Point', ['x', 'y'])
Polygon = collections.namedtuple('Polygon', ['points'])

Region = Union[Rectangle, Polygon]


def parse_region(string: str) -> Optional[Region]:
    """``'x,y,w,h'`` -> Rectangle; ``'x1,y1,x2,y2,...'`` (at least 3 points) -> Polygon; otherwise None."""
    tokens = [float(t) for t in string.strip().split(',') if t.strip()]
    if len(tokens) == 4:
        return Rectangle(*tokens)
    if len(tokens) > 4 and len(tokens) % 2 == 0:
        return Polygon([Point(tokens[i], tokens[i + 1]) for i in range(0, len(tokens), 2)])
    return None


def encode_region(region: Region) -> str:
    """The text form of a region, as in the toolkit's files."""
    if isinstance(region, Polygon):
        return ','.join('{},{}'.format(p.x, p.y) for p in region.points)
    if isinstance(region, Rectangle):
        return '{},{},{},{}'.format(region.x, region.y, region.width, region.height)
    return ''


def convert_region(region: Region, to: str) -> Optional[Region]:
    """Convert between ``'rectangle'`` (axis-aligned bounding box of a polygon) and ``'polygon'``."""
    if to == 'rectangle':
        if isinstance(region, Rectangle):
            return Rectangle(*region)
        if isinstance(region, Polygon):
            xs = [p.x for p in region.points]
            ys = [p.y for p in region.points]
            return Rectangle(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        return None
    if to == 'polygon':
        if isinstance(region, Rectangle):
            x, y, w, h = region
            return Polygon([Point(x, y), Point(x + w, y), Point(x + w, y + h), Point(x, y + h)])
        if isinstance(region, Polygon):
            return Polygon(list(region.points))
        return None
    return None


class VOT:
    """One tracking session with the VOT toolkit.

    args:
        region_format: ``'rectangle'`` or ``'polygon'``: the form the tracker wants the initial region in.
    """

    def __init__(self, region_format: str):
        if region_format not in ('rectangle', 'polygon'):
            raise ValueError("region_format must be 'rectangle' or 'polygon', got '{}'".format(region_format))
        self._closed = True  # nothing to close (or write) until the session is set up
        # The file protocol's input files win: the toolkit writes them only when it uses that protocol.
        self._use_trax = TRAX and not _file_protocol_present()
        if self._use_trax:
            self._trax = _TraxSession(region_format)
            self._region = convert_region(self._trax.region, region_format)
            self._image = self._trax.first_image
        else:
            missing = [f for f in ('images.txt', 'region.txt') if not os.path.isfile(f)]
            if missing:
                raise VOTToolkitError(
                    "No VOT toolkit session: the 'trax' Python module is not installed and the working directory "
                    "'{}' has no {} (the legacy file protocol). Install the toolkit's TraX bindings "
                    "('pip install vot-trax') or start the tracker from the VOT toolkit.".format(
                        os.getcwd(), ' / '.join(missing)))
            with open('images.txt') as f:
                self._files: List[str] = [x.strip('\n') for x in f if x.strip()]
            with open('region.txt') as f:
                parsed = parse_region(f.readline())
            if parsed is None:
                raise ValueError("region.txt does not hold a rectangle or polygon")
            self._region = convert_region(parsed, region_format)
            self._frame = 0  # index of the frame the next frame() call returns
            self._result: List[Region] = []
        self._closed = False

    def region(self) -> Region:
        """The initial region."""
        return self._region

    def report(self, region: Region, confidence: float = 0) -> None:
        """Report the tracking result of the current frame."""
        if not isinstance(region, (Rectangle, Polygon)):
            raise TypeError('region must be a Rectangle or a Polygon')
        if self._use_trax:
            self._trax.report(region, confidence)
        else:
            self._result.append(region)
            self._frame += 1

    def frame(self) -> Optional[str]:
        """Path of the next frame, or None at the end of the sequence."""
        if self._use_trax:
            if hasattr(self, '_image'):
                image = self._image
                del self._image
                return image
            return self._trax.next_image()
        if self._frame >= len(self._files):
            return None
        if self._frame == 0:
            # The initial frame's result is the initial region itself (first line of output.txt).
            self._result.append(self._region)
            self._frame = 1
            return self._files[0]
        return self._files[self._frame]

    def quit(self) -> None:
        """End the session (writes ``output.txt`` in the file protocol)."""
        if self._closed:
            return
        self._closed = True
        if self._use_trax:
            self._trax.quit()
        else:
            with open('output.txt', 'w') as f:
                for r in self._result:
                    f.write(encode_region(r) + '\n')

    def __del__(self):
        try:
            self.quit()
        except (OSError, AttributeError) as e:  # interpreter shutdown or a failed constructor
            logger.warning('Could not close the VOT session: %s', e)

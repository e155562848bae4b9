"""VOT toolkit integration (the short-term protocol used by ``Tracker.run_vot``).

With the ``trax`` package installed the tracker talks TraX to the toolkit. Without it the legacy file
protocol is used, in the working directory: ``images.txt`` (one frame path per line), ``region.txt`` (the
initial region) in, ``output.txt`` (one region per frame, ``x,y,w,h`` or ``x1,y1,...,xn,yn``) out.
"""
import collections
import logging
import os
from typing import List, Optional, Union

logger = logging.getLogger(__name__)

try:
    import trax
    import trax.server
    TRAX = True
except ImportError:  # optional dependency: fall back to the file protocol
    TRAX = False


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
        if TRAX:
            options = trax.server.ServerOptions(region_format, trax.image.PATH)
            self._trax = trax.server.Server(options)
            request = self._trax.wait()
            if request.type != 'initialize':
                raise RuntimeError("Expected a TraX 'initialize' request, got '{}'".format(request.type))
            if request.region.type == 'polygon':
                self._region = Polygon([Point(x[0], x[1]) for x in request.region.points])
            else:
                self._region = Rectangle(request.region.x, request.region.y, request.region.width,
                                         request.region.height)
            self._image = str(request.image)
            self._trax.status(request.region)
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
        if TRAX:
            if isinstance(region, Polygon):
                tregion = trax.region.Polygon([(p.x, p.y) for p in region.points])
            else:
                tregion = trax.region.Rectangle(region.x, region.y, region.width, region.height)
            self._trax.status(tregion, {'confidence': confidence})
        else:
            self._result.append(region)
            self._frame += 1

    def frame(self) -> Optional[str]:
        """Path of the next frame, or None at the end of the sequence."""
        if TRAX:
            if hasattr(self, '_image'):
                image = self._image
                del self._image
                return image
            request = self._trax.wait()
            return str(request.image) if request.type == 'frame' else None
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
        if TRAX:
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

"""Procedural synthetic tracking benchmark, deterministic from a seed.

Each sequence shows a textured target on a textured background seen by a panning camera, with
challenge factors chosen per sequence: scale change, aspect-ratio change, fast motion, rotation,
partial and full occlusion, out-of-view, look-alike distractors, illumination change and
motion blur. All random choices are drawn up front from the sequence seed, so any frame can be
rendered on its own (:meth:`SyntheticSequence.render`): training datasets render frames on the fly,
evaluation splits are written to disk once in the GOT-10k layout and read back by the loaders.

Per-frame flags are measured on the rendered masks, so they state what is visible, not what was
intended: ``full_occlusion`` means the target is inside the frame but no target pixel is visible.

On-disk layout of a split (GOT-10k format, plus the per-frame flags)::

    <root>/<split>/list.txt
    <root>/<split>/<name>/00000001.jpg ...
    <root>/<split>/<name>/groundtruth.txt   x,y,w,h per frame (0,0,0,0 when out of view)
    <root>/<split>/<name>/absence.label     1 where the target is not visible
    <root>/<split>/<name>/cover.label       visible fraction of the target in eighths (0..8)
    <root>/<split>/<name>/attributes.txt    one 0/1 column per challenge factor, with a header
    <root>/<split>/<name>/meta_info.ini
"""
import configparser
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2 as cv
import numpy as np

logger = logging.getLogger(__name__)

CHALLENGES = ('scale_change', 'aspect_change', 'fast_motion', 'rotation', 'partial_occlusion',
              'full_occlusion', 'out_of_view', 'distractor', 'illumination', 'motion_blur')

GENERATOR_VERSION = 1
TEST_SEED_BASE = 1_000_000   # test seeds: TEST_SEED_BASE + i; training seeds: i (< TEST_SEED_BASE)
# Validation seeds: VAL_SEED_BASE + i. They lie in the training range but far beyond the training sequences
# actually used (seeds 0..N-1, N <= 1000 in the shipped recipes), so tuning never sees the test split.
VAL_SEED_BASE = 500_000
_TEX = 64                    # side of the target texture, in pixels, before scaling


@dataclass(frozen=True)
class SequenceSpec:
    """What to generate: name, seed, length, frame size (width, height) and challenge factors."""
    name: str
    seed: int
    num_frames: int = 120
    frame_size: Tuple[int, int] = (320, 240)
    challenges: Tuple[str, ...] = ()


def split_specs(split: str, num_sequences: Optional[int] = None, num_frames: int = 120,
                frame_size: Tuple[int, int] = (320, 240)) -> List[SequenceSpec]:
    """Sequence specifications of a split.

    ``'test'`` (default 30 sequences) cycles through the challenge factors so that each is the
    primary factor of the same number of sequences, and adds a random secondary factor;
    ``'val'`` (default 30) is built the same way from held-out training-range seeds (for tuning);
    ``'train'`` (default 1000) draws 0-3 factors at random. Seeds of the three splits are disjoint.
    """
    if split not in ('test', 'val', 'train'):
        raise ValueError("Unknown synthetic split '{}': use 'test', 'val' or 'train'".format(split))
    if split in ('test', 'val'):
        n = 30 if num_sequences is None else num_sequences
        seed_base = TEST_SEED_BASE if split == 'test' else VAL_SEED_BASE
        prefix = 'synthetic' if split == 'test' else 'synthetic_val'
        specs = []
        for i in range(n):
            rng = np.random.default_rng(seed_base + i)
            primary = CHALLENGES[i % len(CHALLENGES)]
            secondary = CHALLENGES[int(rng.integers(len(CHALLENGES)))]
            chal = tuple(c for c in CHALLENGES if c in (primary, secondary))
            specs.append(SequenceSpec('{}_{:04d}_{}'.format(prefix, i, primary), seed_base + i, num_frames,
                                      tuple(frame_size), chal))
        return specs
    n = 1000 if num_sequences is None else num_sequences
    if n > VAL_SEED_BASE:
        raise ValueError('At most {} training sequences'.format(VAL_SEED_BASE))
    specs = []
    for i in range(n):
        rng = np.random.default_rng(i)
        k = int(rng.integers(0, 4))
        chal = tuple(sorted(rng.choice(len(CHALLENGES), size=k, replace=False).tolist()))
        specs.append(SequenceSpec('synthetic_train_{:05d}'.format(i), i, num_frames, tuple(frame_size),
                                  tuple(CHALLENGES[c] for c in chal)))
    return specs


# ----------------------------------------------------------------------------------------------
# Appearance


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Band-limited noise in [0, 1]: a coarse random grid upsampled with cubic interpolation."""
    grid = rng.random((cells + 3, cells + 3)).astype(np.float32)
    big = cv.resize(grid, (w + 2 * (w // cells), h + 2 * (h // cells)), interpolation=cv.INTER_CUBIC)
    oy, ox = h // cells, w // cells
    out = big[oy:oy + h, ox:ox + w]
    out -= out.min()
    return out / max(float(out.max()), 1e-6)


def _palette(rng: np.random.Generator, n: int) -> np.ndarray:
    return (rng.random((n, 3)) * 220 + 20).astype(np.float32)


def _colorize(field_: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Map a [0,1] field to RGB by interpolating between palette colours."""
    k = len(colors) - 1
    pos = np.clip(field_, 0, 1) * k
    lo = np.floor(pos).astype(int).clip(0, k - 1)
    frac = (pos - lo)[..., None]
    return colors[lo] * (1 - frac) + colors[lo + 1] * frac


def _background_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Large textured background: blended noise octaves plus random soft rectangles and discs."""
    f = 0.6 * _smooth_noise(rng, h, w, 6) + 0.3 * _smooth_noise(rng, h, w, 24) + 0.1 * _smooth_noise(rng, h, w, 80)
    img = _colorize(f, _palette(rng, 4)) * 0.8
    for _ in range(int(rng.integers(15, 30))):
        color = _palette(rng, 1)[0].tolist()
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(6, 40))
        if rng.random() < 0.5:
            cv.circle(img, (x, y), r, color, -1, lineType=cv.LINE_AA)
        else:
            cv.rectangle(img, (x, y), (x + r, y + int(rng.integers(6, 40))), color, -1, lineType=cv.LINE_AA)
    img = cv.GaussianBlur(img, (0, 0), 1.2)
    return img.astype(np.float32)


def _target_appearance(rng: np.random.Generator) -> Tuple[Dict, np.ndarray, np.ndarray]:
    """Parameters, texture (TEX x TEX x 3) and soft mask (TEX x TEX) of a target-like object."""
    params = {'colors': _palette(rng, 3), 'freq': float(rng.uniform(2, 5)), 'angle': float(rng.uniform(0, np.pi)),
              'shape': int(rng.integers(3)), 'blob_seed': int(rng.integers(1 << 30)),
              'verts': rng.uniform(0.55, 1.0, size=7)}
    tex, mask = _render_appearance(params)
    return params, tex, mask


def _render_appearance(params: Dict) -> Tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:_TEX, 0:_TEX].astype(np.float32) / _TEX
    a = params['angle']
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * params['freq'] * (xx * np.cos(a) + yy * np.sin(a)))
    blobs = _smooth_noise(np.random.default_rng(params['blob_seed']), _TEX, _TEX, 4)
    tex = _colorize(0.55 * stripes + 0.45 * blobs, params['colors'])
    # a dark rim makes the object stand out from the background, as real objects often do
    mask = np.zeros((_TEX, _TEX), np.float32)
    c = _TEX / 2 - 0.5
    if params['shape'] == 0:
        cv.ellipse(mask, (_TEX // 2, _TEX // 2), (_TEX // 2 - 2, _TEX // 2 - 2), 0, 0, 360, 1.0, -1, cv.LINE_AA)
    elif params['shape'] == 1:
        cv.rectangle(mask, (2, 2), (_TEX - 3, _TEX - 3), 1.0, -1, cv.LINE_AA)
    else:
        ang = np.linspace(0, 2 * np.pi, len(params['verts']), endpoint=False)
        pts = np.stack([c + np.cos(ang) * params['verts'] * (c - 1), c + np.sin(ang) * params['verts'] * (c - 1)], 1)
        cv.fillPoly(mask, [np.round(pts).astype(np.int32)], 1.0, cv.LINE_AA)
    inner = cv.erode(mask, np.ones((5, 5), np.uint8))
    tex = tex * (0.35 + 0.65 * inner[..., None])
    return tex.astype(np.float32), mask


def _lookalike(params: Dict, rng: np.random.Generator) -> Dict:
    """A distractor resembling the target: same pattern and shape, slightly shifted colours."""
    p = dict(params)
    p['colors'] = np.clip(params['colors'] + rng.normal(0, 12, size=params['colors'].shape), 0, 255).astype(np.float32)
    p['blob_seed'] = int(rng.integers(1 << 30))
    return p


# ----------------------------------------------------------------------------------------------
# Motion


def _smooth_path(rng: np.random.Generator, n: int, num_waves: int = 3, max_freq: float = 1.5) -> np.ndarray:
    """A smooth 1-D signal in [-1, 1] over ``n`` frames: a sum of random low-frequency sines."""
    t = np.linspace(0, 1, n)
    s = np.zeros(n)
    for _ in range(num_waves):
        s += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * (rng.uniform(0.2, max_freq) * t + rng.random()))
    return s / max(np.abs(s).max(), 1e-6)


def _window(n: int, start: int, length: int, ramp: int) -> np.ndarray:
    """1 on [start+ramp, start+length-ramp), raised-cosine ramps on both sides, 0 elsewhere."""
    t = np.arange(n)
    up = np.clip((t - start) / max(ramp, 1), 0, 1)
    down = np.clip((start + length - t) / max(ramp, 1), 0, 1)
    w = np.minimum(up, down)
    return 0.5 - 0.5 * np.cos(np.pi * w)


@dataclass
class _Layer:
    """A moving textured object: per-frame centre (x, y), scales (sx, sy) and angle (degrees)."""
    params: Dict
    cx: np.ndarray
    cy: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    angle: np.ndarray
    tex: np.ndarray = field(default=None, repr=False)
    mask: np.ndarray = field(default=None, repr=False)


class SyntheticSequence:
    """One procedurally generated sequence; frames are rendered on demand."""

    def __init__(self, spec: SequenceSpec):
        self.spec = spec
        unknown = set(spec.challenges) - set(CHALLENGES)
        if unknown:
            raise ValueError('Unknown challenge factors {}; valid: {}'.format(sorted(unknown), CHALLENGES))
        rng = np.random.default_rng(spec.seed)
        n = spec.num_frames
        W, H = spec.frame_size
        ch = set(spec.challenges)
        self.num_frames = n

        # Background canvas larger than the frame; the camera pans over it.
        self._bg = _background_texture(rng, 2 * H, 2 * W)
        self._cam_x = W / 2 + W / 2 * (0.5 + 0.45 * _smooth_path(rng, n, 2, 0.8))
        self._cam_y = H / 2 + H / 2 * (0.5 + 0.45 * _smooth_path(rng, n, 2, 0.8))

        # Target.
        params, tex, mask = _target_appearance(rng)
        base = rng.uniform(0.11, 0.2) * min(W, H) * 1.6          # target side in pixels
        if 'fast_motion' in ch:
            base *= 0.7
        aspect0 = rng.uniform(0.6, 1.6)
        log_s = 0.15 * _smooth_path(rng, n)
        if 'scale_change' in ch:
            log_s = np.log(rng.choice([2.6, 0.38])) * _window(n, int(n * 0.2), int(n * 0.7), n // 5) + 0.1 * log_s
        log_a = 0.1 * _smooth_path(rng, n)
        if 'aspect_change' in ch:
            log_a = np.log(rng.choice([2.5, 0.4])) * _window(n, int(n * 0.25), int(n * 0.6), n // 6)
        sx = base * np.sqrt(aspect0) * np.exp(log_s + log_a / 2) / _TEX
        sy = base / np.sqrt(aspect0) * np.exp(log_s - log_a / 2) / _TEX
        angle = 8 * _smooth_path(rng, n)
        if 'rotation' in ch:
            angle = rng.choice([-1, 1]) * np.linspace(0, rng.uniform(120, 300), n)

        # Trajectory: a smooth path traversed at a varying speed (fast-motion bursts).
        speed = np.ones(n)
        if 'fast_motion' in ch:
            for _ in range(2):
                start = int(rng.integers(n // 8, n - n // 4))
                speed += 16 * _window(n, start, n // 6, 2)
        tau = np.cumsum(speed)
        tau = tau / tau[-1]
        path_len = 1200 if 'fast_motion' in ch else 300
        px = _smooth_path(rng, 4096, 4, path_len / 400)
        py = _smooth_path(rng, 4096, 4, path_len / 400)
        idx = np.clip((tau * 4095).astype(int), 0, 4095)
        half = np.maximum(sx, sy) * _TEX / 2
        cx = W / 2 + (W / 2 - half - 4) * 0.9 * px[idx]
        cy = H / 2 + (H / 2 - half - 4) * 0.9 * py[idx]
        if 'out_of_view' in ch:
            start, length = int(n * 0.35), max(int(n * 0.3), 12)
            win = _window(n, start, length, length // 4)
            side = int(rng.integers(4))
            if side < 2:
                exit_x = (-1.5 * half if side == 0 else W + 1.5 * half)
                cx = cx * (1 - win) + exit_x * win
            else:
                exit_y = (-1.5 * half if side == 2 else H + 1.5 * half)
                cy = cy * (1 - win) + exit_y * win
        self._target = _Layer(params, cx, cy, sx, sy, angle, tex, mask)

        # Look-alike distractors pass close to the target.
        self._distractors = []
        num_d = int(rng.integers(2, 4)) if 'distractor' in ch else 0
        for _ in range(num_d):
            dp = _lookalike(params, rng)
            dtex, dmask = _render_appearance(dp)
            off = np.stack([_smooth_path(rng, n, 2, 1.0), _smooth_path(rng, n, 2, 1.0)])
            dist = (1.2 + 1.8 * (0.5 + 0.5 * _smooth_path(rng, n, 2, 1.0))) * half
            ang = np.arctan2(off[1], off[0])
            dcx = np.clip(cx + dist * np.cos(ang), 0, W)
            dcy = np.clip(cy + dist * np.sin(ang), 0, H)
            self._distractors.append(_Layer(dp, dcx, dcy, sx * rng.uniform(0.85, 1.15), sy * rng.uniform(0.85, 1.15),
                                            angle + rng.uniform(-20, 20), dtex, dmask))

        # Occluders: textured plates in front of the target during an interval.
        self._occluders = []
        for kind in ('full_occlusion', 'partial_occlusion'):
            if kind not in ch:
                continue
            start = int(rng.integers(n // 6, n // 2))
            length = max(int(n * rng.uniform(0.2, 0.3)), 12)
            win = _window(n, start, length, length // 3)
            ocol = _colorize(_smooth_noise(rng, 32, 32, 3), _palette(rng, 3)).astype(np.float32)
            direction = rng.choice([-1, 1])
            bw, bh = sx * _TEX, sy * _TEX
            # cover the rotated target's bounding square when fully occluding
            diag = np.sqrt(bw ** 2 + bh ** 2)
            if kind == 'full_occlusion':
                ow, oh = 1.35 * diag + 6, 1.35 * diag + 6
                offx = direction * (1 - win) * (ow + diag)
                offy = np.zeros(n)
            else:
                ow, oh = 0.9 * bw, 1.5 * diag
                offx = direction * ((1 - win) * (ow + diag) + win * 0.5 * bw)
                offy = np.zeros(n)
            self._occluders.append({'start': start, 'end': start + length, 'tex': ocol, 'cx': cx + offx,
                                    'cy': cy + offy, 'w': ow, 'h': oh})

        # Illumination and motion blur.
        self._gain = np.ones(n)
        if 'illumination' in ch:
            start = int(rng.integers(n // 8, n // 3))
            self._gain = 1 + rng.choice([-0.55, 0.6]) * _window(n, start, n // 2, n // 8)
        self._blur = np.zeros(n, dtype=int)
        if 'motion_blur' in ch:
            start = int(rng.integers(n // 8, n // 2))
            self._blur = np.round(13 * _window(n, start, n // 3, n // 10)).astype(int)
        vx, vy = np.gradient(cx), np.gradient(cy)
        self._blur_angle = np.degrees(np.arctan2(vy, vx + 1e-9))

    # ------------------------------------------------------------------------------------------

    def _affine(self, layer: _Layer, t: int) -> np.ndarray:
        """2x3 matrix mapping texture pixels to frame pixels at frame ``t``."""
        a = np.radians(layer.angle[t])
        c, s = np.cos(a), np.sin(a)
        A = np.array([[c * layer.sx[t], -s * layer.sy[t]], [s * layer.sx[t], c * layer.sy[t]]])
        ctr = np.array([(_TEX - 1) / 2, (_TEX - 1) / 2])
        b = np.array([layer.cx[t], layer.cy[t]]) - A @ ctr
        return np.hstack([A, b[:, None]])

    def _warp(self, layer: _Layer, t: int) -> Tuple[np.ndarray, np.ndarray]:
        W, H = self.spec.frame_size
        M = self._affine(layer, t)
        tex = cv.warpAffine(layer.tex, M, (W, H), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT)
        mask = cv.warpAffine(layer.mask, M, (W, H), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT)
        return tex, mask

    def target_box(self, t: int) -> np.ndarray:
        """Full extent of the target at frame ``t`` (x, y, w, h), clipped to the frame; zeros if outside."""
        W, H = self.spec.frame_size
        ys, xs = np.nonzero(self._target.mask > 0.5)
        if len(xs) == 0:
            return np.zeros(4)
        pts = np.stack([xs, ys, np.ones_like(xs)], 0).astype(np.float64)
        fp = self._affine(self._target, t) @ pts
        # pixel footprint: a texture pixel covers about sx x sy frame pixels
        pad = 0.5 * max(self._target.sx[t], self._target.sy[t])
        x1, y1 = max(fp[0].min() - pad, 0.0), max(fp[1].min() - pad, 0.0)
        x2, y2 = min(fp[0].max() + pad, W), min(fp[1].max() + pad, H)
        if x2 <= x1 or y2 <= y1:
            return np.zeros(4)
        return np.array([x1, y1, x2 - x1, y2 - y1])

    def _occluder_layers(self, t: int) -> List[Tuple[np.ndarray, Dict, float, float]]:
        """Masks of the occluders present at frame ``t``: (mask, occluder, x1, y1)."""
        W, H = self.spec.frame_size
        out = []
        for o in self._occluders:
            if not o['start'] - 2 <= t <= o['end'] + 2:
                continue
            ox1, oy1 = o['cx'][t] - o['w'][t] / 2, o['cy'][t] - o['h'][t] / 2
            om = np.zeros((H, W), np.float32)
            cv.rectangle(om, (int(np.floor(ox1)), int(np.floor(oy1))),
                         (int(np.ceil(ox1 + o['w'][t])), int(np.ceil(oy1 + o['h'][t]))), 1.0, -1)
            out.append((om, o, ox1, oy1))
        return out

    def _target_mask(self, t: int) -> np.ndarray:
        W, H = self.spec.frame_size
        return cv.warpAffine(self._target.mask, self._affine(self._target, t), (W, H), flags=cv.INTER_LINEAR,
                             borderMode=cv.BORDER_CONSTANT)

    def annotate(self, t: int) -> Dict:
        """Annotation of frame ``t`` without rendering the image (same dict as :meth:`render`)."""
        self._check_frame(t)
        W, H = self.spec.frame_size
        occ = np.zeros((H, W), np.float32)
        for om, _, _, _ in self._occluder_layers(t):
            occ = np.maximum(occ, om)
        return self._frame_info(t, self._target_mask(t), occ)

    def _check_frame(self, t: int) -> None:
        if not 0 <= t < self.num_frames:
            raise IndexError('Frame {} out of range for a {}-frame sequence'.format(t, self.num_frames))

    def render(self, t: int) -> Tuple[np.ndarray, Dict]:
        """Render frame ``t`` (0-based).

        returns: (H x W x 3 uint8 RGB image, info) where info has ``bbox`` (x, y, w, h, zeros when
        out of view), ``visible_ratio`` (visible target pixels / all target pixels), ``absent``,
        ``cover`` (0..8) and ``flags`` (dict challenge -> bool).
        """
        self._check_frame(t)
        W, H = self.spec.frame_size
        x0 = int(round(self._cam_x[t] - W / 2))
        y0 = int(round(self._cam_y[t] - H / 2))
        frame = self._bg[y0:y0 + H, x0:x0 + W].copy()

        for d in self._distractors:
            tex, m = self._warp(d, t)
            frame = frame * (1 - m[..., None]) + tex * m[..., None]
        tex, tmask = self._warp(self._target, t)
        frame = frame * (1 - tmask[..., None]) + tex * tmask[..., None]

        occ = np.zeros((H, W), np.float32)
        for om, o, ox1, oy1 in self._occluder_layers(t):
            M = np.array([[o['w'][t] / 32, 0, ox1], [0, o['h'][t] / 32, oy1]])
            otex = cv.warpAffine(o['tex'], M, (W, H), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
            frame = frame * (1 - om[..., None]) + otex * om[..., None]
            occ = np.maximum(occ, om)

        frame = frame * self._gain[t]
        if self._blur[t] >= 3:
            k = int(self._blur[t]) | 1
            kern = np.zeros((k, k), np.float32)
            kern[k // 2, :] = 1.0 / k
            R = cv.getRotationMatrix2D(((k - 1) / 2, (k - 1) / 2), -self._blur_angle[t], 1.0)
            kern = cv.warpAffine(kern, R, (k, k))
            kern /= max(kern.sum(), 1e-6)
            frame = cv.filter2D(frame, -1, kern, borderType=cv.BORDER_REFLECT)
        image = np.clip(np.round(frame), 0, 255).astype(np.uint8)
        return image, self._frame_info(t, tmask, occ)

    def _frame_info(self, t: int, tmask: np.ndarray, occ: np.ndarray) -> Dict:
        T = self._target
        total = float((T.mask > 0.5).sum()) * T.sx[t] * T.sy[t]
        inside = tmask > 0.5
        n_inside = float(inside.sum())
        n_visible = float((inside & (occ < 0.5)).sum())
        visible_ratio = min(n_visible / max(total, 1e-6), 1.0)
        bbox = self.target_box(t)
        out_of_view = n_inside == 0
        full_occ = (not out_of_view) and n_visible == 0
        area0 = T.sx[0] * T.sy[0]
        aspect = (T.sx[t] / T.sy[t]) / (T.sx[0] / T.sy[0])
        size = np.sqrt(T.sx[t] * T.sy[t]) * _TEX
        disp = np.hypot(T.cx[t] - T.cx[t - 1], T.cy[t] - T.cy[t - 1]) if t > 0 else 0.0
        near = any(np.hypot(d.cx[t] - T.cx[t], d.cy[t] - T.cy[t]) < 2.5 * size for d in self._distractors)
        flags = {
            'scale_change': not 0.5 <= (T.sx[t] * T.sy[t]) / area0 <= 2.0,
            'aspect_change': not 0.5 <= aspect <= 2.0,
            'fast_motion': disp > 0.5 * size,
            'rotation': abs(T.angle[t] - T.angle[0]) > 30,
            'partial_occlusion': n_inside > 0 and 0 < n_inside - n_visible < n_inside,
            'full_occlusion': full_occ,
            'out_of_view': out_of_view,
            'distractor': near,
            'illumination': abs(self._gain[t] - 1) > 0.25,
            'motion_blur': self._blur[t] >= 5,
        }
        absent = out_of_view or full_occ
        if out_of_view:
            bbox = np.zeros(4)
        return {'bbox': bbox, 'visible_ratio': visible_ratio, 'absent': absent,
                'cover': int(np.clip(np.round(8 * visible_ratio), 0, 8)), 'flags': flags}


# ----------------------------------------------------------------------------------------------
# Writing splits


def _spec_digest(specs: Sequence[SequenceSpec], jpeg_quality: int) -> str:
    payload = json.dumps({'version': GENERATOR_VERSION, 'q': jpeg_quality,
                          'specs': [[s.name, s.seed, s.num_frames, list(s.frame_size), list(s.challenges)]
                                    for s in specs]})
    return hashlib.sha1(payload.encode()).hexdigest()


def write_sequence(seq: SyntheticSequence, out_dir: str, jpeg_quality: int = 92) -> None:
    """Render every frame of ``seq`` and write it in the GOT-10k layout into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    boxes, absent, cover, flags = [], [], [], []
    for t in range(seq.num_frames):
        im, info = seq.render(t)
        ok = cv.imwrite(os.path.join(out_dir, '{:08d}.jpg'.format(t + 1)), cv.cvtColor(im, cv.COLOR_RGB2BGR),
                        [cv.IMWRITE_JPEG_QUALITY, jpeg_quality])
        if not ok:
            raise OSError("Could not write frame {} of '{}' into '{}'".format(t + 1, seq.spec.name, out_dir))
        boxes.append(info['bbox'])
        absent.append(int(info['absent']))
        cover.append(info['cover'])
        flags.append([int(info['flags'][c]) for c in CHALLENGES])
    np.savetxt(os.path.join(out_dir, 'groundtruth.txt'), np.array(boxes), fmt='%.4f', delimiter=',')
    np.savetxt(os.path.join(out_dir, 'absence.label'), np.array(absent), fmt='%d')
    np.savetxt(os.path.join(out_dir, 'cover.label'), np.array(cover), fmt='%d')
    np.savetxt(os.path.join(out_dir, 'attributes.txt'), np.array(flags), fmt='%d', delimiter=',',
               header=','.join(CHALLENGES), comments='')
    meta = configparser.ConfigParser()
    meta['METAINFO'] = {'url': 'synthetic', 'begin_frame': '1', 'end_frame': str(seq.num_frames),
                        'object_class': 'synthetic_object', 'motion_class': 'synthetic',
                        'major_class': 'synthetic', 'root_class': 'object', 'motion_adverb': 'synthetic',
                        'seed': str(seq.spec.seed), 'challenges': ' '.join(seq.spec.challenges),
                        'resolution': '({}, {})'.format(*seq.spec.frame_size)}
    with open(os.path.join(out_dir, 'meta_info.ini'), 'w') as f:
        meta.write(f)


def generate_split(root: str, split: str = 'test', num_sequences: Optional[int] = None, num_frames: int = 120,
                   frame_size: Tuple[int, int] = (320, 240), jpeg_quality: int = 92, force: bool = False,
                   progress: bool = True) -> str:
    """Write split ``split`` under ``root/split`` unless an identical generation is already there.

    A marker file records a digest of everything that determines the output, so a finished split
    is reused and a changed request (other length, size, generator version) regenerates it.
    Returns the split folder.
    """
    specs = split_specs(split, num_sequences, num_frames, frame_size)
    out = os.path.join(root, split)
    marker = os.path.join(out, '.complete')
    digest = _spec_digest(specs, jpeg_quality)
    if not force and os.path.isfile(marker):
        with open(marker) as f:
            if f.read().strip() == digest:
                return out
    if os.path.isdir(out):
        shutil.rmtree(out)
    tmp = out + '.partial{}'.format(os.getpid())
    if os.path.isdir(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    try:
        from tqdm import tqdm
        it = tqdm(specs, desc='Generating synthetic {} split'.format(split), disable=not progress)
        for spec in it:
            write_sequence(SyntheticSequence(spec), os.path.join(tmp, spec.name), jpeg_quality)
        with open(os.path.join(tmp, 'list.txt'), 'w') as f:
            f.write('\n'.join(s.name for s in specs) + '\n')
        with open(os.path.join(tmp, '.complete'), 'w') as f:
            f.write(digest + '\n')
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("Synthetic %s split written to '%s'", split, out)
    return out


def read_attributes(seq_dir: str) -> Dict[str, np.ndarray]:
    """Per-frame challenge flags of a written sequence: challenge -> bool array [num_frames]."""
    path = os.path.join(seq_dir, 'attributes.txt')
    with open(path) as f:
        header = f.readline().strip().split(',')
    data = np.loadtxt(path, delimiter=',', skiprows=1, dtype=int, ndmin=2)
    if data.shape[1] != len(header):
        raise ValueError("Malformed attribute file '{}': {} columns for {} names".format(path, data.shape[1],
                                                                                         len(header)))
    return {name: data[:, i].astype(bool) for i, name in enumerate(header)}

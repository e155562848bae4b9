"""Processing of KeepTrack's training samples (target candidate association).

A sample (from :class:`ltr.data.sampler_candidate_matching.SequentialTargetCandidateMatchingSampler`) holds one or
two frames of a sequence with the candidate data the base tracker stored for them (see
:mod:`ltr.dataset.lasot_candidate_matching`): the search area box, the candidates' score-map coordinates
(row, col) and scores, and the score-map coordinate of the annotated target centre.

Two supervision modes:

* ``self_sup`` (one frame): the second frame is made from the first one: the search area is jittered slightly,
  the crop is augmented, some candidates are dropped from one of the two frames (mimicking occlusion or
  re-detection), and the scores and image positions of the second frame's candidates are perturbed. Every
  candidate's partner is known: full supervision.
* ``partial_sup`` (two consecutive frames): only the candidate closest to the annotated target is known in each
  frame; it is matched across the frames (or, with probability 1/4, removed from one frame so that its partner
  must go to the dustbin). The other candidates' assignments are unknown and ignored by the loss.

To batch samples the candidates are padded to ``num_target_candidates`` with artificial ones, placed far from the
real candidates (best of 20 random positions in the search area) with a low score. With
``real_target_candidates_only`` (validation), no padding or dropping is done: the detected candidates only.

Outputs (each with a leading dimension of 1; the loader stacks samples along dimension 1):
``img_cropped0/1`` ``[3, S, S]``; ``candidate_img_coords0/1`` ``[N, 2]`` (row, col in the image);
``candidate_tsm_coords0/1`` ``[N, 2]`` long (row, col on the score map); ``candidate_scores0/1`` ``[N]``;
``candidate_valid0/1`` ``[N]`` (1 real, 0 artificial); ``img_shape0/1`` ``[2]`` (H, W);
``gt_assignment`` ``[N, N]``; ``gt_matches0/1`` ``[N]`` (partner index, -1 none, -2 unknown).
"""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch

from . import processing_utils as prutils
from .loader import TensorDict
from .processing import BaseProcessing, stack_tensors

__all__ = ['TargetCandiateMatchingProcessing', 'sample_target_from_crop_region']

_NUM_FAKE_PROPOSALS = 20      # random positions tried for each artificial candidate
_GT_DROP_PROBABILITY = 0.25   # partial supervision: chance to remove the target's candidate from one frame
_MAX_DROP_FRACTION = 0.25     # self supervision: at most this fraction of the candidates is dropped


def sample_target_from_crop_region(im: np.ndarray, crop_region: torch.Tensor, output_sz) -> np.ndarray:
    """Crop the image region ``crop_region`` = [x, y, w, h] (integer part; border pixels replicated outside the
    image) and resize it to ``output_sz`` (int or (w, h)). Returns the ``H x W x 3`` crop."""
    x, y, w, h = [int(v) for v in torch.as_tensor(crop_region).reshape(-1).tolist()]
    return prutils.crop_and_resize(im, None, [x, y, max(w, 1), max(h, 1)], output_sz)[0]


def _tsm_to_img(tsm_coords: torch.Tensor, sa_box: Sequence[float], score_map_sz) -> torch.Tensor:
    """Score-map (row, col) -> image (row, col): the score map spans the search area box corner to corner."""
    x, y, w, h = [float(v) for v in sa_box]
    tsm = tsm_coords.float().reshape(-1, 2)
    return torch.stack([h * tsm[:, 0] / (score_map_sz[0] - 1) + y,
                        w * tsm[:, 1] / (score_map_sz[1] - 1) + x], dim=1)


def _img_to_tsm(img_coords: torch.Tensor, x, y, w, h, score_map_sz) -> torch.Tensor:
    """Image (row, col) -> nearest score-map cell (row, col), clamped to the map; x, y, w, h may be tensors
    (one search area per candidate)."""
    rows = torch.round((img_coords[:, 0] - y) / h * (score_map_sz[0] - 1)).long().clamp(0, score_map_sz[0] - 1)
    cols = torch.round((img_coords[:, 1] - x) / w * (score_map_sz[1] - 1)).long().clamp(0, score_map_sz[1] - 1)
    return torch.stack([rows, cols], dim=1)


def _region_in_image(sa_box: Sequence[float], img_shape) -> Tuple[float, float, float, float]:
    """(low_x, low_y, high_x, high_y) of the search area intersected with the image."""
    H, W = img_shape[:2]
    x, y, w, h = [int(v) for v in sa_box]
    return max(0, x), max(0, y), min(W, x + w), min(H, y + h)


def _farthest_random_point(region, used: torch.Tensor) -> torch.Tensor:
    """Of a few uniform random points in ``region`` (low_x, low_y, high_x, high_y), the one farthest from the
    ``used`` (row, col) points (any when there are none)."""
    lowx, lowy, highx, highy = region
    proposals = torch.stack([torch.rand(_NUM_FAKE_PROPOSALS) * (highy - lowy) + lowy,
                             torch.rand(_NUM_FAKE_PROPOSALS) * (highx - lowx) + lowx], dim=1)
    if used.shape[0] == 0:
        return proposals[0]
    dist = torch.cdist(proposals, used.float())
    return proposals[torch.argmax(dist.min(dim=1).values)]


class TargetCandiateMatchingProcessing(BaseProcessing):
    """Processing for training KeepTrack's candidate matching network (the original's class name, typo
    included). See the module docstring for the modes and the outputs.

    args:
        output_sz: Side of the search-area crops (pixels).
        num_target_candidates: Candidates per frame after padding (required unless ``real_target_candidates_only``).
        mode: Kept for compatibility with the original (the supervision mode comes with each sample).
        img_aug_transform: Transform of the second (augmented) crop in self supervision.
        score_map_sz: (rows, cols) of the base tracker's score map (default (23, 23), SuperDiMP-simple).
        enable_search_area_aug: Jitter the second frame's search area in self supervision.
        search_area_jitter_value: The jitter is up to ``1 / search_area_jitter_value`` of the box size.
        real_target_candidates_only: Partial supervision with the detected candidates only (validation, batch 1).
        transform / train_transform / ...: As :class:`ltr.data.processing.BaseProcessing`; ``transform['train']``
            is applied to the (unaugmented) crops.
    """

    def __init__(self, output_sz: int, num_target_candidates: Optional[int] = None, mode: str = 'self_sup',
                 img_aug_transform=None, score_map_sz=None, enable_search_area_aug: bool = True,
                 search_area_jitter_value: int = 100, real_target_candidates_only: bool = False, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.output_sz = output_sz
        self.num_target_candidates = num_target_candidates
        self.mode = mode
        self.img_aug_transform = img_aug_transform
        self.enable_search_area_aug = enable_search_area_aug
        self.search_area_jitter_value = search_area_jitter_value
        self.real_target_candidates_only = real_target_candidates_only
        self.score_map_sz = tuple(score_map_sz) if score_map_sz is not None else (23, 23)
        if not real_target_candidates_only and not num_target_candidates:
            raise ValueError('TargetCandiateMatchingProcessing: num_target_candidates is required unless '
                             'real_target_candidates_only=True')

    def __call__(self, data: TensorDict) -> TensorDict:
        sup_mode = data['sup_mode']
        if sup_mode == 'self_sup':
            out = self._original_and_augmented_frame(data)
        elif sup_mode == 'partial_sup' and not self.real_target_candidates_only:
            out = self._previous_and_current_frame(data)
        elif sup_mode == 'partial_sup':
            out = self._previous_and_current_frame_detected_target_candidates_only(data)
        else:
            raise ValueError("Unknown supervision mode '{}' (use 'self_sup' or 'partial_sup')".format(sup_mode))
        return out.apply(stack_tensors)

    # ------------------------------------------------------------------ helpers
    def _crop(self, img: np.ndarray, sa_box: torch.Tensor, transform) -> torch.Tensor:
        return transform(image=sample_target_from_crop_region(img, sa_box, self.output_sz))

    def _jitter_search_area(self, sa_box: torch.Tensor) -> torch.Tensor:
        x, y, w, h = [int(v) for v in sa_box.long().tolist()]
        l = self.search_area_jitter_value

        def jit(v, size):
            return v + int(torch.randint(-(size // l), size // l + 1, (1,)))
        return torch.tensor([jit(x, w), jit(y, h), max(jit(w, w), 1), max(jit(h, h), 1)], dtype=torch.float32)

    def _fake_scores(self, scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Scores of the padded candidates: the real ones where valid, low random scores (0.05..0.075) elsewhere."""
        n = min(scores.shape[0], valid.shape[0])
        out = torch.zeros(valid.shape[0])
        real = valid == 1
        out[real] = scores[:n][real[:n]]
        num_fake = int((~real).sum())
        out[~real] = (torch.randn(num_fake).abs() / 50).clamp(max=0.025) + 0.05
        return out

    def _keep_first(self, coords: torch.Tensor, scores: torch.Tensor, gt_idx: int):
        """The first ``num_target_candidates`` candidates (highest scores); a target candidate beyond them replaces
        the last one kept, so that it is always present. Returns (coords, scores, gt index)."""
        n = self.num_target_candidates
        if gt_idx < n:
            return coords[:n], scores[:n], gt_idx
        keep = list(range(n - 1)) + [gt_idx]
        return coords[keep], scores[keep], n - 1

    def _find_gt_candidate_index(self, coords: torch.Tensor, target_anno_coord: torch.Tensor) -> int:
        """Index of the candidate closest to the annotated target centre (score-map coordinates)."""
        return int(torch.argmin(((coords.float() - target_anno_coord.float().reshape(1, 2)) ** 2).sum(dim=1)))

    # ------------------------------------------------------------------ self supervision
    def _candidate_drop_out(self, coords0: torch.Tensor, coords1: torch.Tensor):
        """Pad both frames' candidates to N and drop up to a quarter of them from one frame (chosen at random)."""
        n = self.num_target_candidates
        k = min(coords1.shape[0], n)
        num_drop = int(torch.round(_MAX_DROP_FRACTION * k * torch.rand(1)))
        drop = torch.randperm(k)[:num_drop]
        pads, valids = [], []
        for coords in (coords0, coords1):
            pad = torch.zeros(n, 2)
            pad[:k] = coords[:k]
            valid = torch.zeros(n)
            valid[:k] = 1
            pads.append(pad)
            valids.append(valid)
        frame = 0 if torch.rand(1) < 0.5 else 1
        pads[frame][drop] = 0
        valids[frame][drop] = 0
        return pads[0], pads[1], valids[0], valids[1]

    def _pad_with_fake_candidates(self, coords0, coords1, valid0, valid1, sa_box0, sa_box1, img_shape):
        """Fill the empty slots of both frames with artificial candidates far from all real ones."""
        regions = [_region_in_image(sa_box0.tolist(), img_shape), _region_in_image(sa_box1.tolist(), img_shape)]
        coords = [coords0.clone(), coords1.clone()]
        filled = [valid0.clone(), valid1.clone()]
        for i in range(self.num_target_candidates):
            for k in (0, 1):
                if filled[k][i] == 0:
                    used = torch.cat([coords[0][filled[0] == 1], coords[1][filled[1] == 1]], dim=0)
                    coords[k][i] = _farthest_random_point(regions[k], used)
                    filled[k][i] = 1
        return coords[0], coords[1]

    def _augment_scores(self, scores: torch.Tensor, valid: torch.Tensor, drop: bool) -> torch.Tensor:
        """Perturb the real candidates' scores (kept sorted, at least 0.075). When the two best candidates are close
        in score (and nothing was dropped), their scores are also pulled together and possibly swapped."""
        real = valid == 1
        num_valid = int(real.sum())
        noise = 0.1 * torch.randn(num_valid)
        s = scores[real]
        if num_valid > 2 and not drop and s[1] > 0.5 * s[0] and bool(torch.all(s[:2] > 0.2)):
            choice = int(torch.randint(0, 3, (1,)))
            aug = torch.sort(s + noise, descending=True)[0]
            if choice >= 1:
                aug[0] = s[0] - noise[0].abs()
                aug[1] = s[1] + noise[1].abs()
                aug[:2] = torch.sort(aug[:2], descending=True)[0]
            if choice == 2:
                aug[[0, 1]] = aug[[1, 0]]
        else:
            aug = torch.sort(s + noise, descending=True)[0]
        scores = scores.clone()
        scores[real] = aug.clamp(min=0.075)
        return scores

    def _augment_coords(self, coords: torch.Tensor, img_shape, sa_box: torch.Tensor) -> torch.Tensor:
        """Move each candidate by a random offset smaller than a quarter of the closest pair's distance (and than a
        score-map cell), so the perturbation cannot swap candidates."""
        H, W = img_shape[:2]
        w, h = float(sa_box[2]), float(sa_box[3])
        d = torch.cdist(coords.float(), coords.float())
        if bool(torch.all(d == 0)):
            xmax = 0.5 * w / self.score_map_sz[1]
            ymax = 0.5 * h / self.score_map_sz[0]
        else:
            dmin = float(d[d > 0].min())
            xmax = min(math.sqrt(2) * dmin / 4, w / self.score_map_sz[1])
            ymax = min(math.sqrt(2) * dmin / 4, h / self.score_map_sz[0])
        coords = coords.clone()
        coords[:, 0] += torch.rand(coords.shape[0]) * 2 * ymax - ymax
        coords[:, 1] += torch.rand(coords.shape[0]) * 2 * xmax - xmax
        coords[:, 0] = coords[:, 0].clamp(0, H)
        coords[:, 1] = coords[:, 1].clamp(0, W)
        return coords

    def _original_and_augmented_frame(self, data: TensorDict) -> TensorDict:
        out = TensorDict()
        img = data['img'][0]
        tsm_coords = data['target_candidate_coords'][0]
        scores = data['target_candidate_scores'][0]
        sa_box0 = data['search_area_box'][0].float().clone()
        sa_box1 = self._jitter_search_area(sa_box0) if self.enable_search_area_aug else sa_box0.clone()

        out['img_shape0'] = [torch.tensor(img.shape[:2])]
        out['img_shape1'] = [torch.tensor(img.shape[:2])]
        out['img_cropped0'] = [self._crop(img, sa_box0, self.transform['train'])]
        out['img_cropped1'] = [self._crop(img, sa_box1, self.img_aug_transform or self.transform['train'])]

        img_coords = _tsm_to_img(tsm_coords, sa_box0.tolist(), self.score_map_sz)
        coords0, coords1, valid0, valid1 = self._candidate_drop_out(img_coords, img_coords.clone())
        coords0, coords1 = self._pad_with_fake_candidates(coords0, coords1, valid0, valid1, sa_box0, sa_box1, img.shape)
        scores0 = self._fake_scores(scores, valid0)
        scores1 = self._fake_scores(scores, valid1)

        x0, y0, w0, h0 = [float(v) for v in sa_box0.long()]
        x1, y1, w1, h1 = [float(v) for v in sa_box1.long()]
        tsm0 = _img_to_tsm(coords0, x0, y0, w0, h0, self.score_map_sz)
        # The real candidates of frame 1 keep frame 0's score-map cells; the artificial ones were placed in frame
        # 1's (jittered) search area.
        real1 = valid1 == 1
        tsm1 = _img_to_tsm(coords1, torch.where(real1, x0, x1), torch.where(real1, y0, y1),
                           torch.where(real1, w0, w1), torch.where(real1, h0, h1), self.score_map_sz)

        coords1 = self._augment_coords(coords1, img.shape, sa_box1)
        scores1 = self._augment_scores(scores1, valid1, drop=not bool(torch.all(valid0 == valid1)))

        n = self.num_target_candidates
        both = valid0 * valid1
        gt_assignment = torch.diag(both)
        gt_matches = torch.arange(n, dtype=torch.float32)
        gt_matches[both == 0] = -1

        self._store(out, coords0, coords1, tsm0, tsm1, scores0, scores1, valid0, valid1,
                    gt_assignment, gt_matches, gt_matches.clone())
        return out

    # ------------------------------------------------------------------ partial supervision
    def _pad_with_fake_candidates_drop_gt(self, img_coords: torch.Tensor, dropout: bool, gt_idx: int,
                                          sa_box: torch.Tensor, img_shape):
        """Pad one frame's candidates to N with artificial ones; with ``dropout`` the target's candidate is
        replaced by an artificial one too. Returns (coords ``[N, 2]``, valid ``[N]``)."""
        n = self.num_target_candidates
        k = min(img_coords.shape[0], n)
        coords = torch.zeros(n, 2)
        coords[:k] = img_coords[:k]
        valid = torch.zeros(n)
        valid[:k] = 1
        gt_coord = coords[gt_idx].clone().unsqueeze(0)
        if dropout:
            valid[gt_idx] = 0
            coords[gt_idx] = 0
        region = _region_in_image(sa_box.tolist(), img_shape)
        filled = valid.clone()
        for i in range(n):
            if filled[i] == 0:
                # Never close to where the target is, even when its candidate was dropped.
                used = torch.cat([coords[filled == 1], gt_coord], dim=0)
                coords[i] = _farthest_random_point(region, used)
                filled[i] = 1
        return coords, valid

    def _frame_pair(self, data: TensorDict):
        imgs = data['img']
        sa_boxes = [b.float() for b in data['search_area_box'][:2]]
        gt_idx = [self._find_gt_candidate_index(data['target_candidate_coords'][k], data['target_anno_coord'][k])
                  for k in (0, 1)]
        return imgs, sa_boxes, gt_idx

    def _previous_and_current_frame(self, data: TensorDict) -> TensorDict:
        out = TensorDict()
        imgs, sa_boxes, gt_idx = self._frame_pair(data)
        drop = torch.rand(1).item() < _GT_DROP_PROBABILITY
        drop_frame = int(torch.randint(0, 2, (1,)))

        coords, valids, scores, tsms = [], [], [], []
        for k in (0, 1):
            out['img_shape{}'.format(k)] = [torch.tensor(imgs[k].shape[:2])]
            out['img_cropped{}'.format(k)] = [self._crop(imgs[k], sa_boxes[k], self.transform['train'])]
            tsm_k, scores_k, gt_idx[k] = self._keep_first(data['target_candidate_coords'][k],
                                                          data['target_candidate_scores'][k], gt_idx[k])
            img_coords = _tsm_to_img(tsm_k, sa_boxes[k].tolist(), self.score_map_sz)
            c, v = self._pad_with_fake_candidates_drop_gt(img_coords, drop and drop_frame == k, gt_idx[k],
                                                          sa_boxes[k], imgs[k].shape)
            x, y, w, h = [float(t) for t in sa_boxes[k].long()]
            coords.append(c)
            valids.append(v)
            scores.append(self._fake_scores(scores_k, v))
            tsms.append(_img_to_tsm(c, x, y, w, h, self.score_map_sz))

        n = self.num_target_candidates
        gt_assignment = torch.zeros(n, n)
        gt_assignment[gt_idx[0], gt_idx[1]] = valids[0][gt_idx[0]] * valids[1][gt_idx[1]]
        gt_matches0 = torch.full((n,), -2.0)
        gt_matches1 = torch.full((n,), -2.0)
        if drop and drop_frame == 0:
            gt_matches1[gt_idx[1]] = -1     # the target left frame 0's candidates: its frame-1 candidate has none
        elif drop:
            gt_matches0[gt_idx[0]] = -1
        else:
            gt_matches0[gt_idx[0]] = gt_idx[1]
            gt_matches1[gt_idx[1]] = gt_idx[0]

        self._store(out, coords[0], coords[1], tsms[0], tsms[1], scores[0], scores[1], valids[0], valids[1],
                    gt_assignment, gt_matches0, gt_matches1)
        return out

    def _previous_and_current_frame_detected_target_candidates_only(self, data: TensorDict) -> TensorDict:
        out = TensorDict()
        imgs, sa_boxes, gt_idx = self._frame_pair(data)
        coords, tsms, scores = [], [], []
        for k in (0, 1):
            out['img_shape{}'.format(k)] = [torch.tensor(imgs[k].shape[:2])]
            out['img_cropped{}'.format(k)] = [self._crop(imgs[k], sa_boxes[k], self.transform['train'])]
            tsm_k = data['target_candidate_coords'][k].long().reshape(-1, 2)
            tsms.append(tsm_k)
            coords.append(_tsm_to_img(tsm_k, sa_boxes[k].tolist(), self.score_map_sz))
            scores.append(data['target_candidate_scores'][k].float().reshape(-1))

        m, n = scores[0].shape[0], scores[1].shape[0]
        gt_assignment = torch.zeros(m, n)
        gt_assignment[gt_idx[0], gt_idx[1]] = 1
        gt_matches0 = torch.full((m,), -2.0)
        gt_matches1 = torch.full((n,), -2.0)
        gt_matches0[gt_idx[0]] = gt_idx[1]
        gt_matches1[gt_idx[1]] = gt_idx[0]
        self._store(out, coords[0], coords[1], tsms[0], tsms[1], scores[0], scores[1], torch.ones(m), torch.ones(n),
                    gt_assignment, gt_matches0, gt_matches1)
        return out

    @staticmethod
    def _store(out, coords0, coords1, tsm0, tsm1, scores0, scores1, valid0, valid1, gt_assignment, gt_matches0,
               gt_matches1) -> None:
        out['candidate_img_coords0'] = [coords0]
        out['candidate_img_coords1'] = [coords1]
        out['candidate_tsm_coords0'] = [tsm0]
        out['candidate_tsm_coords1'] = [tsm1]
        out['candidate_scores0'] = [scores0]
        out['candidate_scores1'] = [scores1]
        out['candidate_valid0'] = [valid0]
        out['candidate_valid1'] = [valid1]
        out['gt_assignment'] = [gt_assignment]
        out['gt_matches0'] = [gt_matches0]
        out['gt_matches1'] = [gt_matches1]

"""Applying per-sequence correlation filters, and the transposed (adjoint) operation.

Shapes used throughout:
    feat:   ``[N, S, C, H, W]`` (N images per sequence, S sequences); a 4-D ``[N, C, H, W]`` means S = 1.
    filter: ``[S, C, fH, fW]`` (one filter per sequence) or ``[S, F, C/g, fH, fW]`` (F filters per
            sequence, each seeing ``C/g`` channels, ``g`` channel groups).
    scores: ``[N, S, yH, yW]`` or ``[N, S, F, yH, yW]``, with ``yH = H + 2*(fH//2) - fH + 1``.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

_Ksz = Union[int, Sequence[int]]


def _pair(ksz: _Ksz) -> Tuple[int, int]:
    if isinstance(ksz, int):
        return ksz, ksz
    return int(ksz[0]), int(ksz[1])


def _num_sequences(feat: torch.Tensor) -> int:
    return feat.shape[1] if feat.dim() == 5 else 1


def apply_filter(feat: torch.Tensor, filter: torch.Tensor,
                 dilation_factors: Optional[Dict[int, int]] = None) -> torch.Tensor:
    """Correlate every image of each sequence with that sequence's filter(s) (zero padding ``f//2``).

    args:
        feat: ``[N, S, C, H, W]`` features (or ``[N, C, H, W]`` for a single sequence).
        filter: ``[S, C, fH, fW]`` or ``[S, F, C/g, fH, fW]`` (groups g = C / filter.shape[-3]).
        dilation_factors: only for 5-D filters: ordered dict {dilation: number of filters}; consecutive
            blocks of filters are applied with that dilation (padding ``f//2 + d - 1``).
    returns:
        scores ``[N, S, yH, yW]`` (4-D filter) or ``[N, S, F, yH, yW]`` (5-D filter).
    """
    num_images = feat.shape[0]
    num_sequences = _num_sequences(feat)
    num_channels = feat.shape[-3]
    padding = (filter.shape[-2] // 2, filter.shape[-1] // 2)
    feat_flat = feat.reshape(num_images, -1, feat.shape[-2], feat.shape[-1])

    if filter.dim() == 4:
        scores = F.conv2d(feat_flat, filter, padding=padding, groups=num_sequences)
        return scores.reshape(num_images, num_sequences, scores.shape[-2], scores.shape[-1])

    if filter.dim() != 5:
        raise ValueError('apply_filter: filter must be 4-D or 5-D, got shape {}'.format(tuple(filter.shape)))
    num_filters = filter.shape[1]
    groups = num_channels // filter.shape[-3]
    if groups * filter.shape[-3] != num_channels or num_filters % groups != 0:
        raise ValueError('apply_filter: {} feature channels cannot be split into groups of {} for {} filters'
                         .format(num_channels, filter.shape[-3], num_filters))

    if dilation_factors is None:
        scores = F.conv2d(feat_flat, filter.reshape(-1, *filter.shape[-3:]), padding=padding,
                          groups=num_sequences * groups)
        return scores.reshape(num_images, num_sequences, -1, scores.shape[-2], scores.shape[-1])

    outputs = []
    start = 0
    for d, n_d in dilation_factors.items():
        f_d = filter[:, start:start + n_d].contiguous()
        pad_d = tuple(p + d - 1 for p in padding)
        s_d = F.conv2d(feat_flat, f_d.reshape(-1, *f_d.shape[-3:]), padding=pad_d,
                       groups=num_sequences * groups, dilation=d)
        outputs.append(s_d.reshape(num_images, num_sequences, -1, s_d.shape[-2], s_d.shape[-1]))
        start += n_d
    return torch.cat(outputs, dim=2)


def apply_feat_transpose(feat: torch.Tensor, input: torch.Tensor, filter_ksz: _Ksz, training: bool = True,
                         groups: int = 1) -> torch.Tensor:
    """Adjoint of :func:`apply_filter` with respect to the filter: ``<apply_filter(feat, w), input> ==
    <w, apply_feat_transpose(feat, input, w.shape[-2:])>``. Applied to residuals it gives the filter gradient.

    args:
        feat: ``[N, S, C, H, W]`` features.
        input: ``[N, S, yH, yW]`` or ``[N, S, F, yH, yW]`` (e.g. residuals).
        filter_ksz: filter size (int or (fH, fW)).
        training: choose the variant with the cheaper backward pass (True) or the cheaper forward pass (False,
            single filter only). Both return the same values.
        groups: only 1 is supported (as in the original).
    returns:
        ``[S, C, fH, fW]`` or ``[S, F, C, fH, fW]``.
    """
    if groups != 1:
        raise NotImplementedError('apply_feat_transpose: only groups=1 is supported, got {}'.format(groups))
    if training or input.dim() == 5:
        return _apply_feat_transpose_v3(feat, input, filter_ksz)
    return _apply_feat_transpose_v2(feat, input, filter_ksz)


def _apply_feat_transpose_v1(feat: torch.Tensor, input: torch.Tensor, filter_ksz: _Ksz) -> torch.Tensor:
    """Single filter, via a transposed convolution of the flipped input (slow; kept for reference)."""
    num_images = feat.shape[0]
    num_sequences = _num_sequences(feat)
    ksz = _pair(filter_ksz)
    pad = [sz + k // 2 - k for sz, k in zip(feat.shape[-2:], ksz)]
    out = F.conv_transpose2d(input.flip((-2, -1)).reshape(1, -1, input.shape[-2], input.shape[-1]),
                             feat.reshape(-1, feat.shape[-3], feat.shape[-2], feat.shape[-1]),
                             padding=pad, groups=num_images * num_sequences)
    return out.reshape(num_images, num_sequences, -1, out.shape[-2], out.shape[-1]).sum(dim=0)


def _apply_feat_transpose_v2(feat: torch.Tensor, input: torch.Tensor, filter_ksz: _Ksz) -> torch.Tensor:
    """Features act as the convolution kernel: fast forward, slower backward."""
    num_images = feat.shape[0]
    num_sequences = _num_sequences(feat)
    ksz = _pair(filter_ksz)
    # Correlating the input with the feature map gives the filter flipped; the padding is chosen so
    # that after flipping the taps line up with apply_filter's (k//2) padding.
    pad = tuple(k - 1 - k // 2 for k in ksz)
    feat_kernel = feat.reshape(-1, 1, feat.shape[-2], feat.shape[-1])

    if input.dim() == 5:
        num_filters = input.shape[2]
        inp = input.reshape(-1, num_filters, input.shape[-2], input.shape[-1]).permute(1, 0, 2, 3)
        out = F.conv2d(inp, feat_kernel, padding=pad, groups=num_images * num_sequences)
        out = out.reshape(num_filters, num_images, num_sequences, -1, out.shape[-2], out.shape[-1]).sum(dim=1)
        return out.flip((-2, -1)).permute(1, 0, 2, 3, 4)

    inp = input.reshape(1, -1, input.shape[-2], input.shape[-1])
    out = F.conv2d(inp, feat_kernel, padding=pad, groups=num_images * num_sequences)
    out = out.reshape(num_images, num_sequences, -1, out.shape[-2], out.shape[-1]).sum(dim=0)
    return out.flip((-2, -1))


def _apply_feat_transpose_v3(feat: torch.Tensor, input: torch.Tensor, filter_ksz: _Ksz) -> torch.Tensor:
    """Input acts as the convolution kernel, channels as batch: slower forward, fast backward."""
    num_images = feat.shape[0]
    num_sequences = _num_sequences(feat)
    ksz = _pair(filter_ksz)
    pad = tuple(k // 2 for k in ksz)
    feat_cb = feat.reshape(-1, feat.shape[-3], feat.shape[-2], feat.shape[-1]).permute(1, 0, 2, 3)
    kernel = input.reshape(-1, 1, input.shape[-2], input.shape[-1])
    out = F.conv2d(feat_cb, kernel, padding=pad, groups=num_images * num_sequences)
    # out: [C, N*S*F, fH, fW]
    if input.dim() == 5:
        num_filters = input.shape[2]
        out = out.reshape(-1, num_images, num_sequences, num_filters, out.shape[-2], out.shape[-1]).sum(dim=1)
        return out.permute(1, 2, 0, 3, 4)
    out = out.reshape(-1, num_images, num_sequences, out.shape[-2], out.shape[-1]).sum(dim=1)
    return out.permute(1, 0, 2, 3)


def _apply_feat_transpose_v4(feat: torch.Tensor, input: torch.Tensor, filter_ksz: _Ksz) -> torch.Tensor:
    """Single filter, images folded into the channel dimension of one grouped convolution."""
    num_sequences = _num_sequences(feat)
    ksz = _pair(filter_ksz)
    pad = tuple(k // 2 for k in ksz)
    feat5 = feat.reshape(feat.shape[0], num_sequences, *feat.shape[-3:])
    inp = input.reshape(input.shape[0], num_sequences, input.shape[-2], input.shape[-1])
    out = F.conv2d(feat5.permute(2, 1, 0, 3, 4).reshape(feat.shape[-3], -1, feat.shape[-2], feat.shape[-1]),
                   inp.permute(1, 0, 2, 3), padding=pad, groups=num_sequences)
    return out.permute(1, 0, 2, 3)


def filter_gradient(feat: torch.Tensor, filter: torch.Tensor, label: Optional[torch.Tensor] = None,
                    training: bool = True) -> torch.Tensor:
    """Gradient of ``0.5 * ||apply_filter(feat, filter) - label||^2`` with respect to ``filter``.

    args:
        feat: ``[N, S, C, H, W]`` features.
        filter: ``[S, C, fH, fW]`` filter.
        label: ``[N, S, yH, yW]`` target scores (None = zeros).
        training: passed to :func:`apply_feat_transpose`.
    returns:
        ``[S, C, fH, fW]``.
    """
    residuals = apply_filter(feat, filter)
    if label is not None:
        residuals = residuals - label
    return apply_feat_transpose(feat, residuals, (filter.shape[-2], filter.shape[-1]), training=training)

"""Convolution helpers that accept tensors or TensorLists (element-wise)."""

from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F

from .tensorlist import TensorList, tensor_operation  # noqa: F401  (TensorList importable from here, as in the original)

__all__ = ['conv2d', 'conv1x1']

_IntPair = Union[int, Tuple[int, int]]


@tensor_operation
def conv2d(input: torch.Tensor, weight: Optional[torch.Tensor], bias: Optional[torch.Tensor] = None,
           stride: _IntPair = 1, padding: _IntPair = 0, dilation: _IntPair = 1, groups: int = 1,
           mode: Optional[str] = None) -> torch.Tensor:
    """2D convolution (correlation, as F.conv2d) with optional padding modes.

    args:
        input: [N, C, H, W] tensor (or TensorList of them).
        weight: [C_out, C/groups, kh, kw] filter (or TensorList). ``None`` returns ``input`` unchanged.
        bias, stride, padding, dilation, groups: as in ``torch.nn.functional.conv2d``.
        mode: None (use ``padding``), 'same' (output size = input size, for stride 1; with an even
            kernel the last row/column of the symmetric padding result is dropped),
            'valid' (no padding) or 'full' (padding kernel size - 1 on each side).
    returns:
        [N, C_out, H', W'] tensor.
    """
    if weight is None:
        return input

    crop = None
    if mode is not None:
        if padding != 0:
            raise ValueError("conv2d: give either 'padding' or 'mode', not both (mode={!r}, padding={!r}).".format(
                mode, padding))
        kh, kw = weight.shape[2], weight.shape[3]
        if mode == 'same':
            padding = (kh // 2, kw // 2)
            if kh % 2 == 0 or kw % 2 == 0:
                # Symmetric padding of an even kernel gives one extra output row/column: drop the last.
                crop = (slice(None, -1) if kh % 2 == 0 else slice(None),
                        slice(None, -1) if kw % 2 == 0 else slice(None))
        elif mode == 'valid':
            padding = (0, 0)
        elif mode == 'full':
            padding = (kh - 1, kw - 1)
        else:
            raise ValueError("conv2d: unknown mode {!r}; expected None, 'same', 'valid' or 'full'.".format(mode))

    out = F.conv2d(input, weight, bias=bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if crop is None:
        return out
    return out[:, :, crop[0], crop[1]]


@tensor_operation
def conv1x1(input: torch.Tensor, weight: Optional[torch.Tensor]) -> torch.Tensor:
    """Convolution with a 1x1 kernel, computed as a batched matrix product.

    args:
        input: [N, C, H, W] tensor (or TensorList).
        weight: [C_out, C, 1, 1] (or [C_out, C]) tensor (or TensorList); ``None`` returns ``input``.
    returns:
        [N, C_out, H, W] tensor.
    """
    if weight is None:
        return input
    n, c, h, w = input.shape
    w_mat = weight.reshape(weight.shape[0], weight.shape[1])
    return torch.matmul(w_mat, input.reshape(n, c, h * w)).reshape(n, w_mat.shape[0], h, w)


"""Attention-based graph matching of target candidates, after SuperGlue (Sarlin et al., CVPR 2020).

KeepTrack uses it to associate the target candidates (local maxima of the DiMP score map) of two
consecutive frames. Each candidate is a node with a descriptor (``[B, D, N]``), an image coordinate
(``[B, N, 2]``, (y, x) order as produced by the tracker) and a score (``[B, N]``). The nodes are
refined by alternating self- and cross-attention layers; their inner products form a score matrix
that is normalised into a partial assignment by log-space Sinkhorn iterations with an extra
"dustbin" row and column, whose score (``bin_score``) is learned. A candidate that goes to the
dustbin has no partner in the other frame (it appeared or disappeared).

Module and parameter names follow the original (``kenc``, ``gnn.layers.<i>.update.attn.proj``,
``final_proj``, ``bin_score``...) because official checkpoints store them.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint


def MLP(channels: Sequence[int], do_bn: bool = True) -> nn.Sequential:
    """1x1 Conv1d layers ``channels[0] -> ... -> channels[-1]``; BatchNorm + ReLU between layers
    (none after the last one)."""
    layers: List[nn.Module] = []
    for i in range(1, len(channels)):
        layers.append(nn.Conv1d(channels[i - 1], channels[i], kernel_size=1, bias=True))
        if i < len(channels) - 1:
            if do_bn:
                layers.append(nn.BatchNorm1d(channels[i]))
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def normalize_keypoints(kpts: torch.Tensor, shape_or_size: Union[torch.Tensor, Sequence[int]]) -> torch.Tensor:
    """Centre and scale coordinates ``[B, N, 2]`` by an image size.

    ``shape_or_size`` is either an image shape (tuple/list/torch.Size ending in (h, w)), giving the
    size vector (w, h), or a size tensor ``[B, 2]`` used as is. Coordinates are shifted by half the
    size and divided by 0.7 times the larger side (the constant of the trained networks). The order
    of the two coordinates is not swapped, exactly as in the original (the tracker passes (y, x)).
    """
    if isinstance(shape_or_size, (tuple, list)):
        h, w = shape_or_size[-2:]
        size = kpts.new_tensor([[float(w), float(h)]])
    elif isinstance(shape_or_size, torch.Tensor):
        size = shape_or_size.to(kpts).reshape(-1, 2)
    else:
        raise TypeError('normalize_keypoints: expected an image shape (tuple) or a size tensor, got {}'.format(
            type(shape_or_size).__name__))
    center = size / 2
    scale = size.max(1, keepdim=True).values * 0.7
    return (kpts - center[:, None, :]) / scale[:, None, :]


class KeypointEncoder(nn.Module):
    """Encodes (coordinate, score) of each node into a ``feature_dim`` vector added to its descriptor."""

    def __init__(self, feature_dim: int, layers: Sequence[int]):
        super().__init__()
        self.encoder = MLP([3] + list(layers) + [feature_dim])
        nn.init.constant_(self.encoder[-1].bias, 0.0)

    def forward(self, kpts: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """kpts ``[B, N, 2]`` (normalised), scores ``[B, N]`` -> ``[B, feature_dim, N]``."""
        return self.encoder(torch.cat([kpts.transpose(1, 2), scores.unsqueeze(1)], dim=1))


def attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention on ``[B, d, h, N]`` tensors (d per head, h heads).

    returns the messages ``[B, d, h, N]`` and the attention weights ``[B, h, N, M]``. Used where the
    weights are wanted; the layers call the fused PyTorch kernel instead.
    """
    dim = query.shape[1]
    scores = torch.einsum('bdhn,bdhm->bhnm', query, key) / dim ** 0.5
    prob = torch.softmax(scores, dim=-1)
    return torch.einsum('bhnm,bdhm->bdhn', prob, value), prob


class MultiHeadedAttention(nn.Module):
    """Multi-head attention with 1x1-conv projections.

    The projected channels are split as (d, h): channel ``c`` belongs to head ``c % h``. This layout
    is fixed by the trained weights.
    """

    def __init__(self, h: int, d_model: int):
        super().__init__()
        if d_model % h != 0:
            raise ValueError('MultiHeadedAttention: d_model={} is not divisible by h={}'.format(d_model, h))
        self.dim = d_model // h
        self.h = h
        self.merge = nn.Conv1d(d_model, d_model, kernel_size=1)
        self.proj = nn.ModuleList([copy.deepcopy(self.merge) for _ in range(3)])

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        """query ``[B, C, N]``, key/value ``[B, C, M]`` -> ``[B, C, N]``."""
        b = query.shape[0]
        # [B, C, N] -> [B, d, h, N] -> [B, h, N, d] for the fused kernel (its default scale is 1/sqrt(d)).
        q, k, v = [layer(x).view(b, self.dim, self.h, -1).permute(0, 2, 3, 1)
                   for layer, x in zip(self.proj, (query, key, value))]
        x = F.scaled_dot_product_attention(q, k, v)
        x = x.permute(0, 3, 1, 2).reshape(b, self.dim * self.h, -1)
        return self.merge(x)


class AttentionalPropagation(nn.Module):
    """Message passing: attend to ``source`` and map [x, message] to an update of x."""

    def __init__(self, num_dim: int, num_heads: int):
        super().__init__()
        self.attn = MultiHeadedAttention(num_heads, num_dim)
        self.mlp = MLP([num_dim * 2, num_dim * 2, num_dim])
        nn.init.constant_(self.mlp[-1].bias, 0.0)

    def forward(self, x: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        message = self.attn(x, source, source)
        return self.mlp(torch.cat([x, message], dim=1))


class GNNLayer(nn.Module):
    """One residual graph layer: 'self' (attend within the same frame) or 'cross' (to the other frame).
    Both frames share the update module."""

    def __init__(self, feature_dim: int, layer_type: str):
        super().__init__()
        if layer_type not in ('self', 'cross'):
            raise ValueError("GNN layer type must be 'self' or 'cross', got {!r}".format(layer_type))
        self.update = AttentionalPropagation(feature_dim, 4)
        self.type = layer_type

    def forward(self, desc0: torch.Tensor, desc1: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        src0, src1 = (desc1, desc0) if self.type == 'cross' else (desc0, desc1)
        # Both deltas are computed from the inputs of this layer before either side is updated.
        delta0 = self.update(desc0, src0)
        delta1 = self.update(desc1, src1)
        return desc0 + delta0, desc1 + delta1


class AttentionalGNN(nn.Module):
    """A stack of :class:`GNNLayer` (optionally gradient-checkpointed to save training memory)."""

    def __init__(self, feature_dim: int, layer_types: Sequence[str], checkpointed: bool = False):
        super().__init__()
        self.checkpointed = checkpointed
        self.layers = nn.ModuleList([GNNLayer(feature_dim, t) for t in layer_types])

    def forward(self, desc0: torch.Tensor, desc1: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        for layer in self.layers:
            if self.checkpointed and torch.is_grad_enabled():
                desc0, desc1 = torch.utils.checkpoint.checkpoint(layer, desc0, desc1, use_reentrant=False,
                                                                 preserve_rng_state=False)
            else:
                desc0, desc1 = layer(desc0, desc1)
        return desc0, desc1


def log_sinkhorn_iterations(Z: torch.Tensor, log_mu: torch.Tensor, log_nu: torch.Tensor,
                            iters: int) -> torch.Tensor:
    """Sinkhorn normalisation in log space.

    Finds u ``[B, M]``, v ``[B, N]`` such that ``exp(Z + u[:, :, None] + v[:, None, :])`` has row sums
    ``exp(log_mu)`` and column sums ``exp(log_nu)``; alternating row and column updates, the column
    update last (so columns are exact, rows converge with ``iters``). Returns the normalised log matrix.
    """
    u, v = torch.zeros_like(log_mu), torch.zeros_like(log_nu)
    for _ in range(iters):
        u = log_mu - torch.logsumexp(Z + v.unsqueeze(1), dim=2)
        v = log_nu - torch.logsumexp(Z + u.unsqueeze(2), dim=1)
    return Z + u.unsqueeze(2) + v.unsqueeze(1)


def log_optimal_transport(scores: torch.Tensor, alpha: torch.Tensor, iters: int) -> torch.Tensor:
    """Partial assignment of M rows to N columns with a dustbin row and column of score ``alpha``.

    args:
        scores - ``[B, M, N]`` similarity scores.
        alpha - scalar dustbin score.
        iters - Sinkhorn iterations.
    returns:
        ``[B, M+1, N+1]`` log assignment probabilities. The marginals are 1 for each real row/column,
        N for the dustbin row and M for the dustbin column (each real node has unit mass that goes
        either to a partner or to the dustbin); the result is the log of that transport plan.
    """
    b, m, n = scores.shape
    one = scores.new_tensor(1)
    ms, ns = (m * one).to(scores), (n * one).to(scores)

    couplings = torch.cat([torch.cat([scores, alpha.expand(b, m, 1)], -1),
                           torch.cat([alpha.expand(b, 1, n), alpha.expand(b, 1, 1)], -1)], 1)

    # Work with marginals scaled by 1/(M+N) so that both sum to one, and undo the scaling at the end.
    norm = -(ms + ns).log()
    log_mu = torch.cat([norm.expand(m), ns.log()[None] + norm])
    log_nu = torch.cat([norm.expand(n), ms.log()[None] + norm])
    log_mu, log_nu = log_mu[None].expand(b, -1), log_nu[None].expand(b, -1)

    Z = log_sinkhorn_iterations(couplings, log_mu, log_nu, iters)
    return Z - norm


def log_double_softmax(scores: torch.Tensor, bin_score: torch.Tensor) -> torch.Tensor:
    """Alternative normalisation: mean of the row-wise and column-wise log-softmax (with dustbins).
    Returns ``[B, M+1, N+1]`` like :func:`log_optimal_transport`."""
    b, m, n = scores.shape
    bins = bin_score.reshape(1, 1, 1)
    rows = F.log_softmax(torch.cat([scores, bins.expand(b, m, 1)], 2), 2)
    cols = F.log_softmax(torch.cat([scores, bins.expand(b, 1, n)], 1), 1)
    out = scores.new_zeros((b, m + 1, n + 1))
    out[:, :m, :n] = (rows[:, :, :n] + cols[:, :m, :]) / 2
    out[:, :-1, -1] = rows[:, :, -1]
    out[:, -1, :-1] = cols[:, -1, :]
    return out


def arange_like(x: torch.Tensor, dim: int) -> torch.Tensor:
    """0, 1, ..., x.shape[dim]-1 with the dtype/device of x."""
    return x.new_ones(x.shape[dim]).cumsum(0) - 1


class SuperGlue(nn.Module):
    """The candidate matcher.

    args:
        conf - dict overriding entries of :attr:`default_conf`:
            input_dim / descriptor_dim - descriptor sizes (a 1x1 projection is added when they differ);
            keypoint_encoder - hidden widths of the (coordinate, score) encoder;
            GNN_layers - list of 'self'/'cross'; skip_gnn - no graph layers at all;
            output_normalization - 'sinkhorn' or 'double_softmax';
            num_sinkhorn_iterations; filter_threshold - minimum assignment probability of a match;
            checkpointed - gradient checkpointing of the graph layers.

    Input dict: descriptors0/1 ``[B, D, M]``/``[B, D, N]``, img_coords0/1 ``[B, M, 2]``/``[B, N, 2]``,
    scores0/1 ``[B, M]``/``[B, N]``, image_size0/1 (shape tuple or ``[B, 2]`` tensor).
    Output dict: log_assignment ``[B, M+1, N+1]``, matches0 ``[B, M]`` (index into frame 1, or -1),
    matches1 ``[B, N]``, match_scores0/1 (assignment probability of the match, 0 if none), bin_score.
    """

    default_conf = {
        'input_dim': 256,
        'descriptor_dim': 256,
        'keypoint_encoder': [32, 64, 128, 256],
        'GNN_layers': ['self', 'cross'] * 9,
        'skip_gnn': False,
        'output_normalization': 'sinkhorn',
        'num_sinkhorn_iterations': 50,
        'filter_threshold': 0.2,
        'checkpointed': False,
    }
    required_data_keys = ('img_coords0', 'img_coords1', 'descriptors0', 'descriptors1', 'scores0', 'scores1')

    def __init__(self, conf: Optional[Dict] = None):
        super().__init__()
        conf = dict(conf or {})
        unknown = set(conf) - set(self.default_conf)
        if unknown:
            raise ValueError('SuperGlue: unknown configuration entries {}'.format(sorted(unknown)))
        self.conf = {**self.default_conf, **conf}
        if self.conf['output_normalization'] not in ('sinkhorn', 'double_softmax'):
            raise ValueError("SuperGlue: output_normalization must be 'sinkhorn' or 'double_softmax', got {!r}"
                             .format(self.conf['output_normalization']))

        dim = self.conf['descriptor_dim']
        if self.conf['input_dim'] != dim:
            self.input_proj = nn.Conv1d(self.conf['input_dim'], dim, kernel_size=1, bias=True)
            nn.init.constant_(self.input_proj.bias, 0.0)

        self.kenc = KeypointEncoder(dim, self.conf['keypoint_encoder'])
        if not self.conf['skip_gnn']:
            self.gnn = AttentionalGNN(dim, self.conf['GNN_layers'], self.conf['checkpointed'])

        self.final_proj = nn.Conv1d(dim, dim, kernel_size=1, bias=True)
        nn.init.constant_(self.final_proj.bias, 0.0)
        nn.init.orthogonal_(self.final_proj.weight, gain=1)

        self.bin_score = nn.Parameter(torch.tensor(0.0))

    def forward(self, data: Dict) -> Dict:
        """Match the candidates of frame 0 and frame 1 (see the class docstring for the keys)."""
        missing = [k for k in self.required_data_keys if k not in data]
        if missing:
            raise KeyError('SuperGlue: missing input entries {}'.format(missing))
        desc0, desc1 = data['descriptors0'], data['descriptors1']
        kpts0, kpts1 = data['img_coords0'], data['img_coords1']

        if kpts0.shape[1] == 0 or kpts1.shape[1] == 0:
            shape0, shape1 = kpts0.shape[:-1], kpts1.shape[:-1]
            return {
                'matches0': kpts0.new_full(shape0, -1, dtype=torch.long),
                'matches1': kpts1.new_full(shape1, -1, dtype=torch.long),
                'match_scores0': kpts0.new_zeros(shape0),
                'match_scores1': kpts1.new_zeros(shape1),
            }

        if self.conf['input_dim'] != self.conf['descriptor_dim']:
            desc0, desc1 = self.input_proj(desc0), self.input_proj(desc1)

        kpts0 = normalize_keypoints(kpts0, data['image_size0'])
        kpts1 = normalize_keypoints(kpts1, data['image_size1'])
        desc0 = desc0 + self.kenc(kpts0, data['scores0'])
        desc1 = desc1 + self.kenc(kpts1, data['scores1'])

        if not self.conf['skip_gnn']:
            desc0, desc1 = self.gnn(desc0, desc1)

        mdesc0, mdesc1 = self.final_proj(desc0), self.final_proj(desc1)
        scores = torch.einsum('bdn,bdm->bnm', mdesc0, mdesc1) / self.conf['descriptor_dim'] ** 0.5

        if self.conf['output_normalization'] == 'sinkhorn':
            scores = log_optimal_transport(scores, self.bin_score, iters=self.conf['num_sinkhorn_iterations'])
        else:
            scores = log_double_softmax(scores, self.bin_score)

        m0, m1, mscores0, mscores1 = mutual_matches(scores, self.conf['filter_threshold'])
        return {
            'log_assignment': scores,
            'matches0': m0,
            'matches1': m1,
            'match_scores0': mscores0,
            'match_scores1': mscores1,
            'bin_score': self.bin_score,
        }


def mutual_matches(log_assignment: torch.Tensor, threshold: float):
    """Mutual nearest neighbours of a log assignment ``[B, M+1, N+1]`` (dustbins excluded).

    A pair (i, j) is a match when j is the best column of row i, i the best row of column j, and its
    assignment probability exceeds ``threshold``.
    returns (matches0 ``[B, M]``, matches1 ``[B, N]`` (partner index or -1), match scores0, match scores1).
    """
    inner = log_assignment[:, :-1, :-1]
    max0, max1 = inner.max(2), inner.max(1)
    m0, m1 = max0.indices, max1.indices
    mutual0 = arange_like(m0, 1)[None] == m1.gather(1, m0)
    mutual1 = arange_like(m1, 1)[None] == m0.gather(1, m1)
    zero = inner.new_tensor(0)
    mscores0 = torch.where(mutual0, max0.values.exp(), zero)
    mscores1 = torch.where(mutual1, mscores0.gather(1, m1), zero)
    valid0 = mutual0 & (mscores0 > threshold)
    valid1 = mutual1 & valid0.gather(1, m1)
    m0 = torch.where(valid0, m0, m0.new_tensor(-1))
    m1 = torch.where(valid1, m1, m1.new_tensor(-1))
    return m0, m1, mscores0, mscores1

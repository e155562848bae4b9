"""KeepTrack networks: official checkpoint layouts, the candidate matcher (Sinkhorn with dustbin,
graph attention, descriptor sampling) and the SuperDiMP-simple hinge loss optimizer.

The layout listings (tests/data/checkpoints/keep_track.txt, super_dimp_simple.txt) were produced
from the original code.
"""
import ast
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

from ltr.admin.model_constructor import NetConstructor
from ltr.models.target_candidate_matching.superglue import log_optimal_transport, mutual_matches, normalize_keypoints
from ltr.models.target_candidate_matching.target_candidate_matching import (DescriptorExtractor,
                                                                            target_candidate_matching_net_resnet50)

LISTINGS = Path(__file__).resolve().parents[1] / 'data' / 'checkpoints'


def parse_listing(model):
    """(constructor fields, net_type, [(key, shape, dtype)], declared entry count) of a listing file."""
    text = (LISTINGS / (model + '.txt')).read_text()
    constructor, entries, net_type = {}, [], None
    for line in text.splitlines():
        if line.startswith('constructor.') and not line.startswith('constructor.class'):
            name, value = line[len('constructor.'):].split(':', 1)
            constructor[name] = ast.literal_eval(value.strip())
        elif line.startswith('net_type:'):
            net_type = ast.literal_eval(line.split(':', 1)[1].strip())
        elif '\t' in line and not line.startswith('#'):
            key, shape, dtype = line.split('\t')
            entries.append((key, tuple(ast.literal_eval(shape)), dtype))
    count = int(text.split('# state_dict (')[1].split(' entries')[0])
    return constructor, net_type, entries, count


def build_from(constructor):
    return NetConstructor(constructor['fun_name'], constructor['fun_module'], constructor['args'],
                          constructor['kwds']).get()


# --------------------------------------------------------------------------- checkpoint layouts
@pytest.mark.parametrize('model', ['keep_track', 'super_dimp_simple'])
def test_state_dict_layout_equals_official_listing(model):
    constructor, net_type, entries, count = parse_listing(model)
    assert len(entries) == count
    with torch.device('meta'):
        net = build_from(constructor)
    ours = [(k, tuple(v.shape), str(v.dtype).replace('torch.', '')) for k, v in net.state_dict().items()]
    assert [e[0] for e in ours] == [e[0] for e in entries]
    assert ours == entries
    assert type(net).__name__ == net_type
    assert net.constructor.fun_name == constructor['fun_name']
    assert net.constructor.fun_module == constructor['fun_module']
    assert net.constructor.kwds == constructor['kwds']


def test_keep_track_checkpoint_round_trip(tmp_path):
    """A keep_track checkpoint in the official layout rebuilds the same network with the same weights."""
    from ltr.admin.loading import load_network, save_checkpoint
    constructor, net_type, _, _ = parse_listing('keep_track')
    torch.manual_seed(0)
    net = build_from(constructor)
    state = {'epoch': 15, 'actor_type': 'TargetCandiateMatchingActor', 'net_type': net_type, 'net': net.state_dict(),
             'net_info': None, 'constructor': net.constructor, 'optimizer': None, 'stats': None, 'settings': None}
    path = tmp_path / 'keep_track.pth.tar'
    save_checkpoint(state, str(path))
    loaded, _ = load_network(checkpoint=str(path))
    assert type(loaded).__name__ == 'TargetCandidateMatchingNetwork'
    for (k1, v1), (k2, v2) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)


# --------------------------------------------------------------------------- Sinkhorn
def sinkhorn_reference(scores, alpha, iters):
    """Independent float64 Sinkhorn in probability space (numpy): the dustbin-augmented kernel
    scaled to row sums [1]*M + [N] and column sums [1]*N + [M]."""
    m, n = scores.shape
    K = np.full((m + 1, n + 1), alpha, dtype=np.float64)
    K[:m, :n] = scores
    K = np.exp(K)
    mu = np.r_[np.ones(m), n]
    nu = np.r_[np.ones(n), m]
    a, b = np.ones(m + 1), np.ones(n + 1)
    for _ in range(iters):
        a = mu / (K @ b)
        b = nu / (K.T @ a)
    return a[:, None] * K * b[None, :]


@pytest.mark.parametrize('m,n', [(3, 5), (5, 3), (4, 4), (1, 6)])
def test_log_sinkhorn_marginals_and_reference(m, n):
    torch.manual_seed(m * 10 + n)
    scores = torch.randn(2, m, n)
    alpha = torch.tensor(0.4)
    log_p = log_optimal_transport(scores, alpha, iters=200)
    assert log_p.shape == (2, m + 1, n + 1)
    p = log_p.exp()
    rows, cols = p.sum(2), p.sum(1)
    assert torch.allclose(rows, torch.tensor([1.0] * m + [float(n)]).expand(2, -1), atol=1e-5)
    assert torch.allclose(cols, torch.tensor([1.0] * n + [float(m)]).expand(2, -1), atol=1e-5)
    for b in range(2):
        ref = sinkhorn_reference(scores[b].double().numpy(), 0.4, 200)
        np.testing.assert_allclose(p[b].numpy(), ref, rtol=1e-4, atol=1e-5)


def test_log_sinkhorn_columns_exact_after_any_iteration_count():
    """The column update comes last, so columns are exact even after a single iteration."""
    scores = torch.randn(1, 4, 6) * 3
    p = log_optimal_transport(scores, torch.tensor(1.0), iters=1).exp()
    assert torch.allclose(p.sum(1), torch.tensor([[1.0] * 6 + [4.0]]), atol=1e-5)


# --------------------------------------------------------------------------- matcher
def identity_matcher(num_layers=2):
    """The KeepTrack matcher with identity-like weights: the keypoint encoder and the graph layers add
    nothing (zero last layers) and the final projection is the identity, so scores are inner products of
    the input descriptors / 16."""
    net = target_candidate_matching_net_resnet50(backbone_pretrained=False,
                                                 GNN_layers=['self', 'cross'] * num_layers).matcher
    with torch.no_grad():
        net.kenc.encoder[-1].weight.zero_()
        for layer in net.gnn.layers:
            layer.update.mlp[-1].weight.zero_()
        net.final_proj.weight.copy_(torch.eye(256).unsqueeze(-1))
        net.bin_score.fill_(0.0)
    return net.eval()


def candidate_data(desc0, desc1):
    m, n = desc0.shape[-1], desc1.shape[-1]
    return {'descriptors0': desc0, 'descriptors1': desc1,
            'img_coords0': torch.rand(1, m, 2) * 300, 'img_coords1': torch.rand(1, n, 2) * 300,
            'scores0': torch.rand(1, m), 'scores1': torch.rand(1, n),
            'image_size0': (1, 3, 360, 480), 'image_size1': (1, 3, 360, 480)}


def basis(indices, scale=12.0):
    """Descriptors [1, 256, len(indices)]: scaled unit vectors e_i."""
    d = torch.zeros(1, 256, len(indices))
    for col, i in enumerate(indices):
        d[0, i, col] = scale
    return d


def test_matcher_recovers_unambiguous_permutation():
    torch.manual_seed(0)
    matcher = identity_matcher()
    perm = [3, 0, 4, 1, 2]                       # current candidate j is previous candidate perm[j]
    desc0 = basis([10, 20, 30, 40, 50])
    desc1 = basis([[10, 20, 30, 40, 50][p] for p in perm])
    with torch.no_grad():
        out = matcher(candidate_data(desc0, desc1))
    assert out['matches1'][0].tolist() == perm
    inverse = [perm.index(i) for i in range(5)]
    assert out['matches0'][0].tolist() == inverse
    assert (out['match_scores1'] > 0.9).all()
    assert out['log_assignment'].shape == (1, 6, 6)


def test_matcher_graph_layers_matter_when_not_zeroed():
    """Sanity of the identity construction: with random graph layers the scores change."""
    torch.manual_seed(0)
    data = candidate_data(basis([1, 2, 3]), basis([3, 1, 2]))
    plain = identity_matcher()
    random_gnn = identity_matcher()
    with torch.no_grad():
        for layer in random_gnn.gnn.layers:
            nn.init.normal_(layer.update.mlp[-1].weight, std=0.5)
        a = plain(data)['log_assignment']
        b = random_gnn(data)['log_assignment']
    assert not torch.allclose(a, b, atol=1e-3)


def test_more_current_than_previous_candidates_go_to_dustbin():
    matcher = identity_matcher()
    desc0 = basis([5, 6])
    desc1 = basis([7, 6, 8, 5])                  # two new candidates (7, 8) appear
    with torch.no_grad():
        out = matcher(candidate_data(desc0, desc1))
    assert out['matches1'][0].tolist() == [-1, 1, -1, 0]
    assert out['matches0'][0].tolist() == [3, 1]
    p = out['log_assignment'][0].exp()
    # The unmatched current candidates put (almost) all their mass into the dustbin row.
    assert p[-1, 0] > 0.9 and p[-1, 2] > 0.9
    assert out['match_scores1'][0, 0] == 0 and out['match_scores1'][0, 2] == 0


def test_more_previous_than_current_candidates_go_to_dustbin():
    matcher = identity_matcher()
    desc0 = basis([5, 6, 7, 8])
    desc1 = basis([8, 6])                        # candidates 5 and 7 disappeared
    with torch.no_grad():
        out = matcher(candidate_data(desc0, desc1))
    assert out['matches0'][0].tolist() == [-1, 1, -1, 0]
    assert out['matches1'][0].tolist() == [3, 1]
    p = out['log_assignment'][0].exp()
    assert p[0, -1] > 0.9 and p[2, -1] > 0.9


def test_matcher_without_candidates_returns_no_matches():
    matcher = identity_matcher()
    data = candidate_data(basis([1, 2]), basis([]))
    out = matcher(data)
    assert out['matches0'].tolist() == [[-1, -1]]
    assert out['matches1'].shape == (1, 0)


def test_mutual_matches_threshold_and_mutuality():
    # Row 0 and row 1 both prefer column 0; only row 1 is the column's choice. Row 2's best has p=0.15.
    p = torch.tensor([[0.5, 0.1, 0.0, 0.4],
                      [0.7, 0.1, 0.1, 0.1],
                      [0.05, 0.1, 0.15, 0.7],
                      [0.1, 0.2, 0.1, 0.0]]).unsqueeze(0)
    m0, m1, s0, s1 = mutual_matches(p.log(), threshold=0.2)
    assert m0[0].tolist() == [-1, 0, -1]
    assert m1[0].tolist() == [1, -1, -1]
    assert s0[0, 2] == pytest.approx(0.15)       # mutual but below the threshold: a score, no match
    assert s1[0, 0] == pytest.approx(0.7)


def test_normalize_keypoints_shape_and_size_tensor_agree():
    kpts = torch.tensor([[[0.0, 0.0], [240.0, 180.0]]])
    a = normalize_keypoints(kpts, (1, 3, 360, 480))
    b = normalize_keypoints(kpts, torch.tensor([[480.0, 360.0]]))
    assert torch.allclose(a, b)
    assert torch.allclose(a[0, 1], torch.zeros(2))
    assert torch.allclose(a[0, 0], torch.tensor([-240.0, -180.0]) / (0.7 * 480))


def test_attention_layer_equals_explicit_softmax_attention():
    """The fused attention kernel reproduces the explicit (d, h) head layout of the trained weights."""
    from ltr.models.target_candidate_matching.superglue import MultiHeadedAttention, attention
    torch.manual_seed(1)
    layer = MultiHeadedAttention(4, 32)
    q, k = torch.randn(2, 32, 5), torch.randn(2, 32, 7)
    with torch.no_grad():
        ours = layer(q, k, k)
        qp, kp, vp = [l(x).view(2, 8, 4, -1) for l, x in zip(layer.proj, (q, k, k))]
        msg, prob = attention(qp, kp, vp)
        ref = layer.merge(msg.reshape(2, 32, -1))
    assert torch.allclose(ours, ref, atol=1e-5)
    assert torch.allclose(prob.sum(-1), torch.ones(2, 4, 5))


# --------------------------------------------------------------------------- descriptors
def test_descriptor_extractor_reads_the_score_map_cell():
    ext = DescriptorExtractor(backbone_feat_dim=3, descriptor_dim=3, kernel_size=4)
    with torch.no_grad():
        ext.conv.weight.zero_()
        ext.conv.bias.zero_()
        for c in range(3):
            ext.conv.weight[c, c, 2, 2] = 1.0    # with padding 2, output cell (i, j) = input cell (i, j)
    feat = torch.randn(2, 3, 6, 6)
    coords = torch.tensor([[[0, 0], [2, 5], [5, 1]], [[3, 3], [1, 4], [0, 5]]])
    desc = ext(feat, coords)
    assert desc.shape == (2, 3, 3)
    for b in range(2):
        for n in range(3):
            i, j = coords[b, n].tolist()
            assert torch.equal(desc[b, :, n], feat[b, :, i, j])
    assert torch.equal(ext.get_descriptors(feat[:1], coords[0]), desc[:1])
    with pytest.raises(ValueError, match='outside'):
        ext(feat, torch.tensor([[[7, 0]], [[0, 0]]]))


def test_descriptors_equal_the_full_conv_map_at_the_cells():
    torch.manual_seed(0)
    ext = DescriptorExtractor(backbone_feat_dim=32, descriptor_dim=16, kernel_size=4)
    feat = torch.randn(2, 32, 9, 11)
    full = ext.conv(feat)                                    # [2, 16, 10, 12]
    coords = torch.tensor([[[0, 0], [9, 11], [4, 7], [9, 0]], [[0, 11], [5, 5], [2, 3], [8, 10]]])
    desc = ext(feat, coords)
    expected = torch.stack([full[b, :, coords[b, :, 0], coords[b, :, 1]] for b in range(2)])
    assert torch.allclose(desc, expected, atol=1e-5)
    # Gradients reach the conv weights and the features as with the full map
    feat.requires_grad_(True)
    ext(feat, coords).sum().backward()
    g_sparse = feat.grad.clone()
    feat.grad = None
    full = ext.conv(feat)
    torch.stack([full[b, :, coords[b, :, 0], coords[b, :, 1]] for b in range(2)]).sum().backward()
    assert torch.allclose(g_sparse, feat.grad, atol=1e-5)


def test_matching_network_forward_shapes():
    torch.manual_seed(0)
    net = target_candidate_matching_net_resnet50(backbone_pretrained=False).eval()
    crops = torch.randn(1, 2, 3, 96, 96)         # layer3: 6x6, descriptor map 7x7
    tsm0 = torch.tensor([[[[1, 1], [3, 5], [6, 6]], [[0, 2], [2, 2], [4, 4]]]])
    tsm1 = torch.tensor([[[[2, 2], [5, 5]], [[1, 0], [6, 3]]]])
    with torch.no_grad():
        out = net(crops, crops, tsm0, tsm1, tsm0.float() * 16, tsm1.float() * 16,
                  torch.rand(1, 2, 3), torch.rand(1, 2, 2),
                  torch.tensor([[[96.0, 96.0]] * 2]), torch.tensor([[[96.0, 96.0]] * 2]))
    assert out['log_assignment'].shape == (2, 4, 3)
    assert out['matches0'].shape == (2, 3) and out['matches1'].shape == (2, 2)
    p = out['log_assignment'].exp()
    assert torch.allclose(p.sum(1)[:, :-1], torch.ones(2, 2), atol=1e-4)


# --------------------------------------------------------------------------- SuperDiMP-simple loss
def hinge_module(**kw):
    from ltr.models.target_classifier.residual_modules import LinearFilterHinge
    return LinearFilterHinge(feat_stride=16, init_filter_reg=0.1, score_act='relu', **kw)


def test_linear_filter_hinge_residual_closed_form():
    from pytracking.libs.tensorlist import TensorList
    torch.manual_seed(0)
    module = hinge_module(hinge_threshold=0.05, activation_leak=0.1)
    feat = torch.randn(3, 1, 8, 6, 6)
    filt = torch.randn(1, 8, 4, 4)
    label = torch.rand(3, 1, 7, 7) * 0.1          # some cells above 0.05 (target), some below
    weights = torch.tensor([0.5, 0.3, 0.2]).view(3, 1, 1, 1)
    data_res, reg_res = module(TensorList([filt]), feat=feat, train_label=label, sample_weight=weights)

    scores = torch.stack([torch.nn.functional.conv2d(feat[i], filt, padding=2) for i in range(3)]).reshape(3, 1, 7, 7)
    mask = torch.where(label > 0.05, torch.ones_like(label), torch.full_like(label, 0.1))
    act = torch.where(scores > 0, scores, mask * scores)     # leaky ReLU with slope = mask
    expected = weights.sqrt() * (act - mask * label)
    assert torch.allclose(data_res, expected, atol=1e-5)
    assert torch.allclose(reg_res, 0.1 * filt.reshape(1, 1, -1))
    with pytest.raises(ValueError, match='train_label'):
        module(TensorList([filt]), feat=feat)


def test_simple_filter_optimizer_descends_and_accepts_plain_tensor():
    from ltr.models.tracking.dimpnet import dimpnet50_simple
    torch.manual_seed(0)
    net = dimpnet50_simple(filter_size=4, backbone_pretrained=False, optim_iter=5, optim_init_reg=0.1,
                           out_feature_dim=512, hinge_threshold=0.05, activation_leak=0.1, score_act='relu')
    opt = net.classifier.filter_optimizer
    feat = torch.randn(4, 512, 6, 6) * 0.05
    label = torch.zeros(4, 1, 7, 7)
    label[:, :, 3, 3] = 1.0
    w0 = torch.zeros(1, 512, 4, 4)
    with torch.no_grad():
        w, iterates, losses = opt(w0, num_iter=6, feat=feat, bb=torch.zeros(4, 4), train_label=label,
                                  sample_weight=torch.full((4, 1, 1, 1), 0.25))
    assert isinstance(w, torch.Tensor) and w.shape == w0.shape and not w.requires_grad
    assert len(iterates) == 7 and all(isinstance(i, torch.Tensor) for i in iterates)
    values = [float(l) for l in losses]
    assert len(values) == 7
    assert all(b <= a + 1e-7 for a, b in zip(values, values[1:]))
    assert values[-1] < values[0]
    assert math.isfinite(values[-1])


def test_checkpointed_graph_layers_give_the_same_outputs_and_gradients():
    from ltr.models.target_candidate_matching.superglue import SuperGlue
    torch.manual_seed(0)
    plain = SuperGlue({'GNN_layers': ['self', 'cross'] * 2, 'num_sinkhorn_iterations': 10})
    ckpt = SuperGlue({'GNN_layers': ['self', 'cross'] * 2, 'num_sinkhorn_iterations': 10, 'checkpointed': True})
    ckpt.load_state_dict(plain.state_dict())
    data = {'img_coords0': torch.rand(2, 3, 2) * 100, 'img_coords1': torch.rand(2, 4, 2) * 100,
            'scores0': torch.rand(2, 3), 'scores1': torch.rand(2, 4),
            'image_size0': torch.full((2, 2), 100.0), 'image_size1': torch.full((2, 2), 100.0)}
    grads = []
    for net in (plain, ckpt):
        net.eval()
        d0 = torch.randn(2, 256, 3, generator=torch.Generator().manual_seed(1), requires_grad=True)
        d1 = torch.randn(2, 256, 4, generator=torch.Generator().manual_seed(2))
        out = net(dict(data, descriptors0=d0, descriptors1=d1))
        out['log_assignment'][:, :-1, :-1].logsumexp((1, 2)).sum().backward()
        grads.append((out['log_assignment'].detach(), d0.grad, net.bin_score.grad))
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-5)


def test_unknown_matcher_configuration_is_rejected():
    from ltr.models.target_candidate_matching.superglue import SuperGlue
    with pytest.raises(ValueError, match='GNN_layer'):
        SuperGlue({'GNN_layer': ['self']})
    with pytest.raises(ValueError, match='output_normalization'):
        SuperGlue({'output_normalization': 'softmax'})

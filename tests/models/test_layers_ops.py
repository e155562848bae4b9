"""Tests of ltr.models.layers (activation, blocks, distance, filter, normalization, transform)."""
import math
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ltr.models.layers import activation, blocks, distance, filter as filt, normalization, transform


# ----------------------------------------------------------------------------------------------- activation
def test_softmax_reg_matches_hand_formula():
    x = torch.tensor([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]], dtype=torch.float64)
    assert torch.allclose(activation.softmax_reg(x, dim=1), torch.softmax(x, dim=1))
    reg = 1.5
    out = activation.softmax_reg(x, dim=1, reg=reg)
    expected = np.exp(x.numpy()) / (math.exp(reg) + np.exp(x.numpy()).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    # Along dim 0 with a negative index and a tensor regulariser.
    out0 = activation.softmax_reg(x, dim=-2, reg=torch.tensor([0.0], dtype=torch.float64))
    expected0 = np.exp(x.numpy()) / (1.0 + np.exp(x.numpy()).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(out0.numpy(), expected0, rtol=1e-12)


def test_mlu_values():
    mlu = activation.MLU(min_val=0.5)
    x = torch.tensor([-3.0, -0.2, 0.0, 0.7, 4.0], dtype=torch.float64)
    expected = [0.5 * (math.exp(-3.0 / 0.5) - 1), 0.5 * (math.exp(-0.2 / 0.5) - 1), 0.0, 0.7, 4.0]
    np.testing.assert_allclose(mlu(x).numpy(), expected, rtol=1e-12, atol=1e-15)
    assert mlu(torch.tensor([-1e4], dtype=torch.float64)).item() == pytest.approx(-0.5)


def test_parametric_activations_and_their_derivatives():
    x = torch.tensor([-2.0, -0.5, 0.3, 1.7], dtype=torch.float64, requires_grad=True)
    a = torch.tensor(0.2, dtype=torch.float64)
    lrelu = activation.LeakyReluPar()(x, a)
    np.testing.assert_allclose(lrelu.detach().numpy(), [-0.4, -0.1, 0.3, 1.7], rtol=1e-12)
    grad, = torch.autograd.grad(lrelu.sum(), x)
    np.testing.assert_allclose(activation.LeakyReluParDeriv()(x, a).detach().numpy(), grad.numpy(), rtol=1e-12)

    for b in (1.0, 0.3):
        bent = activation.BentIdentPar(b)(x, a)
        expected = (0.4 * (np.sqrt(x.detach().numpy() ** 2 + 4 * b * b) - 2 * b) + 0.6 * x.detach().numpy())
        np.testing.assert_allclose(bent.detach().numpy(), expected, rtol=1e-12)
        grad, = torch.autograd.grad(bent.sum(), x)
        np.testing.assert_allclose(activation.BentIdentParDeriv(b)(x, a).detach().numpy(), grad.numpy(), rtol=1e-12)
    # a = 1 makes both the identity.
    one = torch.tensor(1.0, dtype=torch.float64)
    assert torch.equal(activation.BentIdentPar()(x, one), x)
    assert torch.equal(activation.LeakyReluPar()(x, one), x)


# ----------------------------------------------------------------------------------------------- blocks
def test_conv_block_structure_and_output():
    torch.manual_seed(0)
    block = blocks.conv_block(3, 5, kernel_size=3, stride=1, padding=1)
    assert [type(m).__name__ for m in block] == ['Conv2d', 'BatchNorm2d', 'ReLU']
    assert set(block.state_dict()) == {'0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean',
                                       '1.running_var', '1.num_batches_tracked'}
    block.eval()
    x = torch.randn(2, 3, 6, 7)
    bn = block[1]
    expected = F.relu(F.batch_norm(F.conv2d(x, block[0].weight, block[0].bias, padding=1), bn.running_mean,
                                   bn.running_var, bn.weight, bn.bias, eps=bn.eps))
    assert torch.allclose(block(x), expected, atol=1e-6)

    plain = blocks.conv_block(3, 4, kernel_size=1, padding=0, batch_norm=False, relu=False, bias=False)
    assert len(plain) == 1 and plain[0].bias is None

    refl = blocks.conv_block(3, 4, padding=1, padding_mode='replicate', batch_norm=False, relu=False)
    assert torch.allclose(refl(x), F.conv2d(F.pad(x, (1, 1, 1, 1), mode='reflect'), refl[1].weight, refl[1].bias),
                          atol=1e-6)
    with pytest.raises(ValueError, match='padding_mode'):
        blocks.conv_block(3, 4, padding_mode='circular')


def test_linear_block():
    torch.manual_seed(0)
    lb = blocks.LinearBlock(4, 6, input_sz=3)
    assert set(lb.state_dict()) == {'linear.weight', 'linear.bias', 'bn.weight', 'bn.bias', 'bn.running_mean',
                                    'bn.running_var', 'bn.num_batches_tracked'}
    lb.bn.running_mean.uniform_(-1, 1)
    lb.bn.running_var.uniform_(0.5, 2)
    lb.eval()
    x = torch.randn(5, 4, 3, 3)
    lin = x.reshape(5, -1) @ lb.linear.weight.t() + lb.linear.bias
    expected = F.relu((lin - lb.bn.running_mean) / torch.sqrt(lb.bn.running_var + lb.bn.eps) * lb.bn.weight
                      + lb.bn.bias)
    out = lb(x)
    assert out.shape == (5, 6)
    assert torch.allclose(out, expected, atol=1e-5)
    nobn = blocks.LinearBlock(4, 6, 3, batch_norm=False, relu=False)
    assert torch.allclose(nobn(x), x.reshape(5, -1) @ nobn.linear.weight.t() + nobn.linear.bias, atol=1e-6)


# ----------------------------------------------------------------------------------------------- distance
def test_distance_map_hand_computed():
    dm = distance.DistanceMap(num_bins=3, bin_displacement=1.0)
    out = dm(torch.tensor([[0.0, 0.0]]), (1, 4))
    assert out.shape == (1, 3, 1, 4)
    # distances 0, 1, 2, 3 -> one-hot bins, the last bin absorbing everything beyond it
    expected = torch.tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]], dtype=torch.float32)
    assert torch.allclose(out[0, :, 0, :], expected)

    dm2 = distance.DistanceMap(num_bins=4, bin_displacement=2.0)
    out2 = dm2(torch.tensor([0.0, 0.5]), (2, 2))
    # pixel (1, 1): distance sqrt(1 + 0.25) / 2 in bin units
    d = math.sqrt(1.25) / 2.0
    assert out2[0, :, 1, 1].tolist() == pytest.approx([1 - d, d, 0.0, 0.0], abs=1e-6)
    # pixel (0, 0): distance 0.5 -> 0.25 bin units
    assert out2[0, :, 0, 0].tolist() == pytest.approx([0.75, 0.25, 0.0, 0.0], abs=1e-6)


def test_distance_map_partition_of_unity_and_batch():
    dm = distance.DistanceMap(num_bins=5, bin_displacement=0.7)
    centers = torch.tensor([[3.2, 1.1], [0.0, 8.5]])
    out = dm(centers, (9, 10))
    assert out.shape == (2, 5, 9, 10)
    assert torch.allclose(out.sum(dim=1), torch.ones(2, 9, 10), atol=1e-6)
    assert (out >= 0).all()
    # each batch element only depends on its own centre
    assert torch.allclose(out[1:], dm(centers[1:], (9, 10)))


# ----------------------------------------------------------------------------------------------- filter
def _np_correlate(feat, filt_w, pad, dilation=1):
    """Brute-force zero-padded cross-correlation of one [C, H, W] map with one [C, kh, kw] filter."""
    C, H, W = feat.shape
    kh, kw = filt_w.shape[-2:]
    fp = np.zeros((C, H + 2 * pad[0], W + 2 * pad[1]))
    fp[:, pad[0]:pad[0] + H, pad[1]:pad[1] + W] = feat
    oh = H + 2 * pad[0] - dilation * (kh - 1)
    ow = W + 2 * pad[1] - dilation * (kw - 1)
    out = np.zeros((oh, ow))
    for y in range(oh):
        for x in range(ow):
            out[y, x] = (fp[:, y:y + dilation * kh:dilation, x:x + dilation * kw:dilation] * filt_w).sum()
    return out


def test_apply_filter_single_filter_brute_force():
    rng = np.random.default_rng(0)
    N, S, C, H, W = 2, 3, 4, 6, 5
    feat = rng.standard_normal((N, S, C, H, W))
    for ksz in [(3, 3), (4, 2)]:
        w = rng.standard_normal((S, C) + ksz)
        out = filt.apply_filter(torch.from_numpy(feat), torch.from_numpy(w)).numpy()
        pad = (ksz[0] // 2, ksz[1] // 2)
        assert out.shape == (N, S, H + 2 * pad[0] - ksz[0] + 1, W + 2 * pad[1] - ksz[1] + 1)
        for n in range(N):
            for s in range(S):
                np.testing.assert_allclose(out[n, s], _np_correlate(feat[n, s], w[s], pad), rtol=1e-10, atol=1e-12)
    # 4-D features are one sequence
    out4 = filt.apply_filter(torch.from_numpy(feat[:, 0]), torch.from_numpy(w[:1]))
    assert out4.shape == (N, 1, H + 1, W + 1)


def test_apply_filter_multiple_filters_groups_and_dilation():
    rng = np.random.default_rng(1)
    N, S, C, H, W, NF = 2, 2, 4, 7, 6, 4
    feat = rng.standard_normal((N, S, C, H, W))
    # groups = 2: filter f sees channel group f // (NF / 2)
    w = rng.standard_normal((S, NF, C // 2, 3, 3))
    out = filt.apply_filter(torch.from_numpy(feat), torch.from_numpy(w)).numpy()
    assert out.shape == (N, S, NF, H, W)
    for n in range(N):
        for s in range(S):
            for f in range(NF):
                g = f // (NF // 2)
                ref = _np_correlate(feat[n, s, g * 2:(g + 1) * 2], w[s, f], (1, 1))
                np.testing.assert_allclose(out[n, s, f], ref, rtol=1e-10, atol=1e-12)

    wd = rng.standard_normal((S, 3, C, 3, 3))
    outd = filt.apply_filter(torch.from_numpy(feat), torch.from_numpy(wd),
                             dilation_factors=OrderedDict([(1, 1), (2, 2)])).numpy()
    assert outd.shape == (N, S, 3, H, W)
    for n in range(N):
        for s in range(S):
            np.testing.assert_allclose(outd[n, s, 0], _np_correlate(feat[n, s], wd[s, 0], (1, 1)), atol=1e-10)
            for f in (1, 2):
                np.testing.assert_allclose(outd[n, s, f], _np_correlate(feat[n, s], wd[s, f], (2, 2), dilation=2),
                                           atol=1e-10)


@pytest.mark.parametrize('ksz', [(3, 3), (4, 4), (5, 2), (1, 1)])
@pytest.mark.parametrize('num_filters', [None, 3])
def test_apply_feat_transpose_is_adjoint(ksz, num_filters):
    torch.manual_seed(0)
    N, S, C, H, W = 3, 2, 4, 9, 8
    feat = torch.randn(N, S, C, H, W, dtype=torch.float64)
    w_shape = (S, C) + ksz if num_filters is None else (S, num_filters, C) + ksz
    w = torch.randn(w_shape, dtype=torch.float64)
    y = torch.randn_like(filt.apply_filter(feat, w))
    lhs = (filt.apply_filter(feat, w) * y).sum()
    variants = [filt.apply_feat_transpose, filt._apply_feat_transpose_v2, filt._apply_feat_transpose_v3]
    if num_filters is None:
        variants += [filt._apply_feat_transpose_v1, filt._apply_feat_transpose_v4,
                     lambda f, i, k: filt.apply_feat_transpose(f, i, k, training=False)]
    for fun in variants:
        t = fun(feat, y, ksz)
        assert t.shape == w.shape
        assert torch.allclose(lhs, (w * t).sum(), rtol=1e-10, atol=1e-10)
    with pytest.raises(NotImplementedError):
        filt.apply_feat_transpose(feat, y, ksz, groups=2)


@pytest.mark.parametrize('training', [True, False])
def test_filter_gradient_equals_autograd(training):
    torch.manual_seed(0)
    feat = torch.randn(3, 2, 5, 8, 8, dtype=torch.float64)
    w = torch.randn(2, 5, 3, 3, dtype=torch.float64, requires_grad=True)
    label = torch.randn(3, 2, 8, 8, dtype=torch.float64)
    loss = 0.5 * ((filt.apply_filter(feat, w) - label) ** 2).sum()
    grad, = torch.autograd.grad(loss, w)
    assert torch.allclose(filt.filter_gradient(feat, w.detach(), label, training=training), grad, atol=1e-10)
    loss0 = 0.5 * (filt.apply_filter(feat, w) ** 2).sum()
    grad0, = torch.autograd.grad(loss0, w)
    assert torch.allclose(filt.filter_gradient(feat, w.detach(), training=training), grad0, atol=1e-10)


# ----------------------------------------------------------------------------------------------- normalization
def test_instance_l2_norm():
    torch.manual_seed(0)
    x = torch.randn(3, 4, 5, 6, dtype=torch.float64) * torch.tensor([0.1, 1.0, 10.0], dtype=torch.float64).view(3, 1, 1, 1)
    out = normalization.InstanceL2Norm(scale=2.0, eps=0.0)(x)
    np.testing.assert_allclose((out ** 2).mean(dim=(1, 2, 3)).numpy(), [4.0] * 3, rtol=1e-12)
    # direction is kept
    def unit(t):
        return t / t.pow(2).sum(dim=(1, 2, 3), keepdim=True).sqrt()
    assert torch.allclose(unit(out), unit(x))
    out_sum = normalization.InstanceL2Norm(size_average=False, eps=0.0, scale=3.0)(x)
    np.testing.assert_allclose((out_sum ** 2).sum(dim=(1, 2, 3)).numpy(), [9.0] * 3, rtol=1e-12)
    # eps keeps an all-zero input finite
    assert torch.equal(normalization.InstanceL2Norm()(torch.zeros(1, 2, 3, 3)), torch.zeros(1, 2, 3, 3))


# ----------------------------------------------------------------------------------------------- transform
def test_interpolate_and_interpcat():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 8, 8)
    assert transform.interpolate(x, (8, 8)) is x
    assert transform.interpolate(x, torch.tensor([8, 8])) is x
    # 2x downsampling with align_corners=False averages 2x2 blocks exactly
    down = transform.interpolate(x, (4, 4))
    assert torch.allclose(down, F.avg_pool2d(x, 2), atol=1e-6)

    a, b = torch.randn(2, 3, 8, 8), torch.randn(2, 5, 4, 4)
    out = transform.InterpCat()([a, b])
    assert out.shape == (2, 8, 4, 4)
    assert torch.equal(out[:, 3:], b)
    assert torch.allclose(out[:, :3], F.avg_pool2d(a, 2), atol=1e-6)
    out_d = transform.InterpCat()(OrderedDict([('x', b), ('y', a)]))
    assert torch.equal(out_d[:, :5], b)
    with pytest.raises(ValueError):
        transform.InterpCat()([])

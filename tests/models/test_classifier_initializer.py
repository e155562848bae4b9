"""Filter initializers, target pooling and the classification feature blocks."""
import pytest
import torch

from ltr.models.target_classifier import features
from ltr.models.target_classifier.initializer import (FilterInitializer, FilterInitializerLinear,
                                                      FilterInitializerSiamese, FilterInitializerZero, FilterPool)
from ltr.models.target_classifier.linear_filter import LinearFilter


def ramp_features(num, channels=2, size=12, dtype=torch.float64):
    """Channel 0 = column index, channel 1 = row index: pooling a box gives its centre (linear functions)."""
    x = torch.arange(size, dtype=dtype)
    f = torch.stack((x[None, :].expand(size, size), x[:, None].expand(size, size)))
    return f[None].expand(num, channels, size, size).contiguous()


def test_filter_pool_averages_the_box_in_image_coordinates():
    pool = FilterPool(filter_size=1, feature_stride=16)
    boxes = torch.tensor([[40.0, 56.0, 32.0, 48.0], [20.0, 30.0, 64.0, 16.0]], dtype=torch.float64)
    pooled = pool(ramp_features(2), boxes)
    centre = (boxes[:, :2] + boxes[:, 2:] / 2) / 16
    assert pooled.shape == (2, 2, 1, 1)
    assert torch.allclose(pooled[:, 0, 0, 0], centre[:, 0]) and torch.allclose(pooled[:, 1, 0, 0], centre[:, 1])


def test_filter_pool_square_keeps_centre_and_area():
    box = torch.tensor([[40.0, 56.0, 64.0, 16.0]], dtype=torch.float64)       # 64 x 16 -> 32 x 32 square
    feat = ramp_features(1)
    pooled = FilterPool(filter_size=2, feature_stride=16, pool_square=True)(feat, box)
    expected = FilterPool(filter_size=2, feature_stride=16)(feat, torch.tensor([[56.0, 48.0, 32.0, 32.0]],
                                                                                dtype=torch.float64))
    assert torch.allclose(pooled, expected)


def test_linear_initializer_averages_images_and_normalises():
    torch.manual_seed(0)
    init = FilterInitializerLinear(filter_size=3, feature_dim=8, filter_norm=True).double()
    feat = torch.randn(3, 2, 8, 10, 10, dtype=torch.float64)                   # 3 images, 2 sequences
    bb = torch.tensor([40.0, 50.0, 48.0, 40.0], dtype=torch.float64).repeat(3, 2, 1) + \
        torch.randn(3, 2, 4, dtype=torch.float64)
    weights = init(feat, bb)
    assert weights.shape == (2, 8, 3, 3)
    pooled = init.filter_pool(init.filter_conv(feat.reshape(-1, 8, 10, 10)), bb)   # (6, 8, 3, 3)
    expected = pooled.reshape(3, 2, 8, 3, 3).mean(0) / (8 * 3 * 3)
    assert torch.allclose(weights, expected)


def test_zero_initializer_weights_default():
    init = FilterInitializerLinear(filter_size=4, feature_dim=8, init_weights='zero')
    assert init.filter_conv.weight.abs().sum() == 0
    with pytest.raises(ValueError, match='init_weights'):
        FilterInitializerLinear(init_weights='xavier')


def test_zero_and_siamese_initializers():
    feat = ramp_features(4, size=10).reshape(2, 2, 2, 10, 10)                   # 2 images, 2 sequences
    bb = torch.tensor([[[16.0, 16.0, 32.0, 32.0], [48.0, 32.0, 32.0, 64.0]]], dtype=torch.float64).repeat(2, 1, 1)
    zero = FilterInitializerZero(filter_size=4, feature_dim=2)(feat, bb)
    assert zero.shape == (2, 2, 4, 4) and zero.abs().sum() == 0
    siamese = FilterInitializerSiamese(filter_size=1, filter_norm=False)(feat, bb)
    centre = (bb[0, :, :2] + bb[0, :, 2:] / 2) / 16
    assert torch.allclose(siamese[:, :, 0, 0], centre)


def test_conv_initializer_shapes():
    torch.manual_seed(0)
    init = FilterInitializer(filter_size=4, feature_dim=8, num_filter_pre_convs=1, num_filter_post_convs=1).eval()
    weights = init(torch.randn(3, 1, 8, 12, 12), torch.tensor([50.0, 60.0, 40.0, 30.0]).repeat(3, 1, 1))
    assert weights.shape == (1, 8, 4, 4) and torch.isfinite(weights).all()


@pytest.mark.parametrize('builder, kwargs, in_channels, out_channels', [
    (features.residual_basic_block, dict(num_blocks=1, final_conv=True, out_dim=64), 256, 64),
    (features.residual_basic_block, dict(num_blocks=2, final_conv=False), 256, 256),
    (features.residual_bottleneck, dict(num_blocks=0, final_conv=True, out_dim=512), 1024, 512),
    (features.residual_bottleneck, dict(num_blocks=1, final_conv=False, out_dim=1024), 1024, 1024),
    (features.residual_basic_block_pool, dict(num_blocks=1, final_conv=True, out_dim=64), 256, 64),
])
def test_feature_blocks_output_and_normalisation(builder, kwargs, in_channels, out_channels):
    torch.manual_seed(0)
    scale = 0.05
    block = builder(norm_scale=scale, **kwargs).eval()
    with torch.no_grad():
        out = block(torch.randn(2, in_channels, 8, 8))
    assert out.shape[:2] == (2, out_channels)
    # InstanceL2Norm: mean square per sample equals scale^2.
    assert torch.allclose((out ** 2).mean(dim=(1, 2, 3)), torch.full((2,), scale ** 2), rtol=1e-3)


def test_linear_filter_without_optimizer_or_feature_block():
    torch.manual_seed(0)
    clf = LinearFilter(filter_size=1, filter_initializer=FilterInitializerSiamese(filter_size=1, filter_norm=False))
    feat = ramp_features(2, size=8, dtype=torch.float32).reshape(2, 1, 2, 8, 8)
    bb = torch.tensor([[[32.0, 32.0, 32.0, 32.0]], [[32.0, 32.0, 32.0, 32.0]]])
    scores = clf(feat, feat, bb)
    assert len(scores) == 1 and scores[0].shape == (2, 1, 8, 8)
    # Filter = (3, 3) (centre of the box in cells), so the score at cell (y, x) is 3x + 3y.
    k = torch.arange(8.0)
    assert torch.allclose(scores[0][0, 0], 3 * k[None, :] + 3 * k[:, None])

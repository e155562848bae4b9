"""Tests of ltr.models.backbone (ResNets, ResNet18-VGGm, frozen layers, ImageNet weight loading)."""
import os
from pathlib import Path

import pytest
import torch
import torch.hub
import torchvision

from ltr.models import backbone
from ltr.models.backbone.resnet import load_imagenet_state_dict, PretrainedWeightsError

SPEC_DIR = Path(__file__).resolve().parent.parent / 'data' / 'checkpoints'


def _shapes(sd):
    return [(k, tuple(v.shape)) for k, v in sd.items()]


@pytest.mark.parametrize('name', ['resnet18', 'resnet50', 'resnet101'])
def test_state_dict_matches_torchvision(name):
    ours = getattr(backbone, name)(output_layers=['layer3'])
    ref = getattr(torchvision.models, name)()
    assert _shapes(ours.state_dict()) == _shapes(ref.state_dict())


@pytest.mark.parametrize('model,builder', [('dimp18', 'resnet18'), ('atom_default', 'resnet18'),
                                           ('dimp50', 'resnet50')])
def test_state_dict_matches_official_listing(model, builder):
    listing = SPEC_DIR / '{}.txt'.format(model)
    if not listing.is_file():
        pytest.skip('checkpoint listing {} not present'.format(listing))
    expected = []
    for line in listing.read_text().splitlines():
        if line.startswith('feature_extractor.'):
            name, shape, _ = line.split('\t')
            expected.append((name[len('feature_extractor.'):], tuple(int(s) for s in shape.strip('[]').split(',') if s)))
    assert _shapes(getattr(backbone, builder)().state_dict()) == expected


def test_forward_equals_torchvision_with_same_weights():
    torch.manual_seed(0)
    ref = torchvision.models.resnet18().eval()
    ours = backbone.resnet18(output_layers=['conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'fc'])
    ours.load_state_dict(ref.state_dict())
    ours.eval()
    x = torch.randn(2, 3, 64, 80)
    with torch.no_grad():
        out = ours(x)
        assert list(out.keys()) == ['conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'fc']
        h = ref.relu(ref.bn1(ref.conv1(x)))
        assert torch.allclose(out['conv1'], h)
        h = ref.maxpool(h)
        for name in ['layer1', 'layer2', 'layer3', 'layer4']:
            h = getattr(ref, name)(h)
            assert torch.allclose(out[name], h, atol=1e-5)
        assert torch.allclose(out['fc'], ref(x), atol=1e-5)
        # 'default' (the default output_layers) gives the classification tensor
        default = backbone.resnet18()
        default.load_state_dict(ref.state_dict())
        assert torch.allclose(default.eval()(x), ref(x), atol=1e-5)
        # stops early: only what was asked for
        assert list(ours(x, output_layers=['layer2']).keys()) == ['layer2']


def test_feature_shapes_strides_and_dilation():
    x = torch.randn(1, 3, 64, 64)
    net = backbone.resnet50(output_layers=['layer2', 'layer3', 'layer4']).eval()
    with torch.no_grad():
        out = net(x)
    for name, t in out.items():
        assert t.shape[1] == net.out_feature_channels(name)
        assert t.shape[-1] == 64 // net.out_feature_strides(name)
    assert net.out_feature_channels()['layer3'] == 1024 and net.out_feature_strides('layer4') == 32

    dil = backbone.resnet18(output_layers=['layer4'], dilation_factor=2).eval()
    assert dil.out_feature_strides('layer4') == 16
    assert dil.layer4[0].conv1.dilation == (2, 2) and dil.layer4[1].conv1.dilation == (1, 1)
    with torch.no_grad():
        assert dil(x)['layer4'].shape == (1, 512, 4, 4)
    dil8 = backbone.resnet18(output_layers=['layer4'], dilation_factor=8)
    assert dil8.out_feature_strides('layer4') == 4

    baby = backbone.resnet_baby(output_layers=['layer3'], inplanes=8).eval()
    with torch.no_grad():
        assert baby(x)['layer3'].shape == (1, 32, 4, 4)


def test_unknown_output_layer():
    with pytest.raises(ValueError, match='layer5'):
        backbone.resnet18(output_layers=['layer5'])
    net = backbone.resnet18(output_layers=['layer1'])
    with pytest.raises(ValueError, match='unknown layer'):
        net(torch.randn(1, 3, 32, 32), output_layers=['nope'])


def test_frozen_layers():
    net = backbone.resnet18(output_layers=['layer3'], frozen_layers=['conv1', 'bn1', 'layer1'])
    net.train()
    assert not net.bn1.training and not net.layer1[0].bn1.training and net.layer2[0].bn1.training
    assert all(not p.requires_grad for p in net.layer1.parameters())
    assert all(p.requires_grad for p in net.layer2.parameters())
    # frozen batch norms keep their statistics in training mode
    before = net.layer1[0].bn1.running_mean.clone()
    net(torch.randn(2, 3, 32, 32) * 3 + 1)
    assert torch.equal(net.layer1[0].bn1.running_mean, before)
    assert not torch.equal(net.layer2[0].bn1.running_mean, torch.zeros_like(before.new_empty(128)))

    all_frozen = backbone.resnet18(frozen_layers='all').train()
    assert not all_frozen.training and all(not p.requires_grad for p in all_frozen.parameters())
    none_frozen = backbone.resnet18(frozen_layers='none').train()
    assert none_frozen.layer1.training
    with pytest.raises(ValueError, match='frozen_layers'):
        backbone.resnet18(frozen_layers='some')
    with pytest.raises(ValueError, match='layer9'):
        backbone.resnet18(frozen_layers=['layer9']).train()


def _no_download(url, dst, *args, **kwargs):
    raise OSError('network disabled in tests (tried {})'.format(url))


def test_pretrained_offline_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.setattr(torch.hub, 'download_url_to_file', _no_download)
    with pytest.raises(PretrainedWeightsError) as info:
        backbone.resnet50(output_layers=['layer3'], pretrained=True)
    msg = str(info.value)
    fname = os.path.basename(torchvision.models.ResNet50_Weights.IMAGENET1K_V1.url)
    assert fname in msg
    assert str(tmp_path / 'hub' / 'checkpoints' / fname) in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_pretrained_loads_from_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.setattr(torch.hub, 'download_url_to_file', _no_download)
    torch.manual_seed(3)
    ref = torchvision.models.resnet18()
    fname = os.path.basename(torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url)
    (tmp_path / 'hub' / 'checkpoints').mkdir(parents=True)
    torch.save(ref.state_dict(), tmp_path / 'hub' / 'checkpoints' / fname)
    net = backbone.resnet18(output_layers=['layer2'], pretrained=True)
    for k, v in ref.state_dict().items():
        assert torch.equal(net.state_dict()[k], v), k

    # a corrupt cached file is named in the error
    (tmp_path / 'hub' / 'checkpoints' / fname).write_bytes(b'not a checkpoint')
    with pytest.raises(PretrainedWeightsError, match='Could not read'):
        load_imagenet_state_dict(torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
    with pytest.raises(ValueError):
        backbone.resnet_baby(pretrained=True)


def test_resnet18_vggmconv1(tmp_path):
    torch.manual_seed(0)
    net = backbone.resnet18_vggmconv1(output_layers=['vggconv1', 'layer3']).eval()
    keys = list(net.state_dict().keys())
    assert keys[:2] == ['vggmconv1.weight', 'vggmconv1.bias']
    assert keys[2:] == list(torchvision.models.resnet18().state_dict().keys())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        out = net(x)
        assert list(out.keys()) == ['vggconv1', 'layer3']
        # the LRN by hand: x / (2 + 0.0005 * mean over a 5-channel window of x^2) ^ 0.75
        c1 = torch.relu(net.vggmconv1(x))
        sq = torch.nn.functional.pad(c1 ** 2, (0, 0, 0, 0, 2, 2))
        win = sum(sq[:, i:i + 96] for i in range(5)) / 5.0
        assert torch.allclose(out['vggconv1'], c1 / (2.0 + 0.0005 * win) ** 0.75, atol=1e-6)
        assert out['vggconv1'].shape == (2, 96, 16, 16) and out['layer3'].shape == (2, 256, 2, 2)

    path = tmp_path / 'w.pth'
    torch.save(net.state_dict(), path)
    net2 = backbone.resnet18_vggmconv1(output_layers=['layer1'], path=str(path))
    assert torch.equal(net2.vggmconv1.weight, net.vggmconv1.weight)
    (tmp_path / 'bad.pth').write_bytes(b'garbage')
    with pytest.raises(ValueError, match='bad.pth'):
        backbone.resnet18_vggmconv1(path=str(tmp_path / 'bad.pth'))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        backbone.resnet18_vggmconv1(path=str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='Unknown layer'):
        backbone.resnet18_vggmconv1(output_layers=['conv2'])

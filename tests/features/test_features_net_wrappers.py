"""NetWrapper / NetWithBackbone: lazy loading, attribute forwarding, image normalisation, device."""
import pytest
import torch

import pytracking.utils.loading as pt_loading
from pytracking.features.net_wrappers import NetWithBackbone, NetWrapper


class _TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 2, 1)
        self.marker = 'tiny'

    def extract_backbone_features(self, im):
        return {'layer2': self.conv(im), 'input': im}


@pytest.fixture
def fake_loader(monkeypatch):
    calls = []

    def load(net_path, **kwargs):
        calls.append((net_path, kwargs))
        return _TinyNet()

    monkeypatch.setattr(pt_loading, 'load_network', load)
    return calls


def test_wrapper_is_lazy_and_forwards_attributes(fake_loader):
    w = NetWrapper('some_net.pth', use_gpu=False, extra_kw=3)
    assert fake_loader == []
    with pytest.raises(AttributeError, match='not loaded'):
        w.marker
    w.initialize()
    assert fake_loader == [('some_net.pth', {'extra_kw': 3})]
    assert w.marker == 'tiny'
    assert isinstance(w.conv, torch.nn.Conv2d)
    assert not w.net.training          # eval mode
    assert w.device == torch.device('cpu')
    w.initialize()                     # second call does not reload
    assert len(fake_loader) == 1
    with pytest.raises(AttributeError):
        w.does_not_exist


def test_net_with_backbone_normalises_rgb_image(fake_loader):
    w = NetWithBackbone('x.pth', use_gpu=False, initialize=True)
    im = torch.full((1, 3, 4, 5), 255.0)
    im[:, 1] = 0
    feats = w.extract_backbone(im)
    normed = feats['input']
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    assert normed[0, 0, 0, 0].item() == pytest.approx((1 - mean[0]) / std[0], rel=1e-6)
    assert normed[0, 1, 0, 0].item() == pytest.approx((0 - mean[1]) / std[1], rel=1e-6)
    assert im[0, 0, 0, 0].item() == 255.0    # input untouched
    bgr = NetWithBackbone('x.pth', use_gpu=False, initialize=True, image_format='bgr255', mean=(0, 0, 0), std=(1, 1, 1))
    out = bgr.preprocess_image(torch.arange(3.).view(1, 3, 1, 1))
    assert out.view(-1).tolist() == [2.0, 1.0, 0.0]
    with pytest.raises(ValueError, match='image_format'):
        NetWithBackbone('x.pth', image_format='hsv')


def test_explicit_device_wins(fake_loader):
    w = NetWrapper('x.pth', use_gpu=True, device='cpu', initialize=True)
    assert w.device == torch.device('cpu')
    assert next(w.net.parameters()).device.type == 'cpu'


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_use_gpu_puts_net_on_cuda(fake_loader):
    w = NetWithBackbone('x.pth', use_gpu=True, initialize=True)
    assert next(w.net.parameters()).device.type == 'cuda'
    assert w.extract_backbone(torch.zeros(1, 3, 4, 4))['layer2'].device.type == 'cuda'

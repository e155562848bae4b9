"""IoU-Net (AtomIoUNet) and the ATOM network."""
import torch

from ltr.models.bbreg import ATOMnet, AtomIoUNet
from ltr.models.bbreg.atom import atom_resnet18, atom_resnet50


def tiny_iounet(dtype=torch.float64):
    torch.manual_seed(0)
    net = AtomIoUNet(input_dim=(4, 6), pred_input_dim=(4, 4), pred_inter_dim=(4, 4)).to(dtype).eval()
    # Non-trivial batch-norm statistics, so that eval mode is not an identity.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return net


def tiny_features(batch, dtype=torch.float64, seed=1, image_size=128):
    gen = torch.Generator().manual_seed(seed)
    # layer2 at stride 8, layer3 at stride 16.
    return [torch.randn(batch, 4, image_size // 8, image_size // 8, generator=gen, dtype=dtype),
            torch.randn(batch, 6, image_size // 16, image_size // 16, generator=gen, dtype=dtype)]


def test_predict_iou_gradcheck_wrt_box_coordinates():
    net = tiny_iounet()
    feat = tiny_features(1)
    target = torch.tensor([[40.3, 36.7, 30.2, 44.9]], dtype=torch.float64)
    modulation = [m.detach() for m in net.get_modulation(feat, target)]
    iou_feat = [f.detach() for f in net.get_iou_feat(feat)]

    # Boxes equal to the target, and two jittered ones.
    boxes = torch.stack((target[0], target[0] + torch.tensor([3.1, -2.2, 5.3, -4.1], dtype=torch.float64),
                         target[0] + torch.tensor([-6.4, 4.7, -8.2, 7.9], dtype=torch.float64)))[None]
    boxes.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda b: net.predict_iou(modulation, iou_feat, b), (boxes,),
                                    eps=1e-6, atol=1e-6, rtol=1e-4)
    grad = torch.autograd.grad(net.predict_iou(modulation, iou_feat, boxes).sum(), boxes)[0]
    assert grad.abs().sum() > 0


def test_forward_equals_modulation_from_first_reference_frame():
    net = tiny_iounet()
    num_images, num_sequences, num_proposals = 2, 3, 5
    feat1 = [f.reshape(num_images, num_sequences, *f.shape[1:]) for f in tiny_features(6, seed=2)]
    feat2 = [f.reshape(num_images, num_sequences, *f.shape[1:]) for f in tiny_features(6, seed=3)]
    gen = torch.Generator().manual_seed(4)
    bb1 = torch.cat((20 + 40 * torch.rand(num_images, num_sequences, 2, generator=gen, dtype=torch.float64),
                     20 + 30 * torch.rand(num_images, num_sequences, 2, generator=gen, dtype=torch.float64)), -1)
    proposals = torch.cat((10 + 50 * torch.rand(num_images, num_sequences, num_proposals, 2, generator=gen,
                                                dtype=torch.float64),
                           15 + 40 * torch.rand(num_images, num_sequences, num_proposals, 2, generator=gen,
                                                dtype=torch.float64)), -1)
    with torch.no_grad():
        iou = net(feat1, feat2, bb1, proposals)
        iou_4d = net([f.reshape(-1, *f.shape[2:]) for f in feat1], [f.reshape(-1, *f.shape[2:]) for f in feat2],
                     bb1, proposals)
        assert iou.shape == (num_images, num_sequences, num_proposals)
        assert torch.allclose(iou, iou_4d)
        for i in range(num_images):
            for s in range(num_sequences):
                mod = net.get_modulation([f[0, s:s + 1] for f in feat1], bb1[0, s:s + 1])
                test_feat = net.get_iou_feat([f[i, s:s + 1] for f in feat2])
                expected = net.predict_iou(mod, test_feat, proposals[i, s:s + 1])
                assert torch.allclose(iou[i, s], expected[0], rtol=1e-10, atol=1e-12)


def test_proposals_are_xywh_and_pooled_in_image_coordinates():
    """Translating the features and the boxes together by 16 pixels (2 layer2 cells, 1 layer3 cell)
    leaves the IoU unchanged; moving only the proposal changes it."""
    net = tiny_iounet()
    feat = tiny_features(1, seed=5, image_size=256)
    target = torch.tensor([[100.0, 96.0, 24.0, 32.0]], dtype=torch.float64)
    shifted_feat = [torch.roll(feat[0], shifts=(2, 2), dims=(-2, -1)), torch.roll(feat[1], shifts=(1, 1), dims=(-2, -1))]
    shifted_target = target + torch.tensor([[16.0, 16.0, 0.0, 0.0]], dtype=torch.float64)
    with torch.no_grad():
        a = net.predict_iou(net.get_modulation(feat, target), net.get_iou_feat(feat), target[None])
        b = net.predict_iou(net.get_modulation(shifted_feat, shifted_target), net.get_iou_feat(shifted_feat),
                            shifted_target[None])
    assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)
    with torch.no_grad():
        c = net.predict_iou(net.get_modulation(feat, target), net.get_iou_feat(feat), shifted_target[None])
    assert not torch.allclose(a, c)


def test_atom_resnet18_training_and_tracking_shapes():
    torch.manual_seed(0)
    net = atom_resnet18(backbone_pretrained=False)
    assert isinstance(net, ATOMnet)
    assert all(not p.requires_grad for p in net.feature_extractor.parameters())
    num_sequences, num_proposals = 2, 8
    train = torch.randn(1, num_sequences, 3, 288, 288)
    test = torch.randn(1, num_sequences, 3, 288, 288)
    bb = torch.tensor([[[100.0, 110.0, 60.0, 50.0], [90.0, 80.0, 40.0, 70.0]]])
    proposals = bb[:, :, None, :] + 5 * torch.randn(1, num_sequences, num_proposals, 4)
    iou = net(train, test, bb, proposals)
    assert iou.shape == (1, num_sequences, num_proposals) and torch.isfinite(iou).all()
    iou.mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.bb_regressor.parameters())

    net.eval()
    with torch.no_grad():
        feat = net.extract_backbone_features(torch.randn(1, 3, 288, 288))
        feat = [feat['layer2'], feat['layer3']]
        modulation = net.bb_regressor.get_modulation(feat, bb[0, :1])
        iou = net.bb_regressor.predict_iou(modulation, net.bb_regressor.get_iou_feat(feat), proposals[0, :1])
    assert iou.shape == (1, num_proposals) and torch.isfinite(iou).all()


def test_atom_resnet50_forward():
    torch.manual_seed(0)
    net = atom_resnet50(backbone_pretrained=False).eval()
    bb = torch.tensor([[[100.0, 110.0, 60.0, 50.0]]])
    proposals = bb[:, :, None, :] + 5 * torch.randn(1, 1, 8, 4)
    with torch.no_grad():
        iou = net(torch.randn(1, 1, 3, 288, 288), torch.randn(1, 1, 3, 288, 288), bb, proposals)
    assert iou.shape == (1, 1, 8) and torch.isfinite(iou).all()

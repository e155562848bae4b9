"""The builders, called with the constructor recorded in an official checkpoint, produce exactly its
state_dict layout: the same keys in the same order, with the same shapes and dtypes.

The listings in tests/data/checkpoints/*.txt were produced from the original code (one per model
of the model zoo).
"""
import ast
from pathlib import Path

import pytest
import torch

from ltr.admin.model_constructor import NetConstructor

LISTINGS = Path(__file__).resolve().parents[1] / 'data' / 'checkpoints'
MODELS = ['dimp18', 'dimp50', 'prdimp18', 'prdimp50', 'super_dimp', 'atom_default']


def read_listing(model):
    """Parse a listing: constructor fields and [(key, shape, dtype)] in order."""
    constructor, entries, net_type = {}, [], None
    for line in (LISTINGS / (model + '.txt')).read_text().splitlines():
        if not line or line.startswith('#'):
            continue
        if line.startswith('constructor.'):
            field, value = line[len('constructor.'):].split(':', 1)
            if field != 'class':
                constructor[field] = ast.literal_eval(value.strip())
        elif line.startswith('net_type:'):
            net_type = ast.literal_eval(line.split(':', 1)[1].strip())
        elif '\t' in line:
            key, shape, dtype = line.split('\t')
            entries.append((key, tuple(ast.literal_eval(shape)), dtype))
    return constructor, entries, net_type


def build(constructor):
    return NetConstructor(constructor['fun_name'], constructor['fun_module'], constructor['args'],
                          constructor['kwds']).get()


@pytest.fixture(scope='module', params=MODELS)
def built(request):
    """The network built on the meta device: same code path and layout, no memory or init cost."""
    constructor, entries, net_type = read_listing(request.param)
    with torch.device('meta'):
        net = build(constructor)
    return request.param, constructor, entries, net_type, net


def test_listing_is_complete(built):
    model, _, entries, _, _ = built
    header = (LISTINGS / (model + '.txt')).read_text()
    count = int(header.split('# state_dict (')[1].split(' entries')[0])
    assert len(entries) == count


def test_state_dict_layout_matches_official_checkpoint(built):
    model, _, entries, _, net = built
    ours = [(k, tuple(v.shape), str(v.dtype).replace('torch.', '')) for k, v in net.state_dict().items()]
    assert [e[0] for e in ours] == [e[0] for e in entries], 'key lists differ for ' + model
    mismatched = [(a, b) for a, b in zip(ours, entries) if a != b]
    assert not mismatched, mismatched[:5]


def test_builder_records_constructor_and_type(built):
    _, constructor, _, net_type, net = built
    assert type(net).__name__ == net_type
    assert net.constructor.fun_name == constructor['fun_name']
    assert net.constructor.fun_module == constructor['fun_module']
    assert net.constructor.kwds == constructor['kwds']


@pytest.mark.parametrize('model', ['prdimp18', 'atom_default'])
def test_official_layout_checkpoint_round_trip(model, tmp_path):
    """A checkpoint written in the official layout rebuilds the same network with the same weights."""
    from ltr.admin.loading import load_network, save_checkpoint
    constructor, _, net_type = read_listing(model)
    torch.manual_seed(0)
    net = build(constructor)
    state = {'epoch': 1, 'actor_type': 'Actor', 'net_type': net_type, 'net': net.state_dict(), 'net_info': None,
             'constructor': net.constructor, 'optimizer': None, 'stats': None, 'settings': None}
    path = tmp_path / (model + '.pth.tar')
    save_checkpoint(state, str(path))
    loaded, checkpoint = load_network(checkpoint=str(path))
    assert type(loaded) is type(net)
    for (k1, v1), (k2, v2) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)


# The original builders' defaults for keywords the listings leave out.
DIMP_DEFAULTS = dict(feat_stride=16, optim_min_reg=1e-3, alpha_eps=0.0, out_feature_dim=256, score_act='relu',
                     target_mask_act='sigmoid', init_uni_weight=None, label_shrink=0, softmax_reg=None,
                     label_threshold=0, init_pool_square=False)


def test_network_settings_follow_recorded_constructor(built):
    """What the state_dict does not hold but the numbers depend on: the classification feature scale,
    filter size, pooling, distance bins, label and regularisation settings of the rebuilt network."""
    from ltr.models.layers.activation import LeakyReluPar
    from ltr.models.layers.normalization import InstanceL2Norm
    from ltr.models.target_classifier.optimizer import DiMPSteepestDescentGN, PrDiMPSteepestDescentNewton

    model, constructor, _, _, net = built
    kw = dict(DIMP_DEFAULTS, **constructor['kwds'])
    if model == 'atom_default':
        iou_net = net.bb_regressor
        assert (iou_net.prroi_pool3r.pooled_height, iou_net.prroi_pool3t.pooled_height,
                iou_net.prroi_pool4r.pooled_height, iou_net.prroi_pool4t.pooled_height) == (3, 5, 1, 3)
        assert (iou_net.prroi_pool3r.spatial_scale, iou_net.prroi_pool4r.spatial_scale) == (1 / 8, 1 / 16)
        assert all(not p.requires_grad for p in net.feature_extractor.parameters())
        return

    clf = net.classifier
    f = kw['filter_size']
    assert clf.filter_size == f
    norm = clf.feature_extractor[-1]
    assert isinstance(norm, InstanceL2Norm) and norm.size_average and norm.eps == 1e-5
    # Unit energy under the filter: scale^2 * C * f * f == 1.
    assert norm.scale == pytest.approx((kw['out_feature_dim'] * f * f) ** -0.5, rel=1e-12)
    assert clf.feature_extractor[-2].out_channels == kw['out_feature_dim']

    pool = clf.filter_initializer.filter_pool
    assert (pool.prroi_pool.pooled_height, pool.prroi_pool.pooled_width) == (f, f)
    assert pool.prroi_pool.spatial_scale == 1 / 16 and pool.pool_square == kw['init_pool_square']
    assert clf.filter_initializer.filter_norm is False      # init_filter_norm defaults to False in every builder

    opt = clf.filter_optimizer
    assert opt.num_iter == kw['optim_iter'] and opt.feat_stride == kw['feat_stride']
    assert opt.min_filter_reg == kw['optim_min_reg'] and opt.alpha_eps == kw['alpha_eps']
    assert opt.detach_length == float('inf')
    if constructor['fun_name'].startswith('klce'):
        assert type(opt) is PrDiMPSteepestDescentNewton
        assert opt.gauss_sigma == kw['gauss_sigma'] and opt.normalize_label == kw['normalize_label']
        assert (opt.uni_weight, opt.label_shrink, opt.softmax_reg, opt.label_threshold) == (0, 0, None, 0)
    else:
        assert type(opt) is DiMPSteepestDescentGN
        assert opt.distance_map.num_bins == kw['num_dist_bins']
        assert opt.distance_map.bin_displacement == kw['bin_displacement']
        assert isinstance(opt.score_activation, LeakyReluPar)
        assert isinstance(opt.target_mask_predictor[-1], torch.nn.Sigmoid)

    # As in the original, frozen layers lose requires_grad (and stay in eval mode) once training mode is set.
    frozen = kw.get('frozen_backbone_layers', [])
    net.train()
    for name, p in net.feature_extractor.named_parameters():
        assert p.requires_grad == (name.split('.')[0] not in frozen), name
    for layer in frozen:
        assert not getattr(net.feature_extractor, layer).training, layer
    if frozen:
        assert net.feature_extractor.layer3.training

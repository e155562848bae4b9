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

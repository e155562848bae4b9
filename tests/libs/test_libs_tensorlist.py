import copy
import pickle

import pytest
import torch

from pytracking.libs import TensorDict, TensorList
from pytracking.libs.tensorlist import tensor_operation


def _tl():
    torch.manual_seed(0)
    return TensorList([torch.randn(2, 3), torch.randn(4)])


def _assert_tl_close(actual, expected):
    assert isinstance(actual, TensorList)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e)


@pytest.mark.parametrize('op', [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a % b, lambda a, b: a ** b, lambda a, b: a // b,
])
def test_binary_ops_with_scalar_tensor_and_list(op):
    x = _tl()
    y = TensorList([torch.rand(2, 3) + 0.5, torch.rand(4) + 0.5])
    xa = x.abs() + 0.1  # keep pow/mod well defined
    # TensorList op TensorList, op plain list, op scalar, scalar op TensorList (reflected)
    _assert_tl_close(op(xa, y), [op(a, b) for a, b in zip(xa, y)])
    _assert_tl_close(op(xa, list(y)), [op(a, b) for a, b in zip(xa, y)])
    _assert_tl_close(op(xa, 1.7), [op(a, 1.7) for a in xa])
    _assert_tl_close(op(1.7, xa), [op(1.7, a) for a in xa])
    t = torch.tensor(2.5)
    _assert_tl_close(op(xa, t), [op(a, t) for a in xa])
    _assert_tl_close(op(list(xa), y), [op(a, b) for a, b in zip(xa, y)])


def test_plus_is_elementwise_not_concatenation():
    x = TensorList([torch.tensor([1.0]), torch.tensor([2.0])])
    out = x + [10, 20]
    assert len(out) == 2
    assert out[0].item() == 11 and out[1].item() == 22
    cat = x.concat([torch.tensor([3.0])])
    assert isinstance(cat, TensorList) and len(cat) == 3 and cat[2].item() == 3.0


def test_matmul_and_unary_ops():
    a = TensorList([torch.randn(3, 4), torch.randn(2, 2)])
    b = TensorList([torch.randn(4, 5), torch.randn(2, 1)])
    _assert_tl_close(a @ b, [a[0] @ b[0], a[1] @ b[1]])
    m = torch.randn(3, 3)
    c = TensorList([torch.randn(3, 3), torch.randn(3, 3)])
    _assert_tl_close(m @ c, [m @ c[0], m @ c[1]])
    _assert_tl_close(-a, [-a[0], -a[1]])
    _assert_tl_close(+a, [a[0], a[1]])
    _assert_tl_close(abs(a), [a[0].abs(), a[1].abs()])


def test_comparisons_elementwise():
    a = TensorList([torch.tensor([1.0, 5.0]), torch.tensor([3.0])])
    assert (a <= 3).list()[0].tolist() == [True, False]
    assert (a >= 3).list()[1].tolist() == [True]
    assert (a < [2.0, 4.0])[0].tolist() == [True, False]
    assert (a > 2)[0].tolist() == [False, True]
    # Equality keeps list semantics (the original's), so membership tests work.
    assert a == a


def test_inplace_ops_modify_shared_tensors():
    t0, t1 = torch.ones(2), torch.ones(3)
    x = TensorList([t0, t1])
    alias = TensorList([t0, t1])
    x += TensorList([torch.full((2,), 2.0), 3.0])
    x *= 2
    x -= 1
    x /= [1.0, 7.0]
    assert t0.tolist() == [5.0, 5.0]
    assert t1.tolist() == [1.0, 1.0, 1.0]
    assert alias[0] is x[0]
    counts = TensorList([1, 2, 3])
    counts += 1
    assert counts.list() == [2, 3, 4]


def test_indexing():
    x = TensorList([torch.tensor(float(i)) for i in range(5)])
    assert isinstance(x[1], torch.Tensor) and x[1].item() == 1
    assert isinstance(x[1:3], TensorList) and [v.item() for v in x[1:3]] == [1, 2]
    assert [v.item() for v in x[[0, 4]]] == [0, 4]
    assert x[torch.tensor(3)].item() == 3


def test_forwarding_methods_and_attributes():
    x = _tl()
    v = x.view(-1)
    assert isinstance(v, TensorList) and [e.shape for e in v] == [torch.Size([6]), torch.Size([4])]
    s = x.sum(dim=0)
    torch.testing.assert_close(s[0], x[0].sum(dim=0))
    assert x.shape == [torch.Size([2, 3]), torch.Size([4])]
    assert x.size(0) == [2, 4]
    assert isinstance(x.clone()[0], torch.Tensor) and x.clone()[0] is not x[0]
    assert x.attribute('ndim') == [2, 1]
    assert x.attribute('nonexistent', 7) == [7, 7]
    _assert_tl_close(x.apply(torch.exp), [x[0].exp(), x[1].exp()])
    with pytest.raises(AttributeError, match='nonsense'):
        x.nonsense()


def test_no_dunder_or_private_forwarding():
    x = _tl()
    assert not hasattr(x, '__torch_function__')
    assert not hasattr(x, '_version')
    with pytest.raises(AttributeError):
        getattr(x, '__array__')
    assert not hasattr(TensorDict(a=torch.ones(1)), '__torch_function__')


def test_autograd_grad_with_tensorlists():
    # The pattern used by the optimizers: outputs, inputs and grad_outputs are all TensorLists.
    x = TensorList([torch.randn(3, requires_grad=True), torch.randn(2, 2, requires_grad=True)])
    f = TensorList([x[0] * 2.0, (x[1] ** 2).sum(dim=1)])
    g = f.detach()
    g.requires_grad_(True)
    jt_g = TensorList(torch.autograd.grad(f, x, g, create_graph=True))
    torch.testing.assert_close(jt_g[0], 2.0 * g[0].detach())
    torch.testing.assert_close(jt_g[1], 2 * x[1].detach() * g[1].detach().unsqueeze(1))
    # Double backward: d(J^T g)/dg applied to v gives J v.
    v = TensorList([torch.randn(3), torch.randn(2, 2)])
    jv = torch.autograd.grad(jt_g, g, v, retain_graph=True)
    torch.testing.assert_close(jv[0], 2.0 * v[0])
    torch.testing.assert_close(jv[1], (2 * x[1].detach() * v[1]).sum(dim=1))
    # A scalar loss with a TensorList of inputs.
    loss = sum((x * x).view(-1) @ TensorList([torch.ones(3), torch.ones(4)]))
    grads = torch.autograd.grad(loss, x)
    torch.testing.assert_close(grads[0], 2 * x[0].detach())


def test_requires_grad_and_detach_inplace():
    x = TensorList([torch.zeros(2), torch.zeros(3)])
    x.requires_grad_(True)
    assert all(x.requires_grad)
    x.detach_()
    assert not any(x.requires_grad)


def test_unroll_copy_deepcopy_pickle():
    inner = TensorList([torch.tensor(1.0), torch.tensor(2.0)])
    nested = TensorList([torch.tensor(0.0), inner, TensorList([torch.tensor(3.0)])])
    flat = nested.unroll()
    assert [v.item() for v in flat] == [0.0, 1.0, 2.0, 3.0]
    c = nested.copy()
    assert isinstance(c, TensorList) and c[1] is inner
    d = copy.deepcopy(nested)
    assert isinstance(d, TensorList) and isinstance(d[1], TensorList) and d[1][0] is not inner[0]
    p = pickle.loads(pickle.dumps(nested))
    assert isinstance(p, TensorList) and p[1][1].item() == 2.0
    assert isinstance(nested.list(), list) and not isinstance(nested.list(), TensorList)


def test_tensor_operation_decorator():
    calls = []

    @tensor_operation
    def scaled_add(a, b, scale=1.0):
        calls.append(1)
        return (a + b) * scale

    assert scaled_add(1.0, 2.0, scale=2.0) == 6.0
    x = TensorList([torch.tensor(1.0), torch.tensor(2.0)])
    y = TensorList([torch.tensor(10.0), torch.tensor(20.0)])
    out = scaled_add(x, y, scale=2.0)
    assert isinstance(out, TensorList) and [v.item() for v in out] == [22.0, 44.0]
    assert [v.item() for v in scaled_add(x, 1.0)] == [2.0, 3.0]
    assert [v.item() for v in scaled_add(1.0, y)] == [11.0, 21.0]
    with pytest.raises(ValueError, match='different lengths'):
        scaled_add(x, y[:1])
    with pytest.raises(ValueError):
        scaled_add()


def test_tensordict():
    td = TensorDict({'a': torch.ones(2), 'b': torch.zeros(3), 'name': 'seq'})
    doubled = td.mul(2)
    assert isinstance(doubled, TensorDict)
    assert doubled['a'].tolist() == [2.0, 2.0] and doubled['name'] == 'seq'
    assert list(doubled.keys()) == ['a', 'b', 'name']
    assert td.shape['a'] == torch.Size([2]) and td.shape['name'] == 'seq'
    cat = td.concat({'c': torch.ones(1)})
    assert list(cat.keys()) == ['a', 'b', 'name', 'c'] and cat['a'] is td['a']
    cp = td.copy()
    assert isinstance(cp, TensorDict) and cp['a'] is td['a']
    dc = copy.deepcopy(td)
    assert isinstance(dc, TensorDict) and dc['a'] is not td['a'] and torch.equal(dc['a'], td['a'])
    assert td.attribute('ndim', None) == {'a': 1, 'b': 1, 'name': None}
    applied = td.apply(lambda v, k: v * k if torch.is_tensor(v) else v, 3)
    assert applied['a'].tolist() == [3.0, 3.0]
    moved = td.to('cpu')
    assert isinstance(moved, TensorDict) and moved['name'] == 'seq'
    p = pickle.loads(pickle.dumps(td))
    assert isinstance(p, TensorDict) and p['b'].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(AttributeError):
        td.nonsense

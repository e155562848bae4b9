"""TensorList: a list of tensors (or numbers, or nested lists) with element-wise PyTorch arithmetic.

Arithmetic with another list pairs the elements (zip); arithmetic with anything else (a scalar or a
single tensor) applies that operand to every element. Tensor methods are forwarded to the elements,
so ``tl.view(-1)`` returns a TensorList of views.
"""

import copy
import functools
import numbers
import operator
from typing import Any, Callable, Iterable, Optional

import torch

__all__ = ['TensorList', 'tensor_operation']


def _is_list(a: Any) -> bool:
    """Operands that are paired element-wise (plain lists included, as in the original)."""
    return isinstance(a, (TensorList, list))


def _binary(op: Callable[[Any, Any], Any], name: str) -> Callable:
    def method(self, other):
        if _is_list(other):
            return TensorList([op(e1, e2) for e1, e2 in zip(self, other)])
        return TensorList([op(e, other) for e in self])
    method.__name__ = name
    method.__doc__ = 'Element-wise ``{}``.'.format(op.__name__)
    return method


def _reflected(op: Callable[[Any, Any], Any], name: str) -> Callable:
    def method(self, other):
        if _is_list(other):
            return TensorList([op(e2, e1) for e1, e2 in zip(self, other)])
        return TensorList([op(other, e) for e in self])
    method.__name__ = name
    method.__doc__ = 'Reflected element-wise ``{}``.'.format(op.__name__)
    return method


def _inplace(iop: Callable[[Any, Any], Any], name: str) -> Callable:
    # The in-place operator of each element is used and its result stored back, so tensors are
    # modified in place (other containers holding the same tensors see the update) while immutable
    # elements such as ints are simply replaced.
    def method(self, other):
        if _is_list(other):
            for i, e2 in enumerate(other):
                list.__setitem__(self, i, iop(list.__getitem__(self, i), e2))
        else:
            for i in range(len(self)):
                list.__setitem__(self, i, iop(list.__getitem__(self, i), other))
        return self
    method.__name__ = name
    method.__doc__ = 'In-place element-wise ``{}``.'.format(iop.__name__)
    return method


def _unary(op: Callable[[Any], Any], name: str) -> Callable:
    def method(self):
        return TensorList([op(e) for e in self])
    method.__name__ = name
    method.__doc__ = 'Element-wise ``{}``.'.format(op.__name__)
    return method


class TensorList(list):
    """List of tensors with element-wise arithmetic and forwarding of tensor methods.

    ``TensorList([a, b]) * 2 == TensorList([a * 2, b * 2])``;
    ``TensorList([a, b]) + [c, d] == TensorList([a + c, b + d])`` (element-wise, not concatenation:
    use :meth:`concat` for that); ``TensorList([a, b]).sum(dim=1) == TensorList([a.sum(dim=1), b.sum(dim=1)])``.
    """

    # Makes numpy scalars/arrays on the left of an operator defer to the reflected TensorList
    # operator (``np.float64(2) * tl``) instead of converting the list into an array.
    __array_ufunc__ = None

    def __init__(self, list_of_tensors: Optional[Iterable] = None):
        super().__init__(list_of_tensors if list_of_tensors is not None else [])

    def __deepcopy__(self, memodict=None):
        return TensorList(copy.deepcopy(list(self), memodict if memodict is not None else {}))

    def __getitem__(self, item):
        """An integer gives the element; a slice or a list/tuple of indices gives a TensorList."""
        if isinstance(item, numbers.Integral) or (isinstance(item, torch.Tensor) and item.dim() == 0
                                                  and not item.is_floating_point() and item.dtype != torch.bool):
            return super().__getitem__(int(item))
        if isinstance(item, (tuple, list)):
            return TensorList([super(TensorList, self).__getitem__(i) for i in item])
        return TensorList(super().__getitem__(item))

    # Element-wise arithmetic. A plain list operand is paired too (the original's behaviour), which
    # is why ``+`` does not concatenate.
    __add__ = _binary(operator.add, '__add__')
    __radd__ = _reflected(operator.add, '__radd__')
    __iadd__ = _inplace(operator.iadd, '__iadd__')
    __sub__ = _binary(operator.sub, '__sub__')
    __rsub__ = _reflected(operator.sub, '__rsub__')
    __isub__ = _inplace(operator.isub, '__isub__')
    __mul__ = _binary(operator.mul, '__mul__')
    __rmul__ = _reflected(operator.mul, '__rmul__')
    __imul__ = _inplace(operator.imul, '__imul__')
    __truediv__ = _binary(operator.truediv, '__truediv__')
    __rtruediv__ = _reflected(operator.truediv, '__rtruediv__')
    __itruediv__ = _inplace(operator.itruediv, '__itruediv__')
    __floordiv__ = _binary(operator.floordiv, '__floordiv__')
    __rfloordiv__ = _reflected(operator.floordiv, '__rfloordiv__')
    __ifloordiv__ = _inplace(operator.ifloordiv, '__ifloordiv__')
    __matmul__ = _binary(operator.matmul, '__matmul__')
    __rmatmul__ = _reflected(operator.matmul, '__rmatmul__')
    __imatmul__ = _inplace(operator.imatmul, '__imatmul__')
    __mod__ = _binary(operator.mod, '__mod__')
    __rmod__ = _reflected(operator.mod, '__rmod__')
    __imod__ = _inplace(operator.imod, '__imod__')
    __pow__ = _binary(operator.pow, '__pow__')
    __rpow__ = _reflected(operator.pow, '__rpow__')
    __ipow__ = _inplace(operator.ipow, '__ipow__')
    __and__ = _binary(operator.and_, '__and__')
    __rand__ = _reflected(operator.and_, '__rand__')
    __or__ = _binary(operator.or_, '__or__')
    __ror__ = _reflected(operator.or_, '__ror__')

    __pos__ = _unary(operator.pos, '__pos__')
    __neg__ = _unary(operator.neg, '__neg__')
    __abs__ = _unary(operator.abs, '__abs__')
    __invert__ = _unary(operator.invert, '__invert__')

    # Ordering comparisons are element-wise. ``==``/``!=`` keep list semantics (whole-list
    # equality), as in the original, so membership tests and equality of lists keep working.
    __le__ = _binary(operator.le, '__le__')
    __ge__ = _binary(operator.ge, '__ge__')
    __lt__ = _binary(operator.lt, '__lt__')
    __gt__ = _binary(operator.gt, '__gt__')

    def concat(self, other: Iterable) -> 'TensorList':
        """List concatenation (what ``+`` does for a plain list); elements are not copied."""
        return TensorList(list(self) + list(other))

    def copy(self) -> 'TensorList':
        """Shallow copy: a new TensorList holding the same elements."""
        return TensorList(list(self))

    def unroll(self) -> 'TensorList':
        """Flatten nested TensorLists into one TensorList (depth-first order)."""
        if not any(isinstance(t, TensorList) for t in self):
            return self
        flat = TensorList()
        for t in self:
            if isinstance(t, TensorList):
                flat.extend(t.unroll())
            else:
                flat.append(t)
        return flat

    def list(self) -> list:
        """The elements as a plain Python list."""
        return list(self)

    def attribute(self, attr: str, *args) -> 'TensorList':
        """TensorList of ``getattr(e, attr, *args)`` for each element (optional default as for getattr)."""
        return TensorList([getattr(e, attr, *args) for e in self])

    def apply(self, fn: Callable[[Any], Any]) -> 'TensorList':
        """TensorList of ``fn(e)`` for each element."""
        return TensorList([fn(e) for e in self])

    def __getattr__(self, name: str):
        # Only reached for names a list does not have. Dunder and private names are never forwarded:
        # PyTorch looks up e.g. ``__torch_function__`` to decide whether an object overrides torch
        # functions, and a forwarded one would make torch.autograd.grad treat the whole list as a
        # single tensor-like object.
        if name.startswith('_') or not hasattr(torch.Tensor, name):
            raise AttributeError("'TensorList' object has no attribute '{}'".format(name))

        if not callable(getattr(torch.Tensor, name)):
            # Data attributes (shape, device, requires_grad, grad, ...) are read from each element.
            return TensorList([getattr(e, name) for e in self])

        def apply_attr(*args, **kwargs):
            return TensorList([getattr(e, name)(*args, **kwargs) for e in self])

        apply_attr.__name__ = name
        return apply_attr

    @staticmethod
    def _iterable(a: Any) -> bool:
        return _is_list(a)


def tensor_operation(op: Callable) -> Callable:
    """Decorator: make a function of tensors accept TensorLists.

    If the first positional argument (or the second one) is a TensorList, ``op`` is applied
    element-wise and a TensorList is returned; when both the first two are TensorLists they are
    zipped. The remaining arguments are passed unchanged to every call. Without TensorList
    operands ``op`` is called as is.
    """

    @functools.wraps(op)
    def oplist(*args, **kwargs):
        if len(args) == 0:
            raise ValueError('{}: at least one positional operand is required.'.format(op.__name__))

        first = isinstance(args[0], TensorList)
        second = len(args) > 1 and isinstance(args[1], TensorList)
        if first and second:
            if len(args[0]) != len(args[1]):
                raise ValueError('{}: TensorList operands have different lengths ({} and {}).'.format(
                    op.__name__, len(args[0]), len(args[1])))
            return TensorList([op(a, b, *args[2:], **kwargs) for a, b in zip(args[0], args[1])])
        if first:
            return TensorList([op(a, *args[1:], **kwargs) for a in args[0]])
        if second:
            return TensorList([op(args[0], b, *args[2:], **kwargs) for b in args[1]])
        return op(*args, **kwargs)

    return oplist

"""Records how a network was built, so that a checkpoint can rebuild it.

A builder function decorated with :func:`model_constructor` attaches a :class:`NetConstructor`
to the network it returns. The trainer pickles that object into the checkpoint (key
``constructor``); :func:`ltr.admin.loading.load_network` calls :meth:`NetConstructor.get` to
rebuild the architecture before loading the weights.
"""
import importlib
from functools import wraps
from typing import Any, Callable


def model_constructor(f: Callable) -> Callable:
    """Decorate a network builder so that its output carries a ``constructor`` attribute.

    If the builder returns a tuple or list, the first element is taken to be the network.
    """

    @wraps(f)
    def f_wrapper(*args, **kwds):
        net_constr = NetConstructor(f.__name__, f.__module__, args, kwds)
        output = f(*args, **kwds)
        target = output[0] if isinstance(output, (tuple, list)) else output
        target.constructor = net_constr
        return output

    # Marks the function as a network builder: ltr.admin.loading.load_network calls only builders that
    # carry this mark, so a checkpoint cannot name an arbitrary function (e.g. os.system) to be run.
    f_wrapper.is_model_constructor = True
    return f_wrapper


class NetConstructor:
    """The name, module and arguments of a network builder function.

    Attribute names are part of the checkpoint format: official model-zoo files pickle
    instances of this class with exactly these four attributes.

    args:
        fun_name - name of the builder function.
        fun_module - dotted path of the module that holds it.
        args - positional arguments (tuple).
        kwds - keyword arguments (dict).
    """

    def __init__(self, fun_name: str, fun_module: str, args: tuple, kwds: dict):
        self.fun_name = fun_name
        self.fun_module = fun_module
        self.args = args
        self.kwds = kwds

    def get(self) -> Any:
        """Import the builder and call it with the recorded arguments; returns the network."""
        net_module = importlib.import_module(self.fun_module)
        net_fun = getattr(net_module, self.fun_name)
        return net_fun(*self.args, **self.kwds)

    def __repr__(self) -> str:
        return "NetConstructor({}.{}, args={!r}, kwds={!r})".format(self.fun_module, self.fun_name,
                                                                    self.args, self.kwds)

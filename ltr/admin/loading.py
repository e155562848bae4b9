"""Reading and writing network checkpoints in the official layout.

A checkpoint is a ``torch.save``-d dict with keys ``epoch, actor_type, net_type, net, net_info,
constructor, optimizer, stats, settings`` (see ``MODEL_ZOO.md``). Besides tensors it pickles a
:class:`~ltr.admin.model_constructor.NetConstructor`, training statistics and the training
settings. Reading is safe by default: the unpickler resolves only an allow-list of classes and
functions (tensor rebuilding, plain containers, the framework's constructor/stats/settings
classes). Other classes of the framework's own namespaces (``ltr.*``, ``pytracking.*`` and the
legacy ``dlframework.*``, e.g. the user's ``ltr.admin.local.EnvironmentSettings``) are read as
inert data objects whose modules are never imported. Anything else is refused with
:class:`UnsafeCheckpointError` unless the caller passes ``allow_unsafe=True``.

The ``constructor`` entry names the function that rebuilds the network, so :func:`load_network`
checks it before anything runs: its module must belong to the framework or be imported already,
and the function must be decorated with ``@model_constructor`` (see :func:`_resolve_builder`).
"""
import importlib
import inspect
import logging
import os
import pickle
import sys
import tempfile
import types
from pathlib import Path
from typing import Any, Optional, Tuple, Union

import torch

logger = logging.getLogger(__name__)

__all__ = ['load_network', 'load_weights', 'load_pretrained', 'load_trained_network', 'torch_load_legacy',
           'save_checkpoint', 'UnsafeCheckpointError', 'CheckpointError', 'InertObject']


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, unreadable, or does not fit the network it describes."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint contains a pickled object outside the allow-list."""


class InertObject:
    """Stand-in for a pickled instance of a framework class that is not imported on load.

    The pickled attributes are available as ordinary attributes; ``_pickled_class`` names the
    original class.
    """

    _pickled_class = '?'

    def __repr__(self) -> str:
        return '<inert {} {}>'.format(self._pickled_class, vars(self))


class _InertMeta(type):
    def __call__(cls, *args, **kwargs):
        # Reached only through a REDUCE opcode: a pickle asking to *call* this name.
        raise UnsafeCheckpointError("Refusing to call '{}' while reading a checkpoint.".format(cls._pickled_class))


_ALLOWED = {
    ('collections', 'OrderedDict'), ('collections', 'defaultdict'),
    ('builtins', 'set'), ('builtins', 'frozenset'), ('builtins', 'slice'), ('builtins', 'complex'),
    ('builtins', 'object'), ('builtins', 'list'), ('builtins', 'dict'), ('builtins', 'tuple'),
    ('builtins', 'bytearray'), ('builtins', 'int'), ('builtins', 'float'), ('builtins', 'bool'), ('builtins', 'str'),
    ('copyreg', '_reconstructor'),
    ('torch', 'Size'), ('torch', 'device'), ('torch', 'Tensor'), ('torch.nn.parameter', 'Parameter'),
    ('torch._tensor', '_rebuild_from_type_v2'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'),
    ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
    ('ltr.admin.model_constructor', 'NetConstructor'),
    ('ltr.admin.stats', 'AverageMeter'), ('ltr.admin.stats', 'StatValue'),
    ('ltr.admin.settings', 'Settings'),
}
_ALLOWED_TORCH_UTILS = {'_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter',
                        '_rebuild_parameter_with_state', '_rebuild_device_tensor_from_numpy',
                        '_rebuild_meta_tensor_no_storage', '_rebuild_sparse_tensor', '_rebuild_nested_tensor'}
_INERT_NAMESPACES = ('ltr.', 'pytracking.', 'dlframework.')


def _map_legacy_module(module: str) -> str:
    """Module paths of networks trained before the original's refactoring ('dlframework')."""
    if module.startswith('dlframework.common.utils.'):
        return 'ltr.admin.' + module[len('dlframework.common.utils.'):]
    if module.startswith('dlframework.common.'):
        return 'ltr.' + module[len('dlframework.common.'):]
    if module.startswith('dlframework.'):
        return 'ltr.' + module[len('dlframework.'):]
    return module


def _make_inert_class(module: str, name: str) -> type:
    return _InertMeta(name, (InertObject,), {'_pickled_class': '{}.{}'.format(module, name)})


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only allow-listed globals (see module docstring)."""

    source = '<checkpoint>'

    def find_class(self, module: str, name: str) -> Any:
        module = _map_legacy_module(module)
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module == 'torch._utils' and name in _ALLOWED_TORCH_UTILS:
            return super().find_class(module, name)
        if module == 'torch' and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if module == 'numpy.dtypes' and name.endswith('DType'):
            obj = super().find_class(module, name)
            if isinstance(obj, type):
                return obj
        if module.startswith(_INERT_NAMESPACES) or module == 'ltr':
            cache = self.__dict__.setdefault('_inert_classes', {})
            if (module, name) not in cache:
                cache[(module, name)] = _make_inert_class(module, name)
            return cache[(module, name)]
        raise UnsafeCheckpointError(
            "Refusing to load '{}': it contains a pickled '{}.{}', which is not on the allow-list of objects in "
            "checkpoint files. If you trust this file, load it with allow_unsafe=True (this runs arbitrary code "
            "stored in the file).".format(self.source, module, name))


def _safe_pickle_module(source: str) -> types.ModuleType:
    """A pickle-like module for ``torch.load(pickle_module=...)`` using the restricted unpickler."""
    mod = types.ModuleType('ltr_safe_pickle')
    unpickler_cls = type('Unpickler', (_RestrictedUnpickler,), {'source': source})
    mod.Unpickler = unpickler_cls
    mod.load = lambda f, **kw: unpickler_cls(f, **kw).load()
    mod.loads = lambda b, **kw: unpickler_cls(__import__('io').BytesIO(b), **kw).load()
    mod.UnpicklingError = pickle.UnpicklingError
    return mod


class _LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(_map_legacy_module(module), name)


def torch_load_legacy(path: Union[str, Path], allow_unsafe: bool = False, map_location: Any = 'cpu') -> Any:
    """Read a checkpoint file written by ``torch.save`` (official layout or any other).

    args:
        path - the file.
        allow_unsafe - unpickle without the allow-list (arbitrary code in the file may run). Only for
                       files you trust, when the safe reader refuses them.
        map_location - where tensors are placed (default CPU; move the network afterwards).
    """
    path = str(path)
    if not os.path.isfile(path):
        raise CheckpointError("Checkpoint file not found: '{}'".format(path))
    if allow_unsafe:
        logger.warning("Loading '%s' with allow_unsafe=True: the file may run arbitrary code.", path)
        legacy = types.ModuleType('ltr_legacy_pickle')
        legacy.Unpickler = _LegacyUnpickler
        legacy.load = lambda f, **kw: _LegacyUnpickler(f, **kw).load()
        legacy.UnpicklingError = pickle.UnpicklingError
        return torch.load(path, map_location=map_location, weights_only=False, pickle_module=legacy)
    try:
        return torch.load(path, map_location=map_location, weights_only=False, pickle_module=_safe_pickle_module(path))
    except UnsafeCheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, RuntimeError, ValueError, OSError) as e:
        raise CheckpointError("Could not read checkpoint '{}' (truncated or not a torch checkpoint?): {}".format(
            path, e)) from e


def save_checkpoint(state: dict, path: Union[str, Path]) -> None:
    """Write ``state`` with ``torch.save`` atomically: a temporary file in the same folder, then rename.

    A reader never sees a half-written file, and an interrupted save leaves any previous file intact.
    """
    path = str(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def export_network_file(checkpoint_path: Union[str, Path], out_path: Union[str, Path],
                        builder_name: Optional[str] = None) -> dict:
    """Write a network file for distribution (e.g. ``pytracking/networks``) from a training checkpoint.

    Keeps the official layout (``epoch``, ``actor_type``, ``net_type``, ``net``, ``net_info``, ``constructor``,
    ``stats``, ``settings``) but drops what only resuming needs (``optimizer``, ``lr_scheduler``, ``grad_scaler``:
    they would double the file) and the machine-specific paths in ``settings.env``.

    args:
        checkpoint_path: A checkpoint written by the trainer.
        out_path: The file to write (atomically).
        builder_name: If given, the checkpoint's constructor must name this builder function.
    returns: the written dict.
    """
    ckpt = torch_load_legacy(checkpoint_path)
    found = getattr(ckpt.get('constructor'), 'fun_name', None)
    if builder_name is not None and found != builder_name:
        raise CheckpointError("{} was not built by '{}' (constructor: {!r})".format(checkpoint_path, builder_name,
                                                                                     found))
    for key in ('optimizer', 'lr_scheduler', 'grad_scaler'):
        ckpt.pop(key, None)
    settings = ckpt.get('settings')
    if settings is not None and hasattr(settings, 'env'):
        del settings.env
    save_checkpoint(ckpt, out_path)
    return ckpt


def _find_checkpoint(net_path: Optional[Path], checkpoint: Union[None, int, str]) -> str:
    if net_path is not None and net_path.is_file():
        return str(net_path)
    if isinstance(checkpoint, str):
        return os.path.expanduser(checkpoint)
    if net_path is None:
        raise CheckpointError('load_network needs a network_dir (a checkpoint file or a folder of checkpoints).')
    if not net_path.is_dir():
        raise CheckpointError("Network file or checkpoint folder not found: '{}'".format(net_path))
    if checkpoint is None:
        found = sorted(net_path.glob('*.pth.tar'))
        if not found:
            raise CheckpointError("No checkpoint file (*.pth.tar) found in '{}'".format(net_path))
        return str(found[-1])
    if isinstance(checkpoint, int):
        found = sorted(net_path.glob('*_ep{:04d}.pth.tar'.format(checkpoint)))
        if not found:
            raise CheckpointError("No checkpoint of epoch {} (*_ep{:04d}.pth.tar) in '{}'".format(
                checkpoint, checkpoint, net_path))
        if len(found) > 1:
            raise CheckpointError("Several checkpoints of epoch {} in '{}': {}".format(
                checkpoint, net_path, [f.name for f in found]))
        return str(found[0])
    raise TypeError('checkpoint must be None, an epoch number (int) or a path (str), got {!r}'.format(checkpoint))


_BUILDER_NAMESPACES = ('ltr.', 'pytracking.')


def _resolve_builder(net_constr: Any, checkpoint_path: str, trust_module: bool, trust_function: bool) -> Any:
    """The builder function a checkpoint's ``constructor`` names, checked before anything runs.

    The names come from the file, so by default only a module of the framework (``ltr.*``,
    ``pytracking.*``) or one the program has already imported may be imported, and only a function
    decorated with :func:`~ltr.admin.model_constructor.model_constructor` may be called. The caller's
    own ``constructor_module`` / ``constructor_fun_name`` (or ``allow_unsafe``) lift the checks.
    """
    module, name = str(net_constr.fun_module), str(net_constr.fun_name)
    where = '{}.{}'.format(module, name)
    if not trust_module and not (module.startswith(_BUILDER_NAMESPACES) or module in sys.modules):
        raise UnsafeCheckpointError(
            "Refusing to load '{}': its network builder {} lies outside the ltr/pytracking packages and its module "
            "is not imported. Import that module before loading, pass constructor_module=..., or, if you trust "
            "the file, allow_unsafe=True.".format(checkpoint_path, where))
    try:
        net_fun = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise CheckpointError("The network in '{}' is built by {}, which does not exist in this installation: "
                              "{}".format(checkpoint_path, where, e)) from e
    if not trust_function and not getattr(net_fun, 'is_model_constructor', False):
        raise UnsafeCheckpointError(
            "Refusing to load '{}': it names {} as its network builder, which is not a function decorated with "
            "@model_constructor. Pass constructor_fun_name=... to choose the builder, or, if you trust the file, "
            "allow_unsafe=True.".format(checkpoint_path, where))
    return net_fun


def load_network(network_dir: Optional[Union[str, Path]] = None, checkpoint: Union[None, int, str] = None,
                 constructor_fun_name: Optional[str] = None, constructor_module: Optional[str] = None,
                 allow_unsafe: bool = False, **kwargs) -> Tuple[torch.nn.Module, dict]:
    """Build a network from a checkpoint and load its weights.

    args:
        network_dir - a checkpoint file, or a folder of checkpoints (the latest ``*.pth.tar`` is taken).
        checkpoint - epoch number (int) to pick in the folder, or a file path (str).
        constructor_fun_name, constructor_module - replace the recorded builder function / module.
        allow_unsafe - see :func:`torch_load_legacy`.
        kwargs - builder keyword arguments replacing the recorded ones (e.g. ``backbone_pretrained=False``);
                 names the builder does not take are ignored with a warning.
    returns: (network on CPU with ``constructor`` and ``info`` attributes, the checkpoint dict).
    """
    net_path = Path(os.path.expanduser(str(network_dir))) if network_dir is not None else None
    checkpoint_path = _find_checkpoint(net_path, checkpoint)
    checkpoint_dict = torch_load_legacy(checkpoint_path, allow_unsafe=allow_unsafe)
    if not isinstance(checkpoint_dict, dict) or 'net' not in checkpoint_dict:
        raise CheckpointError("'{}' is not a network checkpoint: expected a dict with a 'net' entry.".format(
            checkpoint_path))

    net_constr = checkpoint_dict.get('constructor')
    if net_constr is None:
        raise CheckpointError("'{}' has no 'constructor' entry: cannot rebuild the network.".format(checkpoint_path))
    if constructor_fun_name is not None:
        net_constr.fun_name = constructor_fun_name
    if constructor_module is not None:
        net_constr.fun_module = constructor_module
    net_constr.fun_module = _map_legacy_module(net_constr.fun_module)
    net_constr.kwds = dict(net_constr.kwds)

    net_fun = _resolve_builder(net_constr, checkpoint_path,
                               trust_module=allow_unsafe or constructor_module is not None,
                               trust_function=allow_unsafe or constructor_fun_name is not None)
    builder_args = set(inspect.signature(net_fun).parameters)
    for arg, val in kwargs.items():
        if arg in net_constr.kwds or arg in builder_args:
            net_constr.kwds[arg] = val
        else:
            logger.warning('Keyword argument "%s" not taken by %s; ignored when loading %s.', arg,
                           net_constr.fun_name, checkpoint_path)
    net = net_constr.get()

    try:
        net.load_state_dict(checkpoint_dict['net'])
    except RuntimeError as e:
        raise CheckpointError("The weights in '{}' do not fit the network built by {}.{}: {}".format(
            checkpoint_path, net_constr.fun_module, net_constr.fun_name, e)) from e

    net.constructor = net_constr
    if checkpoint_dict.get('net_info') is not None:
        net.info = checkpoint_dict['net_info']
    return net, checkpoint_dict


def load_weights(net: torch.nn.Module, path: Union[str, Path], strict: bool = True,
                 allow_unsafe: bool = False) -> torch.nn.Module:
    """Load the ``net`` entry of checkpoint ``path`` into an existing network."""
    checkpoint_dict = torch_load_legacy(path, allow_unsafe=allow_unsafe)
    net.load_state_dict(checkpoint_dict['net'], strict=strict)
    return net


def load_trained_network(workspace_dir: str, network_path: str, checkpoint: Union[None, int, str] = None):
    """Load a network trained in ``workspace_dir/checkpoints/<network_path>``; returns the network."""
    net, _ = load_network(os.path.join(workspace_dir, 'checkpoints', network_path), checkpoint)
    return net


def load_pretrained(module: str, name: str, checkpoint: Union[None, int, str] = None, **kwargs):
    """Load the network trained by ``ltr/train_settings/<module>/<name>.py`` from the workspace.

    returns: (network, checkpoint dict), as :func:`load_network`.
    """
    from ltr.admin.environment import env_settings
    network_dir = os.path.join(env_settings().workspace_dir, 'checkpoints', 'ltr', module, name)
    return load_network(network_dir=network_dir, checkpoint=checkpoint, **kwargs)

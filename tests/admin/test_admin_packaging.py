"""setup.py declares what the code imports: every third-party module the packages import unguarded is installed
by `pip install -e .`; the optional ones (imported under an ImportError handler: a fallback or a clear message)
are offered as extras, not hard requirements."""
import ast
import functools
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Import name -> distribution name, where they differ.
DISTRIBUTION = {'cv2': 'opencv-python-headless', 'PIL': 'pillow', 'sklearn': 'scikit-learn', 'yaml': 'pyyaml'}
IMPORT_ERRORS = {'ImportError', 'ModuleNotFoundError', 'Exception'}
# Modules that come with an external tool rather than from PyPI through this project (TraX comes with the
# VOT toolkit that starts the tracker).
EXTERNAL = {'trax'}


def _setup_lists():
    """install_requires and extras_require of setup.py, read from its syntax tree (nothing is run)."""
    tree = ast.parse((ROOT / 'setup.py').read_text())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'id', '') == 'setup')
    kw = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ('install_requires', 'extras_require')}

    def names(reqs):
        return {re.split(r'[<>=!~;\[ ]', r, maxsplit=1)[0].strip().lower() for r in reqs}
    return names(kw['install_requires']), {k: names(v) for k, v in kw['extras_require'].items()}


def _handles_import_error(try_node: ast.Try) -> bool:
    """A try block with a handler for ImportError (a fallback, or a re-raise with a clear message)."""
    for h in try_node.handlers:
        caught = {'Exception'} if h.type is None else set()
        for t in ([h.type] if not isinstance(h.type, ast.Tuple) else h.type.elts):
            if isinstance(t, ast.Name):
                caught.add(t.id)
        if caught & IMPORT_ERRORS:
            return True
    return False


def _try_body_nodes(try_node: ast.Try) -> set:
    """Nodes inside the guarded body of a try statement (not its handlers, else or finally)."""
    return {n for stmt in try_node.body for n in ast.walk(stmt)}


@functools.lru_cache(maxsize=1)
def _third_party_imports():
    """{top-level module: (imported unguarded somewhere?, [files])} over ltr/ and pytracking/ (function-level
    imports included)."""
    std = set(sys.stdlib_module_names)
    found = {}
    for path in sorted(list((ROOT / 'ltr').rglob('*.py')) + list((ROOT / 'pytracking').rglob('*.py'))):
        tree = ast.parse(path.read_text(), str(path))
        parents = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module]
            else:
                continue
            guarded, p = False, parents.get(node)
            while p is not None:
                if isinstance(p, ast.Try) and node in _try_body_nodes(p) and _handles_import_error(p):
                    guarded = True
                p = parents.get(p)
            for m in mods:
                top = m.split('.')[0]
                if top in std or top in ('ltr', 'pytracking'):
                    continue
                req, files = found.get(top, (False, []))
                found[top] = (req or not guarded, files + [str(path.relative_to(ROOT))])
    return found


def test_every_needed_import_is_an_install_requirement():
    install_requires, extras = _setup_lists()
    imports = _third_party_imports()
    assert {'torch', 'numpy', 'cv2'} <= set(imports)  # the scan does see the code
    missing = {m: files[:3] for m, (required, files) in imports.items()
               if required and DISTRIBUTION.get(m, m).lower() not in install_requires}
    assert not missing, 'imported outside any ImportError handler but not in install_requires: {}'.format(missing)


def test_optional_imports_are_guarded_and_offered_as_extras():
    install_requires, extras = _setup_lists()
    imports = _third_party_imports()
    optional_dists = set().union(*(v for k, v in extras.items() if k != 'test'))
    for module in ('jpeg4py', 'visdom'):
        assert module in imports and not imports[module][0], '{} must be imported under an ImportError handler'.format(
            module)
    assert extras['jpeg'] == {'jpeg4py'} and extras['visdom'] == {'visdom'}
    unknown = {m: files[:3] for m, (_, files) in imports.items()
               if DISTRIBUTION.get(m, m).lower() not in install_requires | optional_dists and m not in EXTERNAL}
    assert not unknown, 'imported but neither required nor offered as an extra: {}'.format(unknown)
    assert not optional_dists & install_requires
    # tikzplotlib 0.10.1 (its last release) does not import with matplotlib >= 3.8: not offered.
    assert 'tikzplotlib' not in optional_dists | install_requires

"""The import hook: a meta path finder that rewrites the selected modules
as they are imported, and the runners for `script.py` and `-m module`.

The finder asks the normal path finder for the module's spec and, when the
module is selected (config.ModuleSelector) and comes from a `.py` file,
swaps in a loader that compiles the rewritten AST. The rewritten code is
never written to `__pycache__`: the next run without the recorder must not
load instrumented bytecode, and with it the source is rewritten anew.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import types
from typing import Optional, Sequence

from .config import ModuleSelector, RecorderConfig
from .recorder import RECORDER
from .rewrite import instrument


def compile_instrumented(source: str, filename: str, module: str, display_module: str) -> types.CodeType:
    tree, _probe = instrument(source, filename, module, display_module, RECORDER.relative_path(filename))
    return compile(tree, filename, "exec", dont_inherit=True)


class InstrumentingLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from its source, rewritten."""

    def get_code(self, fullname: str) -> types.CodeType:  # type: ignore[override]
        path = self.get_filename(fullname)
        source = importlib.util.decode_source(self.get_data(path))
        return compile_instrumented(source, path, fullname, fullname)


class InstrumentingFinder(importlib.abc.MetaPathFinder):
    """Finds modules the normal way and rewrites the selected ones."""

    def __init__(self, selector: ModuleSelector):
        self.selector = selector

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType] = None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            return None
        if not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        if not self.selector.selects(fullname, spec.origin):
            return None
        spec.loader = InstrumentingLoader(fullname, spec.origin)
        return spec


_finder: Optional[InstrumentingFinder] = None


def install_hook(config: RecorderConfig) -> InstrumentingFinder:
    """Put the finder first on `sys.meta_path` (replacing an earlier one)."""
    global _finder
    uninstall_hook()
    _finder = InstrumentingFinder(ModuleSelector(config))
    sys.meta_path.insert(0, _finder)
    return _finder


def uninstall_hook() -> None:
    global _finder
    if _finder is not None and _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None


def run_script(path: str, argv: Sequence[str], selector: ModuleSelector) -> None:
    """Run `path` as `__main__`, like `python path args`, rewritten."""
    path = os.path.abspath(path)
    with open(path, "rb") as handle:
        source = importlib.util.decode_source(handle.read())
    display = os.path.splitext(os.path.basename(path))[0]
    RECORDER.main_module = display
    if selector.selects_script(path):
        code = compile_instrumented(source, path, "__main__", display)
    else:
        code = compile(source, path, "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
    module.__spec__ = None
    sys.modules["__main__"] = module
    sys.argv = [path, *argv]
    # As under `python script.py`: the script's folder comes first on the
    # path, in place of the current directory that `-m` put there.
    if sys.path:
        sys.path[0] = os.path.dirname(path)
    else:
        sys.path.insert(0, os.path.dirname(path))
    exec(code, module.__dict__)


def run_module(name: str, argv: Sequence[str]) -> None:
    """Run a module like `python -m name args`; the finder rewrites it if
    it is selected."""
    sys.argv = [name, *argv]
    runpy.run_module(name, run_name="__main__", alter_sys=True)

"""What to record and how: one immutable settings object shared by the CLI,
the pytest plugin and the `start()` API.

Module selection works on dotted module names (`shop.*`) and on file paths
(`*/vendor/*`, `legacy.py`): a pattern with a `/` or ending in `.py` is a
path pattern, anything else a module pattern. `pkg.*` also matches `pkg`
itself, so `--include 'shop.*'` instruments the package's `__init__` too.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
import sysconfig
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

#: Names (of arguments, attributes, dictionary keys, headers) whose values
#: are redacted unless the user turns the defaults off. Matched as regular
#: expressions, case-insensitively, anywhere in the name.
DEFAULT_REDACT_PATTERNS: Tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "token",
    "api[_-]?key",
    "authorization",
    "cookie",
    "credential",
    "private[_-]?key",
)

#: The recorder's own package: never instrumented, whatever the patterns say.
RECORDER_PACKAGE = "causeway_recorder"


def _is_path_pattern(pattern: str) -> bool:
    return "/" in pattern or os.sep in pattern or pattern.endswith(".py")


def _module_matches(module: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(module, pattern):
        return True
    # `pkg.*` should also select `pkg` (its __init__), which fnmatch does not.
    return pattern.endswith(".*") and module == pattern[:-2]


def _path_matches(path: str, pattern: str) -> bool:
    path = path.replace(os.sep, "/")
    pattern = pattern.replace(os.sep, "/")
    if "/" not in pattern:
        # `test_*.py`: a file name, never a match across folders (fnmatch's
        # `*` would match `/tmp/test_run/shop/cart.py`).
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # A relative pattern matches the end of the path (`legacy.py`, `vendor/*`).
    return not pattern.startswith("/") and fnmatch.fnmatchcase(path, "*/" + pattern)


def _stdlib_dirs() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths.get("stdlib"), paths.get("platstdlib")}
    return tuple(os.path.realpath(d) for d in dirs if d)


def _third_party_dirs() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths.get("purelib"), paths.get("platlib")}
    dirs.update(p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages")))
    return tuple(os.path.realpath(d) for d in dirs if d)


@dataclass(frozen=True)
class RecorderConfig:
    """Settings for one recording.

    `include` empty means "the project's own code": every module whose file
    lies under `root` and outside the standard library and site-packages.
    """

    out: str = "causeway-trace.jsonl"
    #: A collector's base URL (`http://host:port`): events are sent to its
    #: `POST /v1/events` instead of being written to `out`.
    endpoint: Optional[str] = None
    include: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    service: str = "python"
    root: str = field(default_factory=os.getcwd)
    clocks: bool = False
    sample: float = 1.0
    redact: Tuple[str, ...] = ()
    default_redactions: bool = True
    #: Recorded values are cut to keep traces small and recording cheap.
    max_string: int = 200
    max_items: int = 20
    max_depth: int = 3

    def redact_patterns(self) -> Tuple[str, ...]:
        base = DEFAULT_REDACT_PATTERNS if self.default_redactions else ()
        return tuple(base) + tuple(self.redact)

    def relative_path(self, path: str) -> str:
        """The path written in events: relative to `root` when under it."""
        real = os.path.realpath(path)
        root = os.path.realpath(self.root)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(real, root).replace(os.sep, "/")
        return real.replace(os.sep, "/")


class ModuleSelector:
    """Decides which modules the import hook rewrites."""

    def __init__(self, config: RecorderConfig):
        self._include = tuple(config.include)
        self._exclude = tuple(config.exclude)
        self._root = os.path.realpath(config.root)
        self._stdlib = _stdlib_dirs()
        self._third_party = _third_party_dirs()
        self._recorder_dir = os.path.dirname(os.path.realpath(__file__))

    def _under(self, path: str, dirs: Sequence[str]) -> bool:
        return any(path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in dirs)

    def is_protected(self, module: str, path: Optional[str]) -> bool:
        """The standard library and the recorder itself are never rewritten."""
        if module == RECORDER_PACKAGE or module.startswith(RECORDER_PACKAGE + "."):
            return True
        if module.split(".")[0] in _STDLIB_NAMES:
            return True
        if path is None:
            return True
        real = os.path.realpath(path)
        if self._under(real, (self._recorder_dir,)):
            return True
        # The stdlib folder contains site-packages: only the part outside it counts.
        return self._under(real, self._stdlib) and not self._under(real, self._third_party)

    def excluded(self, module: str, path: Optional[str]) -> bool:
        for pattern in self._exclude:
            if _is_path_pattern(pattern):
                if path is not None and _path_matches(os.path.realpath(path), pattern):
                    return True
            elif _module_matches(module, pattern):
                return True
        return False

    def selects(self, module: str, path: Optional[str]) -> bool:
        """True when `module` (loaded from `path`) should be instrumented."""
        if self.is_protected(module, path) or self.excluded(module, path):
            return False
        if not self._include:
            real = os.path.realpath(path) if path else ""
            return self._under(real, (self._root,)) and not self._under(real, self._third_party)
        for pattern in self._include:
            if _is_path_pattern(pattern):
                if path is not None and _path_matches(os.path.realpath(path), pattern):
                    return True
            elif _module_matches(module, pattern):
                return True
        return False

    def selects_script(self, path: str) -> bool:
        """The script given on the command line is user code: always
        instrumented unless excluded (or part of the standard library)."""
        real = os.path.realpath(path)
        if self._under(real, self._stdlib) and not self._under(real, self._third_party):
            return False
        return not self.excluded("__main__", path)


def _stdlib_module_names() -> frozenset:
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return frozenset(names)
    # Python 3.9 has no sys.stdlib_module_names: the builtin modules are the
    # ones we can name cheaply; files under the stdlib folder are caught by path.
    return frozenset(sys.builtin_module_names)


_STDLIB_NAMES = _stdlib_module_names()


def compile_redaction(patterns: Sequence[str]) -> Optional["re.Pattern[str]"]:
    """One case-insensitive regex matching any of `patterns`, or None."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)

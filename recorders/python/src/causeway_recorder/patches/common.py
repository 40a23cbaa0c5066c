"""What the patches share: who created a primitive, which lines an
awaitable stands for, and a reversible way to replace attributes."""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any, Dict, Iterable, List, Tuple

from ..lines import ExecLine
from ..probe import WRAPPER_CODES
from ..recorder import RECORDER

#: Awaitables and futures -> the lines of execution they complete with
#: (a task: its own line; `gather(...)`: its children; an executor future:
#: its work item). Weak, so that finished tasks are not kept alive.
JOINABLE: "weakref.WeakKeyDictionary[Any, Tuple[ExecLine, ...]]" = weakref.WeakKeyDictionary()

_STDLIB_DIR = os.path.dirname(os.__file__)
_RECORDER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_user_files: Dict[str, bool] = {}
#: Code objects of the wrappers that make a call on the program's behalf.
TRANSPARENT_CODES = frozenset(WRAPPER_CODES)


def created_by_user_code(depth: int = 2) -> bool:
    """True when the frame `depth` levels up belongs to the program being
    recorded: a rewritten module, or a file under the project root outside
    the standard library, site-packages and the recorder.

    Primitives the standard library makes for itself (the mutex inside
    `queue.Queue`, the semaphore of a thread pool, the events of
    `threading.Thread`) are not recorded: they would add synchronization
    between threads that the program itself never asked for, and hide its
    races.
    """
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return False
    # The recorder's wrappers around a call made by the program (probe.py)
    # stand for the program's own frame.
    while frame.f_code in TRANSPARENT_CODES and frame.f_back is not None:
        frame = frame.f_back
    if "__causeway__" in frame.f_globals:
        return True
    filename = frame.f_code.co_filename
    known = _user_files.get(filename)
    if known is None:
        real = os.path.realpath(filename)
        root = os.path.realpath(RECORDER.config.root)
        known = (
            real.startswith(root.rstrip(os.sep) + os.sep)
            and not real.startswith(_STDLIB_DIR)
            and not real.startswith(_RECORDER_DIR)
            and "site-packages" not in real
        )
        _user_files[filename] = known
    return known


def lines_of(value: Any) -> List[ExecLine]:
    """The lines `value` stands for, looking one level into collections
    (`asyncio.wait({t1, t2})`)."""
    found: List[ExecLine] = []
    candidates: Iterable[Any] = value if isinstance(value, (list, tuple, set, frozenset)) else (value,)
    for candidate in candidates:
        try:
            lines = JOINABLE.get(candidate)
        except TypeError:  # unhashable
            lines = None
        if lines:
            found.extend(lines)
    return found


def join_finished(lines: Iterable[ExecLine]) -> None:
    """Record `async_await` for the lines that have finished."""
    finished = [line for line in lines if line.finished()]
    if finished:
        RECORDER.joined(finished, depth=3)


class Patcher:
    """Replaces attributes and remembers the originals, to undo it all."""

    def __init__(self) -> None:
        self._saved: List[Tuple[Any, str, Any]] = []

    def replace(self, owner: Any, name: str, value: Any) -> Any:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        self._saved.append((owner, name, original))
        setattr(owner, name, value)
        return original

    def undo(self) -> None:
        while self._saved:
            owner, name, original = self._saved.pop()
            setattr(owner, name, original)

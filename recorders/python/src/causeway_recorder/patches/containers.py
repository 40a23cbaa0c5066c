"""`bisect` and `heapq`: functions that change (or search) a list they are
given. Called from recorded code, each is recorded as a write (or a read)
of the list's contents, the same variable as `items.append(x)` writes
(containers.py); called from the standard library's own code (a
`PriorityQueue`'s heap) they record nothing.

`from heapq import heappush` binds whatever the module holds at import,
so the patch is in place before the program's modules are imported."""

from __future__ import annotations

import bisect
import functools
import heapq
from typing import Any, Callable

from ..recorder import MISSING, RECORDER, user_location
from .common import Patcher, created_by_user_code

_patcher = Patcher()

_WRITES = {bisect: ("insort", "insort_left", "insort_right"), heapq: ("heappush", "heappop", "heapify", "heapreplace", "heappushpop")}
_READS = {bisect: ("bisect", "bisect_left", "bisect_right")}


def _recording(original: Callable[..., Any], operation: str, writes: bool) -> Callable[..., Any]:
    @functools.wraps(original)
    def patched(items: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = original(items, *args, **kwargs)
        except BaseException:
            _record(items, operation, False, MISSING)
            raise
        _record(items, operation, writes, result)
        return result

    return patched


def _record(items: Any, operation: str, writes: bool, result: Any) -> None:
    # Frames: _record, patched, the caller.
    try:
        if RECORDER.active and isinstance(items, list) and created_by_user_code(3):
            site = RECORDER.site_at(user_location(3))
            RECORDER.container_access(items, operation, writes, False, None, result, site)
    except Exception as error:
        RECORDER.internal_error(error)


def install() -> None:
    for table, writes in ((_WRITES, True), (_READS, False)):
        for module, names in table.items():
            for name in names:
                original = getattr(module, name)
                _patcher.replace(module, name, _recording(original, f"{module.__name__}.{name}", writes))


def uninstall() -> None:
    _patcher.undo()

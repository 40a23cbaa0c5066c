"""Lines of execution: the `thread` of every event.

The format's unit of sequential execution is (service, thread). Here each
OS thread, each asyncio task and each call submitted to a thread pool is
one line with its own name, so that two tasks running on one event loop, or
two work items that happened to run on one pool thread, are still seen as
concurrent: the analyzer then reports the races a different schedule would
expose, not only the ones this run happened to interleave.

Which line is running is found in this order:

1. a context variable set by a task or work item, valid only on the OS
   thread that set it (`asyncio.to_thread` copies contexts into pool
   threads, where the task's line must not be used);
2. a thread-local set on the first event of each OS thread.
"""

from __future__ import annotations

import _thread
import contextvars
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional

_current_task_line: "contextvars.ContextVar[Optional[ExecLine]]" = contextvars.ContextVar(
    "causeway_line", default=None
)
_thread_state = threading.local()
#: More than any one `gather(...)` or `wait_for(...)` call spawns.
_RECENT_SPAWNS = 4096
_get_ident = _thread.get_ident
# Taken before the patches replace it: asking whether a thread finished
# must not itself record a join.
_thread_is_alive = threading.Thread.is_alive


class ExecLine:
    """One sequential line of execution and what the recorder tracks for it."""

    __slots__ = ("name", "stack", "base_parent", "busy", "spawned", "spawn_count", "ident", "clock", "pending_clock", "handle", "head", "trace", "__weakref__")

    def __init__(self, name: str, base_parent: Optional[str] = None):
        self.name = name
        #: Open function_entry event ids, innermost last: the parent of the next event.
        self.stack: List[str] = []
        #: Parent of events outside any recorded call (the async_spawn that started the line).
        self.base_parent = base_parent
        #: True while the recorder itself runs on this line (encoding a value
        #: may call a user __repr__, which must not be recorded).
        self.busy = False
        #: The lines this line spawned most recently, and how many it ever
        #: spawned: lets `gather`, `wait_for`, ... join exactly the tasks
        #: they created, without keeping every line a server ever spawned.
        self.spawned: Deque["ExecLine"] = deque(maxlen=_RECENT_SPAWNS)
        self.spawn_count = 0
        #: OS thread the line runs on (tasks and work items).
        self.ident = 0
        #: Vector clock (only with --clocks): {clock id: counter}.
        self.clock: Dict[str, int] = {}
        #: The spawner's clock, joined into this line's first event.
        self.pending_clock: Optional[Dict[str, int]] = None
        #: Weak reference to what runs the line (thread, task, future), to
        #: tell whether it has finished: only finished lines are joined.
        self.handle: Optional[Callable[[], Any]] = None
        #: (service, JSON text of the metadata fields every event of the line starts with)
        self.head: Optional[tuple] = None
        #: The trace the line's events belong to, when not the recording's:
        #: a server's request lane carries its caller's trace id.
        self.trace: Optional[str] = None

    def finished(self) -> bool:
        handle = self.handle() if self.handle is not None else None
        if handle is None:
            return True
        done = getattr(handle, "done", None)
        if done is not None:
            return bool(done())
        return not _thread_is_alive(handle)

    def note_spawn(self, child: "ExecLine") -> None:
        self.spawned.append(child)
        self.spawn_count += 1

    def spawned_since(self, mark: int) -> List["ExecLine"]:
        """The lines spawned after `spawn_count` was `mark`."""
        count = min(self.spawn_count - mark, len(self.spawned))
        return list(self.spawned)[-count:] if count > 0 else []

    def parent(self) -> Optional[str]:
        stack = self.stack
        return stack[-1] if stack else self.base_parent

    def __repr__(self) -> str:
        return f"ExecLine({self.name!r})"


class LineNames:
    """Hands out thread names that are unique in the recording: a user may
    give two threads the same name, and the format would merge them."""

    def __init__(self) -> None:
        self._used: set = set()
        self._task_counter = 0
        self._lock = _thread.allocate_lock()

    def unique(self, wanted: str) -> str:
        with self._lock:
            name = wanted
            suffix = 1
            while name in self._used:
                suffix += 1
                name = f"{wanted}#{suffix}"
            self._used.add(name)
            return name

    def next_task(self, prefix: str = "task") -> str:
        with self._lock:
            self._task_counter += 1
            number = self._task_counter
        return self.unique(f"{prefix}-{number}")

    def reset(self) -> None:
        with self._lock:
            self._used.clear()
            self._task_counter = 0


NAMES = LineNames()


def current_line() -> ExecLine:
    """The line of execution the caller runs on (see the module docstring)."""
    line = _current_task_line.get()
    if line is not None and line.ident == _get_ident():
        return line
    try:
        return _thread_state.line
    except AttributeError:
        return _adopt_os_thread()


def _adopt_os_thread() -> ExecLine:
    thread = threading.current_thread()
    line = getattr(thread, "_causeway_line", None)
    if line is None:
        if thread is threading.main_thread():
            line = ExecLine(NAMES.unique("main"))
        else:
            line = ExecLine(NAMES.unique(thread.name or f"thread-{_get_ident()}"))
    line.ident = _get_ident()
    _thread_state.line = line
    return line


def enter_line(line: ExecLine) -> Any:
    """Make `line` current on this OS thread (tasks, work items); returns a
    token for `leave_line`."""
    line.ident = _get_ident()
    return _current_task_line.set(line)


def leave_line(token: Any) -> None:
    _current_task_line.reset(token)


def push_thread_line(line: ExecLine) -> Optional[ExecLine]:
    """Run `line` on this OS thread until `pop_thread_line` (a work item on
    a pool thread). Kept in the thread-local rather than the context: the
    item may run its function under another context (`asyncio.to_thread`
    runs it in a copy of the calling task's context)."""
    previous = getattr(_thread_state, "line", None)
    line.ident = _get_ident()
    _thread_state.line = line
    return previous


def pop_thread_line(previous: Optional[ExecLine]) -> None:
    if previous is None:
        forget_thread_state()
    else:
        _thread_state.line = previous


def forget_thread_state() -> None:
    """Drop this OS thread's cached line (a new recording starts)."""
    try:
        del _thread_state.line
    except AttributeError:
        pass

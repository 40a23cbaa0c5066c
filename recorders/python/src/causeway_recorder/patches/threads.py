"""`threading`: threads as spawn/await, locks as lock events, events and
barriers as messages.

| primitive | recorded as |
|---|---|
| `Thread.start` / `Thread.join` | `async_spawn` before the start / `async_await` after a join that saw the thread end |
| `Lock`, `RLock`, `Condition` (its lock, also around `wait`), `Semaphore`, `BoundedSemaphore` | `lock_acquire` after acquiring / `lock_release` before releasing |
| `Event.set` / a `wait` or `is_set` that saw it set | `message_send` / `message_receive` of that `set` |
| `Barrier.wait` | every party sends, then receives, the same message per generation |
| an exception escaping a thread | an `error` event (via `threading.excepthook`) |

Locks, conditions, semaphores, events and barriers are recorded when the
program creates them (see `created_by_user_code`), not when the standard
library makes one for its own use.
"""

from __future__ import annotations

import _thread
import threading
import weakref
from typing import Any, Optional

from .. import ids
from ..lines import NAMES, ExecLine
from ..recorder import RECORDER
from .common import Patcher, created_by_user_code

_patcher = Patcher()
_original_lock = threading.Lock
_original_rlock = threading.RLock


def _label(obj: Any, kind: str) -> str:
    return RECORDER.objects.label(obj, kind)


class TracedLock:
    """A `threading.Lock` that records its acquires and releases."""

    __slots__ = ("_lock", "__weakref__")

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        acquired = self._lock.acquire(blocking, timeout)
        if acquired and RECORDER.active:
            RECORDER.sync("lock_acquire", {"lock": _label(self, "Lock")})
        return acquired

    def release(self) -> None:
        if RECORDER.active and self._lock.locked():
            RECORDER.sync("lock_release", {"lock": _label(self, "Lock")})
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def _at_fork_reinit(self) -> None:
        self._lock = _thread.allocate_lock()

    def __repr__(self) -> str:
        state = "locked" if self._lock.locked() else "unlocked"
        return f"<{state} Lock (recorded)>"


class TracedRLock:
    """A `threading.RLock` that records its acquires and releases,
    including the full release and re-acquire around `Condition.wait`."""

    __slots__ = ("_lock", "__weakref__")

    def __init__(self) -> None:
        self._lock = _original_rlock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        acquired = self._lock.acquire(blocking, timeout)
        if acquired and RECORDER.active:
            RECORDER.sync("lock_acquire", {"lock": _label(self, "RLock")})
        return acquired

    def release(self) -> None:
        if RECORDER.active and self._lock._is_owned():
            RECORDER.sync("lock_release", {"lock": _label(self, "RLock")})
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    # The protocol threading.Condition uses for wait().
    def _is_owned(self) -> bool:
        return self._lock._is_owned()

    def _release_save(self) -> Any:
        if RECORDER.active:
            RECORDER.sync("lock_release", {"lock": _label(self, "RLock")})
        return self._lock._release_save()

    def _acquire_restore(self, state: Any) -> None:
        self._lock._acquire_restore(state)
        if RECORDER.active:
            RECORDER.sync("lock_acquire", {"lock": _label(self, "RLock")})

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()

    def __repr__(self) -> str:
        return f"<RLock (recorded) {self._lock!r}>"


def make_lock() -> Any:
    """`threading.Lock()`: recorded when the program itself asks for it."""
    if RECORDER.active and created_by_user_code(2):
        return TracedLock()
    return _original_lock()


def make_rlock(*args: Any, **kwargs: Any) -> Any:
    if RECORDER.active and created_by_user_code(2):
        return TracedRLock()
    return _original_rlock(*args, **kwargs)


_OriginalCondition = threading.Condition
_OriginalSemaphore = threading.Semaphore
_OriginalBoundedSemaphore = threading.BoundedSemaphore
_OriginalEvent = threading.Event
_OriginalBarrier = threading.Barrier


class TracedCondition(_OriginalCondition):  # type: ignore[misc,valid-type]
    """A Condition made by the program gets a recorded lock by default."""

    def __init__(self, lock: Any = None) -> None:
        if lock is None and RECORDER.active and created_by_user_code(2):
            lock = TracedRLock()
        super().__init__(lock)


class _SemaphoreRecording:
    """Mixin: a semaphore's acquire and release as lock events."""

    _cw_recorded = False

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)  # type: ignore[call-arg]
        self._cw_recorded = RECORDER.active and created_by_user_code(2)

    def acquire(self, blocking: bool = True, timeout: Optional[float] = None) -> bool:
        acquired = super().acquire(blocking, timeout)  # type: ignore[misc]
        if acquired and self._cw_recorded and RECORDER.active:
            RECORDER.sync("lock_acquire", {"lock": _label(self, "Semaphore")})
        return acquired

    def release(self, n: int = 1) -> None:
        if self._cw_recorded and RECORDER.active:
            RECORDER.sync("lock_release", {"lock": _label(self, "Semaphore")})
        super().release(n)  # type: ignore[misc]

    # threading binds __enter__ to the base class's acquire: re-point it.
    def __enter__(self) -> bool:
        return self.acquire()


class TracedSemaphore(_SemaphoreRecording, _OriginalSemaphore):  # type: ignore[misc,valid-type]
    pass


class TracedBoundedSemaphore(_SemaphoreRecording, _OriginalBoundedSemaphore):  # type: ignore[misc,valid-type]
    pass


class TracedEvent(_OriginalEvent):  # type: ignore[misc,valid-type]
    """`set` sends a message; a `wait`/`is_set` that sees the flag receives
    it. Each `set` has its own message id, so a waiter is ordered after the
    `set` it observed and never after a later one."""

    def __init__(self) -> None:
        super().__init__()
        self._cw_recorded = RECORDER.active and created_by_user_code(2)
        self._cw_last_set: Optional[str] = None

    def set(self) -> None:
        if self._cw_recorded and RECORDER.active:
            message = ids.new_unique_name()
            RECORDER.sync("message_send", {"channel": _label(self, "Event"), "message_id": message})
            # Published after the send is recorded: whoever reads it is later in the file.
            self._cw_last_set = message
        super().set()

    def _observed(self) -> None:
        message = self._cw_last_set
        if message is not None and self._cw_recorded and RECORDER.active:
            RECORDER.sync("message_receive", {"channel": _label(self, "Event"), "message_id": message}, depth=3)

    def wait(self, timeout: Optional[float] = None) -> bool:
        flag = super().wait(timeout)
        if flag:
            self._observed()
        return flag

    def is_set(self) -> bool:
        flag = super().is_set()
        if flag:
            self._observed()
        return flag

    isSet = is_set


class TracedBarrier(_OriginalBarrier):  # type: ignore[misc,valid-type]
    """All parties of one generation send before waiting and receive after:
    everything before the barrier happens before everything after it."""

    def __init__(self, parties: int, action: Any = None, timeout: Optional[float] = None) -> None:
        super().__init__(parties, action, timeout)
        self._cw_recorded = RECORDER.active and created_by_user_code(2)
        self._cw_arrivals = 0
        self._cw_lock = _thread.allocate_lock()
        self._cw_prefix = ids.new_unique_name()

    def wait(self, timeout: Optional[float] = None) -> int:
        if not (self._cw_recorded and RECORDER.active):
            return super().wait(timeout)
        with self._cw_lock:
            generation = self._cw_arrivals // self.parties
            self._cw_arrivals += 1
        message = f"{self._cw_prefix}/{generation}"
        channel = _label(self, "Barrier")
        RECORDER.sync("message_send", {"channel": channel, "message_id": message})
        index = super().wait(timeout)
        RECORDER.sync("message_receive", {"channel": channel, "message_id": message})
        return index


_original_start = threading.Thread.start
_original_join = threading.Thread.join
_original_is_alive = threading.Thread.is_alive
_original_excepthook = threading.excepthook


def _start(self: threading.Thread) -> None:
    if RECORDER.active:
        child = ExecLine(NAMES.unique(self.name or "thread"))
        child.handle = weakref.ref(self)
        self._causeway_line = child  # type: ignore[attr-defined]
        RECORDER.spawn(child)
        try:
            RECORDER.share(getattr(self, "_target", None), getattr(self, "_args", ()), getattr(self, "_kwargs", None))
        except Exception as error:
            RECORDER.internal_error(error)
    _original_start(self)


def _join(self: threading.Thread, timeout: Optional[float] = None) -> None:
    _original_join(self, timeout)
    line = getattr(self, "_causeway_line", None)
    if line is not None and RECORDER.active and not _original_is_alive(self):
        RECORDER.joined([line])


def _is_alive(self: threading.Thread) -> bool:
    # Seeing a started thread dead orders its whole life before the caller,
    # as a join does (`while t.is_alive(): sleep()` is a join).
    alive = _original_is_alive(self)
    if not alive and RECORDER.active:
        line = getattr(self, "_causeway_line", None)
        if line is not None and self._started.is_set():
            RECORDER.joined([line])
    return alive


def _excepthook(args: Any) -> None:
    if RECORDER.active and args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        RECORDER.error(args.exc_value)
    _original_excepthook(args)


def wait_for_threads() -> None:
    """Wait for the program's non-daemon threads, as the interpreter does
    before exiting, so that their events are written (not recorded as a join:
    the program did not ask for one)."""
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon and _original_is_alive(thread):
            _original_join(thread)


def install() -> None:
    _patcher.replace(threading.Thread, "start", _start)
    _patcher.replace(threading.Thread, "join", _join)
    _patcher.replace(threading.Thread, "is_alive", _is_alive)
    _patcher.replace(threading, "excepthook", _excepthook)
    _patcher.replace(threading, "Lock", make_lock)
    _patcher.replace(threading, "RLock", make_rlock)
    _patcher.replace(threading, "Condition", TracedCondition)
    _patcher.replace(threading, "Semaphore", TracedSemaphore)
    _patcher.replace(threading, "BoundedSemaphore", TracedBoundedSemaphore)
    _patcher.replace(threading, "Event", TracedEvent)
    _patcher.replace(threading, "Barrier", TracedBarrier)


def uninstall() -> None:
    _patcher.undo()

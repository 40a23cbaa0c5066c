"""asyncio: every task is its own line of execution.

Tasks share one OS thread, but nothing orders two tasks except what the
program awaits, so the recorder gives each task its own `thread` name and
records:

| what the program does | recorded as |
|---|---|
| `create_task`, `ensure_future`, `gather(coro)`, `TaskGroup.create_task`, `asyncio.run` | `async_spawn` in the creator, before the task can run |
| `await task`, `await gather(...)`, `wait`, `wait_for`, `shield`, `as_completed`, `to_thread`, `run_in_executor`, leaving a `TaskGroup`, `run_until_complete` | `async_await` of each task that finished, after the await |
| a future from `loop.create_future()`: `set_result`/`set_exception`, then `await` | `message_send` before setting it / `message_receive` after the await |
| `asyncio.Lock`, `Semaphore`, `BoundedSemaphore`, `Condition` | lock events, like their threading twins |
| `asyncio.Event`, `asyncio.Barrier` | messages, like their threading twins |
| `asyncio.Queue` | messages (see queues.py) |

`await x` in rewritten code goes through `probe_await`, which knows which
tasks `x` stands for. Awaits inside the standard library are covered by
wrapping the functions listed above.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import asyncio.tasks
import functools
import types
import weakref
from typing import Any, List, Optional

from .. import ids
from ..lines import NAMES, ExecLine, current_line, enter_line
from ..recorder import RECORDER
from .common import JOINABLE, Patcher, created_by_user_code, join_finished, lines_of

_patcher = Patcher()
_CoroutineType = types.CoroutineType


class _AwaitThenJoin:
    """Awaits the wrapped awaitable, then records the join of its tasks."""

    __slots__ = ("_awaitable", "_lines")

    def __init__(self, awaitable: Any, lines: tuple):
        self._awaitable = awaitable
        self._lines = lines

    def __await__(self):
        try:
            return (yield from self._awaitable.__await__())
        finally:
            join_finished(self._lines)


class _AwaitThenReceive:
    """Awaits a future the program resolves itself, then records the
    receive of the message its `set_result` sent."""

    __slots__ = ("_future",)

    def __init__(self, future: "SignalFuture"):
        self._future = future

    def __await__(self):
        try:
            return (yield from self._future.__await__())
        finally:
            self._future.observed()


class SignalFuture(asyncio.Future):  # type: ignore[misc]
    """A future made by the program (`loop.create_future()`): setting its
    result sends a message that whoever awaits it receives, so a task that
    resolves a future is ordered before the task that awaited it."""

    _cw_message: Optional[str] = None

    def _signal(self) -> None:
        if RECORDER.active:
            message = ids.new_unique_name()
            RECORDER.sync("message_send", {"channel": _label(self, "Future"), "message_id": message}, depth=3)
            self._cw_message = message

    def set_result(self, result: Any) -> None:
        self._signal()
        super().set_result(result)

    def set_exception(self, exception: Any) -> None:
        self._signal()
        super().set_exception(exception)

    def observed(self) -> None:
        message = self._cw_message
        if message is not None and self.done() and RECORDER.active:
            RECORDER.sync("message_receive", {"channel": _label(self, "Future"), "message_id": message}, depth=3)


def probe_await(awaitable: Any) -> Any:
    """`await x` in rewritten code awaits `probe_await(x)`."""
    if type(awaitable) is _CoroutineType or not RECORDER.active:
        return awaitable
    if type(awaitable) is SignalFuture:
        return _AwaitThenReceive(awaitable)
    try:
        lines = JOINABLE.get(awaitable)
    except TypeError:
        return awaitable
    if not lines:
        return awaitable
    return _AwaitThenJoin(awaitable, lines)


async def _run_in_line(coroutine: Any, line: ExecLine) -> Any:
    # Runs inside the new task's own context: the line sticks to the task.
    enter_line(line)
    return await coroutine


_original_create_task = asyncio.base_events.BaseEventLoop.create_task


def _create_task(self: Any, coro: Any, *args: Any, **kwargs: Any) -> Any:
    if not RECORDER.active or not asyncio.iscoroutine(coro):
        return _original_create_task(self, coro, *args, **kwargs)
    name = kwargs.get("name")
    line = ExecLine(NAMES.unique(str(name)) if name else NAMES.next_task())
    RECORDER.spawn(line)
    try:
        # A coroutine not started yet holds its arguments as its locals.
        frame = getattr(coro, "cr_frame", None)
        RECORDER.share(None, frame.f_locals.values() if frame is not None else (), None)
    except Exception as error:
        RECORDER.internal_error(error)
    task = _original_create_task(self, _run_in_line(coro, line), *args, **kwargs)
    line.handle = weakref.ref(task)
    JOINABLE[task] = (line,)
    return task


def _spawned_since(mark: int, line: Optional[ExecLine]) -> List[ExecLine]:
    return line.spawned_since(mark) if line is not None else []


def _mark() -> "tuple[Optional[ExecLine], int]":
    if not RECORDER.active:
        return None, 0
    line = current_line()
    return line, line.spawn_count


def _tagging(original: Any) -> Any:
    """Wrap a function that returns a future standing for the tasks it
    created or was given (`gather`, `run_in_executor`)."""

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        line, mark = _mark()
        future = original(*args, **kwargs)
        if line is not None:
            lines = lines_of(list(args)) + _spawned_since(mark, line)
            if lines:
                try:
                    JOINABLE[future] = tuple(lines)
                except TypeError:
                    pass
        return future

    return wrapper


def _joining(original: Any) -> Any:
    """Wrap a coroutine function that waits for tasks it created or was
    given (`wait`, `wait_for`, `to_thread`, `shield`)."""

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        line, mark = _mark()
        given = [each for value in args for each in lines_of(value)] if line is not None else []
        try:
            return await original(*args, **kwargs)
        finally:
            if line is not None:
                join_finished(given + _spawned_since(mark, line))

    return wrapper


_original_run_until_complete = asyncio.base_events.BaseEventLoop.run_until_complete
_original_create_future = asyncio.base_events.BaseEventLoop.create_future


def _create_future(self: Any) -> Any:
    if RECORDER.active and created_by_user_code(2):
        return SignalFuture(loop=self)
    return _original_create_future(self)


async def _join_after(awaitable: Any, lines: List[ExecLine]) -> Any:
    try:
        return await awaitable
    finally:
        join_finished(lines)


class _JoiningAsCompleted:
    """`as_completed(tasks)`: awaiting what it yields joins the tasks that
    have finished by then (which one completed is not known: the yielded
    coroutine only returns its result)."""

    def __init__(self, inner: Any, given: List[ExecLine], line: ExecLine, mark: int):
        self._inner = inner
        self._given = given
        self._line = line
        self._mark = mark

    def __iter__(self) -> "_JoiningAsCompleted":
        return self

    def __next__(self) -> Any:
        awaitable = next(self._inner)
        return _join_after(awaitable, self._given + _spawned_since(self._mark, self._line))

    def __aiter__(self) -> Any:
        # Python >= 3.13: `async for task in as_completed(...)` yields the
        # tasks themselves, whose awaits probe_await already joins.
        return self._inner.__aiter__()


def _as_completed(original: Any) -> Any:
    @functools.wraps(original)
    def wrapper(fs: Any, *args: Any, **kwargs: Any) -> Any:
        line, mark = _mark()
        if line is None or asyncio.isfuture(fs) or asyncio.iscoroutine(fs):
            return original(fs, *args, **kwargs)
        fs = list(fs)
        given = [each for value in fs for each in lines_of(value)]
        return _JoiningAsCompleted(iter(original(fs, *args, **kwargs)), given, line, mark)

    return wrapper


def _run_until_complete(self: Any, future: Any) -> Any:
    line, mark = _mark()
    try:
        return _original_run_until_complete(self, future)
    finally:
        if line is not None:
            join_finished(lines_of(future) + _spawned_since(mark, line))


def _label(obj: Any, kind: str) -> str:
    return RECORDER.objects.label(obj, kind)


def _lock_kind(obj: Any) -> str:
    return "Semaphore" if isinstance(obj, asyncio.Semaphore) else "Lock"


def _patch_acquire(cls: type) -> None:
    original_acquire = cls.__dict__["acquire"]
    original_release = cls.__dict__["release"]

    async def acquire(self: Any) -> bool:
        acquired = await original_acquire(self)
        if acquired and RECORDER.active:
            RECORDER.sync("lock_acquire", {"lock": _label(self, _lock_kind(self))})
        return acquired

    def release(self: Any) -> None:
        if RECORDER.active and (not isinstance(self, asyncio.Lock) or self.locked()):
            RECORDER.sync("lock_release", {"lock": _label(self, _lock_kind(self))})
        original_release(self)

    functools.update_wrapper(acquire, original_acquire)
    functools.update_wrapper(release, original_release)
    _patcher.replace(cls, "acquire", acquire)
    _patcher.replace(cls, "release", release)


_original_event_set = asyncio.Event.set
_original_event_wait = asyncio.Event.wait
_original_event_is_set = asyncio.Event.is_set


def _event_set(self: asyncio.Event) -> None:
    if RECORDER.active:
        message = ids.new_unique_name()
        RECORDER.sync("message_send", {"channel": _label(self, "Event"), "message_id": message})
        self._cw_last_set = message  # type: ignore[attr-defined]
    _original_event_set(self)


def _event_observed(self: asyncio.Event) -> None:
    message = getattr(self, "_cw_last_set", None)
    if message is not None and RECORDER.active:
        RECORDER.sync("message_receive", {"channel": _label(self, "Event"), "message_id": message})


async def _event_wait(self: asyncio.Event) -> bool:
    result = await _original_event_wait(self)
    _event_observed(self)
    return result


def _event_is_set(self: asyncio.Event) -> bool:
    flag = _original_event_is_set(self)
    if flag:
        _event_observed(self)
    return flag


def _patch_barrier() -> None:
    """asyncio.Barrier (3.11+), like threading.Barrier: every party sends
    before waiting and receives after, one message per generation."""
    barrier = getattr(asyncio, "Barrier", None)
    if barrier is None:
        return
    original_wait = barrier.wait

    async def wait(self: Any) -> int:
        if not RECORDER.active:
            return await original_wait(self)
        state = self.__dict__.setdefault("_cw_state", [ids.new_unique_name(), 0])
        generation = state[1] // self.parties
        state[1] += 1
        message = f"{state[0]}/{generation}"
        channel = _label(self, "Barrier")
        RECORDER.sync("message_send", {"channel": channel, "message_id": message})
        index = await original_wait(self)
        RECORDER.sync("message_receive", {"channel": channel, "message_id": message})
        return index

    functools.update_wrapper(wait, original_wait)
    _patcher.replace(barrier, "wait", wait)


def _patch_task_group() -> None:
    task_group = getattr(asyncio, "TaskGroup", None)
    if task_group is None:  # Python < 3.11
        return
    original_create_task = task_group.create_task
    original_aexit = task_group.__aexit__

    def create_task(self: Any, *args: Any, **kwargs: Any) -> Any:
        task = original_create_task(self, *args, **kwargs)
        lines = lines_of(task)
        if lines:
            self.__dict__.setdefault("_cw_lines", []).extend(lines)
        return task

    async def aexit(self: Any, *exc_info: Any) -> Any:
        try:
            return await original_aexit(self, *exc_info)
        finally:
            join_finished(self.__dict__.get("_cw_lines", []))

    _patcher.replace(task_group, "create_task", create_task)
    _patcher.replace(task_group, "__aexit__", aexit)


def install() -> None:
    _patcher.replace(asyncio.base_events.BaseEventLoop, "create_task", _create_task)
    _patcher.replace(asyncio.base_events.BaseEventLoop, "run_until_complete", _run_until_complete)
    _patcher.replace(asyncio.base_events.BaseEventLoop, "create_future", _create_future)
    shield = _tagging(asyncio.tasks.shield)
    _patcher.replace(asyncio.tasks, "shield", shield)
    _patcher.replace(asyncio, "shield", shield)
    as_completed = _as_completed(asyncio.tasks.as_completed)
    _patcher.replace(asyncio.tasks, "as_completed", as_completed)
    _patcher.replace(asyncio, "as_completed", as_completed)
    run_in_executor = _tagging(asyncio.base_events.BaseEventLoop.run_in_executor)
    _patcher.replace(asyncio.base_events.BaseEventLoop, "run_in_executor", run_in_executor)
    gather = _tagging(asyncio.tasks.gather)
    _patcher.replace(asyncio.tasks, "gather", gather)
    _patcher.replace(asyncio, "gather", gather)
    for name in ("wait", "wait_for"):
        joining = _joining(getattr(asyncio.tasks, name))
        _patcher.replace(asyncio.tasks, name, joining)
        _patcher.replace(asyncio, name, joining)
    to_thread = getattr(asyncio, "to_thread", None)
    if to_thread is not None:
        joining = _joining(to_thread)
        _patcher.replace(asyncio, "to_thread", joining)
    for cls in (asyncio.Lock, asyncio.Semaphore):
        _patch_acquire(cls)
    _patcher.replace(asyncio.Event, "set", _event_set)
    _patcher.replace(asyncio.Event, "wait", _event_wait)
    _patcher.replace(asyncio.Event, "is_set", _event_is_set)
    _patch_task_group()
    _patch_barrier()


def uninstall() -> None:
    _patcher.undo()

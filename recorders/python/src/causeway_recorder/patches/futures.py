"""`concurrent.futures.ThreadPoolExecutor`: each submitted call is its own
line of execution.

Pool threads run work items one after another, but nothing in the program
orders two items: another run could give them to two threads at once. So
each item gets its own `thread` name (`ThreadPoolExecutor-0/item-3`) and:

| what the program does | recorded as |
|---|---|
| `submit` (also `map`, `loop.run_in_executor`, `asyncio.to_thread`) | `async_spawn` in the submitter, before the item can start |
| `future.result()` / `future.exception()` that returned | `async_await` of the item, after it |
| `concurrent.futures.wait(...)` | `async_await` of every item it saw done |
| `shutdown(wait=True)` (the end of a `with` block) | `async_await` of every finished item |
| a `Future()` the program makes: `set_result`/`set_exception`, then `result()` | `message_send` / `message_receive` |
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.thread
import functools
import weakref
from typing import Any, Callable, List

from .. import ids
from ..lines import NAMES, ExecLine, pop_thread_line, push_thread_line
from ..recorder import RECORDER
from .common import JOINABLE, Patcher, created_by_user_code, join_finished, lines_of

_patcher = Patcher()
_Executor = concurrent.futures.thread.ThreadPoolExecutor
_original_submit = _Executor.submit
_original_shutdown = _Executor.shutdown
_original_result = concurrent.futures.Future.result
_original_exception = concurrent.futures.Future.exception
_original_wait = concurrent.futures.wait
_original_init = concurrent.futures.Future.__init__
_original_set_result = concurrent.futures.Future.set_result
_original_set_exception = concurrent.futures.Future.set_exception


def _init(self: concurrent.futures.Future) -> None:
    _original_init(self)
    # A future the program makes itself is a signal between threads; the
    # ones an executor makes are covered by spawn and join.
    self._cw_signal = RECORDER.active and created_by_user_code(2)
    self._cw_message = None


def _signal(self: Any) -> None:
    if getattr(self, "_cw_signal", False) and RECORDER.active:
        message = ids.new_unique_name()
        RECORDER.sync("message_send", {"channel": RECORDER.objects.label(self, "Future"), "message_id": message}, depth=3)
        self._cw_message = message


def _observed(self: Any) -> None:
    message = getattr(self, "_cw_message", None)
    if message is not None and RECORDER.active:
        RECORDER.sync("message_receive", {"channel": RECORDER.objects.label(self, "Future"), "message_id": message}, depth=3)


def _set_result(self: concurrent.futures.Future, result: Any) -> None:
    _signal(self)
    _original_set_result(self, result)


def _set_exception(self: concurrent.futures.Future, exception: Any) -> None:
    _signal(self)
    _original_set_exception(self, exception)


def _in_line(fn: Callable[..., Any], line: ExecLine) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run_item(*args: Any, **kwargs: Any) -> Any:
        previous = push_thread_line(line)
        try:
            return fn(*args, **kwargs)
        finally:
            pop_thread_line(previous)

    return run_item


def _submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    if not RECORDER.active:
        return _original_submit(self, fn, *args, **kwargs)
    prefix = getattr(self, "_thread_name_prefix", "") or "ThreadPoolExecutor"
    line = ExecLine(NAMES.next_task(f"{prefix}/item"))
    RECORDER.spawn(line)
    try:
        RECORDER.share(fn, args, kwargs)
    except Exception as error:
        RECORDER.internal_error(error)
    future = _original_submit(self, _in_line(fn, line), *args, **kwargs)
    line.handle = weakref.ref(future)
    JOINABLE[future] = (line,)
    items: List[ExecLine] = self.__dict__.setdefault("_cw_items", [])
    items.append(line)
    return future


def _shutdown(self: Any, wait: bool = True, *args: Any, **kwargs: Any) -> None:
    _original_shutdown(self, wait, *args, **kwargs)
    if wait and RECORDER.active:
        join_finished(self.__dict__.get("_cw_items", []))


def _result(self: concurrent.futures.Future, timeout: Any = None) -> Any:
    try:
        return _original_result(self, timeout)
    finally:
        if RECORDER.active and self.done():
            join_finished(lines_of(self))
            _observed(self)


def _exception(self: concurrent.futures.Future, timeout: Any = None) -> Any:
    try:
        return _original_exception(self, timeout)
    finally:
        if RECORDER.active and self.done():
            join_finished(lines_of(self))
            _observed(self)


def _wait(fs: Any, *args: Any, **kwargs: Any) -> Any:
    result = _original_wait(fs, *args, **kwargs)
    if RECORDER.active:
        join_finished([line for future in result.done for line in lines_of(future)])
    return result


def install() -> None:
    _patcher.replace(_Executor, "submit", _submit)
    _patcher.replace(_Executor, "shutdown", _shutdown)
    _patcher.replace(concurrent.futures.Future, "result", _result)
    _patcher.replace(concurrent.futures.Future, "exception", _exception)
    _patcher.replace(concurrent.futures, "wait", _wait)
    _patcher.replace(concurrent.futures.Future, "__init__", _init)
    _patcher.replace(concurrent.futures.Future, "set_result", _set_result)
    _patcher.replace(concurrent.futures.Future, "set_exception", _set_exception)


def uninstall() -> None:
    _patcher.undo()

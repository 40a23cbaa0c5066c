"""Queues as messages: `queue.Queue` (and `LifoQueue`, `PriorityQueue`),
`queue.SimpleQueue` and `asyncio.Queue`.

Each `put` records a `message_send` with a fresh message id *before* the
item goes in, and the item travels wrapped in an envelope that carries the
id; the `get` that takes it out unwraps it and records the
`message_receive` *after*. The consumer is thus ordered after exactly the
producer of the item it got, whichever order items come out in (FIFO, LIFO
or priority). `task_done` sends and `join` receives every `task_done` so far,
so the joiner is ordered after the work it waited for.

An envelope compares by its item, so priority queues order items as
before. Code that looks inside `q.queue` directly sees envelopes.
"""

from __future__ import annotations

import asyncio
import queue
from typing import Any, List, Optional

from .. import ids
from ..recorder import RECORDER
from .common import Patcher, created_by_user_code

_patcher = Patcher()


class Envelope:
    """An item in transit with the id of the message that carries it."""

    __slots__ = ("item", "message_id")

    def __init__(self, item: Any, message_id: str):
        self.item = item
        self.message_id = message_id

    def __lt__(self, other: Any) -> bool:
        return self.item < (other.item if isinstance(other, Envelope) else other)

    def __le__(self, other: Any) -> bool:
        return self.item <= (other.item if isinstance(other, Envelope) else other)

    def __gt__(self, other: Any) -> bool:
        return self.item > (other.item if isinstance(other, Envelope) else other)

    def __ge__(self, other: Any) -> bool:
        return self.item >= (other.item if isinstance(other, Envelope) else other)

    def __eq__(self, other: Any) -> bool:
        return self.item == (other.item if isinstance(other, Envelope) else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Envelope({self.item!r})"


def _channel(q: Any) -> str:
    return RECORDER.objects.label(q, "SimpleQueue" if isinstance(q, TracedSimpleQueue) else None)


def _wrap(q: Any, item: Any) -> Any:
    """Record the send and return what to put in the queue."""
    if not RECORDER.active:
        return item
    message = ids.new_unique_name()
    RECORDER.sync("message_send", {"channel": _channel(q), "message_id": message}, depth=3)
    return Envelope(item, message)


def _unwrap(q: Any, item: Any) -> Any:
    """Record the receive (if the item was sent while recording) and return
    the item itself."""
    if type(item) is not Envelope:
        return item
    if RECORDER.active:
        RECORDER.sync("message_receive", {"channel": _channel(q), "message_id": item.message_id}, depth=3)
    return item.item


def _task_done_sent(q: Any) -> None:
    if not RECORDER.active:
        return
    message = ids.new_unique_name()
    RECORDER.sync("message_send", {"channel": f"{_channel(q)}.tasks", "message_id": message}, depth=3)
    pending: Optional[List[str]] = getattr(q, "_cw_done", None)
    if pending is None:
        pending = q._cw_done = []
    pending.append(message)


def _joined(q: Any) -> None:
    pending: Optional[List[str]] = getattr(q, "_cw_done", None)
    if not pending or not RECORDER.active:
        return
    q._cw_done = []
    channel = f"{_channel(q)}.tasks"
    for message in pending:
        RECORDER.sync("message_receive", {"channel": channel, "message_id": message}, depth=3)


_original_put = queue.Queue.put
_original_get = queue.Queue.get
_original_task_done = queue.Queue.task_done
_original_join = queue.Queue.join


def _put(self: queue.Queue, item: Any, block: bool = True, timeout: Optional[float] = None) -> None:
    _original_put(self, _wrap(self, item), block, timeout)


def _get(self: queue.Queue, block: bool = True, timeout: Optional[float] = None) -> Any:
    return _unwrap(self, _original_get(self, block, timeout))


def _task_done(self: queue.Queue) -> None:
    _task_done_sent(self)
    _original_task_done(self)


def _join(self: queue.Queue) -> None:
    _original_join(self)
    _joined(self)


_OriginalSimpleQueue = queue.SimpleQueue


class TracedSimpleQueue(_OriginalSimpleQueue):  # type: ignore[misc,valid-type]
    """`queue.SimpleQueue` is a C type whose methods cannot be replaced: a
    subclass takes its place. Only queues the program makes carry
    messages (a thread pool's own work queue is one too)."""

    def __init__(self) -> None:
        self._cw_recorded = RECORDER.active and created_by_user_code(2)

    def put(self, item: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        super().put(_wrap(self, item) if self._cw_recorded else item, block, timeout)

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(_wrap(self, item) if self._cw_recorded else item)

    def get(self, block: bool = True, timeout: Optional[float] = None) -> Any:
        return _unwrap(self, super().get(block, timeout))

    def get_nowait(self) -> Any:
        return _unwrap(self, super().get_nowait())


_original_async_put_nowait = asyncio.Queue.put_nowait
_original_async_get_nowait = asyncio.Queue.get_nowait
_original_async_task_done = asyncio.Queue.task_done
_original_async_join = asyncio.Queue.join


def _async_put_nowait(self: asyncio.Queue, item: Any) -> None:
    # asyncio.Queue.put awaits room, then calls put_nowait: one place for both.
    _original_async_put_nowait(self, _wrap(self, item))


def _async_get_nowait(self: asyncio.Queue) -> Any:
    return _unwrap(self, _original_async_get_nowait(self))


def _async_task_done(self: asyncio.Queue) -> None:
    _task_done_sent(self)
    _original_async_task_done(self)


async def _async_join(self: asyncio.Queue) -> None:
    await _original_async_join(self)
    _joined(self)


def install() -> None:
    _patcher.replace(queue.Queue, "put", _put)
    _patcher.replace(queue.Queue, "get", _get)
    _patcher.replace(queue.Queue, "task_done", _task_done)
    _patcher.replace(queue.Queue, "join", _join)
    _patcher.replace(queue, "SimpleQueue", TracedSimpleQueue)
    _patcher.replace(asyncio.Queue, "put_nowait", _async_put_nowait)
    _patcher.replace(asyncio.Queue, "get_nowait", _async_get_nowait)
    _patcher.replace(asyncio.Queue, "task_done", _async_task_done)
    _patcher.replace(asyncio.Queue, "join", _async_join)


def uninstall() -> None:
    _patcher.undo()

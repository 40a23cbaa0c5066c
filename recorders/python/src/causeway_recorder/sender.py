"""Sending events to a collector (`causeway collect`) instead of a file.

`EndpointSender` has the writer's interface (`add`, `flush`, `close`,
`written`, `path`, `closed`) so the recorder uses it in place of a
`TraceWriter`. Events are queued in memory and POSTed as JSON Lines to
`URL/v1/events` by one background thread, in batches closed by size
(`batch_bytes`) or age (`interval`).

- 429/503 and connection errors: the batch is sent again with exponential
  backoff, waiting at least what `Retry-After` asks.
- 400: the collector kept the valid lines and names the rejected ones;
  those are counted as rejected (with the first reason), never resent.
- Memory is bounded: past `max_queued_bytes` waiting, a new event is
  counted as lost ("queue full") instead of queued.
- `close` flushes for at most `close_timeout` seconds, then counts what is
  left as lost with the last failure as the reason.

`summary()` is the one line printed at exit, so no loss is ever silent.

`http://` and `https://` endpoints are accepted (the system's certificate
store checks an https collector); a `token` (`CAUSEWAY_TOKEN`) is sent as
`Authorization: Bearer`.

The recorder patches `http.client` to record the program's requests; the
sender must not record its own, so it talks through connection classes
built from the unpatched methods, from a thread started with `_thread`
(a `threading.Thread` start would be recorded as a spawn).
"""

from __future__ import annotations

import _thread
import http.client
import json
import time
import urllib.parse
from typing import Dict, List, Optional, Tuple

_Connection = http.client.HTTPConnection


class _Unrecorded:
    """Request methods the http patch never sees: taken when this module is
    imported, by recorder.py, before any patch is installed. Listed first
    among a connection class's bases, they win over the patched ones."""

    putrequest = _Connection.putrequest
    putheader = _Connection.putheader
    endheaders = _Connection.endheaders
    getresponse = _Connection.getresponse


class _UnrecordedConnection(_Unrecorded, http.client.HTTPConnection):
    """A plain HTTP connection to the collector."""


class _UnrecordedTLSConnection(_Unrecorded, http.client.HTTPSConnection):
    """An https:// collector: TLS from HTTPSConnection."""


class _Retry(Exception):
    """A batch to send again: `delay` seconds at least, `reason` for the summary."""

    def __init__(self, reason: str, delay: float = 0.0):
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class EndpointSender:
    """Queue of serialized events, drained to a collector by one thread."""

    def __init__(
        self,
        endpoint: str,
        batch_bytes: int = 512 * 1024,
        interval: float = 0.2,
        max_queued_bytes: int = 64 * 1024 * 1024,
        close_timeout: float = 5.0,
        request_timeout: float = 5.0,
        token: Optional[str] = None,
    ):
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"endpoint must be an http:// or https:// URL, not {endpoint!r}")
        self.path = endpoint
        self._host = parsed.hostname
        self._tls = parsed.scheme == "https"
        self._port = parsed.port or (443 if self._tls else 80)
        self._headers = {"Content-Type": "application/x-ndjson"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._target = parsed.path.rstrip("/") + "/v1/events"
        self._batch_bytes = batch_bytes
        self._interval = interval
        self._max_queued = max_queued_bytes
        self._close_timeout = close_timeout
        self._request_timeout = request_timeout
        self._lock = _thread.allocate_lock()
        self._queue: List[str] = []
        self._queued_bytes = 0
        #: Events of the batch being sent: counted as lost if close gives up.
        self._inflight = 0
        self._closing = False
        self._closed = False
        self._done = _thread.allocate_lock()
        self._done.acquire()  # released when the thread ends
        #: Counts for the summary: events acknowledged by the collector,
        #: rejected by it (400), and lost here, by reason.
        self.written = 0
        self.rejected = 0
        self.reject_reason = ""
        self.lost: Dict[str, int] = {}
        self._last_failure = ""
        _thread.start_new_thread(self._run, ())

    # -- the writer's interface (called under the recorder's event lock) --

    def add(self, line: str) -> None:
        size = len(line) + 1
        with self._lock:
            if self._closed or self._queued_bytes + size > self._max_queued:
                self._lose(1, "queue full" if not self._closed else "recording closed")
                return
            self._queue.append(line)
            self._queued_bytes += size

    def flush(self) -> None:
        """Nothing to do: the thread sends within `interval`."""

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closing = True
        # The thread sends what is queued, then ends; past the timeout what
        # is left is lost, with the reason it could not be sent.
        finished = self._done.acquire(timeout=self._close_timeout)
        with self._lock:
            self._closed = True
            left = len(self._queue) + self._inflight
            if not finished and left:
                self._lose(left, self._last_failure or "timed out at exit")
                self._queue, self._queued_bytes, self._inflight = [], 0, 0
        if finished:
            self._done.release()

    @property
    def closed(self) -> bool:
        return self._closed

    def summary(self) -> str:
        """One line: what was sent and, if anything was not, how much and why."""
        text = f"causeway-recorder: {self.written} events sent to {self.path}"
        problems = []
        if self.rejected:
            problems.append(f"{self.rejected} rejected by the collector ({self.reject_reason})")
        for reason, count in self.lost.items():
            problems.append(f"{count} lost ({reason})")
        if problems:
            text += "; " + "; ".join(problems)
        return text

    # -- the sending thread --------------------------------------------

    def _lose(self, count: int, reason: str) -> None:
        self.lost[reason] = self.lost.get(reason, 0) + count

    def _take_batch(self) -> List[str]:
        with self._lock:
            taken, size = 0, 0
            while taken < len(self._queue) and (taken == 0 or size < self._batch_bytes):
                size += len(self._queue[taken]) + 1
                taken += 1
            batch = self._queue[:taken]
            del self._queue[:taken]
            self._queued_bytes -= size
            self._inflight = taken
            return batch

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    closing, pending = self._closing, self._queued_bytes
                if not pending:
                    if closing:
                        return
                    time.sleep(self._interval)
                    continue
                if pending < self._batch_bytes and not closing:
                    # Let a batch fill for one interval before sending it.
                    time.sleep(self._interval)
                batch = self._take_batch()
                if batch:  # empty when close() gave up meanwhile and emptied the queue
                    self._send_with_retries(batch)
                with self._lock:
                    self._inflight = 0
        finally:
            self._done.release()

    def _send_with_retries(self, batch: List[str]) -> None:
        backoff = 0.1
        while True:
            try:
                self._send(batch)
                return
            except _Retry as retry:
                self._last_failure = retry.reason
                with self._lock:
                    if self._closed:  # close() gave up and counted the batch as lost
                        return
                time.sleep(max(retry.delay, backoff))
                backoff = min(backoff * 2, 2.0)

    def _send(self, batch: List[str]) -> None:
        body = ("\n".join(batch) + "\n").encode("utf-8")
        kind = _UnrecordedTLSConnection if self._tls else _UnrecordedConnection
        connection = kind(self._host, self._port, timeout=self._request_timeout)
        try:
            connection.request("POST", self._target, body, self._headers)
            response = connection.getresponse()
            status, answer = response.status, response.read()
            retry_after = response.getheader("Retry-After")
        except (OSError, http.client.HTTPException) as error:
            raise _Retry(f"cannot reach the collector: {error}") from None
        finally:
            connection.close()
        if status == 200:
            with self._lock:
                if not self._closed:  # else close() already counted it lost
                    self.written += len(batch)
            return
        if status in (429, 503):
            raise _Retry(f"collector answered {status}", _seconds(retry_after))
        accepted, rejected, reason = _parse_rejection(answer, len(batch))
        with self._lock:
            self.written += accepted
            if status == 400 and rejected:
                self.rejected += rejected
                self.reject_reason = self.reject_reason or reason
            else:
                # 401, 413, 415 or a body the collector could not read:
                # sending it again would not help.
                self._lose(len(batch) - accepted, f"collector answered {status}: {reason}")


def _seconds(retry_after: Optional[str]) -> float:
    """`Retry-After` in seconds (the collector sends an integer; an HTTP
    date is not worth parsing here: it falls back to the backoff)."""
    try:
        return max(0.0, float(retry_after)) if retry_after else 0.0
    except ValueError:
        return 0.0


def _parse_rejection(answer: bytes, sent: int) -> Tuple[int, int, str]:
    """(accepted, rejected, first reason) from a collector's error answer."""
    try:
        data = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return 0, sent, answer[:200].decode("utf-8", "replace").strip() or "no reason given"
    if not isinstance(data, dict):
        return 0, sent, "unreadable answer"
    rejected = data.get("rejected") or []
    accepted = int(data.get("accepted") or 0)
    if isinstance(rejected, list) and rejected:
        first = rejected[0]
        reason = f"line {first.get('line')}: {first.get('reason')}" if isinstance(first, dict) else str(first)
        return accepted, len(rejected), reason
    return accepted, sent - accepted, str(data.get("error") or "no reason given")

"""Event ids, trace ids and timestamps, made cheaply.

An event id is 32 hex digits, like a UUID without hyphens: a random 64-bit
prefix drawn once per process (again after fork) followed by a 64-bit
counter. That is unique across the processes of one recording without
calling `os.urandom` for every event.
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
import uuid

_prefix = secrets.token_hex(8)
_counter = itertools.count(1)


def _reseed_after_fork() -> None:
    global _prefix, _counter
    _prefix = secrets.token_hex(8)
    _counter = itertools.count(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_after_fork)


def new_event_id() -> str:
    """A fresh id, unique in the recording (32 hex digits)."""
    return f"{_prefix}{next(_counter):016x}"


def new_unique_name() -> str:
    """A fresh opaque token (message ids): unique across processes too."""
    return f"{_prefix}-{next(_counter):x}"


def new_trace_id() -> str:
    """A W3C trace-id: 32 lowercase hex digits, never all zero."""
    return uuid.uuid4().hex


# (second, formatted prefix), replaced as one tuple so that threads never
# pair one second with another second's text.
_cache = (-1, "")


def timestamp(ns: int | None = None) -> str:
    """RFC 3339 UTC time with nanoseconds, e.g. 2026-11-26T10:00:00.000001234Z.

    The date-and-seconds part is formatted once per second and cached: the
    per-event cost is one integer split and one f-string.
    """
    global _cache
    if ns is None:
        ns = time.time_ns()
    second, fraction = divmod(ns, 1_000_000_000)
    cached_second, prefix = _cache
    if second != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _cache = (second, prefix)
    return f"{prefix}.{fraction:09d}Z"

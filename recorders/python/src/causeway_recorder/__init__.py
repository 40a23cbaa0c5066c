"""Causeway's Python recorder: writes Causeway v1 traces (JSON Lines).

Three ways to use it:

- `python -m causeway_recorder --out trace.jsonl --include 'shop.*' -- script.py ARGS`
  (or `-m module ARGS`) records a whole run;
- `pytest --causeway-out=traces/` writes one trace per test;
- the API below, for programs that start and stop recording themselves:

      import causeway_recorder
      causeway_recorder.start(out="trace.jsonl", include=["shop.*"])
      import shop            # imported after start(): instrumented
      ...
      causeway_recorder.event("checkout", {"cart": 12})
      causeway_recorder.stop()

Modules are instrumented when they are imported after `start()`; modules
imported before are not rewritten (their calls into patched primitives
such as locks and queues are still recorded).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable, Optional

from .config import RecorderConfig
from .recorder import RECORDER
from .session import begin, end, instrument, sampled

__all__ = ["start", "stop", "event", "shared_read", "shared_write", "record_error", "is_recording", "RecorderConfig"]
__version__ = "0.1.0"


def _default_service() -> str:
    main = sys.argv[0] if sys.argv and sys.argv[0] else ""
    stem = os.path.splitext(os.path.basename(main))[0]
    return stem if stem and stem not in ("-c", "-m", "__main__") else "python"


def start(
    out: str = "causeway-trace.jsonl",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    service: Optional[str] = None,
    clocks: bool = False,
    sample: float = 1.0,
    redact: Iterable[str] = (),
    default_redactions: bool = True,
    root: Optional[str] = None,
    trace_id: Optional[str] = None,
    endpoint: Optional[str] = None,
) -> Optional[str]:
    """Start recording to `out` (or to the collector at `endpoint`); returns the trace id, or None when this
    trace was not sampled (then nothing is recorded and no file written)."""
    config = RecorderConfig(
        out=out,
        endpoint=endpoint,
        include=tuple(include),
        exclude=tuple(exclude),
        service=service or _default_service(),
        root=root or os.getcwd(),
        clocks=clocks,
        sample=sample,
        redact=tuple(redact),
        default_redactions=default_redactions,
    )
    if not sampled(config.sample):
        return None
    instrument(config)
    return begin(config, trace_id=trace_id)


def stop() -> Optional[str]:
    """Stop recording, write everything out; returns the trace's path."""
    return end()


def event(name: str, data: Any = None) -> Optional[str]:
    """Record a `custom` event named `name` carrying `data` (redacted like
    any value); returns its id, or None when not recording."""
    return RECORDER.custom(name, data)


def shared_read(variable: str, value: Any = None) -> Optional[str]:
    """Record a read of state shared across services (a database row, a
    cache key, a file): a `state_read` with `scope: "global"`, so the same
    `variable` read or written by another recorded service is one variable
    to the race detector. Returns the event id, or None when not recording."""
    return RECORDER.shared_access("state_read", variable, value)


def shared_write(variable: str, value: Any = None, old_value: Any = None) -> Optional[str]:
    """Record a write of state shared across services (see `shared_read`)."""
    return RECORDER.shared_access("state_write", variable, value, old_value)


def record_error(error: BaseException) -> Optional[str]:
    """Record an `error` event for an exception the program handled itself
    (a server that answers 500 instead of letting it escape)."""
    return RECORDER.error(error)


def is_recording() -> bool:
    return RECORDER.active

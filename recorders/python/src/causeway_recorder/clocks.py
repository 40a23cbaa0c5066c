"""Vector clocks computed while recording (`--clocks`).

Fidge (1988) and Mattern (1988): each line of execution counts its own
events; synchronization joins clocks. The edges are exactly the ones the
analyzer derives from the events (docs/trace-format.md, "What happened
before what"), so a reader that checks given clocks against the events
finds no disagreement:

- program order: a line's counter grows with each of its events;
- spawn: a task's first event joins the clock of its `async_spawn`;
- join: an `async_await` joins the awaited line's clock at that moment
  (its last event, since awaits are recorded after the task finished);
- lock: an acquire joins the clock of the release still pending on that
  lock (the analyzer pairs a release with the next acquire only);
- message: a receive joins the clocks of every send of its message id.

All methods run under the recorder's event lock, in file order.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from .lines import ExecLine

Clock = Dict[str, int]


def _join(into: Clock, other: Clock) -> None:
    for key, value in other.items():
        if into.get(key, 0) < value:
            into[key] = value


class VectorClocks:
    """Clock bookkeeping for one recording."""

    def __init__(self, service: str):
        self._service = service
        self._pending_release: Dict[str, Clock] = {}
        self._sends: Dict[str, Clock] = {}

    def stamp(self, line: ExecLine, kind: str, subject: Optional[str], awaited: Optional[ExecLine]) -> List[list]:
        """Advance `line`'s clock for one event and return it as pairs;
        `subject` is the lock or message id of sync events."""
        clock = line.clock
        if line.pending_clock is not None:
            _join(clock, line.pending_clock)
            line.pending_clock = None
        if kind == "lock_acquire":
            released = self._pending_release.pop(str(subject), None)
            if released is not None:
                _join(clock, released)
        elif kind == "message_receive":
            sent = self._sends.get(str(subject))
            if sent is not None:
                _join(clock, sent)
        elif kind == "async_await" and awaited is not None:
            _join(clock, awaited.clock)
        own = f"{self._service}/{line.name}"
        clock[own] = clock.get(own, 0) + 1
        if kind == "lock_release":
            self._pending_release[str(subject)] = dict(clock)
        elif kind == "message_send":
            sent = self._sends.setdefault(str(subject), {})
            _join(sent, clock)
        return [[key, value] for key, value in clock.items()]

    @staticmethod
    def spawned(parent: ExecLine, child: ExecLine) -> None:
        """Called right after the parent's `async_spawn` was stamped."""
        child.pending_clock = dict(parent.clock)

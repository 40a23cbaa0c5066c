"""The single writer of a trace file.

Events are appended to an in-memory buffer in the order the recorder
assigns them (under its event lock), and written as JSON Lines in batches.
File order is therefore the order in which events were recorded, which the
recorder arranges to respect real order (see recorder.py). The buffer is
flushed when it fills, when the recording stops, at interpreter exit and on
SIGTERM; each flush writes whole lines only, so a crash leaves at worst a
last line cut short, which readers skip with a warning.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional


class TraceWriter:
    """Buffered JSONL output to one file. Not thread-safe by itself: the
    recorder calls it under its event lock."""

    def __init__(self, path: str, buffer_events: int = 2048):
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        self.path = path
        # errors="replace": a string holding a lone surrogate (a file name
        # decoded with surrogateescape) must not break the program or the
        # file: it is written with "?" in its place.
        self._file: Optional[object] = open(path, "w", encoding="utf-8", errors="replace", newline="\n")
        self._buffer: List[str] = []
        self._limit = buffer_events
        self.written = 0

    def add(self, line: str) -> None:
        """Queue one event, already serialized as a JSON line (no newline)."""
        self._buffer.append(line)
        if len(self._buffer) >= self._limit:
            self.flush()

    def flush(self) -> None:
        if self._file is None or not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        try:
            self._file.write("\n".join(batch) + "\n")  # type: ignore[attr-defined]
            self._file.flush()  # type: ignore[attr-defined]
        except OSError as error:
            # A full disk must not crash the program being recorded: stop
            # writing, say so once, and let the program go on.
            print(f"causeway-recorder: cannot write {self.path}: {error}; recording stopped", file=sys.stderr)
            self._file = None
            return
        self.written += len(batch)

    def close(self) -> None:
        if self._file is None:
            return
        self.flush()
        if self._file is None:  # the flush failed
            return
        self._file.close()  # type: ignore[attr-defined]
        self._file = None

    @property
    def closed(self) -> bool:
        return self._file is None

"""`sqlite3`: every statement a connection or cursor executes becomes a
`db_query` event (statement, parameters, row count, duration), recorded
after it ran.

`sqlite3.Connection` is a C type whose methods cannot be replaced, so
`sqlite3.connect` is wrapped to pass a recording connection class as its
`factory` (unless the program passes its own).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from ..recorder import RECORDER, user_location
from .common import Patcher

_patcher = Patcher()
_original_connect = sqlite3.connect


def _record(statement: str, params: Any, cursor: Any, started: int, error: Any = None) -> None:
    line = RECORDER._usable_line()
    if line is None:
        return
    line.busy = True
    try:
        encoded_params = RECORDER.encoder.encode(params) if params is not None else None
    finally:
        line.busy = False
    fields = {
        "system": "sqlite",
        "statement": statement,
        "params": encoded_params,
        "duration_ns": time.perf_counter_ns() - started,
    }
    if error is None:
        fields["result"] = {"rowcount": getattr(cursor, "rowcount", -1)}
    else:
        fields["result"] = {"error": {"type": type(error).__name__, "message": str(error)}}
    fields.update(user_location())
    RECORDER.emit("db_query", line, fields, line.parent())


class RecordingCursor(sqlite3.Cursor):
    """A cursor whose executes are recorded."""

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        started = time.perf_counter_ns()
        try:
            result = super().execute(sql, parameters)
        except Exception as error:
            _record(sql, list(parameters) if isinstance(parameters, tuple) else parameters, self, started, error)
            raise
        _record(sql, list(parameters) if isinstance(parameters, tuple) else parameters, self, started)
        return result

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:  # type: ignore[override]
        started = time.perf_counter_ns()
        rows = list(seq_of_parameters)
        result = super().executemany(sql, rows)
        _record(sql, rows, self, started)
        return result

    def executescript(self, sql_script: str, /) -> Any:  # type: ignore[override]
        started = time.perf_counter_ns()
        result = super().executescript(sql_script)
        _record(sql_script, None, self, started)
        return result


class RecordingConnection(sqlite3.Connection):
    """A connection whose cursors (and shortcut executes) are recorded."""

    def cursor(self, factory: Any = RecordingCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> Any:  # type: ignore[override]
        return self.cursor().executescript(sql_script)


def _connect(*args: Any, **kwargs: Any) -> Any:
    # factory is the 6th positional parameter of sqlite3.connect.
    if RECORDER.active and "factory" not in kwargs and len(args) < 6:
        kwargs["factory"] = RecordingConnection
    return _original_connect(*args, **kwargs)


def install() -> None:
    _patcher.replace(sqlite3, "connect", _connect)
    _patcher.replace(sqlite3.dbapi2, "connect", _connect)


def uninstall() -> None:
    _patcher.undo()

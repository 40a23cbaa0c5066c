"""JSON text, fast: the recorder writes each event as one f-string around
fragments that are escaped once and cached (a site's function, file and
line; a thread's service and name), and encodes only the values.

Building a dict per event and handing it to `json.dumps` cost about ten
times as much as the f-string, and an event is written for every recorded
access: this is where most of the recorder's overhead went.
"""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Callable

try:
    from json.encoder import c_encode_basestring as _c_quote  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython always has it
    _c_quote = None

#: A JSON string literal for `text` (non-ASCII kept as is, as in the files).
quote: Callable[[str], str] = _c_quote or encode_basestring


def _make_dumps() -> Callable[[Any], str]:
    if c_make_encoder is not None:
        # No circular check: values come from ValueEncoder, bounded in depth.
        encoder = c_make_encoder(None, repr, quote, None, ":", ",", False, False, True)
        return lambda value: "".join(encoder(value, 0))
    fallback = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr)
    return fallback.encode


#: Compact JSON text of JSON-ready data (what ValueEncoder returns).
dumps: Callable[[Any], str] = _make_dumps()


def fields_text(fields: dict) -> str:
    """`,"key":value,...` for a dict of metadata fields ("" when empty)."""
    if not fields:
        return ""
    text = dumps(fields)
    return "," + text[1:-1]

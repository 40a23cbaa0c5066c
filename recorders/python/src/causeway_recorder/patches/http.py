"""Outgoing HTTP through `http.client` (and so `urllib.request` and the
libraries built on it): `http_request` before the request is sent,
`http_response` (whose parent is the request) when the response arrives.

A W3C `traceparent` header (`00-<trace id>-<span id>-01`) is added to every
request that has none, carrying the recording's trace id, so a recorded
server can join the same trace. Header values named like credentials are
redacted in the event (never in the request itself).
"""

from __future__ import annotations

import http.client
from typing import Any, Dict, Optional

from .. import ids
from ..recorder import RECORDER
from .common import Patcher

_patcher = Patcher()
_Connection = http.client.HTTPConnection
_original_putrequest = _Connection.putrequest
_original_putheader = _Connection.putheader
_original_endheaders = _Connection.endheaders
_original_getresponse = _Connection.getresponse

#: Header names redacted whatever the configured patterns are.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _redacted_headers(headers: Dict[str, str]) -> Dict[str, Any]:
    encoder = RECORDER.encoder
    out: Dict[str, Any] = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            out[name] = {"$redacted": name.lower()}
        else:
            out[name] = encoder.named(name, value)
    return out


def _body(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        try:
            return RECORDER.encoder.encode(bytes(body).decode("utf-8"))
        except UnicodeDecodeError:
            return {"$repr": f"<{len(body)} bytes>", "$type": "bytes"}
    if isinstance(body, str):
        return RECORDER.encoder.encode(body)
    return {"$repr": f"<{type(body).__name__} body>", "$type": type(body).__name__}


def _putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> None:
    if RECORDER.active:
        self._cw_request = {"method": method, "url": url, "headers": {}}
    else:
        self._cw_request = None
    _original_putrequest(self, method, url, *args, **kwargs)


def _putheader(self: Any, header: Any, *values: Any) -> None:
    state: Optional[dict] = getattr(self, "_cw_request", None)
    if state is not None:
        state["headers"][_text(header)] = ", ".join(_text(v) for v in values)
    _original_putheader(self, header, *values)


def _full_url(self: Any, url: str) -> str:
    if "://" in url:
        return url
    scheme = "https" if isinstance(self, getattr(http.client, "HTTPSConnection", ())) else "http"
    default_port = 443 if scheme == "https" else 80
    host = self.host if self.port in (None, default_port) else f"{self.host}:{self.port}"
    return f"{scheme}://{host}{url}"


def _endheaders(self: Any, message_body: Any = None, **kwargs: Any) -> None:
    state: Optional[dict] = getattr(self, "_cw_request", None)
    if state is not None and RECORDER.active:
        event_id = ids.new_event_id()
        traceparent = None
        if not any(name.lower() == "traceparent" for name in state["headers"]):
            traceparent = f"00-{RECORDER.trace_id.replace('-', '')[:32]:0>32}-{event_id[-16:]}-01"
            _original_putheader(self, "traceparent", traceparent)
            state["headers"]["traceparent"] = traceparent
        fields = {
            "method": state["method"],
            "url": _full_url(self, state["url"]),
            "headers": _redacted_headers(state["headers"]),
            "body": _body(message_body),
        }
        if traceparent is not None:
            fields["traceparent"] = traceparent
        state["event"] = _emit("http_request", fields, event_id)
    _original_endheaders(self, message_body, **kwargs)


def _emit(kind: str, fields: dict, event_id: Optional[str] = None, parent: Optional[str] = None) -> Optional[str]:
    from ..recorder import user_location

    line = RECORDER._usable_line()
    if line is None:
        return None
    fields.update(user_location())
    return RECORDER.emit(kind, line, fields, parent or line.parent(), event_id=event_id)


def _getresponse(self: Any) -> Any:
    response = _original_getresponse(self)
    state: Optional[dict] = getattr(self, "_cw_request", None)
    if state is not None and state.get("event") and RECORDER.active:
        headers = {name: value for name, value in response.getheaders()}
        fields = {"status": response.status, "headers": _redacted_headers(headers)}
        _emit("http_response", fields, parent=state["event"])
        self._cw_request = None
    return response


def install() -> None:
    _patcher.replace(_Connection, "putrequest", _putrequest)
    _patcher.replace(_Connection, "putheader", _putheader)
    _patcher.replace(_Connection, "endheaders", _endheaders)
    _patcher.replace(_Connection, "getresponse", _getresponse)


def uninstall() -> None:
    _patcher.undo()

"""HTTP through `http.client` (and so `urllib.request` and the libraries
built on it) and `http.server`, with the JavaScript recorder's conventions:

- Client: `http_request` before the request is sent, `http_response`
  (whose parent is the request) when the response arrives. A W3C
  `traceparent` header `00-<trace id>-<span>-01` is added to every request
  that has none, carrying the current line's trace id and a random span;
  the request event's id is `<span>0000000000000000`, so a server that
  reads the header knows its caller's event id. When the header was ours,
  the response is first received as a `message_receive` of
  `http-response:<span>` on channel `http`.
- Server (`http.server.BaseHTTPRequestHandler`): each request is a lane of
  its own (`request-N`) whose events carry the caller's trace id; its first
  event, a `custom` `http.server.request`, has the caller's request as
  parent, and the finished response is the `message_send` of
  `http-response:<span>` the client receives.

Header values named like credentials are redacted in the events (never in
the request itself).
"""

from __future__ import annotations

import http.client
import http.server
import re
import secrets
from typing import Any, Dict, Optional

from .. import ids
from ..lines import NAMES, ExecLine, pop_thread_line, push_thread_line
from ..recorder import RECORDER
from .common import Patcher

_patcher = Patcher()
_Connection = http.client.HTTPConnection
_original_putrequest = _Connection.putrequest
_original_putheader = _Connection.putheader
_original_endheaders = _Connection.endheaders
_original_getresponse = _Connection.getresponse
_Handler = http.server.BaseHTTPRequestHandler
_original_handle_one_request = _Handler.handle_one_request
_original_parse_request = _Handler.parse_request
_original_send_response_only = _Handler.send_response_only
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_ZERO_SPAN = "0" * 16

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


def request_event_id(span: str) -> str:
    """The id of the `http_request` event whose traceparent span is `span`."""
    return span + _ZERO_SPAN


def _new_span() -> str:
    while True:
        span = secrets.token_hex(8)
        if span != _ZERO_SPAN:  # W3C: an all-zero parent id is invalid
            return span


def _current_trace() -> str:
    line = RECORDER._usable_line()
    trace = (line.trace if line is not None and line.trace else RECORDER.trace_id).replace("-", "").lower()
    return trace if re.fullmatch(r"[0-9a-f]{32}", trace) and trace != "0" * 32 else secrets.token_hex(16)


def _endheaders(self: Any, message_body: Any = None, **kwargs: Any) -> None:
    state: Optional[dict] = getattr(self, "_cw_request", None)
    if state is not None and RECORDER.active:
        span = _new_span()
        event_id = request_event_id(span)
        traceparent = None
        if not any(name.lower() == "traceparent" for name in state["headers"]):
            traceparent = f"00-{_current_trace()}-{span}-01"
            state["span"] = span
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
        if state.get("span"):
            _emit("message_receive", {"channel": "http", "message_id": f"http-response:{state['span']}"})
        fields = {"status": response.status, "headers": _redacted_headers(headers)}
        _emit("http_response", fields, parent=state["event"])
        self._cw_request = None
    return response


def _parse_traceparent(value: Optional[str]) -> Optional[tuple]:
    """(trace id, span) of a valid W3C traceparent, else None."""
    match = _TRACEPARENT.match(value.strip().lower()) if value else None
    if match is None or match.group(2) == "0" * 32 or match.group(3) == _ZERO_SPAN:
        return None
    return match.group(2), match.group(3)


def _handle_one_request(self: Any) -> None:
    self._cw_served = None
    try:
        _original_handle_one_request(self)
    finally:
        served = self._cw_served
        self._cw_served = None
        if served is not None:
            line, span, previous = served
            if span is not None and RECORDER.active:
                fields = {"channel": "http", "message_id": f"http-response:{span}", "status": getattr(self, "_cw_status", None)}
                RECORDER.emit("message_send", line, fields, line.parent())
            pop_thread_line(previous)


def _parse_request(self: Any) -> bool:
    parsed = _original_parse_request(self)
    # Only the first parse of a request (handle_one_request set the marker
    # to None), and only while recording: start the request's lane.
    if parsed and RECORDER.active and hasattr(self, "_cw_served") and self._cw_served is None:
        context = _parse_traceparent(self.headers.get("traceparent"))
        parent = request_event_id(context[1]) if context else None
        line = ExecLine(NAMES.next_task("request"), base_parent=parent)
        line.trace = context[0] if context else ids.new_trace_id()
        previous = push_thread_line(line)
        data = {"method": self.command, "url": self.path, "headers": _redacted_headers(dict(self.headers.items()))}
        first = RECORDER.emit("custom", line, {"name": "http.server.request", "data": data}, parent)
        line.base_parent = first
        self._cw_served = (line, context[1] if context else None, previous)
    return parsed


def _send_response_only(self: Any, code: int, message: Optional[str] = None) -> None:
    self._cw_status = code
    _original_send_response_only(self, code, message)


def install() -> None:
    _patcher.replace(_Handler, "handle_one_request", _handle_one_request)
    _patcher.replace(_Handler, "parse_request", _parse_request)
    _patcher.replace(_Handler, "send_response_only", _send_response_only)
    _patcher.replace(_Connection, "putrequest", _putrequest)
    _patcher.replace(_Connection, "putheader", _putheader)
    _patcher.replace(_Connection, "endheaders", _endheaders)
    _patcher.replace(_Connection, "getresponse", _getresponse)


def uninstall() -> None:
    _patcher.undo()

"""The endpoint sender against a tiny stdlib fake collector: retries on
503 + Retry-After without loss, a 400 naming rejected lines, an unreachable
collector and a full queue, each reported in the exit summary."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from typing import List, Optional, Tuple

import pytest

from causeway_recorder.sender import EndpointSender


class FakeCollector:
    """Answers POST /v1/events with scripted (status, headers, body) replies,
    then 200; keeps every received line and the time of each request."""

    def __init__(self, replies: List[Tuple[int, dict, dict]]):
        self.replies = list(replies)
        self.lines: List[str] = []
        self.times: List[float] = []
        self.authorizations: List[Optional[str]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                fake.times.append(time.monotonic())
                fake.authorizations.append(self.headers.get("Authorization"))
                status, headers, answer = fake.replies.pop(0) if fake.replies else (200, {}, None)
                lines = [line for line in body.splitlines() if line]
                if answer is None:
                    answer = {"accepted": len(lines), "rejected": []}
                if status == 200:
                    fake.lines.extend(lines)
                elif status == 400:
                    rejected = {r["line"] for r in answer["rejected"]}
                    fake.lines.extend(line for n, line in enumerate(lines, 1) if n not in rejected)
                data = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector(request):
    fake = FakeCollector(getattr(request, "param", []))
    yield fake
    fake.close()


def _events(count: int) -> List[str]:
    return [json.dumps({"id": f"e{n}", "n": n}) for n in range(count)]


@pytest.mark.parametrize("collector", [[(503, {"Retry-After": "1"}, {"error": "busy"})]], indirect=True)
def test_503_with_retry_after_is_retried_without_loss(collector):
    sender = EndpointSender(collector.url, interval=0.05)
    for line in _events(5):
        sender.add(line)
    sender.close()
    assert collector.lines == _events(5)
    assert len(collector.times) == 2
    assert collector.times[1] - collector.times[0] >= 0.9, "Retry-After: 1 was not honoured"
    assert (sender.written, sender.rejected, sender.lost) == (5, 0, {})
    assert sender.summary() == f"causeway-recorder: 5 events sent to {collector.url}"


@pytest.mark.parametrize(
    "collector", [[(400, {}, {"accepted": 2, "rejected": [{"line": 2, "reason": "missing id"}]})]], indirect=True
)
def test_400_counts_the_rejected_lines_and_does_not_resend_the_rest(collector):
    sender = EndpointSender(collector.url, interval=0.05)
    for line in _events(3):
        sender.add(line)
    sender.close()
    assert len(collector.times) == 1
    assert (sender.written, sender.rejected) == (2, 1)
    assert "1 rejected by the collector (line 2: missing id)" in sender.summary()


def test_unreachable_collector_reports_the_loss_and_why():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = EndpointSender(f"http://127.0.0.1:{port}", interval=0.05, close_timeout=1.0)
    for line in _events(4):
        sender.add(line)
    started = time.monotonic()
    sender.close()
    assert time.monotonic() - started < 3, "close must give up after its timeout"
    assert sender.written == 0
    assert sum(sender.lost.values()) == 4
    (reason,) = sender.lost
    assert "cannot reach the collector" in reason
    assert "4 lost (cannot reach the collector" in sender.summary()


def test_queue_cap_overflow_is_counted_as_lost(collector):
    lines = _events(10)
    size = len(lines[0]) + 1
    # Room for three events; the sender waits one interval before sending,
    # so the other seven arrive at a full queue.
    sender = EndpointSender(collector.url, interval=0.5, max_queued_bytes=3 * size)
    for line in lines:
        sender.add(line)
    sender.close()
    assert collector.lines == lines[:3]
    assert sender.written == 3
    assert sender.lost == {"queue full": 7}
    assert "7 lost (queue full)" in sender.summary()


def test_only_http_and_https_urls_are_accepted():
    for url in ("ftp://collector.example", "collector.example:4318", "http://"):
        with pytest.raises(ValueError):
            EndpointSender(url)


def test_https_endpoint_speaks_tls(collector):
    # The fake collector speaks plain HTTP: a sender that really starts a
    # TLS handshake fails it, and counts the events as lost with that reason.
    url = collector.url.replace("http://", "https://")
    sender = EndpointSender(url, interval=0.05, close_timeout=1.0)
    for line in _events(2):
        sender.add(line)
    sender.close()
    assert collector.lines == []
    assert sender.written == 0
    (reason,) = sender.lost
    assert "cannot reach the collector" in reason and "SSL" in reason.upper()


def test_token_is_sent_as_bearer(collector):
    sender = EndpointSender(collector.url, interval=0.05, token="s3cret")
    sender.add(_events(1)[0])
    sender.close()
    assert collector.authorizations == ["Bearer s3cret"]
    assert sender.written == 1

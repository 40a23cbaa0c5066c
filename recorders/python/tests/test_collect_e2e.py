"""End to end through `causeway collect`: three recorded services (A calls
B over HTTP, B calls C from a worker thread, C fails) send their events to
one collector; `causeway analyze DIR` then sees one trace across the three,
the race of B and C on a shared (`scope: "global"`) row, and the causal
chain from A's request to C's error. Nothing may be lost on the way."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import TESTS, analyze, read_events

SERVICES = TESTS / "services"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(port: int, collector: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert collector.poll() is None, collector.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the collector never answered /healthz")


def _service(name: str, script: str, endpoint: str, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "causeway_recorder", "--endpoint", endpoint, "--service", name, "--", script, *args]
    return subprocess.Popen(command, cwd=str(SERVICES), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _sent_count(stderr: str) -> int:
    """The exit summary's count; it must report no loss."""
    (summary,) = [line for line in stderr.splitlines() if line.startswith("causeway-recorder: ")]
    match = re.fullmatch(r"causeway-recorder: (\d+) events sent to \S+", summary)
    assert match, f"summary reports a loss: {summary}"
    return int(match.group(1))


def test_three_services_one_trace_race_and_error_chain(tmp_path: Path, causeway: Path):
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    out = tmp_path / "collected"
    collector = subprocess.Popen(
        [str(causeway), "collect", "--listen", f"127.0.0.1:{port}", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_healthy(port, collector)
        c = _service("svc-c", "svc_c.py", endpoint)
        c_port = c.stdout.readline().strip()  # each server prints its port once bound
        b = _service("svc-b", "svc_b.py", endpoint, c_port)
        b_port = b.stdout.readline().strip()
        a = _service("svc-a", "svc_a.py", endpoint, b_port)
        outputs = {}
        for name, process in (("svc-a", a), ("svc-b", b), ("svc-c", c)):
            stdout, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, stderr
            outputs[name] = (stdout, stderr)
    finally:
        collector.send_signal(signal.SIGTERM)
        collector_out, collector_err = collector.communicate(timeout=30)
    assert collector.returncode == 0, collector_err
    assert "A got 502" in outputs["svc-a"][0]

    events = [event for path in sorted(out.glob("*.jsonl")) for event in read_events(path)]
    by_service = {name: [e for e in events if e["metadata"]["service"] == name] for name in outputs}
    for name, (_, stderr) in outputs.items():
        assert _sent_count(stderr) == len(by_service[name]) > 0, name
    written = re.search(r"(\d+) events written, (\d+) rejected", collector_err + collector_out)
    assert written, collector_err
    assert (int(written.group(1)), int(written.group(2))) == (len(events), 0)
    # The recorder's own sends to the collector are not events.
    assert not [e for e in events if e["kind"] == "http_request" and "/v1/events" in e["metadata"]["url"]]

    _, report = analyze(causeway, out)
    assert report["summary"]["bad_lines"] == 0 and report["summary"]["warnings"] == 0

    # One trace spans the three services: A's.
    a_request = next(e for e in by_service["svc-a"] if e["kind"] == "http_request")
    trace = a_request["trace_id"]
    assert {e["metadata"]["service"] for e in events if e["trace_id"] == trace} == set(outputs)
    # The span of A's traceparent names its request event (the JS convention).
    span = a_request["metadata"]["traceparent"].split("-")[2]
    assert a_request["id"] == span + "0" * 16
    served = next(e for e in by_service["svc-b"] if e["kind"] == "custom" and e["metadata"]["name"] == "http.server.request")
    assert served["parent_id"] == a_request["id"] and served["trace_id"] == trace
    # B's response to A is received by A as a message, before its http_response.
    message = f"http-response:{span}"
    assert [e["kind"] for e in by_service["svc-b"] if e["metadata"].get("message_id") == message] == ["message_send"]
    a_kinds = [e["kind"] for e in by_service["svc-a"]]
    assert a_kinds.index("message_receive") + 1 == a_kinds.index("http_response")

    # The shared row raced between B and C.
    (race,) = [r for r in report["races"] if r["variable"] == "stock:sku-1"]
    assert {access["service"] for access in race["accesses"]} == {"svc-b", "svc-c"}

    # C's error, with its causal chain from A's request through B to C.
    (error,) = report["errors"]
    assert error["service"] == "svc-c" and error["trace_id"] == trace
    assert "card declined" in json.dumps(error)
    assert a_request["id"] in error["chain"]
    assert [s["service"] for s in error["steps"]].index("svc-a") < [s["service"] for s in error["steps"]].index("svc-b")
    assert {s["service"] for s in error["steps"]} == {"svc-a", "svc-b", "svc-c"}


def test_endpoint_from_the_environment_and_an_unreachable_collector_reported(tmp_path: Path):
    port = _free_port()  # nobody listens there
    result = subprocess.run(
        [sys.executable, "-m", "causeway_recorder", "--out", str(tmp_path / "unused.jsonl"), "--", "svc_a.py", str(port)],
        cwd=str(SERVICES),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CAUSEWAY_ENDPOINT": f"http://127.0.0.1:{port}"},
    )
    assert result.returncode == 1, result.stderr  # A's own call to the absent B fails too
    (summary,) = [line for line in result.stderr.splitlines() if line.startswith("causeway-recorder: ")]
    assert re.fullmatch(r"causeway-recorder: 0 events sent to \S+; \d+ lost \(cannot reach the collector: .+\)", summary), summary
    assert not (tmp_path / "unused.jsonl").exists(), "--endpoint replaces the file"

"""I/O events: outgoing HTTP through http.client/urllib with a traceparent
header, and sqlite3 statements as db_query."""

from __future__ import annotations

import textwrap

from conftest import read_events, record

HTTP_PROGRAM = '''
import http.server, json, threading, urllib.request

received = {}

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        received["traceparent"] = self.headers.get("traceparent")
        received["authorization"] = self.headers.get("Authorization")
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=s3cret")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
serving = threading.Thread(target=server.serve_forever, daemon=True)
serving.start()
url = f"http://127.0.0.1:{server.server_port}/orders"
request = urllib.request.Request(url, data=b'{"sku": "A1"}', method="POST",
                                 headers={"Authorization": "Bearer hunter2", "Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    assert response.status == 201
server.shutdown()
print(json.dumps(received))
'''


def test_http_requests_carry_traceparent_and_hide_credentials(tmp_path, event_validator):
    (tmp_path / "client.py").write_text(HTTP_PROGRAM)
    trace = tmp_path / "t.jsonl"
    result = record(["client.py"], trace, cwd=tmp_path)
    events = read_events(trace)
    event_validator(events)

    requests = [e for e in events if e["kind"] == "http_request"]
    responses = [e for e in events if e["kind"] == "http_response"]
    assert len(requests) == 1 and len(responses) == 1
    request, response = requests[0], responses[0]
    meta = request["metadata"]
    assert meta["method"] == "POST"
    assert meta["url"].startswith("http://127.0.0.1:") and meta["url"].endswith("/orders")
    assert meta["body"] == '{"sku": "A1"}'
    assert meta["headers"]["Authorization"] == {"$redacted": "authorization"}
    assert "hunter2" not in trace.read_text()

    # The header that reached the server carries the trace id and the request's span.
    import json

    received = json.loads(result.stdout.strip().splitlines()[-1])
    traceparent = received["traceparent"]
    version, trace_id, span, flags = traceparent.split("-")
    assert (version, flags) == ("00", "01")
    assert trace_id == request["trace_id"]
    assert request["id"] == span + "0" * 16  # the JS recorder's convention
    assert meta["traceparent"] == traceparent
    assert received["authorization"] == "Bearer hunter2"  # the request itself is unchanged

    assert response["parent_id"] == request["id"]
    assert response["metadata"]["status"] == 201
    assert response["metadata"]["headers"]["Set-Cookie"] == {"$redacted": "set-cookie"}


def test_sqlite_statements_are_db_queries(tmp_path, event_validator):
    (tmp_path / "db.py").write_text(textwrap.dedent('''
        import sqlite3
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE ledger (src INTEGER, dst INTEGER, amount INTEGER)")
        cursor = connection.cursor()
        cursor.execute("INSERT INTO ledger VALUES (?, ?, ?)", (1, 2, 50))
        cursor.executemany("INSERT INTO ledger VALUES (?, ?, ?)", [(2, 1, 5), (3, 1, 7)])
        rows = connection.execute("SELECT count(*) FROM ledger").fetchone()
        print(rows[0])
    '''))
    trace = tmp_path / "t.jsonl"
    result = record(["db.py"], trace, cwd=tmp_path)
    assert result.stdout.strip() == "3"
    events = read_events(trace)
    event_validator(events)
    queries = [e["metadata"] for e in events if e["kind"] == "db_query"]
    assert [q["statement"].split()[0] for q in queries] == ["CREATE", "INSERT", "INSERT", "SELECT"]
    insert = queries[1]
    assert insert["system"] == "sqlite"
    assert insert["params"] == [1, 2, 50]
    assert insert["result"] == {"rowcount": 1}
    assert insert["file"] == "db.py" and insert["line"] == 6
    assert queries[2]["params"] == [[2, 1, 5], [3, 1, 7]]
    assert queries[2]["result"] == {"rowcount": 2}
    assert all(q["duration_ns"] >= 0 for q in queries)

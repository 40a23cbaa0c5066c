//! `causeway collect` through the real binary on loopback: events in as
//! JSON Lines, arrays, gzip and zstd; every bad event answered 400 with its
//! line while the rest of its batch is kept; wrong content types, oversized
//! and truncated bodies refused; a slow client that stalls no one; a token
//! when one is set; metrics; SIGTERM writes everything and exits 0, and
//! `analyze DIR` reads what was written as one recording.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Collector {
    child: Child,
    addr: SocketAddr,
}

impl Collector {
    fn start(out: &Path, extra: &[&str]) -> Collector {
        let mut child = Command::new(env!("CARGO_BIN_EXE_causeway"))
            .args(["collect", "--listen", "127.0.0.1:0", "--out"])
            .arg(out)
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .expect("the collector starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        // Keep draining stderr so the collector never blocks on it.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
        });
        Collector { child, addr }
    }

    /// A raw connection whose reads give up after `seconds`.
    fn connect(&self, seconds: u64) -> TcpStream {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(seconds)))
            .unwrap();
        stream
    }

    /// Sends one request and returns (status, body).
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = self.connect(20);
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // A refused body may close the connection before all of it is sent.
        let _ = stream.write_all(body);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {text:?}"));
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
        (status, body)
    }

    fn post(&self, headers: &[(&str, &str)], body: &[u8]) -> (u16, serde_json::Value) {
        self.post_to("/v1/events", headers, body)
    }

    fn post_to(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let (status, body) = self.request("POST", path, headers, body);
        (
            status,
            serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        )
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> i32 {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child
            .wait()
            .unwrap()
            .code()
            .expect("exited, not killed")
    }
}

fn event(id: &str, service: &str, variable: &str, line: u32) -> String {
    serde_json::json!({
        "id": id, "trace_id": "shared-trace", "timestamp": "2026-12-01T10:00:00Z",
        "kind": "state_write",
        "metadata": {"service": service, "thread": "main", "variable": variable,
                     "scope": "global", "file": format!("{service}.py"), "line": line}
    })
    .to_string()
}

/// `causeway analyze DIR --format json`: the report, the exit code, and
/// stderr.
fn analyze_dir(dir: &Path) -> (serde_json::Value, Option<i32>, String) {
    let analyzed = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["analyze", dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&analyzed.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&analyzed.stderr).into_owned();
    (report, analyzed.status.code(), stderr)
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const NDJSON: (&str, &str) = ("Content-Type", "application/x-ndjson");

#[test]
fn events_in_every_form_are_written_and_bad_ones_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recording");
    let collector = Collector::start(&out, &[]);

    let (status, _) = collector.request("GET", "/healthz", &[], b"");
    assert_eq!(status, 200);

    // JSON Lines with a bad line in the middle: 400, the line named, the
    // two good events kept.
    let body = format!(
        "{}\nnot json\n{}\n",
        event("a1", "orders", "row", 1),
        event("a2", "orders", "row", 2)
    );
    let (status, answer) = collector.post(&[NDJSON], body.as_bytes());
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["accepted"], 2);
    assert_eq!(answer["rejected"][0]["line"], 2);
    assert!(
        answer["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not json")
    );

    // A JSON array, gzip-compressed, from another service.
    let array = format!("[{}]", event("b1", "billing", "row", 7));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(array.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let (status, answer) = collector.post(&[JSON, ("Content-Encoding", "gzip")], &gz);
    assert_eq!(
        (status, answer["accepted"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    // zstd.
    let zst = zstd::encode_all(event("c1", "shipping", "row", 3).as_bytes(), 1).unwrap();
    let (status, _) = collector.post(&[NDJSON, ("Content-Encoding", "zstd")], &zst);
    assert_eq!(status, 200);

    // Refused whole: a truncated gzip, a content type that is not JSON, an
    // unknown encoding, a body over the limit.
    let (status, answer) =
        collector.post(&[JSON, ("Content-Encoding", "gzip")], &gz[..gz.len() / 2]);
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("gzip"),
        "{answer}"
    );
    let (status, _) = collector.post(&[("Content-Type", "application/x-protobuf")], b"\x0a\x00");
    assert_eq!(status, 415);
    let (status, _) = collector.post(&[JSON, ("Content-Encoding", "br")], b"[]");
    assert_eq!(status, 400);
    let huge = vec![b' '; 17 * 1024 * 1024];
    let (status, _) = collector.request("POST", "/v1/events", &[JSON], &huge);
    assert_eq!(status, 413);

    // A slow client holding a half-sent request does not stall others.
    let mut slow = TcpStream::connect(collector.addr).unwrap();
    slow.write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
        .unwrap();
    let (status, _) = collector.post(&[NDJSON], event("a3", "orders", "row", 2).as_bytes());
    assert_eq!(status, 200, "another client is answered while one is slow");

    let (status, metrics) = collector.request("GET", "/metrics", &[], b"");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("causeway_collect_events_accepted_total 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("causeway_collect_events_rejected_total 1"),
        "{metrics}"
    );
    drop(slow);

    assert_eq!(collector.stop(), 0, "SIGTERM: flush and exit 0");
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "billing-0000.jsonl",
            "orders-0000.jsonl",
            "shipping-0000.jsonl"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("orders-0000.jsonl")).unwrap(),
        format!(
            "{}\n{}\n{}\n",
            event("a1", "orders", "row", 1),
            event("a2", "orders", "row", 2),
            event("a3", "orders", "row", 2)
        ),
        "arrival order, as sent"
    );

    // One recording: the global row written by two services races.
    let (report, code, _) = analyze_dir(&out);
    assert_eq!(report["summary"]["events"], 5, "{report}");
    assert_eq!(report["summary"]["bad_lines"], 0);
    assert_eq!(code, Some(1), "the shared row races across services");
}

#[test]
fn a_token_guards_the_collector_and_open_addresses_need_one() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let collector = Collector::start(
        &dir.path().join("out"),
        &["--token-file", token.to_str().unwrap()],
    );
    let body = event("a1", "orders", "row", 1);
    let (status, _) = collector.post(&[NDJSON], body.as_bytes());
    assert_eq!(status, 401);
    let (status, _) = collector.post(
        &[NDJSON, ("Authorization", "Bearer s3cret")],
        body.as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(collector.stop(), 0);

    let open = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["collect", "--listen", "0.0.0.0:0", "--out"])
        .arg(dir.path().join("open"))
        .output()
        .unwrap();
    assert_eq!(open.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&open.stderr).contains("needs --token-file"));
}

#[test]
fn a_killed_collector_leaves_files_analyze_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut collector = Collector::start(&out, &[]);
    for n in 0..20 {
        let body: String = (0..50)
            .map(|i| event(&format!("e{n}-{i}"), "orders", &format!("row{i}"), 1) + "\n")
            .collect();
        let (status, _) = collector.post(&[NDJSON], body.as_bytes());
        assert_eq!(status, 200);
    }
    // Give the writer the moment it needs to drain its queue (a kill -9
    // loses what is still queued), then kill without warning.
    std::thread::sleep(Duration::from_millis(200));
    collector.child.kill().unwrap();
    collector.child.wait().unwrap();
    let (report, _, stderr) = analyze_dir(&out);
    assert_eq!(report["summary"]["events"], 1000, "{stderr}");
}

/// One OTLP/JSON export request: one service's spans.
fn otlp_request(service: &str, spans: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]
    }]})
    .to_string()
    .into_bytes()
}

#[test]
fn otlp_spans_from_two_services_are_one_trace() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("otel");
    let collector = Collector::start(&out, &[]);
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    // The client span in one request, the server span that fails (and its
    // child with the exception) in another, from another service.
    let frontend = otlp_request(
        "frontend",
        serde_json::json!([{
            "traceId": trace, "spanId": "00f067aa0ba902b7", "name": "GET /pay", "kind": 3,
            "startTimeUnixNano": "1764150000000000000", "endTimeUnixNano": "1764150000300000000",
            "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                           {"key": "url.full", "value": {"stringValue": "http://payments/pay"}}],
            "status": {"code": 2}
        }]),
    );
    let (status, answer) = collector.post_to("/v1/traces", &[JSON], &frontend);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["partialSuccess"], serde_json::json!({}));
    assert_eq!(answer["accepted"], 2, "a span is a start and an end event");

    let payments = otlp_request(
        "payments",
        serde_json::json!([
            {"traceId": trace, "spanId": "1a2b3c4d5e6f7081", "parentSpanId": "00f067aa0ba902b7",
             "name": "POST /pay", "kind": "SPAN_KIND_SERVER",
             "startTimeUnixNano": "1764150000010000000", "endTimeUnixNano": "1764150000290000000",
             "status": {"code": "STATUS_CODE_ERROR"}},
            {"traceId": trace, "spanId": "2b3c4d5e6f708192", "parentSpanId": "1a2b3c4d5e6f7081",
             "name": "charge", "startTimeUnixNano": "1764150000020000000",
             "endTimeUnixNano": "1764150000280000000", "status": {"code": 2},
             "events": [{"name": "exception", "timeUnixNano": "1764150000270000000",
                         "attributes": [{"key": "exception.type", "value": {"stringValue": "CardDeclined"}},
                                        {"key": "exception.message", "value": {"stringValue": "<script>no</script>"}}]}]},
            {"traceId": trace, "name": "a span without an id"}
        ]),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&payments).unwrap();
    let (status, answer) = collector.post_to(
        "/v1/traces",
        &[JSON, ("Content-Encoding", "gzip")],
        &gz.finish().unwrap(),
    );
    assert_eq!(
        status, 200,
        "partly accepted is 200 in OTLP/HTTP, so the kept spans are not sent again: {answer}"
    );
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], 1, "{answer}");
    assert!(
        answer["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("spanId"),
        "{answer}"
    );
    assert!(answer["accepted"].as_u64().unwrap() >= 5, "{answer}");

    // Refused whole: protobuf (not read), and a body that is not JSON.
    let (status, answer) = collector.post_to(
        "/v1/traces",
        &[("Content-Type", "application/x-protobuf")],
        b"\x0a\x00",
    );
    assert_eq!(status, 415);
    assert!(
        answer["error"].as_str().unwrap().contains("http/json"),
        "{answer}"
    );
    let (status, answer) = collector.post_to("/v1/traces", &[JSON], b"{\"resourceSpans\": [");
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["accepted"], 0);
    assert_eq!(collector.stop(), 0);

    let (report, _, _) = analyze_dir(&out);
    assert_eq!(report["summary"]["traces"], 1, "{report}");
    assert_eq!(report["summary"]["bad_lines"], 0, "{report}");
    let error = &report["errors"][0];
    assert_eq!(error["error_type"], "CardDeclined", "{report}");
    assert_eq!(error["service"], "payments");
    let chain: Vec<&str> = error["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    assert_eq!(
        chain.first().copied(),
        Some(format!("span:{trace}:00f067aa0ba902b7").as_str()),
        "the chain starts at the other service's client span: {chain:?}"
    );
}

#[test]
fn slow_clients_are_cut_off_and_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let collector = Collector::start(&dir.path().join("out"), &["--read-timeout", "1"]);
    // Headers trickled and never finished: the connection is closed.
    let mut headers = collector.connect(10);
    headers
        .write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // A body that stops halfway: 408.
    let mut body = collector.connect(10);
    body.write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"id\"")
        .unwrap();
    let started = std::time::Instant::now();
    let (status, _) = collector.post(&[NDJSON], event("a1", "orders", "row", 1).as_bytes());
    assert_eq!(status, 200, "others are answered meanwhile");

    let mut answer = Vec::new();
    let _ = body.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let mut rest = Vec::new();
    let closed = headers.read_to_end(&mut rest);
    assert!(
        closed.is_ok()
            || matches!(closed, Err(ref e) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "the stalled connection is closed, not left open: {closed:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "cut off after about the read timeout, took {:?}",
        started.elapsed()
    );
    assert_eq!(collector.stop(), 0);
}

#[test]
fn bodies_being_read_count_against_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let collector = Collector::start(&out, &["--max-memory", "1K"]);
    // A client that has declared 800 bytes and sent part of them holds
    // that much of the collector's memory while the rest is on its way.
    let first = event("m1", "orders", "row", 1);
    let padded = format!("{first}\n{}", " ".repeat(800 - first.len() - 1));
    let mut slow = collector.connect(20);
    slow.write_all(
        format!(
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
            padded.len()
        )
        .as_bytes(),
    )
    .unwrap();
    slow.write_all(&padded.as_bytes()[..100]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    // 800 held + 300 more is past 1K: refused before its body is kept.
    let second = event("m2", "orders", "row", 2);
    let body = format!("{second}\n{}", " ".repeat(300 - second.len() - 1));
    let mut refused = collector.connect(20);
    refused
        .write_all(
            format!(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let mut answer = Vec::new();
    let _ = refused.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");

    // The slow body finishes and is kept; the refused one, sent again, too.
    slow.write_all(&padded.as_bytes()[100..]).unwrap();
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    let (status, answer) = collector.post(&[NDJSON], body.as_bytes());
    assert_eq!((status, &answer["accepted"]), (200, &serde_json::json!(1)));
    let (_, metrics) = collector.request("GET", "/metrics", &[], b"");
    assert!(
        metrics.contains("causeway_collect_requests_refused_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("causeway_collect_inflight_bytes 0\n"),
        "{metrics}"
    );
    assert_eq!(collector.stop(), 0);
    let (report, _, _) = analyze_dir(&out);
    assert_eq!(report["summary"]["events"], 2, "each event written once");
}

#[test]
fn tls_serves_https_and_allows_an_open_address() {
    use tokio_rustls::rustls;
    let dir = tempfile::tempdir().unwrap();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let tls_args = [
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    let collector = Collector::start(&dir.path().join("out"), &tls_args);

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    #[expect(deprecated, reason = "the collector's own provider, in a test client")]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let tcp = collector.connect(20);
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    let body = event("t1", "orders", "row", 1);
    write!(
        tls,
        "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = collector.connect(20);
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = Vec::new();
    let _ = plain.read_to_end(&mut reply);
    assert!(!String::from_utf8_lossy(&reply).contains("200 OK"));
    assert_eq!(collector.stop(), 0);

    // With TLS, an address other than loopback may be used.
    let mut open = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["collect", "--listen", "0.0.0.0:0", "--out"])
        .arg(dir.path().join("open"))
        .args(tls_args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(open.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening on https://0.0.0.0:"), "{line}");
    open.kill().unwrap();
    open.wait().unwrap();

    let broken = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["collect", "--out"])
        .arg(dir.path().join("broken"))
        .args([
            "--tls-cert",
            key.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("no PEM certificate"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

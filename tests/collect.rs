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
            .split("http://")
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

    /// Sends one request and returns (status, body).
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
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
        let (status, body) = self.request("POST", "/v1/events", headers, body);
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
    let analyzed = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["analyze", out.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    assert_eq!(report["summary"]["events"], 5, "{report}");
    assert_eq!(report["summary"]["bad_lines"], 0);
    assert_eq!(
        analyzed.status.code(),
        Some(1),
        "the shared row races across services"
    );
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
    let analyzed = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["analyze", out.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    assert_eq!(
        report["summary"]["events"],
        1000,
        "{}",
        String::from_utf8_lossy(&analyzed.stderr)
    );
}

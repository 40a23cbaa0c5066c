//! `CAUSEWAY_ENDPOINT`: a recorded program sends its events to a collector
//! instead of writing a file, and says at exit what became of them.

use causeway_recorder_conformance::causeway_bin;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn racy_program() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shared_counter_racy"));
    command
        .env_remove("CAUSEWAY_OUT")
        .env_remove("CAUSEWAY_TOKEN");
    command
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `causeway collect` on a free port; returns it and its address.
fn start_collector(bin: &Path, out: &Path, token_file: &Path) -> (Child, String) {
    let mut child = Command::new(bin)
        .args(["collect", "--listen", "127.0.0.1:0", "--out"])
        .arg(out)
        .arg("--token-file")
        .arg(token_file)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the collector starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .expect("the collector says where it listens");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        // The line goes on after the address ("http://ADDR, ...").
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_owned();
    // Keep reading its stderr so that it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (child, url)
}

fn stop(mut collector: Child) {
    let pid = collector.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let status = collector.wait().unwrap();
    assert!(
        status.success(),
        "the collector drains and exits 0: {status}"
    );
}

#[test]
fn a_program_sends_its_events_to_the_collector_and_the_race_is_found() {
    let Some(bin) = causeway_bin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret\n").unwrap();
    let traces = dir.path().join("traces");
    let (collector, url) = start_collector(&bin, &traces, &token_file);

    let refused = racy_program()
        .env("CAUSEWAY_ENDPOINT", &url)
        .output()
        .unwrap();
    let said = stderr_of(&refused);
    assert!(
        said.contains("0 events sent to") && said.contains("lost (collector answered 401"),
        "without the token: {said}"
    );

    let out = racy_program()
        .env("CAUSEWAY_ENDPOINT", &url)
        .env("CAUSEWAY_TOKEN", "s3cret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let said = stderr_of(&out);
    let sent: u64 = said
        .strip_prefix("causeway-recorder: ")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary: {said}"));
    assert!(sent >= 6, "{said}");
    assert_eq!(
        said.trim_end(),
        format!("causeway-recorder: {sent} events sent to {url}"),
        "nothing rejected or lost"
    );
    stop(collector);

    let report = Command::new(&bin)
        .args(["analyze", "--format", "json"])
        .arg(&traces)
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(1), "{}", stderr_of(&report));
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["summary"]["events"], sent);
    assert_eq!(report["summary"]["bad_lines"], 0);
    let races = report["races"].as_array().unwrap();
    assert!(races.iter().any(|r| r["variable"] == "count"), "{report:#}");
}

#[test]
fn an_unreachable_collector_is_said_not_waited_for() {
    // A port that was free a moment ago: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let out = racy_program()
        .env("CAUSEWAY_ENDPOINT", &url)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let said = stderr_of(&out);
    assert!(
        said.starts_with(&format!("causeway-recorder: 0 events sent to {url}; ")),
        "{said}"
    );
    assert!(said.contains("lost (cannot reach the collector"), "{said}");
    assert!(
        took < Duration::from_secs(9),
        "the exit waits 5 s at most: {took:?}"
    );
}

#[test]
fn a_bad_endpoint_is_an_init_error() {
    let out = racy_program()
        .env("CAUSEWAY_ENDPOINT", "127.0.0.1:4318")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("must start with http:// or https://"),
        "{}",
        stderr_of(&out)
    );
}

/// One request as a minimal HTTP/1.1 server reads it: (headers, body).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// The requests (head, lines) the fake collector answered, and the lines
/// it kept.
type Seen = (Vec<(String, usize)>, usize);

#[test]
fn busy_answers_are_retried_and_rejected_lines_counted_not_resent() {
    // A collector that is busy once, then rejects the first line of the
    // next batch, then accepts everything.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let record = seen.clone();
    // Connections one at a time, as long as the test runs: the sender may
    // open a new one after an error answer.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            while let Some((head, body)) = read_request(&mut reader) {
                let lines = body.iter().filter(|&&b| b == b'\n').count();
                let mut seen = record.lock().unwrap();
                let (requests, kept_lines) = &mut *seen;
                let answer = match requests.len() {
                    0 => "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n".to_owned(),
                    1 => {
                        *kept_lines += lines;
                        let json = format!(
                            r#"{{"accepted":{},"rejected":[{{"line":1,"reason":"not today"}}]}}"#,
                            lines - 1
                        );
                        format!(
                            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
                            json.len()
                        )
                    }
                    _ => {
                        *kept_lines += lines;
                        let json = format!(r#"{{"accepted":{lines},"rejected":[]}}"#);
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
                            json.len()
                        )
                    }
                };
                requests.push((head, lines));
                drop(seen);
                if writer.write_all(answer.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    let started = Instant::now();
    let out = racy_program()
        .env("CAUSEWAY_ENDPOINT", &url)
        .env("CAUSEWAY_TOKEN", "tok")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (requests, kept_lines) = seen.lock().unwrap().clone();
    assert!(requests.len() >= 2, "{requests:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After is honoured"
    );
    for (head, _) in &requests {
        assert!(head.starts_with("POST /v1/events HTTP/1.1"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("authorization: bearer tok"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/x-ndjson"),
            "{head}"
        );
    }
    assert_eq!(
        requests[0].1, requests[1].1,
        "the refused batch is sent again, whole"
    );
    assert_eq!(
        stderr_of(&out).trim_end(),
        format!(
            "causeway-recorder: {} events sent to {url}; 1 rejected by the collector (line 1: not today)",
            kept_lines - 1
        )
    );
}

//! `collect-load`: concurrent clients that send v1 events to a running
//! `causeway collect` for a fixed time, over keep-alive HTTP/1.1 (hyper's
//! client connection), and count exactly what happened to every event:
//! sent, acknowledged (the `accepted` of each 200 answer), refused (a 503
//! or 429: the whole batch, which this client does not send again, so the
//! offered load stays what was asked), and anything else (an unexpected
//! status or a failed request). `bench/collect.sh` starts the collector,
//! runs this, stops the collector and compares the acknowledged count
//! with the lines written.
//!
//! ```text
//! collect-load --addr 127.0.0.1:4318 [--seconds 60] [--clients 8]
//!              [--batch 1000] [--rate EVENTS_PER_S] [--services 4]
//! ```
//!
//! Without `--rate` every client sends its next batch as soon as the last
//! one is answered (closed loop: the collector's capacity). With `--rate`
//! the clients share that many events per second on a fixed schedule
//! (open loop: a late batch goes out at once, so a slow collector sees
//! the load it was offered). Prints one JSON object.
//!
//! Every event is unique (`id` is client and sequence number), with
//! timestamps that rise in each client, so the files written are a real
//! recording that `causeway analyze DIR` reads.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

struct Options {
    addr: SocketAddr,
    seconds: u64,
    clients: u64,
    batch: u64,
    rate: Option<u64>,
    services: u64,
}

/// What happened to the events, summed over the clients.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    sent: AtomicU64,
    acknowledged: AtomicU64,
    refused: AtomicU64,
    refused_requests: AtomicU64,
    /// Events of requests answered with a status other than 200 or
    /// 503/429, or that failed in transport: none is expected.
    failed: AtomicU64,
    /// Request round trips, for the latency percentiles.
    latencies_us: std::sync::Mutex<Vec<u64>>,
}

fn main() {
    let options = match parse(std::env::args().skip(1).collect()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("collect-load: {message}");
            std::process::exit(2);
        }
    };
    // One worker thread: the collector shares the machine and should have
    // the rest of it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for client in 0..options.clients {
            let counts = Arc::clone(&counts);
            let interval = options.rate.map(|rate| {
                Duration::from_secs_f64((options.batch * options.clients) as f64 / rate as f64)
            });
            let service = format!("svc-{}", client % options.services);
            let addr = options.addr;
            let batch = options.batch;
            tasks.push(tokio::spawn(async move {
                run_client(addr, client, &service, batch, interval, deadline, &counts).await
            }));
        }
        for task in tasks {
            if let Err(e) = task.await.expect("a client task") {
                eprintln!("collect-load: {e}");
            }
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut latencies = counts.latencies_us.lock().expect("not poisoned").clone();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let report = serde_json::json!({
        "seconds": elapsed,
        "clients": options.clients,
        "batch": options.batch,
        "offered_rate": options.rate,
        "requests": load(&counts.requests),
        "sent": load(&counts.sent),
        "acknowledged": load(&counts.acknowledged),
        "refused": load(&counts.refused),
        "refused_requests": load(&counts.refused_requests),
        "failed": load(&counts.failed),
        "acknowledged_per_second": load(&counts.acknowledged) as f64 / elapsed,
        "latency_ms_p50": percentile(0.50) as f64 / 1000.0,
        "latency_ms_p99": percentile(0.99) as f64 / 1000.0,
    });
    println!("{report}");
}

async fn run_client(
    addr: SocketAddr,
    client: u64,
    service: &str,
    batch: u64,
    interval: Option<Duration>,
    deadline: Instant,
    counts: &Counts,
) -> Result<(), String> {
    let mut sender = connect(addr).await?;
    let start = tokio::time::Instant::now();
    let mut sequence = 0u64;
    for round in 0u32.. {
        if let Some(interval) = interval {
            tokio::time::sleep_until(start + interval * round).await;
        }
        if Instant::now() >= deadline {
            break;
        }
        let mut body = String::with_capacity(batch as usize * 224);
        for _ in 0..batch {
            write_event(&mut body, client, sequence, service);
            sequence += 1;
        }
        let request = Request::post("/v1/events")
            .header("host", addr.to_string())
            .header("content-type", "application/x-ndjson")
            .body(Full::new(Bytes::from(std::mem::take(&mut body))))
            .map_err(|e| e.to_string())?;
        counts.requests.fetch_add(1, Ordering::Relaxed);
        counts.sent.fetch_add(batch, Ordering::Relaxed);
        // The collector closes a connection whose body it refused unread
        // (a 503 on the declared length): open the next one.
        if sender.ready().await.is_err() {
            sender = connect(addr).await?;
        }
        let sent_at = Instant::now();
        let answer = match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                match response.into_body().collect().await {
                    Ok(collected) => Ok((status, collected.to_bytes())),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        counts
            .latencies_us
            .lock()
            .expect("not poisoned")
            .push(sent_at.elapsed().as_micros() as u64);
        match answer {
            Ok((StatusCode::OK, text)) => {
                let accepted = serde_json::from_slice::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["accepted"].as_u64())
                    .ok_or_else(|| format!("a 200 answer without `accepted`: {text:?}"))?;
                counts.acknowledged.fetch_add(accepted, Ordering::Relaxed);
                if accepted != batch {
                    counts.failed.fetch_add(batch - accepted, Ordering::Relaxed);
                }
            }
            Ok((StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS, _)) => {
                counts.refused.fetch_add(batch, Ordering::Relaxed);
                counts.refused_requests.fetch_add(1, Ordering::Relaxed);
            }
            Ok((status, text)) => {
                counts.failed.fetch_add(batch, Ordering::Relaxed);
                return Err(format!("client {client}: {status}: {text:?}"));
            }
            Err(e) => {
                counts.failed.fetch_add(batch, Ordering::Relaxed);
                return Err(format!("client {client}: {e}"));
            }
        }
    }
    Ok(())
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One event line: a read or a write of one of a few variables, 1 µs after
/// the client's previous event.
fn write_event(body: &mut String, client: u64, sequence: u64, service: &str) {
    let micros = sequence % 1_000_000;
    let seconds = sequence / 1_000_000;
    let kind = if sequence.is_multiple_of(3) {
        "state_write"
    } else {
        "state_read"
    };
    let _ = writeln!(
        body,
        r#"{{"id":"c{client}-{sequence}","trace_id":"load-{client}","timestamp":"2026-12-01T10:{:02}:{:02}.{micros:06}Z","kind":"{kind}","metadata":{{"service":"{service}","thread":"client-{client}","variable":"v{}","file":"load.py","line":{}}}}}"#,
        seconds / 60 % 60,
        seconds % 60,
        sequence % 16,
        10 + sequence % 7,
    );
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:4318".parse().expect("an address"),
        seconds: 60,
        clients: 8,
        batch: 1000,
        rate: None,
        services: 4,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{flag}: expected a positive number, got {value:?}"))
        };
        match flag.as_str() {
            "--addr" => {
                options.addr = value
                    .parse()
                    .map_err(|e| format!("--addr {value:?}: {e}"))?;
            }
            "--seconds" => options.seconds = number()?,
            "--clients" => options.clients = number()?,
            "--batch" => options.batch = number()?,
            "--rate" => options.rate = Some(number()?),
            "--services" => options.services = number()?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(options)
}

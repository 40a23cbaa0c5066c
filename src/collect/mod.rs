//! `causeway collect`: an HTTP server that receives v1 events from
//! recorders of many services and writes them as one recording (a JSON
//! Lines file per service under one directory, which `causeway analyze DIR`
//! reads as a whole).
//!
//! The HTTP side is axum on tokio ([`server`]); each body is decoded and
//! checked off the async workers ([`accept`]); accepted batches go through
//! a bounded channel to one writer thread ([`writer`]). Memory is bounded:
//! past `max_memory` bytes held (bodies being read or checked, and accepted
//! events waiting to be written), or a full channel, requests are answered
//! 503 with `Retry-After`, and every event that was acknowledged is
//! written.

pub mod accept;
mod listen;
mod server;
mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use server::{CollectError, serve};

/// How the collector runs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub out: PathBuf,
    /// Bytes of accepted events waiting for the writer, at most.
    pub max_memory: u64,
    /// A file is closed and the next one opened past this many bytes.
    pub rotate: u64,
    /// When set, every request must carry `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
    /// When set, connections are TLS with this certificate and key.
    pub tls: Option<TlsFiles>,
    /// How long a client has for a request's headers, its body, and a TLS
    /// handshake.
    pub read_timeout: Duration,
}

/// A PEM certificate chain and its PEM private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What the collector counts, served as Prometheus text at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub events_received: AtomicU64,
    pub events_accepted: AtomicU64,
    pub events_rejected: AtomicU64,
    /// Requests answered 503 because the queue was full.
    pub requests_refused: AtomicU64,
    pub written: AtomicU64,
    pub bytes_received: AtomicU64,
    pub queued_bytes: AtomicU64,
    pub queued_batches: AtomicU64,
    /// Bytes of request bodies being read or checked.
    pub inflight_bytes: AtomicU64,
}

impl Metrics {
    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &str, &AtomicU64); 10] = [
            (
                "causeway_collect_requests_total",
                "counter",
                "HTTP requests to /v1/events",
                &self.requests,
            ),
            (
                "causeway_collect_events_received_total",
                "counter",
                "events in request bodies",
                &self.events_received,
            ),
            (
                "causeway_collect_events_accepted_total",
                "counter",
                "events accepted for writing",
                &self.events_accepted,
            ),
            (
                "causeway_collect_events_rejected_total",
                "counter",
                "events refused as invalid",
                &self.events_rejected,
            ),
            (
                "causeway_collect_requests_refused_total",
                "counter",
                "requests answered 503 because the queue was full",
                &self.requests_refused,
            ),
            (
                "causeway_collect_events_written_total",
                "counter",
                "events written to files",
                &self.written,
            ),
            (
                "causeway_collect_bytes_received_total",
                "counter",
                "request body bytes, as received",
                &self.bytes_received,
            ),
            (
                "causeway_collect_queue_bytes",
                "gauge",
                "bytes of accepted events waiting for the writer",
                &self.queued_bytes,
            ),
            (
                "causeway_collect_queue_depth",
                "gauge",
                "batches waiting for the writer",
                &self.queued_batches,
            ),
            (
                "causeway_collect_inflight_bytes",
                "gauge",
                "bytes of request bodies being read or checked",
                &self.inflight_bytes,
            ),
        ];
        let mut text = String::new();
        for (name, kind, help, value) in rows {
            text.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        text
    }
}

//! The HTTP side of the collector (axum on a two-thread tokio runtime):
//! `POST /v1/events`, `POST /v1/traces` (OTLP/JSON), `GET /healthz`,
//! `GET /metrics`, and a graceful stop
//! on SIGINT or SIGTERM (stop accepting, let requests in flight finish,
//! write and sync everything, return).
//!
//! Answers: 200 every event accepted; 400 some or all events invalid (the
//! body lists each with its line and reason, and the valid ones of the same
//! batch are kept and counted in `accepted`: do not send them again) or a
//! body that is not JSON; 401 a missing or wrong token; 413 a body over the
//! limit; 415 a content type that is not JSON; 503 with `Retry-After` when
//! the writer is behind (nothing of that request was kept: send it again).
//! `/v1/traces` answers as OTLP/HTTP does instead: 200 with a
//! `partialSuccess` when some spans were kept, 400 when none could be.

use super::accept::{self, Accepted, BodyError};
use super::{Metrics, Settings, writer};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Duration;

/// The largest request body, as sent (compressed or not).
pub(super) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Batches the channel to the writer holds.
const QUEUE_BATCHES: usize = 1024;
/// Seconds a refused client is asked to wait.
const RETRY_AFTER_SECONDS: &str = "1";

/// Why the collector could not run.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "{addr} is not a loopback address: listening there needs --token-file or --tls-cert/--tls-key, so that only your recorders can send"
    )]
    OpenWithoutToken { addr: SocketAddr },
    #[error("TLS: {path}: {reason}")]
    Tls { path: String, reason: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write to {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

struct Shared {
    batches: SyncSender<Vec<accept::Accepted>>,
    metrics: Arc<Metrics>,
    max_memory: u64,
    token: Option<String>,
    read_timeout: Duration,
}

/// Runs the collector until SIGINT or SIGTERM. `on_ready` gets the address
/// it listens on (the port chosen, when the settings gave 0).
pub fn serve(
    settings: &Settings,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<Arc<Metrics>, CollectError> {
    if !settings.listen.ip().is_loopback() && settings.token.is_none() && settings.tls.is_none() {
        return Err(CollectError::OpenWithoutToken {
            addr: settings.listen,
        });
    }
    std::fs::create_dir_all(&settings.out).map_err(|source| CollectError::Output {
        path: settings.out.display().to_string(),
        source,
    })?;
    let tls = settings
        .tls
        .as_ref()
        .map(|files| super::listen::tls_acceptor(&files.cert, &files.key))
        .transpose()?;
    let metrics = Arc::new(Metrics::default());
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE_BATCHES);
    let writer = {
        let (dir, rotate, metrics) = (settings.out.clone(), settings.rotate, Arc::clone(&metrics));
        std::thread::Builder::new()
            .name("causeway-writer".into())
            .spawn(move || writer::run(dir, rotate, rx, metrics))?
    };
    let shared = Arc::new(Shared {
        batches: tx,
        metrics: Arc::clone(&metrics),
        max_memory: settings.max_memory,
        token: settings.token.clone(),
        read_timeout: settings.read_timeout,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|source| CollectError::Bind {
                addr: settings.listen,
                source,
            })?;
        on_ready(listener.local_addr()?);
        let app = Router::new()
            .route("/v1/events", post(events))
            .route("/v1/traces", post(traces))
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics_text))
            .with_state(shared);
        super::listen::run(listener, app, tls, settings.read_timeout, stop_signal()).await;
        Ok::<(), CollectError>(())
    });
    // The router (and with it the last sender) is gone: the writer drains
    // the queue, syncs its files and ends.
    drop(runtime);
    let written = writer
        .join()
        .map_err(|_| std::io::Error::other("the writer thread panicked"))?;
    served?;
    written.map_err(|source| CollectError::Output {
        path: settings.out.display().to_string(),
        source,
    })?;
    Ok(metrics)
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

async fn metrics_text(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        shared.metrics.render(),
    )
        .into_response()
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message.into() })),
    )
        .into_response()
}

fn busy(metrics: &Metrics) -> Response {
    metrics.requests_refused.fetch_add(1, Ordering::Relaxed);
    let mut response = refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "the collector is behind; nothing of this request was kept, send it again",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    response
}

/// A request body's bytes, counted in `inflight_bytes` while it lives.
struct Held<'a> {
    metrics: &'a Metrics,
    bytes: u64,
}

impl<'a> Held<'a> {
    fn take(metrics: &'a Metrics, bytes: u64) -> Self {
        metrics.inflight_bytes.fetch_add(bytes, Ordering::Relaxed);
        Held { metrics, bytes }
    }

    fn resize(&mut self, bytes: u64) {
        let inflight = &self.metrics.inflight_bytes;
        inflight.fetch_add(bytes, Ordering::Relaxed);
        inflight.fetch_sub(self.bytes, Ordering::Relaxed);
        self.bytes = bytes;
    }

    /// Whether the memory held, this body's and everyone else's, is past
    /// `limit`. A body alone is never over: one larger than the limit is
    /// taken when nothing else is held (the body cap still applies), so
    /// that a client sending it again is eventually served.
    fn over(&self, limit: u64) -> bool {
        let total = self.metrics.inflight_bytes.load(Ordering::Relaxed)
            + self.metrics.queued_bytes.load(Ordering::Relaxed);
        total > limit && total > self.bytes
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.metrics
            .inflight_bytes
            .fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// What a body posted to a route is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// `/v1/events`: Causeway v1 events.
    Events,
    /// `/v1/traces`: OTLP/HTTP with a JSON body.
    Traces,
}

async fn events(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    receive(Route::Events, &shared, &headers, body).await
}

async fn traces(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    receive(Route::Traces, &shared, &headers, body).await
}

/// The whole body, within the size limit and the read timeout: a client
/// that trickles its body (a slowloris) is answered 408 and let go.
async fn read_body(body: Body, read_timeout: Duration) -> Result<Bytes, Response> {
    match tokio::time::timeout(read_timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => {
            let too_large = std::error::Error::source(&error)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is larger than {MAX_BODY_BYTES} bytes"),
                )
            } else {
                refuse(
                    StatusCode::BAD_REQUEST,
                    format!("the body could not be read: {error}"),
                )
            })
        }
        Err(_) => Err(refuse(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body was not received within {} s",
                read_timeout.as_secs_f64()
            ),
        )),
    }
}

/// Reads a refused body to its end without keeping it, so that the
/// client's connection stays usable: an unread body would make hyper close
/// the connection while the client may still be writing, and the client
/// would see a reset instead of the 503. At most the read timeout and the
/// body size cap, and one frame in memory at a time.
async fn discard_body(mut body: Body, read_timeout: Duration) {
    let drain = async {
        let mut left = MAX_BODY_BYTES as u64;
        while left > 0 {
            match body.frame().await {
                Some(Ok(frame)) => {
                    let size = frame.data_ref().map_or(0, |data| data.len() as u64);
                    left = left.saturating_sub(size);
                }
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(read_timeout, drain).await;
}

/// Why a content type is refused on a route, if it is.
fn unsupported_type(route: Route, headers: &HeaderMap) -> Option<String> {
    let kind = headers.get(header::CONTENT_TYPE)?;
    let kind = kind.to_str().unwrap_or("").to_ascii_lowercase();
    let essence = kind.split(';').next().unwrap_or("").trim().to_string();
    match route {
        Route::Events => (!matches!(
            essence.as_str(),
            "application/json"
                | "application/x-ndjson"
                | "application/jsonl"
                | "application/json-lines"
                | "text/plain"
        ))
        .then(|| {
            format!(
                "content type `{essence}`: send application/json (an array) or application/x-ndjson (JSON Lines)"
            )
        }),
        Route::Traces => (essence != "application/json").then(|| {
            format!(
                "content type `{essence}`: only OTLP/JSON is read; set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json"
            )
        }),
    }
}

async fn receive(route: Route, shared: &Shared, headers: &HeaderMap, body: Body) -> Response {
    let metrics = &shared.metrics;
    metrics.requests.fetch_add(1, Ordering::Relaxed);
    if let Some(token) = &shared.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "a valid `Authorization: Bearer TOKEN` is required",
            );
        }
    }
    if let Some(message) = unsupported_type(route, headers) {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    // The body's memory counts from before it is read (by its declared
    // length) until it is checked, so many clients sending at once cannot
    // hold more than `max_memory` between them.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    let mut held = Held::take(metrics, declared);
    if held.over(shared.max_memory) {
        drop(held);
        discard_body(body, shared.read_timeout).await;
        return busy(metrics);
    }
    let body = match read_body(body, shared.read_timeout).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    held.resize(body.len() as u64);
    metrics
        .bytes_received
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    if held.over(shared.max_memory) {
        return busy(metrics);
    }
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").to_string());
    let checked = tokio::task::spawn_blocking(move || {
        let decoded = accept::decode(&body, encoding.as_deref())?;
        match route {
            Route::Events => accept::accept(&decoded),
            Route::Traces => Ok(accept::accept_otlp(&decoded)),
        }
    })
    .await;
    let batch = match checked {
        Ok(Ok(batch)) => batch,
        Ok(Err(BodyError::TooLarge)) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                BodyError::TooLarge.to_string(),
            );
        }
        Ok(Err(e)) => return refuse(StatusCode::BAD_REQUEST, e.to_string()),
        Err(_) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the body could not be checked",
            );
        }
    };
    let (accepted, rejected) = (batch.accepted.len() as u64, batch.rejected.len() as u64);
    metrics
        .events_received
        .fetch_add(accepted + rejected, Ordering::Relaxed);
    if accepted > 0 {
        let bytes: u64 = batch.accepted.iter().map(Accepted::held_bytes).sum();
        let before = metrics.queued_bytes.fetch_add(bytes, Ordering::Relaxed);
        if before > 0 && before + bytes > shared.max_memory {
            metrics.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
            return busy(metrics);
        }
        metrics.queued_batches.fetch_add(1, Ordering::Relaxed);
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            shared.batches.try_send(batch.accepted)
        {
            metrics.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
            metrics.queued_batches.fetch_sub(1, Ordering::Relaxed);
            return busy(metrics);
        }
        metrics
            .events_accepted
            .fetch_add(accepted, Ordering::Relaxed);
    }
    metrics
        .events_rejected
        .fetch_add(rejected, Ordering::Relaxed);
    match route {
        Route::Events => {
            let status = if rejected == 0 {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let answer = serde_json::json!({ "accepted": accepted, "rejected": batch.rejected });
            (status, axum::Json(answer)).into_response()
        }
        Route::Traces => otlp_answer(accepted, &batch.rejected, &batch.warnings),
    }
}

/// The OTLP/HTTP answer: 200 with an `ExportTraceServiceResponse` (its
/// `partialSuccess` counting the spans refused) when anything was kept, as
/// the OTLP specification asks, so that an exporter does not send the kept
/// spans again; 400 with a `Status` when nothing could be used. Causeway's
/// own `accepted`, `rejected` and `warnings` ride along for people.
fn otlp_answer(
    accepted: u64,
    rejected: &[accept::LineNote],
    warnings: &[accept::LineNote],
) -> Response {
    let summary = |notes: &[accept::LineNote]| {
        notes
            .iter()
            .take(5)
            .map(|n| format!("line {}: {}", n.line, n.reason))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if accepted == 0 && !rejected.is_empty() {
        let answer = serde_json::json!({
            "code": 3,
            "message": summary(rejected),
            "accepted": 0,
            "rejected": rejected,
        });
        return (StatusCode::BAD_REQUEST, axum::Json(answer)).into_response();
    }
    let partial = if !rejected.is_empty() {
        serde_json::json!({ "rejectedSpans": rejected.len(), "errorMessage": summary(rejected) })
    } else if !warnings.is_empty() {
        serde_json::json!({ "errorMessage": summary(warnings) })
    } else {
        serde_json::json!({})
    };
    let answer = serde_json::json!({
        "partialSuccess": partial,
        "accepted": accepted,
        "rejected": rejected,
        "warnings": warnings,
    });
    (StatusCode::OK, axum::Json(answer)).into_response()
}

//! Sending to a collector (`causeway collect`) instead of writing a file:
//! the writer thread hands batches of JSON lines to a sender thread, which
//! POSTs them in order to `URL/v1/events` over one keep-alive connection.
//!
//! The same promises as the Python and JavaScript recorders, so a user
//! reads one summary format whatever the language:
//!
//! - batches of up to [`MAX_BATCH`] bytes, sent at least every
//!   [`COALESCE`] while events arrive;
//! - 429, 503 and connection errors are retried with a backoff (0.1 s
//!   doubling to 2 s, never sooner than `Retry-After`);
//! - a 400 keeps the valid lines at the collector: the lines it names are
//!   counted as rejected and never resent; any other answer (401, 413,
//!   415) loses the batch with the answer as the reason;
//! - at most [`MAX_QUEUED`] bytes wait in memory; past that a batch is
//!   counted as lost ("queue full") rather than blocking the program on a
//!   collector that is down;
//! - at the end of the session what is queued is sent for at most
//!   [`CLOSE_TIMEOUT`]; the rest is counted as lost with the last failure.
//!
//! [`Endpoint::close`] returns the counts, and the session prints one line
//! on stderr from them: no loss is silent.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A request's body is at most this many bytes (the collector takes 16 MiB).
pub const MAX_BATCH: usize = 512 * 1024;
/// Bytes waiting to be sent, past which new batches are lost.
pub const MAX_QUEUED: usize = 64 * 1024 * 1024;
/// Small batches wait this long for more before they are sent.
pub const COALESCE: Duration = Duration::from_millis(200);
/// How long the end of a session (or a flush) waits for the collector.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// One request's time limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What became of the events of a session.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Events the collector acknowledged.
    pub sent: u64,
    /// Events the collector refused as invalid, and the first reason.
    pub rejected: u64,
    pub reject_reason: String,
    /// Events never acknowledged, by reason, in the order first seen.
    pub lost: Vec<(String, u64)>,
}

impl Outcome {
    fn lose(&mut self, count: u64, reason: &str) {
        if count == 0 {
            return;
        }
        match self.lost.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += count,
            None => self.lost.push((reason.to_owned(), count)),
        }
    }

    /// The line printed at the end: what was sent, and what was not and why.
    pub fn summary(&self, url: &str) -> String {
        let mut text = format!("causeway-recorder: {} events sent to {url}", self.sent);
        if self.rejected > 0 {
            let _ = write!(
                text,
                "; {} rejected by the collector ({})",
                self.rejected, self.reject_reason
            );
        }
        for (reason, count) in &self.lost {
            let _ = write!(text, "; {count} lost ({reason})");
        }
        text
    }
}

/// A batch of JSON lines.
struct Batch {
    body: Vec<u8>,
    lines: u64,
}

/// What the writer and the sender thread share.
#[derive(Default)]
struct State {
    queue: VecDeque<Batch>,
    queued_bytes: usize,
    /// Lines handed to the queue (or lost at the door), ever.
    handed: u64,
    /// Lines whose fate is known (sent, rejected or lost), ever.
    settled: u64,
    /// Set by a flush or the close: send without waiting for more.
    urgent: bool,
    /// When closing, the time after which what is left is lost.
    deadline: Option<Instant>,
    /// Why the last attempt failed, for what is lost at the deadline.
    last_failure: String,
    outcome: Outcome,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the sender: a batch, a flush or the close.
    wake: Condvar,
    /// Wakes a flush or the close: lines were settled.
    settled: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The writer's side: the batch being filled, and the sender thread.
pub struct Endpoint {
    url: String,
    shared: Arc<Shared>,
    batch: Vec<u8>,
    batch_lines: u64,
    sender: Option<JoinHandle<()>>,
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port` or `https://...`, with or without a path prefix.
    pub url: String,
    /// Sent as `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
}

impl Endpoint {
    /// Starts the sender thread; fails only if the thread cannot start.
    pub fn start(target: Target) -> std::io::Result<Endpoint> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            settled: Condvar::new(),
        });
        let url = target.url.clone();
        let thread_shared = shared.clone();
        let sender = std::thread::Builder::new()
            .name("causeway-sender".into())
            .spawn(move || Sender::new(target, thread_shared).run())?;
        Ok(Endpoint {
            url,
            shared,
            batch: Vec::with_capacity(64 * 1024),
            batch_lines: 0,
            sender: Some(sender),
        })
    }

    /// Adds one line (with its newline) to the batch being filled.
    pub fn write_line(&mut self, line: &[u8]) {
        if self.batch.len() + line.len() > MAX_BATCH {
            self.hand_off();
        }
        self.batch.extend_from_slice(line);
        self.batch_lines += 1;
    }

    /// Queues the batch being filled for the sender (the writer found its
    /// channel empty: nothing more is coming for now). A small batch joins
    /// the last queued one when both fit in a request, so the queue holds
    /// requests as large as they can be, and the many small hand-offs of a
    /// trickle of events neither allocate nor hold memory the cap does not
    /// count.
    pub fn hand_off(&mut self) {
        if self.batch_lines == 0 {
            return;
        }
        let lines = std::mem::take(&mut self.batch_lines);
        let bytes = self.batch.len();
        let mut state = self.shared.lock();
        state.handed += lines;
        if state.queued_bytes + bytes > MAX_QUEUED {
            state.settled += lines;
            state.outcome.lose(lines, "queue full");
            self.batch.clear();
        } else {
            state.queued_bytes += bytes;
            match state.queue.back_mut() {
                Some(last) if last.body.len() + bytes <= MAX_BATCH => {
                    last.body.extend_from_slice(&self.batch);
                    last.lines += lines;
                    self.batch.clear();
                }
                _ => state.queue.push_back(Batch {
                    body: std::mem::replace(&mut self.batch, Vec::with_capacity(64 * 1024)),
                    lines,
                }),
            }
        }
        drop(state);
        self.shared.wake.notify_one();
    }

    /// Sends everything written so far and waits for the answers, for at
    /// most [`CLOSE_TIMEOUT`] (a flush must not hang the program on a
    /// collector that is down; the events stay queued).
    pub fn flush(&mut self) {
        self.hand_off();
        let until = Instant::now() + CLOSE_TIMEOUT;
        let mut state = self.shared.lock();
        let target = state.handed;
        state.urgent = true;
        self.shared.wake.notify_one();
        while state.settled < target {
            let now = Instant::now();
            if now >= until {
                break;
            }
            state = self
                .shared
                .settled
                .wait_timeout(state, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Sends what is left (for at most [`CLOSE_TIMEOUT`]), stops the sender
    /// and returns what became of every line written.
    pub fn close(mut self) -> Outcome {
        self.hand_off();
        {
            let mut state = self.shared.lock();
            state.urgent = true;
            state.deadline = Some(Instant::now() + CLOSE_TIMEOUT);
        }
        self.shared.wake.notify_one();
        if let Some(sender) = self.sender.take()
            && sender.join().is_err()
        {
            let mut state = self.shared.lock();
            let unsettled = state.handed - state.settled;
            state.outcome.lose(unsettled, "the sender thread panicked");
        }
        self.shared.lock().outcome.clone()
    }

    /// The collector's URL, for the summary.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The sender thread.
struct Sender {
    agent: ureq::Agent,
    events_url: String,
    authorization: Option<String>,
    shared: Arc<Shared>,
    backoff: Duration,
}

/// What one attempt at a batch came to.
enum Attempt {
    /// The batch is settled (sent, rejected or lost): take the next.
    Settled,
    /// Try again after at least this long.
    Retry(Duration),
}

impl Sender {
    fn new(target: Target, shared: Arc<Shared>) -> Sender {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // The answer's status and body are read, whatever they are.
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .max_idle_connections_per_host(1)
            .build()
            .into();
        Sender {
            agent,
            events_url: format!("{}/v1/events", target.url.trim_end_matches('/')),
            authorization: target.token.map(|t| format!("Bearer {t}")),
            shared,
            backoff: FIRST_BACKOFF,
        }
    }

    fn run(mut self) {
        let mut last_send = Instant::now();
        loop {
            let Some(batch) = self.next_batch(last_send) else {
                return;
            };
            loop {
                last_send = Instant::now();
                match self.attempt(&batch) {
                    Attempt::Settled => {
                        self.backoff = FIRST_BACKOFF;
                        break;
                    }
                    Attempt::Retry(at_least) => {
                        let wait = at_least.max(self.backoff);
                        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                        if !self.pause(wait) {
                            return self.lose_the_rest(batch.lines);
                        }
                    }
                }
            }
        }
    }

    /// Waits for something to send, coalescing small batches for up to
    /// [`COALESCE`] after the last send; `None` when closed and empty, or
    /// past the close deadline.
    fn next_batch(&self, last_send: Instant) -> Option<Batch> {
        let mut state = self.shared.lock();
        loop {
            if state.deadline.is_some_and(|d| Instant::now() >= d) {
                drop(state);
                self.lose_the_rest(0);
                return None;
            }
            let ready = state.urgent
                || state.queued_bytes >= MAX_BATCH
                || (!state.queue.is_empty() && last_send.elapsed() >= COALESCE);
            if ready && !state.queue.is_empty() {
                break;
            }
            if state.queue.is_empty() {
                state.urgent = false;
                if state.deadline.is_some() {
                    return None;
                }
                state = self
                    .shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner());
            } else {
                let left = COALESCE.saturating_sub(last_send.elapsed());
                state = self
                    .shared
                    .wake
                    .wait_timeout(state, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
        // Batches were merged as they were queued: each is one request.
        let batch = state.queue.pop_front()?;
        state.queued_bytes -= batch.body.len();
        Some(batch)
    }

    /// Sleeps `wait`, or until the close deadline; false when the deadline
    /// has passed.
    fn pause(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        let mut state = self.shared.lock();
        loop {
            let now = Instant::now();
            if state.deadline.is_some_and(|d| now >= d) {
                return false;
            }
            if now >= until {
                return true;
            }
            let limit = state.deadline.map_or(until, |d| d.min(until));
            state = self
                .shared
                .wake
                .wait_timeout(state, limit.saturating_duration_since(now))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// One POST of `batch`, and what its answer means.
    fn attempt(&self, batch: &Batch) -> Attempt {
        // At the close, no request outlives the deadline.
        let limit = match self.shared.lock().deadline {
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .min(REQUEST_TIMEOUT),
            None => REQUEST_TIMEOUT,
        };
        let mut request = self
            .agent
            .post(&self.events_url)
            .config()
            .timeout_global(Some(limit))
            .build()
            .header("Content-Type", "application/x-ndjson");
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        let mut response = match request.send(&batch.body[..]) {
            Ok(r) => r,
            Err(e) => {
                self.shared.lock().last_failure = format!("cannot reach the collector: {e}");
                return Attempt::Retry(Duration::ZERO);
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::ZERO, Duration::from_secs);
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let mut state = self.shared.lock();
        if status == 429 || status == 503 {
            state.last_failure = format!("collector answered {status}");
            return Attempt::Retry(retry_after);
        }
        if status == 200 {
            state.outcome.sent += batch.lines;
        } else {
            let (accepted, rejected, reason) = read_refusal(&text, batch.lines);
            state.outcome.sent += accepted;
            if status == 400 && rejected > 0 {
                state.outcome.rejected += rejected;
                if state.outcome.reject_reason.is_empty() {
                    state.outcome.reject_reason = reason;
                }
            } else {
                // 401, 413, 415, or a body the collector could not read:
                // sending it again would not help.
                let lost = batch.lines.saturating_sub(accepted);
                state
                    .outcome
                    .lose(lost, &format!("collector answered {status}: {reason}"));
            }
        }
        state.settled += batch.lines;
        drop(state);
        self.shared.settled.notify_all();
        Attempt::Settled
    }

    /// At the deadline: the batch in hand (`in_hand` lines) and everything
    /// still queued are lost, with the last failure as the reason.
    fn lose_the_rest(&self, in_hand: u64) {
        let mut state = self.shared.lock();
        let reason = deadline_reason(&state.last_failure);
        let lines: u64 = in_hand + state.queue.drain(..).map(|b| b.lines).sum::<u64>();
        state.queued_bytes = 0;
        state.outcome.lose(lines, &reason);
        state.settled += lines;
        drop(state);
        self.shared.settled.notify_all();
    }
}

fn deadline_reason(last_failure: &str) -> String {
    if last_failure.is_empty() {
        "timed out at exit".to_owned()
    } else {
        last_failure.to_owned()
    }
}

/// (accepted, rejected, first reason) from a collector's refusal: a 400
/// names the rejected lines; other answers carry an `error`, or are not
/// the collector's JSON at all.
fn read_refusal(text: &str, lines: u64) -> (u64, u64, String) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        let reason: String = text.trim().chars().take(200).collect();
        let reason = if reason.is_empty() {
            "no reason given".to_owned()
        } else {
            reason
        };
        return (0, lines, reason);
    };
    let accepted = value
        .get("accepted")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
        .min(lines);
    if let Some(rejected) = value.get("rejected").and_then(|r| r.as_array())
        && let Some(first) = rejected.first()
    {
        let reason = match (first.get("line"), first.get("reason")) {
            (Some(line), Some(serde_json::Value::String(reason))) => {
                format!("line {line}: {reason}")
            }
            _ => first.to_string(),
        };
        return (accepted, rejected.len() as u64, reason);
    }
    let reason = match value.get("error") {
        Some(serde_json::Value::String(e)) => e.clone(),
        _ => "no reason given".to_owned(),
    };
    (accepted, lines - accepted, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_first_rejected_line() {
        let text = r#"{"accepted":2,"rejected":[{"line":3,"reason":"missing field `event_type`"},{"line":5,"reason":"x"}]}"#;
        assert_eq!(
            read_refusal(text, 5),
            (2, 2, "line 3: missing field `event_type`".to_owned())
        );
        assert_eq!(
            read_refusal(r#"{"error":"unknown encoding"}"#, 4),
            (0, 4, "unknown encoding".to_owned())
        );
        assert_eq!(
            read_refusal("<html>bad gateway</html>", 4),
            (0, 4, "<html>bad gateway</html>".to_owned())
        );
    }

    #[test]
    fn the_summary_says_what_was_not_sent_and_why() {
        let mut outcome = Outcome {
            sent: 7,
            rejected: 1,
            reject_reason: "line 2: bad".into(),
            lost: Vec::new(),
        };
        outcome.lose(3, "queue full");
        outcome.lose(2, "queue full");
        assert_eq!(
            outcome.summary("http://h:1"),
            "causeway-recorder: 7 events sent to http://h:1; 1 rejected by the collector (line 2: bad); 5 lost (queue full)"
        );
    }
}

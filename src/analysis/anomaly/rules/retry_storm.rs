//! `retry-storm`: the same request sent again and again right after it
//! failed, on one thread. Retries without backoff or a limit turn one
//! failing dependency into load that keeps it failing.
//!
//! An attempt failed when its `http_response` has status 429 or 5xx, or an
//! `error` event (or a raising function exit) comes after it on its thread
//! before the next attempt. A run is consecutive attempts of the same
//! request (method and URL, or statement shape) where every attempt but the
//! last failed; a run with at least [`MIN_RETRIES`] retries is reported.

use super::{short, statement_shape};
use crate::analysis::anomaly::{Context, Detection, Detector, capped, effect_score};
use crate::analysis::codes::Code;
use crate::model::{EventIdx, EventKind};
use std::collections::HashSet;

pub(super) const MIN_RETRIES: usize = 3;

pub(super) struct RetryStorm;

/// Keeps a finished run if it was a storm.
fn close(run: Option<Run>, storms: &mut Vec<Run>) {
    if let Some(run) = run
        && run.attempts.len() > MIN_RETRIES
    {
        storms.push(run);
    }
}

/// The attempts of one request in progress on one line of execution.
struct Run {
    request: String,
    attempts: Vec<EventIdx>,
    /// Whether the latest attempt failed.
    failed: bool,
}

impl Detector for RetryStorm {
    fn code(&self) -> Code {
        Code::RetryStorm
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        // Requests whose response had status 429 or 5xx.
        let failed_requests: HashSet<EventIdx> = rec
            .indices()
            .filter(|&idx| rec.event(idx).kind == EventKind::HttpResponse)
            .filter(|&idx| {
                cx.io(idx)
                    .and_then(|d| d.status)
                    .is_some_and(|s| s == 429 || (500..600).contains(&s))
            })
            .filter_map(|idx| rec.event(idx).parent)
            .collect();
        let mut runs: Vec<Option<Run>> = (0..rec.exec_lines.len()).map(|_| None).collect();
        let mut storms = Vec::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            let line = event.exec.index();
            let request = match event.kind {
                EventKind::HttpRequest => Some(cx.io_label(idx)),
                EventKind::DbQuery => cx
                    .io(idx)
                    .and_then(|d| d.statement.as_deref())
                    .map(statement_shape),
                _ => None,
            };
            if let Some(request) = request {
                match &mut runs[line] {
                    Some(run) if run.failed && run.request == request => {
                        run.attempts.push(idx);
                        run.failed = false;
                    }
                    slot => {
                        close(slot.take(), &mut storms);
                        *slot = Some(Run {
                            request,
                            attempts: vec![idx],
                            failed: false,
                        });
                    }
                }
                // Wherever its response was recorded, a request answered
                // 429 or 5xx failed.
                if failed_requests.contains(&idx)
                    && let Some(run) = &mut runs[line]
                {
                    run.failed = true;
                }
            } else if event.is_error()
                && let Some(run) = &mut runs[line]
            {
                run.failed = true;
            }
        }
        for run in runs {
            close(run, &mut storms);
        }
        storms
            .into_iter()
            .map(|run| {
                let retries = run.attempts.len() - 1;
                let first = run.attempts[0];
                Detection {
                    event: first,
                    anomaly_type: "retry-storm".to_string(),
                    score: effect_score(retries as f64 / MIN_RETRIES as f64),
                    confidence: 1.0,
                    description: format!(
                        "`{}` was retried {retries} times right after failing, at {}",
                        short(&run.request),
                        rec.location(first)
                    ),
                    affected: capped(run.attempts),
                }
            })
            .collect()
    }
}

//! What detectors read besides the events: the calls of the recording and
//! the metadata of the I/O events (statements, URLs, status codes), read
//! again from the input once for all detectors, and the lock waits.

use super::features::{CallTable, measure_calls};
use super::lock_waits::LockWaits;
use crate::graph::calls::Calls;
use crate::ingest::metadata::read_metadata;
use crate::model::{EventIdx, EventKind, Recording};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The input of every detector.
pub struct Context<'a> {
    pub rec: &'a Recording,
    pub calls: Calls,
    io: HashMap<EventIdx, IoDetails>,
    call_measures: OnceLock<CallTable>,
    lock_waits: OnceLock<LockWaits>,
}

/// The metadata of an `http_request`, `http_response` or `db_query`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IoDetails {
    pub method: Option<String>,
    pub url: Option<String>,
    pub statement: Option<String>,
    /// An HTTP status (read leniently: a number or a numeric string).
    #[serde(deserialize_with = "lenient_status")]
    pub status: Option<i64>,
}

fn lenient_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match value {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

impl<'a> Context<'a> {
    pub fn new(rec: &'a Recording) -> Context<'a> {
        let io_events: Vec<EventIdx> = rec
            .indices()
            .filter(|&i| {
                matches!(
                    rec.event(i).kind,
                    EventKind::HttpRequest | EventKind::HttpResponse | EventKind::DbQuery
                )
            })
            .collect();
        let io = read_metadata(rec, &io_events);
        Context {
            rec,
            calls: Calls::build(rec),
            io,
            call_measures: OnceLock::new(),
            lock_waits: OnceLock::new(),
        }
    }

    /// What was measured of each call (for the outlier model), in call
    /// order; computed once.
    pub fn call_measures(&self) -> &CallTable {
        self.call_measures.get_or_init(|| measure_calls(self))
    }

    /// The lock acquisitions that waited for another thread; computed once.
    pub fn lock_waits(&self) -> &LockWaits {
        self.lock_waits.get_or_init(|| LockWaits::find(self.rec))
    }

    /// The metadata of an I/O event, if it is one and has any.
    pub fn io(&self, event: EventIdx) -> Option<&IoDetails> {
        self.io.get(&event)
    }

    /// The function name of a call's entry, or `?`.
    pub fn function_name(&self, entry: EventIdx) -> &str {
        self.rec
            .event(entry)
            .function
            .map_or("?", |f| self.rec.str(f))
    }

    /// What an I/O event did, in a few words: `GET /users/1`, the statement.
    pub fn io_label(&self, event: EventIdx) -> String {
        let details = self.io(event);
        match self.rec.event(event).kind {
            EventKind::DbQuery => details
                .and_then(|d| d.statement.clone())
                .unwrap_or_else(|| "a db query".to_string()),
            _ => match details.map(|d| (&d.method, &d.url)) {
                Some((Some(m), Some(u))) => format!("{m} {u}"),
                Some((None, Some(u))) => u.clone(),
                _ => "an http request".to_string(),
            },
        }
    }
}

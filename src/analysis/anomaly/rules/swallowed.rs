//! `swallowed-exception`: a callee raised and its caller returned normally,
//! without recording an error. The failure vanished; whatever the caller
//! returned was computed without the callee's result.
//!
//! Handling is not swallowing: no finding when an `error` event was recorded
//! under the caller, or when the caller returned a failure of its own (an
//! object with an `error`, `errors` or `exception` key, or a `status` or
//! `status_code` of 400 or more, as a handler that turns the exception into
//! an error response does).

use crate::analysis::anomaly::{Context, Detection, Detector, capped};
use crate::analysis::codes::Code;
use crate::ingest::metadata::read_metadata;
use crate::model::third_party::is_third_party;
use crate::model::{EventIdx, EventKind, Sym};
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) struct SwallowedException;

impl Detector for SwallowedException {
    fn code(&self) -> Code {
        Code::SwallowedException
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        let calls = &cx.calls;
        // Calls under which (at any depth) an `error` event was recorded:
        // an exception logged as an error was handled, not swallowed.
        let mut recorded_error = vec![false; calls.len()];
        for idx in rec.indices() {
            if rec.event(idx).kind != EventKind::Error {
                continue;
            }
            let mut current = calls.owner(idx);
            while let Some(call) = current {
                if std::mem::replace(&mut recorded_error[call.index()], true) {
                    break;
                }
                current = calls.get(call).caller;
            }
        }
        // (callee location, caller location) -> (raising exit, caller exit).
        let mut by_place: BTreeMap<(Sym, Sym), Vec<(EventIdx, EventIdx)>> = BTreeMap::new();
        for call in &calls.calls {
            let Some(exit) = call.exit else { continue };
            if !rec.event(exit).flags.exception {
                continue;
            }
            let Some(caller_id) = call.caller else {
                continue;
            };
            let caller = calls.get(caller_id);
            let Some(caller_exit) = caller.exit else {
                continue;
            };
            if rec.event(caller_exit).flags.exception || recorded_error[caller_id.index()] {
                continue;
            }
            // Raised and handled inside a library: its own control flow.
            if is_third_party(rec.location(exit), &[])
                && is_third_party(rec.location(caller.entry), &[])
            {
                continue;
            }
            by_place
                .entry((rec.event(exit).location, rec.event(caller.entry).location))
                .or_default()
                .push((exit, caller_exit));
        }
        // Callers that returned a failure value handled the exception.
        let caller_exits: Vec<EventIdx> = by_place.values().flatten().map(|p| p.1).collect();
        let metadata: std::collections::HashMap<EventIdx, Value> =
            read_metadata(rec, &caller_exits);
        let returned_failure = |exit: EventIdx| {
            metadata
                .get(&exit)
                .is_some_and(|m| is_failure(&m["return_value"]))
        };
        for pairs in by_place.values_mut() {
            pairs.retain(|&(_, caller_exit)| !returned_failure(caller_exit));
        }
        by_place
            .into_values()
            .filter(|pairs| !pairs.is_empty())
            .map(|pairs| {
                let (exit, caller_exit) = pairs[0];
                let callee = cx.function_name(call_entry(cx, exit));
                let caller = cx.function_name(call_entry(cx, caller_exit));
                let times = match pairs.len() {
                    1 => String::new(),
                    n => format!(" ({n} times)"),
                };
                Detection {
                    event: exit,
                    anomaly_type: "swallowed-exception".to_string(),
                    score: 0.5,
                    confidence: 1.0,
                    description: format!(
                        "`{callee}` raised at {} and its caller `{caller}` returned normally{times}",
                        rec.location(exit)
                    ),
                    affected: capped(pairs.iter().flat_map(|&(a, b)| [a, b]).collect()),
                }
            })
            .collect()
    }
}

/// Whether a return value reports a failure: an object with an error key,
/// or with an HTTP-like status of 400 or more.
fn is_failure(value: &Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    let status = ["status", "status_code"]
        .iter()
        .filter_map(|key| object.get(*key))
        .any(|s| s.as_i64().is_some_and(|code| code >= 400));
    status
        || ["error", "errors", "exception"]
            .iter()
            .any(|key| object.get(*key).is_some_and(|v| !v.is_null()))
}

/// The entry of the call an exit closes.
fn call_entry(cx: &Context<'_>, exit: EventIdx) -> EventIdx {
    cx.calls
        .owner(exit)
        .map_or(exit, |call| cx.calls.get(call).entry)
}

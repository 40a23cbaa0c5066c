//! Stress tests for race groups: the two functions behind a group's example
//! pair run concurrently many times, and the shared variable must end as
//! one of its serial results (both calls in either order, from the value
//! the trace recorded before them).
//!
//! The invariant is inferred only where the test can set and read the
//! variable, a module global (`module.name`) of a recorded module or an
//! attribute of the one object both calls are methods of (`Counter#1.value`),
//! and both calls replay (importable, JSON arguments, no boundaries).
//!
//! A race inside a library (an access in third-party code) is exercised
//! through the user's call that led into it: the stress test runs the
//! user's functions at the report's primary locations, not the library's
//! internals. A variable the test cannot set and read (a library object's
//! internal state) is checked through the calls' outcomes: run
//! concurrently, each must end as it does serially.

use super::cases::{Case, Recorded, Skipped, object_attribute};
use super::names::{is_identifier, slug};
use crate::analysis::race::RaceGroup;
use crate::model::third_party::is_third_party;
use crate::model::{EventIdx, EventKind, Recording};
use serde::Serialize;
use std::collections::HashMap;

/// How many concurrent rounds a stress test runs.
pub const ROUNDS: u32 = 200;

/// One race group's stress test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceCase {
    pub name: String,
    pub variable: String,
    /// The example pair's event ids.
    pub events: [String; 2],
    /// Set when an invariant was inferred.
    pub check: Option<RaceCheck>,
    /// Why not, otherwise.
    pub skip_reason: Option<String>,
}

/// What a stress test runs and checks: a module global (`module.name`),
/// or the attribute `name` of one object both calls are methods of.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceCheck {
    pub module: String,
    pub name: String,
    /// For an attribute: the object's attributes as the calls first read
    /// them; the object is made from the first call's class.
    pub object: Option<serde_json::Map<String, serde_json::Value>>,
    pub initial: Recorded,
    /// Set when the variable is not one the test can set and read (a
    /// library object's internal state): the test runs the calls on the
    /// state their module holds and checks that each ends (returns or
    /// raises) as it does when the two run serially.
    pub outcomes_only: bool,
    pub calls: [Case; 2],
    pub rounds: u32,
}

/// The call an event happened in: its nearest `function_entry` ancestor.
fn enclosing_call(rec: &Recording, event: EventIdx) -> Option<EventIdx> {
    rec.parent_chain(event)
        .into_iter()
        .rev()
        .skip(1)
        .find(|&e| rec.event(e).kind == EventKind::FunctionEntry)
}

/// The nearest call of the user's own code an event happened in: the
/// user's function whose call into the library led to it.
fn enclosing_user_call(
    rec: &Recording,
    event: EventIdx,
    third_party: &[String],
) -> Option<EventIdx> {
    rec.parent_chain(event)
        .into_iter()
        .rev()
        .skip(1)
        .find(|&e| {
            rec.event(e).kind == EventKind::FunctionEntry
                && !is_third_party(rec.location(e), third_party)
        })
}

/// The two calls a stress test runs for a race between `a` and `b`: the
/// calls the accesses happened in, or, for an access in third-party code,
/// the user's call that led into it (the call site the report's primary
/// location names), where the fix goes.
fn racing_calls(
    rec: &Recording,
    (a, b): (EventIdx, EventIdx),
    third_party: &[String],
) -> (Option<EventIdx>, Option<EventIdx>) {
    let side = |e: EventIdx| {
        if is_third_party(rec.location(e), third_party)
            && let Some(user) = enclosing_user_call(rec, e, third_party)
        {
            return Some(user);
        }
        enclosing_call(rec, e)
    };
    (side(a), side(b))
}

/// One stress test per race group, in the report's group order; groups
/// whose example pair is in the same two calls share one test.
pub fn race_cases(
    rec: &Recording,
    groups: &[RaceGroup],
    cases: &HashMap<EventIdx, Case>,
    skipped: &[Skipped],
    third_party: &[String],
) -> Vec<RaceCase> {
    let mut out: Vec<RaceCase> = Vec::new();
    let mut seen = Vec::new();
    for group in groups {
        let variable = rec.str(group.variable.name).to_string();
        let (a, b) = group.example;
        let calls = racing_calls(rec, (a, b), third_party);
        let key = (calls.0.min(calls.1), calls.0.max(calls.1), group.variable);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let events = [rec.id_str(a).to_string(), rec.id_str(b).to_string()];
        let name = format!("test_race_{}", slug(&variable, 48).trim_start_matches('_'));
        let (check, skip_reason) = match check_of(rec, &variable, calls, cases, skipped) {
            Ok(check) => (Some(check), None),
            Err(reason) => (None, Some(reason)),
        };
        out.push(RaceCase {
            name,
            variable,
            events,
            check,
            skip_reason,
        });
    }
    let mut taken = std::collections::HashSet::new();
    for case in &mut out {
        let base = case.name.clone();
        let mut n = 2;
        while !taken.insert(case.name.clone()) {
            case.name = format!("{base}_{n}");
            n += 1;
        }
    }
    out
}

fn check_of(
    rec: &Recording,
    variable: &str,
    calls: (Option<EventIdx>, Option<EventIdx>),
    cases: &HashMap<EventIdx, Case>,
    skipped: &[Skipped],
) -> Result<RaceCheck, String> {
    let (Some(a), Some(b)) = calls else {
        return Err("an access of the example pair happened outside any recorded call".into());
    };
    let replayable = |e: EventIdx| {
        cases.get(&e).cloned().ok_or_else(|| {
            let id = rec.id_str(e);
            let why = skipped
                .iter()
                .find(|s| s.event_id == id)
                .map_or("it was left out", |s| s.reason.as_str());
            format!(
                "the racing call {} cannot be replayed: {why}",
                crate::report::printable(id)
            )
        })
    };
    let (first, second) = (replayable(a)?, replayable(b)?);
    if !first.mocks.is_empty() || !second.mocks.is_empty() {
        return Err("a racing call has I/O boundaries".into());
    }
    if let Some((label, attr)) = object_attribute(variable) {
        let (Some(ra), Some(rb)) = (&first.receiver, &second.receiver) else {
            return Err(format!(
                "`{}` is an attribute, but the racing calls are not both methods of its object",
                crate::report::printable(variable)
            ));
        };
        if ra.label != label || rb.label != label {
            return Err("the racing calls are methods of different objects".into());
        }
        let mut attributes = rb.attributes.clone();
        attributes.extend(ra.attributes.clone());
        let initial = attributes
            .get(attr)
            .cloned()
            .ok_or("no value of the attribute was recorded before the racing calls")?;
        return Ok(RaceCheck {
            module: first.target.module.clone(),
            name: attr.to_string(),
            object: Some(attributes),
            initial: Recorded { value: initial },
            outcomes_only: false,
            calls: [first, second],
            rounds: ROUNDS,
        });
    }
    let state = first
        .state
        .iter()
        .find(|s| format!("{}.{}", s.module, s.name) == variable)
        .filter(|s| is_identifier(&s.name));
    let Some(state) = state else {
        // Not a variable the test can set and read (a library object's
        // internal state): the calls still run concurrently, and each
        // must end as it does run serially.
        return Ok(RaceCheck {
            module: first.target.module.clone(),
            name: variable.to_string(),
            object: None,
            initial: Recorded {
                value: serde_json::Value::Null,
            },
            outcomes_only: true,
            calls: [first, second],
            rounds: ROUNDS,
        });
    };
    let initial = state
        .before
        .clone()
        .ok_or("no value of the variable was recorded before the racing calls")?;
    Ok(RaceCheck {
        module: state.module.clone(),
        name: state.name.clone(),
        object: None,
        initial,
        outcomes_only: false,
        calls: [first, second],
        rounds: ROUNDS,
    })
}

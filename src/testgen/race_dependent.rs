//! Which recorded outcomes a race made. A call that read a variable at a
//! code location where that variable races (one side of a race group) may
//! have seen a value another schedule would not give it, so its recorded
//! return value or exception is not a fact to assert: such calls are
//! skipped with the race named, and the race stress tests
//! (`--race-tests`) exercise them instead.

use crate::analysis::race::{RaceGroup, VariableKey};
use crate::graph::calls::Calls;
use crate::model::{EventIdx, EventKind, Recording, Sym};
use std::collections::{HashMap, HashSet};

/// Per call entry: why its outcome depends on a race.
pub(super) fn race_dependent_calls(
    rec: &Recording,
    groups: &[RaceGroup],
) -> HashMap<EventIdx, String> {
    let mut found: HashMap<EventIdx, String> = HashMap::new();
    if groups.is_empty() {
        return found;
    }
    let racing: HashSet<(VariableKey, Sym)> = groups
        .iter()
        .flat_map(|g| g.locations.map(|l| (g.variable, l)))
        .collect();
    let calls = Calls::build(rec);
    for idx in rec.indices() {
        let event = rec.event(idx);
        if event.kind != EventKind::StateRead {
            continue;
        }
        let Some(variable) = VariableKey::of(rec, idx) else {
            continue;
        };
        if !racing.contains(&(variable, event.location)) {
            continue;
        }
        // Every call the read happened in, up to the root.
        let mut current = calls.owner(idx);
        let mut steps = 0;
        while let Some(call) = current {
            let entry = calls.get(call).entry;
            if found.contains_key(&entry) {
                // Its callers were marked with it.
                break;
            }
            found.entry(entry).or_insert_with(|| {
                format!(
                    "its outcome depends on a race: it read `{}` at {}, where that variable races (see `causeway analyze`); another schedule could give it another value",
                    rec.str(variable.name),
                    rec.location(idx)
                )
            });
            steps += 1;
            if steps > calls.len() {
                break;
            }
            current = calls.get(call).caller;
        }
    }
    found
}

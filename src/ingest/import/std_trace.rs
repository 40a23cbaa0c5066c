//! RAPID's STD traces (Mathur, Kini and Viswanathan's race prediction tool
//! RAPID): one event per line, `THREAD|OP(ARG)|LOCATION`, e.g.
//! `T0|w(V123)|45`.
//!
//! | STD | v1 kind | subject |
//! |---|---|---|
//! | `r(V)`, `w(V)` | `state_read`, `state_write` | variable `V` |
//! | `acq(L)`, `rel(L)` | `lock_acquire`, `lock_release` | lock `L` |
//! | `fork(T)`, `join(T)` | `async_spawn`, `async_await` | task `T` |
//! | `begin`, `end` | `custom` (atomic-block markers, no order) | |
//! | `enter(M)`, `exit(M)` | `function_entry`, `function_exit` | |
//!
//! With these, the format's happens-before (program order, fork, join, and
//! lock release before the next acquire) is RAPID's HB relation, so the
//! racy events of `causeway analyze` are what RAPID's HB engine reports.
//! The location is kept as the event's `function` (the fallback location of
//! a race), so racy lines are counted per STD location.
//!
//! The whole file is one program run: service and trace id are the file
//! name, so two STD files analyzed together never share a variable. Ids
//! are `<file>:<line>`; timestamps are the line number in microseconds after
//! the epoch, as STD has no time. Blank lines are skipped (RAPID would
//! replay the previous event); a malformed line is reported and skipped.

use super::event::{Notes, V1Event};
use crate::model::EventKind;

/// Reads every event of a file named `file`.
pub fn read(text: &str, file: &str, notes: &mut Notes) -> Vec<V1Event> {
    let mut events = Vec::new();
    for (number, line) in super::text_lines(text) {
        match event(line.trim(), number, file) {
            Ok(event) => events.push(event),
            Err(message) => notes.skipped(number, format!("{message}; line skipped")),
        }
    }
    events
}

fn event(line: &str, number: u32, file: &str) -> Result<V1Event, String> {
    let mut fields = line.split('|');
    let thread = fields.next().unwrap_or_default().trim();
    let operation = fields
        .next()
        .ok_or("expected `THREAD|OP(ARG)|LOCATION`")?
        .trim();
    let location = fields.next().map(str::trim).filter(|l| !l.is_empty());
    if fields.next().is_some() {
        return Err("expected `THREAD|OP(ARG)|LOCATION`, found more than three fields".into());
    }
    if thread.is_empty() {
        return Err("the thread is empty".into());
    }
    let (op, arg) = match operation.split_once('(') {
        Some((op, rest)) => {
            let arg = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("`{operation}`: missing `)`"))?
                .trim();
            (op.trim(), Some(arg).filter(|a| !a.is_empty()))
        }
        None => (operation, None),
    };
    let needs_arg = |what: &str| {
        arg.map(str::to_string)
            .ok_or_else(|| format!("`{op}` needs a {what} in parentheses"))
    };
    let (kind, subject) = match op {
        "r" => (
            EventKind::StateRead,
            Some(("variable", needs_arg("variable")?)),
        ),
        "w" => (
            EventKind::StateWrite,
            Some(("variable", needs_arg("variable")?)),
        ),
        "acq" => (EventKind::LockAcquire, Some(("lock", needs_arg("lock")?))),
        "rel" => (EventKind::LockRelease, Some(("lock", needs_arg("lock")?))),
        "fork" => (EventKind::AsyncSpawn, Some(("task", needs_arg("thread")?))),
        "join" => (EventKind::AsyncAwait, Some(("task", needs_arg("thread")?))),
        "begin" | "end" => (EventKind::Custom, None),
        "enter" => (EventKind::FunctionEntry, None),
        "exit" => (EventKind::FunctionExit, None),
        _ => {
            return Err(format!(
                "unknown operation `{op}` (expected r, w, acq, rel, fork, join, begin, end, enter or exit)"
            ));
        }
    };
    let mut event = V1Event::new(
        number,
        format!("{file}:{number}"),
        file,
        i64::from(number) * 1000,
        kind,
    )
    .with("service", file)
    .with("thread", thread)
    .with_some("function", location);
    if let Some((field, value)) = subject {
        event = event.with(field, value);
    }
    match op {
        "begin" | "end" => event = event.with("name", format!("atomic_{op}")),
        "enter" | "exit" => event = event.with_some("method", arg),
        _ => {}
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_events_and_bad_ones_are_reported() {
        let mut notes = Notes::default();
        let events = read(
            "T0|w(Vx)|12\n\nT1|r(Vx)|L7\nT0|frob(x)|1\nT2|acq(L)\nT1|w()|3\n",
            "a.std",
            &mut notes,
        );
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].id, "a.std:1");
        assert_eq!(events[0].metadata["variable"], "Vx");
        assert_eq!(events[0].metadata["function"], "12");
        assert_eq!(events[1].id, "a.std:3");
        assert_eq!(events[1].metadata["function"], "L7");
        assert_eq!(events[2].kind, EventKind::LockAcquire);
        assert!(events[2].metadata.get("function").is_none());
        let lines: Vec<u32> = notes.0.iter().map(|n| n.line).collect();
        assert_eq!(lines, [4, 6]);
        assert!(notes.0[0].message.starts_with("unknown operation `frob`"));
    }
}

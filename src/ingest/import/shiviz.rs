//! ShiViz logs (as GoVector and other vector-clock loggers write them): a
//! text log parsed by a user-supplied regular expression with the named
//! groups `host`, `clock` (a JSON object host -> counter) and `event`, and
//! optionally a delimiter expression that splits the log into several
//! executions (its `trace` group names each one).
//!
//! The expressions are written as for ShiViz, in JavaScript syntax:
//! `(?<name>...)` groups, and `{` and `}` taken literally where they cannot
//! be a repetition (`{.*}`). They match with `^` and `$` at line ends, as in
//! ShiViz. Each match is one `custom` event (`name` = the event text, other
//! named groups kept in the metadata) whose clock is its
//! `causality_vector`, so the clocks decide happens-before. Text between
//! matches is reported line by line as a warning. Without an expression,
//! GoVector's own log layout is assumed:
//! `(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`.
//!
//! Service = host; thread = the execution's name when there are several,
//! else `main`; trace = the file name (and the execution's name); clock ids
//! are `<trace>/<host>`. Events are written in an order that extends the
//! clocks' order (by the sum of each clock), so file order never
//! contradicts them. Ids are `<file>:<line of the match>`.

use super::event::{Notes, V1Event};
use crate::model::EventKind;
use regex::{Regex, RegexBuilder};
use serde_json::Value;

/// GoVector's log layout: the event on one line, `host {clock}` on the next.
pub const GOVECTOR_REGEX: &str = r"(?<event>.*)\n(?<host>\S*) (?<clock>{.*})";

/// GoVector's layout, compiled once.
pub fn govector() -> &'static Regex {
    static GOVECTOR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    GOVECTOR.get_or_init(|| compile(GOVECTOR_REGEX).expect("GoVector's expression compiles"))
}

/// Compiles a ShiViz (JavaScript-flavoured) expression.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(&javascript_to_rust(pattern))
        .multi_line(true)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| format!("bad regular expression `{pattern}`: {e}"))
}

/// Escapes the braces JavaScript takes literally (those that do not form a
/// `{n}`, `{n,}` or `{n,m}` repetition) so the Rust engine does too.
fn javascript_to_rust(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                out.push(c);
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '{' if !in_class => match repetition_length(&chars[i..]) {
                Some(len) if i > 0 => {
                    out.extend(&chars[i..i + len]);
                    i += len - 1;
                }
                _ => out.push_str("\\{"),
            },
            '}' if !in_class => out.push_str("\\}"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// The length of a `{n}`, `{n,}` or `{n,m}` at the start of `chars`.
fn repetition_length(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|&c| c == '}')?;
    let inside: String = chars[1..close].iter().collect();
    let (low, high) = inside.split_once(',').unwrap_or((&inside, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(low) && (high.is_empty() || digits(high))).then_some(close + 1)
}

/// The options a ShiViz log needs.
pub struct Parser {
    pub event: Regex,
    pub delimiter: Option<Regex>,
}

/// Reads every event of a file named `file`.
pub fn read(text: &str, file: &str, parser: &Parser, notes: &mut Notes) -> Vec<V1Event> {
    let for_event = ["host", "clock"];
    if let Some(missing) = for_event
        .iter()
        .find(|g| !parser.event.capture_names().any(|n| n == Some(**g)))
    {
        notes.skipped(
            1,
            format!("the parser expression has no `(?<{missing}>...)` group; nothing can be read"),
        );
        return Vec::new();
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect();
    let line_at = |offset: usize| {
        u32::try_from(line_starts.partition_point(|&s| s <= offset)).unwrap_or(u32::MAX)
    };
    let executions = split_executions(text, parser.delimiter.as_ref());
    let several = executions.len() > 1;
    let mut events = Vec::new();
    for (n, (label, start, end)) in executions.into_iter().enumerate() {
        let label = label.unwrap_or_else(|| format!("execution {}", n + 1));
        let trace = if several {
            format!("{file}#{label}")
        } else {
            file.to_string()
        };
        let thread = if several { label.as_str() } else { "main" };
        let body = &text[start..end];
        let mut covered = start;
        let mut execution = Vec::new();
        for captures in parser.event.captures_iter(body) {
            let whole = captures.get(0).expect("group 0 is the match");
            if whole.as_str().is_empty() {
                continue;
            }
            let at = start + whole.start();
            warn_uncovered(text, covered, at, &line_at, notes);
            covered = start + whole.end();
            let line = line_at(at);
            let host = captures.name("host").map_or("", |m| m.as_str()).trim();
            let clock_text = captures.name("clock").map_or("", |m| m.as_str());
            let clock = match parse_clock(clock_text, host) {
                Ok(clock) => clock,
                Err(message) => {
                    notes.skipped(line, format!("{message}; event skipped"));
                    continue;
                }
            };
            if host.is_empty() {
                notes.skipped(line, "the `host` group matched nothing; event skipped");
                continue;
            }
            if !clock.iter().any(|(h, _)| h == host) {
                notes.warn(
                    line,
                    format!("the clock has no entry for its own host `{host}`"),
                );
            }
            let mut event = V1Event::new(
                line,
                format!("{file}:{line}"),
                trace.as_str(),
                0,
                EventKind::Custom,
            )
            .with("service", host)
            .with("thread", thread)
            .with(
                "name",
                captures.name("event").map_or("", |m| m.as_str()).trim(),
            );
            for name in parser.event.capture_names().flatten() {
                if !matches!(name, "host" | "clock" | "event")
                    && let Some(m) = captures.name(name)
                {
                    event = event.with(name, m.as_str());
                }
            }
            event.timestamp_ns = captures
                .name("date")
                .or_else(|| captures.name("timestamp"))
                .and_then(|m| parse_date(m.as_str()))
                .unwrap_or(0);
            let sum: u64 = clock.iter().map(|(_, n)| *n).fold(0, u64::saturating_add);
            event.clock = Some(
                clock
                    .into_iter()
                    .map(|(h, n)| (format!("{trace}/{h}"), n))
                    .collect(),
            );
            execution.push((sum, event));
        }
        warn_uncovered(text, covered, end, &line_at, notes);
        // Synthetic times keep file order where the log has none.
        execution.sort_by_key(|(sum, _)| *sum);
        for (position, (_, mut event)) in execution.into_iter().enumerate() {
            if event.timestamp_ns == 0 {
                event.timestamp_ns = i64::try_from(position + 1).unwrap_or(i64::MAX) * 1000;
            }
            events.push(event);
        }
    }
    events
}

/// The executions of a log: (name, start, end) byte ranges.
fn split_executions(text: &str, delimiter: Option<&Regex>) -> Vec<(Option<String>, usize, usize)> {
    let Some(delimiter) = delimiter else {
        return vec![(None, 0, text.len())];
    };
    let mut executions = Vec::new();
    let mut current: (Option<String>, usize) = (None, 0);
    for captures in delimiter.captures_iter(text) {
        let whole = captures.get(0).expect("group 0 is the match");
        if whole.as_str().is_empty() {
            continue;
        }
        let (label, start) = std::mem::replace(
            &mut current,
            (
                captures
                    .name("trace")
                    .map(|m| m.as_str().trim().to_string()),
                whole.end(),
            ),
        );
        if label.is_some() || !text[start..whole.start()].trim().is_empty() {
            executions.push((label, start, whole.start()));
        }
    }
    executions.push((current.0, current.1, text.len()));
    executions
}

/// Reports each non-blank line between two matches.
fn warn_uncovered(
    text: &str,
    from: usize,
    to: usize,
    line_at: &dyn Fn(usize) -> u32,
    notes: &mut Notes,
) {
    if from >= to {
        return;
    }
    let mut offset = from;
    for piece in text[from..to].split_inclusive('\n') {
        if !piece.trim().is_empty() {
            notes.warn(
                line_at(offset),
                "text that the parser expression does not match; skipped",
            );
        }
        offset += piece.len();
    }
}

/// A clock `{"host": counter, ...}`.
fn parse_clock(text: &str, host: &str) -> Result<Vec<(String, u64)>, String> {
    let value: Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("the clock of host `{host}` is not a JSON object: {e}"))?;
    let Value::Object(entries) = value else {
        return Err(format!("the clock of host `{host}` is not a JSON object"));
    };
    entries
        .into_iter()
        .map(|(h, n)| match n.as_u64() {
            Some(n) => Ok((h, n)),
            None => Err(format!(
                "the clock of host `{host}` gives `{h}` the value {n}, not a counter >= 0"
            )),
        })
        .collect()
}

/// A date as loggers write it: RFC 3339, or `month/day/year
/// hour:minute:second[.fraction]`.
fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(date) = chrono::DateTime::parse_from_rfc3339(text) {
        return date.timestamp_nanos_opt();
    }
    for layout in [
        "%m/%d/%Y %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S%.f",
    ] {
        if let Ok(date) = chrono::NaiveDateTime::parse_from_str(text, layout) {
            return date.and_utc().timestamp_nanos_opt();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_braces_are_literal_unless_they_repeat() {
        assert_eq!(javascript_to_rust("(?<c>{.*})"), r"(?<c>\{.*\})");
        assert_eq!(javascript_to_rust(r"a{2,3}\{[{]"), r"a{2,3}\{[{]");
        assert!(compile(GOVECTOR_REGEX).is_ok());
    }

    #[test]
    fn a_govector_log_gives_one_event_per_pair_of_lines() {
        let parser = Parser {
            event: compile(GOVECTOR_REGEX).unwrap(),
            delimiter: None,
        };
        let log = "start\na {\"a\":1}\nsend\na {\"a\":2}\nrecv\nb {\"b\":1, \"a\":2}\n";
        let mut notes = Notes::default();
        let events = read(log, "g.log", &parser, &mut notes);
        assert!(notes.0.is_empty(), "{:?}", notes.0);
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["g.log:1", "g.log:3", "g.log:5"]);
        assert_eq!(events[2].metadata["service"], "b");
        assert_eq!(
            events[2].clock.as_deref().unwrap(),
            [("g.log/a".to_string(), 2), ("g.log/b".to_string(), 1)]
        );
    }

    #[test]
    fn a_delimiter_splits_executions() {
        let parser = Parser {
            event: compile(GOVECTOR_REGEX).unwrap(),
            delimiter: Some(compile("^=== (?<trace>.*) ===$").unwrap()),
        };
        let log = "=== one ===\nx\na {\"a\":1}\n\n=== two ===\ny\na {\"a\":1}\n";
        let mut notes = Notes::default();
        let events = read(log, "m.log", &parser, &mut notes);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].trace_id, "m.log#one");
        assert_eq!(events[1].metadata["thread"], "two");
        assert!(notes.0.is_empty(), "{:?}", notes.0);
    }
}

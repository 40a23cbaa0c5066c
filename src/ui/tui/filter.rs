//! The event filter typed after `F`: space-separated `key:glob` terms,
//! `kind:write lane:worker-1 var:acct* trace:4bf9*`. Terms with the same
//! key are alternatives (any may match), different keys must all match.
//! `kind` matches a kind's name or any `_`-separated part of it (`write`
//! matches `state_write`), `lane` the lane `service/thread`, its service or
//! its thread, `var` the event's subject (variable, lock, channel, ...),
//! `trace` the trace id. Each distinct string is tested once, so applying a
//! filter is one sweep of table lookups over the events.

use crate::model::{EventIdx, EventKind, Recording};
use globset::{Glob, GlobMatcher};

/// A parsed filter: per key, the globs any of which must match.
pub struct Filter {
    /// As typed, for the status line.
    pub text: String,
    kind: Vec<GlobMatcher>,
    lane: Vec<GlobMatcher>,
    var: Vec<GlobMatcher>,
    trace: Vec<GlobMatcher>,
}

impl Filter {
    /// Parses a filter; the error says which term is wrong.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut filter = Filter {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            kind: Vec::new(),
            lane: Vec::new(),
            var: Vec::new(),
            trace: Vec::new(),
        };
        for term in text.split_whitespace() {
            let Some((key, pattern)) = term.split_once(':') else {
                return Err(format!(
                    "`{term}` is not key:glob (kind: lane: var: trace:)"
                ));
            };
            let glob = Glob::new(pattern)
                .map_err(|e| format!("`{term}`: {e}"))?
                .compile_matcher();
            match key {
                "kind" => filter.kind.push(glob),
                "lane" => filter.lane.push(glob),
                "var" => filter.var.push(glob),
                "trace" => filter.trace.push(glob),
                _ => {
                    return Err(format!(
                        "unknown filter key `{key}` (kind: lane: var: trace:)"
                    ));
                }
            }
        }
        Ok(filter)
    }

    /// The events that pass, in file order.
    pub fn rows(&self, rec: &Recording) -> Vec<EventIdx> {
        let any = |globs: &[GlobMatcher], s: &str| globs.iter().any(|g| g.is_match(s));
        let kinds: Vec<EventKind> = EventKind::ALL
            .into_iter()
            .filter(|k| {
                self.kind.is_empty()
                    || any(&self.kind, k.as_str())
                    || k.as_str().split('_').any(|part| any(&self.kind, part))
            })
            .collect();
        let lanes: Vec<bool> = rec
            .exec_lines
            .iter()
            .map(|l| {
                let (service, thread) = (rec.str(l.service), rec.str(l.thread));
                self.lane.is_empty()
                    || any(&self.lane, &format!("{service}/{thread}"))
                    || any(&self.lane, service)
                    || any(&self.lane, thread)
            })
            .collect();
        // Per interned string: does it pass as a variable, as a trace id.
        let strings = |globs: &[GlobMatcher]| -> Option<Vec<bool>> {
            (!globs.is_empty()).then(|| {
                (0..rec.strings.len())
                    .map(|i| any(globs, rec.str(crate::model::Sym::from_index(i as u32))))
                    .collect()
            })
        };
        let var = strings(&self.var);
        let trace = strings(&self.trace);
        rec.events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                kinds.contains(&e.kind)
                    && lanes[e.exec.index()]
                    && var
                        .as_ref()
                        .is_none_or(|v| e.subject.is_some_and(|s| v[s.index()]))
                    && trace.as_ref().is_none_or(|t| t[e.trace.index()])
            })
            .map(|(i, _)| EventIdx(i as u32))
            .collect()
    }
}

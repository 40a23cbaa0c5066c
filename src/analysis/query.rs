//! Event selection for `causeway query`: by kind, and by globs on service,
//! thread, trace, variable and function (each string's verdict remembered,
//! so a glob runs once per distinct string, not once per event), file or `file:line`, time range, and by
//! causality: an event's causal past (`--before`), its causal future
//! (`--after`) or the events concurrent with it, all over the whole
//! recording's happens-before graph ([`TraceGraph::whole`]). The graph is
//! built only when a causal filter asks for it, so a plain filter costs one
//! pass over the events.

use crate::graph::TraceGraph;
use crate::graph::edges::sync_edges;
use crate::model::{EventIdx, EventKind, Recording, Sym};
use globset::{Glob, GlobMatcher};

/// What to select. Every filter given must hold.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub kinds: Vec<EventKind>,
    pub service: Option<String>,
    pub thread: Option<String>,
    pub trace: Option<String>,
    pub variable: Option<String>,
    pub function: Option<String>,
    /// `file` or `file:line`.
    pub file: Option<String>,
    /// Nanoseconds since the epoch, inclusive.
    pub since_ns: Option<i64>,
    pub until_ns: Option<i64>,
    pub before: Option<EventIdx>,
    pub after: Option<EventIdx>,
    pub concurrent_with: Option<EventIdx>,
}

/// A glob that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("bad glob `{glob}`: {message}")]
pub struct BadGlob {
    pub glob: String,
    pub message: String,
}

fn matcher(glob: Option<&String>) -> Result<Option<GlobMatcher>, BadGlob> {
    glob.map(|g| {
        Glob::new(g)
            .map(|g| g.compile_matcher())
            .map_err(|e| BadGlob {
                glob: g.clone(),
                message: e.kind().to_string(),
            })
    })
    .transpose()
}

/// A glob over interned strings, with each symbol's verdict remembered.
struct SymGlob<'a> {
    rec: &'a Recording,
    glob: GlobMatcher,
    /// Per symbol: 0 not yet matched, 1 matches, 2 does not.
    verdicts: Vec<u8>,
}

impl<'a> SymGlob<'a> {
    fn new(rec: &'a Recording, glob: Option<&String>) -> Result<Option<Self>, BadGlob> {
        Ok(matcher(glob)?.map(|glob| SymGlob {
            rec,
            glob,
            verdicts: vec![0; rec.strings.len()],
        }))
    }

    fn matches(&mut self, sym: Sym) -> bool {
        let slot = &mut self.verdicts[sym.index()];
        if *slot == 0 {
            *slot = if self.glob.is_match(self.rec.str(sym)) {
                1
            } else {
                2
            };
        }
        *slot == 1
    }
}

/// Whether `sym` passes an optional glob.
fn passes(glob: &mut Option<SymGlob<'_>>, sym: Option<Sym>) -> bool {
    match glob {
        None => true,
        Some(glob) => sym.is_some_and(|s| glob.matches(s)),
    }
}

/// The events that pass every filter, in file order.
pub fn select(rec: &Recording, filters: &Filters) -> Result<Vec<EventIdx>, BadGlob> {
    let mut service = SymGlob::new(rec, filters.service.as_ref())?;
    let mut thread = SymGlob::new(rec, filters.thread.as_ref())?;
    let mut trace = SymGlob::new(rec, filters.trace.as_ref())?;
    let mut variable = SymGlob::new(rec, filters.variable.as_ref())?;
    let mut function = SymGlob::new(rec, filters.function.as_ref())?;
    let causal =
        filters.before.is_some() || filters.after.is_some() || filters.concurrent_with.is_some();
    let graph = if causal {
        TraceGraph::whole(rec, &sync_edges(rec))
    } else {
        None
    };
    let marks = |list: Vec<EventIdx>| {
        let mut marked = vec![false; rec.events.len()];
        for idx in list {
            marked[idx.index()] = true;
        }
        marked
    };
    let past = graph
        .as_ref()
        .zip(filters.before)
        .map(|(g, e)| marks(g.causal_past(e)));
    let future = graph
        .as_ref()
        .zip(filters.after)
        .map(|(g, e)| marks(g.causal_future(e)));
    let concurrent = graph.as_ref().zip(filters.concurrent_with).map(|(g, e)| {
        let mut ordered = marks(g.causal_past(e));
        for idx in g.causal_future(e) {
            ordered[idx.index()] = true;
        }
        ordered[e.index()] = true;
        ordered.into_iter().map(|o| !o).collect::<Vec<bool>>()
    });
    let (file, line) = match filters.file.as_deref().map(|f| f.rsplit_once(':')) {
        Some(Some((file, line))) if line.parse::<u64>().is_ok() => (Some(file), Some(line)),
        _ => (filters.file.as_deref(), None),
    };
    let file_line = line.map(|line| format!("{}:{line}", file.unwrap_or_default()));
    Ok(rec
        .indices()
        .filter(|&idx| {
            let event = rec.event(idx);
            let lane = rec.exec_line(idx);
            let i = idx.index();
            (filters.kinds.is_empty() || filters.kinds.contains(&event.kind))
                && passes(&mut service, Some(lane.service))
                && passes(&mut thread, Some(lane.thread))
                && passes(&mut trace, Some(event.trace))
                && passes(
                    &mut variable,
                    event.subject.filter(|_| event.access_class().is_some()),
                )
                && passes(&mut function, event.function)
                && file.is_none_or(|f| {
                    let location = rec.location(idx);
                    match &file_line {
                        Some(file_line) => location == file_line,
                        None => location.strip_prefix(f).is_some_and(|r| r.starts_with(':')),
                    }
                })
                && filters.since_ns.is_none_or(|t| event.timestamp_ns >= t)
                && filters.until_ns.is_none_or(|t| event.timestamp_ns <= t)
                && past.as_ref().is_none_or(|p| p[i])
                && future.as_ref().is_none_or(|f| f[i])
                && concurrent.as_ref().is_none_or(|c| c[i])
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::recording;

    const SPEC: &str = "t1 call main\n\
                        t1 spawn t2 ^e1\n\
                        t2 w x @a.py:1\n\
                        t2 send m\n\
                        t1 recv m\n\
                        t1 r x @a.py:2\n\
                        t3 w cart.total @b.py:1";

    fn ids(rec: &Recording, filters: &Filters) -> Vec<String> {
        select(rec, filters)
            .unwrap()
            .into_iter()
            .map(|e| rec.id_str(e).to_string())
            .collect()
    }

    #[test]
    fn plain_filters_combine() {
        let rec = recording(SPEC);
        let by_var = Filters {
            variable: Some("cart.*".into()),
            ..Filters::default()
        };
        assert_eq!(ids(&rec, &by_var), ["e7"]);
        let by_file = Filters {
            file: Some("a.py".into()),
            kinds: vec![EventKind::StateRead],
            ..Filters::default()
        };
        assert_eq!(ids(&rec, &by_file), ["e6"]);
        let by_line = Filters {
            file: Some("a.py:1".into()),
            ..Filters::default()
        };
        assert_eq!(ids(&rec, &by_line), ["e3"]);
        assert_eq!(
            ids(
                &rec,
                &Filters {
                    thread: Some("t3".into()),
                    ..Filters::default()
                }
            ),
            ["e7"]
        );
    }

    #[test]
    fn causal_filters_follow_happens_before() {
        let rec = recording(SPEC);
        let before = Filters {
            before: Some(EventIdx(5)),
            ..Filters::default()
        };
        assert_eq!(ids(&rec, &before), ["e1", "e2", "e3", "e4", "e5"]);
        let after = Filters {
            after: Some(EventIdx(2)),
            ..Filters::default()
        };
        assert_eq!(ids(&rec, &after), ["e4", "e5", "e6"]);
        let concurrent = Filters {
            concurrent_with: Some(EventIdx(2)),
            ..Filters::default()
        };
        assert_eq!(ids(&rec, &concurrent), ["e7"]);
        assert!(
            select(
                &rec,
                &Filters {
                    variable: Some("[".into()),
                    ..Filters::default()
                }
            )
            .is_err()
        );
    }
}

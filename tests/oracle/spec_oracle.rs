//! The naive reference oracle, written straight from `trace-format.md`.
//!
//! It reads the recording back from the JSONL text (not from the generator's
//! internal state), builds happens-before either as the transitive closure of
//! exactly the spec's six edge rules or, where every event carries a
//! `causality_vector`, as the pointwise clock order, and then checks every pair
//! of events. It is quadratic and proud of it: it is meant to be obviously
//! right, not fast.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One event of the recording, with the spec's defaults resolved.
#[derive(Debug, Clone)]
pub(crate) struct Ev {
    pub id: String,
    /// Index of the file in argument order.
    pub file: usize,
    pub kind: String,
    pub parent: Option<String>,
    pub trace: String,
    /// `metadata.service`, default `"default"`.
    pub service: String,
    /// `metadata.thread`, default `"main"`.
    pub thread: String,
    pub variable: Option<String>,
    /// `metadata.scope == "global"`.
    pub global: bool,
    /// `metadata.atomic == true`.
    pub atomic: bool,
    pub location: String,
    pub task: Option<String>,
    pub lock: Option<String>,
    pub message_id: Option<String>,
    /// The `causality_vector`, as clock id -> counter.
    pub clock: Option<BTreeMap<String, u64>>,
}

impl Ev {
    pub(crate) fn is_access(&self) -> bool {
        (self.kind == "state_read" || self.kind == "state_write") && self.variable.is_some()
    }
    /// A `state_write` whose `metadata.atomic` is missing or false.
    pub(crate) fn is_nonatomic_write(&self) -> bool {
        self.kind == "state_write" && !self.atomic
    }
    /// The variable's identity: (service, variable), or (None, variable) for
    /// `scope: "global"`.
    pub(crate) fn identity(&self) -> (Option<String>, String) {
        let var = self.variable.clone().unwrap_or_default();
        if self.global {
            (None, var)
        } else {
            (Some(self.service.clone()), var)
        }
    }
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The location of an access: `file:line` where both are given, else its
/// function, else `<unknown>`.
pub(crate) fn location_of(md: &Value) -> String {
    let file = md.get("file").and_then(Value::as_str);
    let line = md.get("line").and_then(Value::as_u64);
    match (file, line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        _ => md
            .get("function")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| "<unknown>".to_string()),
    }
}

/// Parses the files of one recording (in argument order) into events in file
/// order: file by file, line by line. Panics on anything that is not a valid
/// event: the oracle only ever reads traces that are valid by construction.
pub(crate) fn parse_recording(files: &[String]) -> Vec<Ev> {
    let mut evs = Vec::new();
    for (fi, text) in files.iter().enumerate() {
        for (li, raw) in text.lines().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(raw)
                .unwrap_or_else(|e| panic!("oracle input file {fi} line {}: {e}", li + 1));
            let null = Value::Null;
            let md = v.get("metadata").unwrap_or(&null);
            let clock = v.get("causality_vector").map(|cv| {
                let mut m = BTreeMap::new();
                for pair in cv.as_array().expect("causality_vector is an array") {
                    let k = pair[0].as_str().expect("clock id").to_string();
                    let n = pair[1].as_u64().expect("clock counter");
                    assert!(m.insert(k, n).is_none(), "clock id twice in one vector");
                }
                m
            });
            evs.push(Ev {
                id: str_field(&v, "id").expect("id"),
                file: fi,
                kind: str_field(&v, "kind").expect("kind"),
                parent: str_field(&v, "parent_id"),
                trace: str_field(&v, "trace_id").expect("trace_id"),
                service: str_field(md, "service").unwrap_or_else(|| "default".into()),
                thread: str_field(md, "thread").unwrap_or_else(|| "main".into()),
                variable: str_field(md, "variable"),
                global: md.get("scope").and_then(Value::as_str) == Some("global"),
                atomic: md.get("atomic").and_then(Value::as_bool) == Some(true),
                location: location_of(md),
                task: str_field(md, "task"),
                lock: str_field(md, "lock"),
                message_id: str_field(md, "message_id"),
                clock,
            });
        }
    }
    let ids: BTreeSet<&str> = evs.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), evs.len(), "oracle input has duplicate ids");
    evs
}

/// Which happens-before rule an explicit edge comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rule {
    ProgramOrder,
    Parent,
    Spawn,
    Join,
    Lock,
    Message,
}

/// The explicit edges of the six rules, literally.
pub(crate) fn rule_edges(evs: &[Ev]) -> Vec<(usize, usize, Rule)> {
    let n = evs.len();
    let mut edges = Vec::new();
    // 1. program order: a before b in the same file, same (service, thread).
    for a in 0..n {
        for b in a + 1..n {
            if evs[a].file == evs[b].file
                && evs[a].service == evs[b].service
                && evs[a].thread == evs[b].thread
            {
                edges.push((a, b, Rule::ProgramOrder));
            }
        }
    }
    // 2. causal parent: a is b's parent_id.
    for b in 0..n {
        if let Some(p) = &evs[b].parent {
            for a in 0..n {
                if &evs[a].id == p {
                    edges.push((a, b, Rule::Parent));
                }
            }
        }
    }
    // 3. spawn: a is async_spawn of task T, b is the first event of T.
    // 4. join: a is the last event of task T, b is an async_await of T.
    // The task is a thread of the spawner's / awaiter's service.
    for x in 0..n {
        let Some(task) = &evs[x].task else { continue };
        let of_task: Vec<usize> = (0..n)
            .filter(|&i| evs[i].service == evs[x].service && &evs[i].thread == task)
            .collect();
        match (evs[x].kind.as_str(), of_task.first(), of_task.last()) {
            ("async_spawn", Some(&first), _) => edges.push((x, first, Rule::Spawn)),
            ("async_await", _, Some(&last)) => edges.push((last, x, Rule::Join)),
            _ => {}
        }
    }
    // 5. lock: a is lock_release of L, b the next lock_acquire of L in the
    // same service and the same file, in file order.
    for a in 0..n {
        if evs[a].kind != "lock_release" {
            continue;
        }
        let next = (a + 1..n).find(|&b| {
            evs[b].kind == "lock_acquire"
                && evs[b].lock == evs[a].lock
                && evs[b].service == evs[a].service
                && evs[b].file == evs[a].file
        });
        if let Some(b) = next {
            edges.push((a, b, Rule::Lock));
        }
    }
    // 6. message: a is message_send, b a message_receive of the same id.
    for a in 0..n {
        if evs[a].kind != "message_send" || evs[a].message_id.is_none() {
            continue;
        }
        for b in 0..n {
            if evs[b].kind == "message_receive" && evs[b].message_id == evs[a].message_id {
                edges.push((a, b, Rule::Message));
            }
        }
    }
    edges
}

/// `hb[a][b]` is true iff a chain of one or more edges leads from a to b
/// (depth-first search from every event).
pub(crate) fn closure(n: usize, edges: &[(usize, usize, Rule)]) -> Vec<Vec<bool>> {
    let mut adj = vec![Vec::new(); n];
    for &(a, b, _) in edges {
        adj[a].push(b);
    }
    let mut hb = vec![vec![false; n]; n];
    for start in 0..n {
        let mut stack: Vec<usize> = adj[start].clone();
        while let Some(x) = stack.pop() {
            if !hb[start][x] {
                hb[start][x] = true;
                stack.extend(adj[x].iter().copied());
            }
        }
    }
    hb
}

/// a -> b by clocks: a <= b in every entry and < in at least one; a missing
/// entry is 0.
pub(crate) fn clock_before(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> bool {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut strictly = false;
    for k in keys {
        let x = a.get(k).copied().unwrap_or(0);
        let y = b.get(k).copied().unwrap_or(0);
        if x > y {
            return false;
        }
        if x < y {
            strictly = true;
        }
    }
    strictly
}

/// True when every event carries a `causality_vector`, so the clocks decide.
pub(crate) fn clocks_decide(evs: &[Ev]) -> bool {
    !evs.is_empty() && evs.iter().all(|e| e.clock.is_some())
}

/// The happens-before matrix of the recording.
pub(crate) fn happens_before(evs: &[Ev]) -> Vec<Vec<bool>> {
    let n = evs.len();
    if clocks_decide(evs) {
        let mut hb = vec![vec![false; n]; n];
        for a in 0..n {
            for b in 0..n {
                hb[a][b] = clock_before(
                    evs[a].clock.as_ref().unwrap(),
                    evs[b].clock.as_ref().unwrap(),
                );
            }
        }
        hb
    } else {
        closure(n, &rule_edges(evs))
    }
}

/// A race group's key: (service or None for global, variable, lower
/// location, higher location).
pub(crate) type GroupKey = (Option<String>, String, String, String);

#[derive(Debug, Default, Clone)]
pub(crate) struct Group {
    /// Racing pairs (i, j), i earlier in file order than j.
    pub pairs: BTreeSet<(usize, usize)>,
    /// Events that race with an earlier event at the group's other location.
    pub racy: BTreeSet<usize>,
}

#[derive(Debug)]
pub(crate) struct Report {
    pub evs: Vec<Ev>,
    pub hb: Vec<Vec<bool>>,
    pub groups: BTreeMap<GroupKey, Group>,
    /// Events that race with at least one earlier event.
    pub racy: BTreeSet<usize>,
}

/// Do events i and j form a data race? A pair of accesses to the same
/// variable identity, from different (service, thread), at least one a
/// non-atomic write, neither happening before the other.
pub(crate) fn races(evs: &[Ev], hb: &[Vec<bool>], i: usize, j: usize) -> bool {
    let (a, b) = (&evs[i], &evs[j]);
    a.is_access()
        && b.is_access()
        && a.identity() == b.identity()
        && (a.service != b.service || a.thread != b.thread)
        && (a.is_nonatomic_write() || b.is_nonatomic_write())
        && !hb[i][j]
        && !hb[j][i]
}

pub(crate) fn group_key(evs: &[Ev], i: usize, j: usize) -> GroupKey {
    let (service, variable) = evs[i].identity();
    let (l1, l2) = (evs[i].location.clone(), evs[j].location.clone());
    let (lo, hi) = if l1 <= l2 { (l1, l2) } else { (l2, l1) };
    (service, variable, lo, hi)
}

/// Checks all pairs.
pub(crate) fn analyze(files: &[String]) -> Report {
    let evs = parse_recording(files);
    let hb = happens_before(&evs);
    let mut groups: BTreeMap<GroupKey, Group> = BTreeMap::new();
    let mut racy = BTreeSet::new();
    for j in 0..evs.len() {
        for i in 0..j {
            if races(&evs, &hb, i, j) {
                // j is at one of the group's locations and i, earlier, at the
                // other one (the same one for a line racing with itself), so j
                // is a racy event of this group.
                let g = groups.entry(group_key(&evs, i, j)).or_default();
                g.pairs.insert((i, j));
                g.racy.insert(j);
                racy.insert(j);
            }
        }
    }
    Report {
        evs,
        hb,
        groups,
        racy,
    }
}

/// A hyphenated UUID and its 32-hex spelling are the same trace.
pub(crate) fn normalize_trace_id(s: &str) -> String {
    let is_hex = |t: &str| t.chars().all(|c| c.is_ascii_hexdigit());
    let b = s.as_bytes();
    let hyphenated = s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && is_hex(&s.replace('-', ""))
        && s.replace('-', "").len() == 32;
    if hyphenated || (s.len() == 32 && is_hex(s)) {
        s.replace('-', "").to_ascii_lowercase()
    } else {
        s.to_string()
    }
}

impl Report {
    pub(crate) fn distinct_traces(&self) -> usize {
        self.evs
            .iter()
            .map(|e| normalize_trace_id(&e.trace))
            .collect::<BTreeSet<_>>()
            .len()
    }

    pub(crate) fn index_of(&self, id: &str) -> Option<usize> {
        self.evs.iter().position(|e| e.id == id)
    }

    /// Human-readable summary for failure messages.
    pub(crate) fn describe(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "oracle: {} events, clocks decide: {}, {} group(s), {} racy event(s) {:?}\n",
            self.evs.len(),
            clocks_decide(&self.evs),
            self.groups.len(),
            self.racy.len(),
            self.racy
                .iter()
                .map(|&i| self.evs[i].id.as_str())
                .collect::<Vec<_>>()
        ));
        for (k, g) in &self.groups {
            let pairs: Vec<String> = g
                .pairs
                .iter()
                .take(12)
                .map(|&(i, j)| format!("({},{})", self.evs[i].id, self.evs[j].id))
                .collect();
            s.push_str(&format!(
                "  service={:?} variable={:?} locations=[{:?}, {:?}] racy_events={} pairs={}{}\n",
                k.0,
                k.1,
                k.2,
                k.3,
                g.racy.len(),
                pairs.join(" "),
                if g.pairs.len() > 12 { " ..." } else { "" }
            ));
        }
        s
    }
}

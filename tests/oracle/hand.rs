//! Hand-written recordings with answers worked out by hand from the spec,
//! and the RAPID `.std` traces of `shared/traces/std` translated to v1 JSONL.

use serde_json::{Map, Value, json};

/// A small recording builder: ids `e0`, `e1`, ... in creation order, across
/// files.
pub(crate) struct Rec {
    files: Vec<Vec<String>>,
    n: usize,
    t_us: u64,
}

/// Metadata for a location spelled compactly: `"a.py:10"` (file and line),
/// `"fn=NAME"` (function only), `"file=a.py"`, `"line=7"`, `"file=a.py fn=f"`,
/// or `""` (nothing).
pub(crate) fn at(loc: &str) -> Map<String, Value> {
    let mut m = Map::new();
    for part in loc.split_whitespace() {
        if let Some(f) = part.strip_prefix("fn=") {
            m.insert("function".into(), json!(f));
        } else if let Some(f) = part.strip_prefix("file=") {
            m.insert("file".into(), json!(f));
        } else if let Some(l) = part.strip_prefix("line=") {
            m.insert("line".into(), json!(l.parse::<u64>().unwrap()));
        } else {
            let (f, l) = part.rsplit_once(':').expect("file:line");
            m.insert("file".into(), json!(f));
            m.insert("line".into(), json!(l.parse::<u64>().unwrap()));
        }
    }
    m
}

impl Rec {
    pub(crate) fn new() -> Rec {
        Rec {
            files: vec![Vec::new()],
            n: 0,
            t_us: 0,
        }
    }

    pub(crate) fn next_file(&mut self) {
        self.files.push(Vec::new());
    }

    /// Sets the clock for the next event's timestamp (microseconds).
    pub(crate) fn time(&mut self, us: u64) {
        self.t_us = us;
    }

    /// Appends an event; `svc`/`thr` empty leave the key out (defaults).
    pub(crate) fn full(
        &mut self,
        svc: &str,
        thr: &str,
        kind: &str,
        md: Value,
        parent: Option<&str>,
        clock: Option<&[(&str, u64)]>,
    ) -> String {
        let id = format!("e{}", self.n);
        self.n += 1;
        self.t_us += 1;
        let mut m = md.as_object().cloned().unwrap_or_default();
        if !svc.is_empty() {
            m.insert("service".into(), json!(svc));
        }
        if !thr.is_empty() {
            m.insert("thread".into(), json!(thr));
        }
        let mut obj = Map::new();
        obj.insert("id".into(), json!(id));
        obj.insert("trace_id".into(), json!("4bf92f3577b34da6a3ce929d0e0e4736"));
        if let Some(p) = parent {
            obj.insert("parent_id".into(), json!(p));
        }
        let (s, us) = (self.t_us / 1_000_000, self.t_us % 1_000_000);
        obj.insert(
            "timestamp".into(),
            json!(format!("2026-11-26T10:00:{s:02}.{us:06}Z")),
        );
        obj.insert("kind".into(), json!(kind));
        obj.insert("metadata".into(), Value::Object(m));
        if let Some(c) = clock {
            obj.insert(
                "causality_vector".into(),
                json!(c.iter().map(|(k, n)| json!([k, n])).collect::<Vec<_>>()),
            );
        }
        self.files
            .last_mut()
            .unwrap()
            .push(Value::Object(obj).to_string());
        id
    }

    pub(crate) fn ev(&mut self, svc: &str, thr: &str, kind: &str, md: Value) -> String {
        self.full(svc, thr, kind, md, None, None)
    }

    /// A state access; `extra` is merged into the metadata (scope, atomic).
    pub(crate) fn acc(
        &mut self,
        svc: &str,
        thr: &str,
        kind: &str,
        var: &str,
        loc: &str,
        extra: Value,
    ) -> String {
        let mut m = at(loc);
        m.insert("variable".into(), json!(var));
        if let Some(e) = extra.as_object() {
            m.extend(e.clone());
        }
        self.ev(svc, thr, kind, Value::Object(m))
    }

    pub(crate) fn w(&mut self, svc: &str, thr: &str, var: &str, loc: &str) -> String {
        self.acc(svc, thr, "state_write", var, loc, json!({}))
    }

    pub(crate) fn r(&mut self, svc: &str, thr: &str, var: &str, loc: &str) -> String {
        self.acc(svc, thr, "state_read", var, loc, json!({}))
    }

    pub(crate) fn wg(&mut self, svc: &str, thr: &str, var: &str, loc: &str) -> String {
        self.acc(
            svc,
            thr,
            "state_write",
            var,
            loc,
            json!({"scope": "global"}),
        )
    }

    pub(crate) fn acq(&mut self, svc: &str, thr: &str, lock: &str) -> String {
        self.ev(svc, thr, "lock_acquire", json!({"lock": lock}))
    }

    pub(crate) fn rel(&mut self, svc: &str, thr: &str, lock: &str) -> String {
        self.ev(svc, thr, "lock_release", json!({"lock": lock}))
    }

    pub(crate) fn texts(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|lines| lines.iter().map(|l| format!("{l}\n")).collect())
            .collect()
    }
}

/// Expected group: (service or None, variable, location, location, racy events).
pub(crate) type Want = (
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    u64,
);

pub(crate) struct Case {
    pub name: &'static str,
    pub files: Vec<String>,
    pub groups: Vec<Want>,
    pub racy: usize,
}

fn case(name: &'static str, rec: Rec, groups: Vec<Want>, racy: usize) -> Case {
    Case {
        name,
        files: rec.texts(),
        groups,
        racy,
    }
}

pub(crate) fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.w("s", "t1", "x", "a.py:2");
    out.push(case(
        "write-write race",
        r,
        vec![(Some("s"), "x", "a.py:1", "a.py:2", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.acq("s", "main", "L");
    r.w("s", "main", "x", "a.py:1");
    r.rel("s", "main", "L");
    r.acq("s", "t1", "L");
    r.w("s", "t1", "x", "a.py:2");
    r.rel("s", "t1", "L");
    out.push(case("lock-protected pair", r, vec![], 0));

    // Lock order is per service: a lock of the same name in another service
    // does not order a global variable's accesses.
    let mut r = Rec::new();
    r.acq("A", "main", "L");
    r.wg("A", "main", "g", "a.py:1");
    r.rel("A", "main", "L");
    r.acq("B", "main", "L");
    r.wg("B", "main", "g", "b.py:2");
    r.rel("B", "main", "L");
    out.push(case(
        "global variable from two services",
        r,
        vec![(None, "g", "a.py:1", "b.py:2", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:5");
    r.w("s", "t1", "x", "a.py:5");
    out.push(case(
        "one line races with itself",
        r,
        vec![(Some("s"), "x", "a.py:5", "a.py:5", 1)],
        1,
    ));

    // (service, variable) identities: x of A and x of B are different.
    let mut r = Rec::new();
    r.w("A", "main", "x", "a.py:1");
    r.w("B", "main", "x", "a.py:1");
    r.w("A", "t1", "y", "a.py:2");
    r.w("B", "t1", "y", "a.py:2");
    out.push(case("same variable name in two services", r, vec![], 0));

    let mut r = Rec::new();
    r.acc(
        "s",
        "t0",
        "state_write",
        "c",
        "a.py:1",
        json!({"atomic": true}),
    ); // e0
    r.acc(
        "s",
        "t1",
        "state_write",
        "c",
        "a.py:2",
        json!({"atomic": true}),
    ); // e1
    r.r("s", "t2", "c", "a.py:3"); // e2
    r.acc(
        "s",
        "t3",
        "state_write",
        "c",
        "a.py:4",
        json!({"atomic": false}),
    ); // e3
    r.acc(
        "s",
        "t2",
        "state_read",
        "c",
        "a.py:3",
        json!({"atomic": true}),
    ); // e4
    out.push(case(
        "atomic writes",
        r,
        vec![
            (Some("s"), "c", "a.py:1", "a.py:4", 1),
            (Some("s"), "c", "a.py:2", "a.py:4", 1),
            (Some("s"), "c", "a.py:3", "a.py:4", 2),
        ],
        2,
    ));

    let mut r = Rec::new();
    r.r("s", "main", "x", "a.py:1");
    r.r("s", "t1", "x", "a.py:2");
    out.push(case("read-read", r, vec![], 0));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.ev("s", "main", "async_spawn", json!({"task": "t1"}));
    r.w("s", "t1", "x", "a.py:2");
    r.w("s", "t1", "y", "a.py:5");
    r.ev("s", "main", "async_await", json!({"task": "t1"}));
    r.r("s", "main", "x", "a.py:3");
    r.r("s", "main", "y", "a.py:4");
    out.push(case("spawn and await order", r, vec![], 0));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.ev("s", "main", "async_spawn", json!({"task": "t1"}));
    r.w("s", "t1", "x", "a.py:2");
    r.r("s", "main", "x", "a.py:3");
    out.push(case(
        "spawn without await",
        r,
        vec![(Some("s"), "x", "a.py:2", "a.py:3", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.ev(
        "s",
        "main",
        "message_send",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.ev(
        "s",
        "t1",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.w("s", "t1", "x", "a.py:2");
    out.push(case("message orders", r, vec![], 0));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.ev(
        "s",
        "t1",
        "message_send",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.ev(
        "s",
        "main",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.w("s", "t1", "x", "a.py:2");
    out.push(case(
        "message the other way",
        r,
        vec![(Some("s"), "x", "a.py:1", "a.py:2", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.ev(
        "s",
        "main",
        "message_send",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.ev(
        "s",
        "t1",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.w("s", "t1", "x", "a.py:2");
    r.ev(
        "s",
        "t2",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.w("s", "t2", "x", "a.py:3");
    out.push(case(
        "one message received twice",
        r,
        vec![(Some("s"), "x", "a.py:2", "a.py:3", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    let req = r.ev(
        "s",
        "main",
        "http_request",
        json!({"method": "GET", "url": "http://b/"}),
    );
    r.full(
        "s",
        "t1",
        "function_entry",
        json!({"function": "h"}),
        Some(&req),
        None,
    );
    r.w("s", "t1", "x", "a.py:2");
    out.push(case("parent_id across threads", r, vec![], 0));

    let mut r = Rec::new();
    r.full(
        "s",
        "main",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 1}),
        None,
        Some(&[("m", 1)]),
    );
    r.full(
        "s",
        "t1",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 2}),
        None,
        Some(&[("m", 1), ("t", 1)]),
    );
    out.push(case(
        "given clocks order a pair the file does not",
        r,
        vec![],
        0,
    ));

    let mut r = Rec::new();
    r.full(
        "s",
        "main",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 1}),
        None,
        Some(&[("m", 1)]),
    );
    r.full(
        "s",
        "t1",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 2}),
        None,
        Some(&[("m", 1), ("t", 1)]),
    );
    r.ev("s", "t2", "custom", json!({"name": "no clock here"}));
    out.push(case(
        "clocks on all events but one: the rules decide",
        r,
        vec![(Some("s"), "x", "a.py:1", "a.py:2", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.full(
        "s",
        "main",
        "lock_acquire",
        json!({"lock": "L"}),
        None,
        Some(&[("m", 1)]),
    );
    r.full(
        "s",
        "main",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 1}),
        None,
        Some(&[("m", 2)]),
    );
    r.full(
        "s",
        "main",
        "lock_release",
        json!({"lock": "L"}),
        None,
        Some(&[("m", 3), ("t", 0)]),
    );
    r.full(
        "s",
        "t1",
        "lock_acquire",
        json!({"lock": "L"}),
        None,
        Some(&[("t", 1)]),
    );
    r.full(
        "s",
        "t1",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 2}),
        None,
        Some(&[("t", 2)]),
    );
    r.full(
        "s",
        "t1",
        "lock_release",
        json!({"lock": "L"}),
        None,
        Some(&[("t", 3)]),
    );
    out.push(case(
        "given clocks decide even against a visible lock",
        r,
        vec![(Some("s"), "x", "a.py:1", "a.py:2", 1)],
        1,
    ));

    // Equal clocks: <= everywhere but < nowhere, so concurrent.
    let mut r = Rec::new();
    r.full(
        "s",
        "main",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 1}),
        None,
        Some(&[("m", 1)]),
    );
    r.full(
        "s",
        "t1",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 2}),
        None,
        Some(&[("m", 1)]),
    );
    out.push(case(
        "equal clocks are concurrent",
        r,
        vec![(Some("s"), "x", "a.py:1", "a.py:2", 1)],
        1,
    ));

    // File order is not causal order (a recorder with per-thread buffers):
    // the edges order events whatever their places in the file.
    let mut r = Rec::new();
    r.full(
        "s",
        "t1",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 2}),
        Some("e2"),
        None,
    );
    r.w("s", "main", "x", "a.py:1");
    r.ev(
        "s",
        "main",
        "http_request",
        json!({"method": "GET", "url": "http://b/"}),
    );
    out.push(case("a parent written after its child", r, vec![], 0));

    let mut r = Rec::new();
    r.ev(
        "s",
        "t1",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.w("s", "t1", "x", "a.py:2");
    r.w("s", "main", "x", "a.py:1");
    r.ev(
        "s",
        "main",
        "message_send",
        json!({"channel": "c", "message_id": "m1"}),
    );
    out.push(case("a receive written before its send", r, vec![], 0));

    let mut r = Rec::new();
    r.ev("s", "main", "async_spawn", json!({"task": "t1"}));
    r.ev("s", "main", "async_await", json!({"task": "t1"}));
    r.w("s", "t1", "x", "a.py:2");
    r.w("s", "main", "x", "a.py:3");
    out.push(case(
        "an await written before the task's last event",
        r,
        vec![],
        0,
    ));

    let mut r = Rec::new();
    r.full(
        "s",
        "t1",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 2}),
        None,
        Some(&[("t1", 1), ("m", 1)]),
    );
    r.full(
        "s",
        "main",
        "state_write",
        json!({"variable": "x", "file": "a.py", "line": 1}),
        None,
        Some(&[("m", 1)]),
    );
    out.push(case("given clocks against file order", r, vec![], 0));

    // u's last write at a.py:1 (e2) is ordered after v's write (e3, later in
    // the file) by a message, but u's earlier write there (e0) is not: a
    // detector that keeps only the last access per (thread, location) while
    // walking the file would miss this group.
    let mut r = Rec::new();
    r.w("s", "u", "x", "a.py:1");
    r.ev(
        "s",
        "u",
        "message_receive",
        json!({"channel": "c", "message_id": "m"}),
    );
    r.w("s", "u", "x", "a.py:1");
    r.w("s", "v", "x", "b.py:1");
    r.ev(
        "s",
        "v",
        "message_send",
        json!({"channel": "c", "message_id": "m"}),
    );
    out.push(case(
        "an older access races where the last one does not",
        r,
        vec![(Some("s"), "x", "a.py:1", "b.py:1", 1)],
        1,
    ));

    // Program order is per file, but a race needs different (service, thread).
    let mut r = Rec::new();
    r.w("s", "main", "x", "a.py:1");
    r.next_file();
    r.w("s", "main", "x", "a.py:2");
    out.push(case("two files, same service and thread", r, vec![], 0));

    let mut r = Rec::new();
    r.acq("s", "t1", "L");
    r.w("s", "t1", "x", "a.py:1");
    r.rel("s", "t1", "L");
    r.next_file();
    r.acq("s", "t2", "L");
    r.w("s", "t2", "x", "a.py:2");
    r.rel("s", "t2", "L");
    out.push(case(
        "two files, lock order is per file",
        r,
        vec![(Some("s"), "x", "a.py:1", "a.py:2", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.wg("A", "main", "g", "a.py:1");
    r.ev(
        "A",
        "main",
        "message_send",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.next_file();
    r.ev(
        "B",
        "main",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.wg("B", "main", "g", "b.py:2");
    out.push(case("two files, a message across them", r, vec![], 0));

    // A receive in the first file of a send in the second: edges need not
    // follow file order.
    let mut r = Rec::new();
    r.ev(
        "B",
        "main",
        "message_receive",
        json!({"channel": "c", "message_id": "m9"}),
    );
    r.wg("B", "main", "g", "b.py:2");
    r.next_file();
    r.wg("A", "main", "g", "a.py:1");
    r.ev(
        "A",
        "main",
        "message_send",
        json!({"channel": "c", "message_id": "m9"}),
    );
    r.wg("A", "main", "g", "a.py:3");
    out.push(case(
        "two files, a message from the second file to the first",
        r,
        vec![(None, "g", "a.py:3", "b.py:2", 1)],
        1,
    ));

    // Racy events count in file order (argument order, then line), not by
    // time: the second file's event is older than the first file's second.
    let mut r = Rec::new();
    r.time(100);
    r.w("s", "t1", "x", "a.py:1");
    r.time(300);
    r.w("s", "t1", "x", "a.py:1");
    r.next_file();
    r.time(200);
    r.w("s", "t2", "x", "b.py:1");
    out.push(case(
        "two files, file order not time",
        r,
        vec![(Some("s"), "x", "a.py:1", "b.py:1", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.w("s", "t1", "x", "A:1");
    r.w("s", "t2", "x", "B:1");
    r.w("s", "t2", "x", "B:1");
    r.w("s", "t1", "x", "A:1");
    out.push(case(
        "group racy events, two locations",
        r,
        vec![(Some("s"), "x", "A:1", "B:1", 3)],
        3,
    ));

    let mut r = Rec::new();
    r.w("s", "t1", "x", "A:1");
    r.w("s", "t2", "x", "A:1");
    r.w("s", "t2", "x", "B:1");
    out.push(case(
        "group racy events, self and other",
        r,
        vec![
            (Some("s"), "x", "A:1", "A:1", 1),
            (Some("s"), "x", "A:1", "B:1", 1),
        ],
        2,
    ));

    let mut r = Rec::new();
    r.r("s", "t1", "x", "A:1");
    r.w("s", "t2", "x", "B:1");
    out.push(case(
        "group racy events, only the later event",
        r,
        vec![(Some("s"), "x", "A:1", "B:1", 1)],
        1,
    ));

    let mut r = Rec::new();
    r.w("s", "main", "x", "file=a.py fn=f");
    r.w("s", "t1", "x", "");
    r.w("s", "t2", "x", "line=7");
    out.push(case(
        "location fallbacks",
        r,
        vec![
            (Some("s"), "x", "<unknown>", "<unknown>", 1),
            (Some("s"), "x", "<unknown>", "f", 2),
        ],
        2,
    ));

    let mut r = Rec::new();
    r.w("", "", "x", "a.py:1");
    r.w("default", "main", "x", "a.py:2");
    r.w("", "t1", "x", "a.py:3");
    out.push(case(
        "default service and thread",
        r,
        vec![
            (Some("default"), "x", "a.py:1", "a.py:3", 1),
            (Some("default"), "x", "a.py:2", "a.py:3", 1),
        ],
        1,
    ));

    let mut r = Rec::new();
    r.acq("s", "t1", "L");
    r.w("s", "t1", "x", "a.py:1");
    r.rel("s", "t1", "L");
    r.acq("s", "t2", "L");
    r.ev(
        "s",
        "t2",
        "message_send",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.ev(
        "s",
        "t3",
        "message_receive",
        json!({"channel": "c", "message_id": "m1"}),
    );
    r.w("s", "t3", "x", "a.py:2");
    out.push(case("transitive chain lock then message", r, vec![], 0));

    // Tasks are threads of the spawner's service: B's t1 is another thread.
    let mut r = Rec::new();
    r.ev("A", "main", "async_spawn", json!({"task": "t1"}));
    r.wg("A", "t1", "g", "a.py:1");
    r.wg("B", "t1", "g", "b.py:2");
    r.ev("A", "main", "async_await", json!({"task": "t1"}));
    r.wg("A", "main", "g", "a.py:3");
    out.push(case(
        "task names are per service",
        r,
        vec![
            (None, "g", "a.py:1", "b.py:2", 1),
            (None, "g", "a.py:3", "b.py:2", 1),
        ],
        2,
    ));

    // Identity is per access: a global g and B's own g are different.
    let mut r = Rec::new();
    r.wg("A", "main", "g", "a.py:1");
    r.w("A", "t1", "g", "a.py:2");
    r.wg("B", "main", "g", "b.py:1");
    out.push(case(
        "global and local spelling of one name",
        r,
        vec![(None, "g", "a.py:1", "b.py:1", 1)],
        1,
    ));

    // Locations are strings and sort as strings.
    let mut r = Rec::new();
    r.w("s", "t1", "x", "a.py:7");
    r.w("s", "t2", "x", "a.py:10");
    out.push(case(
        "locations sort as text",
        r,
        vec![(Some("s"), "x", "a.py:10", "a.py:7", 1)],
        1,
    ));

    out
}

/// Translates a RAPID STD trace (`THREAD|OP(ARG)|LOCATION`) into v1 JSONL:
/// r/w are state accesses, acq/rel lock events, fork/join spawn/await,
/// begin/end custom events; the location is a line of the file `name`.
pub(crate) fn std_to_jsonl(name: &str, text: &str) -> String {
    let mut rec = Rec::new();
    for raw in text.lines() {
        if raw.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = raw.trim().split('|').collect();
        assert_eq!(parts.len(), 3, "bad std line {raw:?}");
        let (thread, op, loc) = (parts[0], parts[1], parts[2]);
        let (opname, arg) = match op.split_once('(') {
            Some((o, rest)) => (o, rest.trim_end_matches(')')),
            None => (op, ""),
        };
        let mut md = Map::new();
        md.insert("file".into(), json!(name));
        md.insert(
            "line".into(),
            json!(loc.trim().parse::<u64>().expect("integer location")),
        );
        let kind = match opname {
            "r" | "w" => {
                md.insert("variable".into(), json!(arg));
                if opname == "r" {
                    "state_read"
                } else {
                    "state_write"
                }
            }
            "acq" | "rel" => {
                md.insert("lock".into(), json!(arg));
                if opname == "acq" {
                    "lock_acquire"
                } else {
                    "lock_release"
                }
            }
            "fork" | "join" => {
                md.insert("task".into(), json!(arg));
                if opname == "fork" {
                    "async_spawn"
                } else {
                    "async_await"
                }
            }
            "begin" | "end" => {
                md.insert("name".into(), json!(opname));
                "custom"
            }
            other => panic!("unknown std op {other}"),
        };
        rec.ev("", thread, kind, Value::Object(md));
    }
    rec.texts().remove(0)
}

/// The table of `shared/traces/SOURCES.md`: (file, racy events, racy lines).
pub(crate) fn std_expectations(sources_md: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for line in sources_md.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // "| name.std | N | M |" splits into ["", name, N, M, ""].
        if cells.len() == 5
            && cells[1].ends_with(".std")
            && let (Ok(a), Ok(b)) = (cells[2].parse(), cells[3].parse())
        {
            out.push((cells[1].to_string(), a, b));
        }
    }
    out
}

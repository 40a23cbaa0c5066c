//! Random executions of concurrent programs, written as v1 JSON Lines.
//!
//! A scenario is a short list of abstract operations (`Op`) drawn by
//! proptest; `generate` replays them on a small simulated machine (processes
//! with threads, locks that really exclude, messages that are received only
//! after they are sent, tasks that are spawned before they run and finish
//! before they are awaited) and writes one event per step in the order of
//! that interleaving. An operation that is impossible in the current state
//! (releasing a lock that is not held, receiving with nothing sent, ...)
//! falls back to a plain state access, so every list of operations is a valid
//! execution and proptest can shrink a failing case by dropping operations.
//!
//! The simulator also keeps its own vector clocks (Fidge 1988, Mattern 1989)
//! over the edges it knows it created. They serve twice: clocks without the
//! hidden edges must order exactly the pairs the oracle's transitive closure
//! orders (a check of the oracle); clocks with hidden synchronization edges
//! (and, optionally, without some visible kinds of edge) are written into the
//! file as `causality_vector` in the given-clocks mode, where they decide.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// One file, one or two services, happens-before from the six rules
    /// (sometimes clocks on all events but one, which must be ignored).
    OneFile,
    /// Every event carries a `causality_vector` that includes hidden edges.
    GivenClocks,
    /// Two files, one process each, passed as two paths.
    TwoFiles,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clocks {
    /// No event carries a clock.
    Absent,
    /// Every event carries a clock: the clocks decide.
    Given,
    /// Every event but one carries a clock: the rules decide.
    Partial,
}

/// One abstract step; each byte is interpreted against the current state.
#[derive(Clone, Debug)]
pub(crate) struct Op {
    pub thread: u8,
    pub action: u8,
    pub a: u8,
    pub b: u8,
    pub loc: u8,
}

#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub two_files: bool,
    pub clocks: Clocks,
    /// Number of processes (services; one file each in two-file mode).
    pub procs: u8,
    /// Two-file mode: both processes use the same service name.
    pub same_service_name: bool,
    /// Threads besides `main`, per process.
    pub extra_threads: [u8; 2],
    /// Bit k set: extra thread k of its process runs from the start (it is
    /// never spawned).
    pub free_mask: u8,
    /// Given clocks only: kinds of visible edges the clocks leave out
    /// (bit 0 parent, 1 spawn, 2 join, 3 lock, 4 message); bit 5: lazy
    /// ticks, where some accesses do not advance their own clock entry, so
    /// that two events (even of two threads) can carry equal clocks, which
    /// are concurrent (neither is < the other).
    pub drop_mask: u8,
    /// Seed for cosmetic choices: id spellings, timestamps, defaults left out;
    /// when its top two bits are set, the recording is written as a buffered
    /// recorder would (see `file_order`).
    pub style: u64,
    pub ops: Vec<Op>,
}

fn op() -> impl Strategy<Value = Op> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
    )
        .prop_map(|(thread, action, a, b, loc)| Op {
            thread,
            action,
            a,
            b,
            loc,
        })
}

pub(crate) fn scenario(family: Family) -> impl Strategy<Value = Scenario> {
    scenario_sized(family, 0..56)
}

/// `scenario` with a chosen range for the number of operations.
pub(crate) fn scenario_sized(
    family: Family,
    ops: std::ops::Range<usize>,
) -> impl Strategy<Value = Scenario> {
    (
        any::<u8>(),
        0u8..=4,
        0u8..=2,
        any::<u8>(),
        any::<u8>(),
        any::<u64>(),
        prop::collection::vec(op(), ops),
    )
        .prop_map(move |(m, e0, e1, free_mask, drop, style, ops)| {
            let (two_files, clocks, procs, same, drop_mask) = match family {
                Family::OneFile => {
                    let clocks = if m % 8 == 7 {
                        Clocks::Partial
                    } else {
                        Clocks::Absent
                    };
                    (false, clocks, 1 + (m >> 4) % 2, false, 0)
                }
                Family::GivenClocks => {
                    let two = m % 4 == 3;
                    let procs = if two { 2 } else { 1 + (m >> 4) % 2 };
                    let mut drop_mask = if (m >> 2) % 4 == 3 { drop & 0x1f } else { 0 };
                    if (m >> 5) % 4 == 3 {
                        drop_mask |= 0x20;
                    }
                    (two, Clocks::Given, procs, false, drop_mask)
                }
                Family::TwoFiles => {
                    let same = m.is_multiple_of(4);
                    let clocks = if !same && (m >> 2) % 8 == 7 {
                        Clocks::Partial
                    } else {
                        Clocks::Absent
                    };
                    (true, clocks, 2, same, 0)
                }
            };
            let extra_threads = if procs == 1 {
                [e0.max(1), 0]
            } else {
                [e0.min(2), e1]
            };
            Scenario {
                two_files,
                clocks,
                procs,
                same_service_name: same,
                extra_threads,
                free_mask,
                drop_mask,
                style,
                ops,
            }
        })
}

/// Why the simulator put an edge between two events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    Program,
    Parent,
    Spawn,
    Join,
    Lock,
    Message,
    /// Synchronization the file does not show (given-clocks mode only).
    Hidden,
}

impl EdgeKind {
    fn drop_bit(self) -> u8 {
        match self {
            EdgeKind::Parent => 1,
            EdgeKind::Spawn => 2,
            EdgeKind::Join => 4,
            EdgeKind::Lock => 8,
            EdgeKind::Message => 16,
            EdgeKind::Program | EdgeKind::Hidden => 0,
        }
    }
}

/// splitmix64, for cosmetic choices only.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    NotStarted,
    Running,
    Finished,
}

struct LockSt {
    holder: Option<usize>,
    last_release: Option<usize>,
}

struct Proc {
    file: usize,
    service: String,
    locks: Vec<LockSt>,
}

struct Thr {
    proc: usize,
    name: String,
    is_main: bool,
    status: Status,
    held: Vec<usize>,
    fns: Vec<(usize, &'static str)>,
    last: Option<usize>,
    n_events: usize,
    pending: Vec<(usize, EdgeKind)>,
    spawned_by: Option<usize>,
    trace: usize,
    clock_id: String,
}

struct Msg {
    send: usize,
    id: String,
    receives: usize,
}

pub(crate) struct GenEvent {
    pub thread: usize,
    pub file: usize,
    pub id: String,
    pub json: Map<String, Value>,
    pub in_edges: Vec<(usize, EdgeKind)>,
}

enum Parent {
    /// No `parent_id` key, or sometimes an explicit null.
    Omit,
    Event(usize),
}

/// Where an access or a function entry happened: (file, line, function).
/// Chosen so that different spellings collide on one location string
/// (`file:line` with and without a function; one function name from two
/// places), one number sorts differently as text (`:100`, `:7`, `:10`), and
/// the fallbacks `function` and `<unknown>` both occur.
fn loc_fields(loc: u8) -> (Option<&'static str>, Option<u64>, Option<&'static str>) {
    match loc % 20 {
        0..=3 => (Some("src/app.py"), Some(10), Some("app.handle")),
        4..=6 => (Some("src/app.py"), Some(7), None),
        7..=8 => (Some("src/db.rs"), Some(10), Some("db::save")),
        9 => (Some("src/app.py"), Some(10), None),
        10..=11 => (Some("src/app.py"), None, Some("app.handle")),
        12 => (None, Some(10), Some("db::save")),
        13..=14 => (None, None, Some("app.handle")),
        15 => (None, None, None),
        16 => (Some("src/db.rs"), None, None),
        17 => (None, Some(7), None),
        _ => (Some("src/app.py"), Some(100), None),
    }
}

fn put_loc(md: &mut Map<String, Value>, loc: u8) {
    let (file, line, function) = loc_fields(loc);
    if let Some(f) = file {
        md.insert("file".into(), json!(f));
    }
    if let Some(l) = line {
        md.insert("line".into(), json!(l));
    }
    if let Some(f) = function {
        md.insert("function".into(), json!(f));
    }
}

struct Sim {
    rng: Rng,
    procs: Vec<Proc>,
    threads: Vec<Thr>,
    events: Vec<GenEvent>,
    msgs: Vec<Msg>,
    requests: Vec<usize>,
    t_ns: u64,
    traces: Vec<(u128, bool)>,
    salt: u32,
    /// Given clocks: also add a hidden edge before about one op in ten.
    extra_hidden: bool,
}

/// Result of `generate`.
pub(crate) struct Generated {
    /// JSONL text of each file, in argument order.
    pub files: Vec<String>,
    /// Per event id: the simulator's clock over the rule edges only.
    pub rules_clock: BTreeMap<String, BTreeMap<String, u64>>,
    /// Number of events written.
    pub events: usize,
    /// Number of hidden synchronization edges (shown only by given clocks).
    pub hidden_edges: usize,
}

impl Sim {
    fn new(sc: &Scenario) -> Sim {
        let mut rng = Rng(sc.style);
        let salt = rng.next() as u32;
        let n_procs = if sc.two_files {
            2
        } else {
            sc.procs.clamp(1, 2) as usize
        };
        let names: Vec<String> = if sc.two_files && sc.same_service_name {
            vec!["api".into(), "api".into()]
        } else if n_procs == 1 {
            vec![if rng.chance(1, 2) { "default" } else { "api" }.into()]
        } else {
            vec![
                if rng.chance(1, 2) { "default" } else { "api" }.into(),
                "worker".into(),
            ]
        };
        let n_traces = 1 + rng.below(3) as usize;
        let traces: Vec<(u128, bool)> = (0..n_traces)
            .map(|k| (((rng.next() as u128) << 64) | rng.next() as u128, k == 2))
            .collect();
        let mut sim = Sim {
            rng,
            procs: Vec::new(),
            threads: Vec::new(),
            events: Vec::new(),
            msgs: Vec::new(),
            requests: Vec::new(),
            t_ns: 0,
            traces,
            salt,
            extra_hidden: sc.clocks == Clocks::Given,
        };
        let uuid_clocks = sim.rng.chance(1, 2);
        for p in 0..n_procs {
            sim.procs.push(Proc {
                file: if sc.two_files { p } else { 0 },
                service: names[p].clone(),
                locks: (0..2)
                    .map(|_| LockSt {
                        holder: None,
                        last_release: None,
                    })
                    .collect(),
            });
            let extra = sc.extra_threads[p] as usize;
            for k in 0..=extra {
                let name = if k == 0 {
                    "main".to_string()
                } else if sc.two_files && sc.same_service_name && p == 1 {
                    format!("u{k}")
                } else {
                    format!("t{k}")
                };
                let free = k > 0 && sc.free_mask & (1 << (k - 1 + 4 * p)) != 0;
                let idx = sim.threads.len();
                let clock_id = if uuid_clocks {
                    format!("{:08x}-c10c-4c1c-8c1c-{:012x}", salt, idx)
                } else if sc.two_files && sc.same_service_name {
                    // Never written to a file (clocks are off in this mode),
                    // but the simulator's two `main`s need two clocks.
                    format!("{}#{p}/{}", names[p], name)
                } else {
                    format!("{}/{}", names[p], name)
                };
                let trace = sim.rng.below(n_traces as u64) as usize;
                sim.threads.push(Thr {
                    proc: p,
                    name,
                    is_main: k == 0,
                    status: if k == 0 || free {
                        Status::Running
                    } else {
                        Status::NotStarted
                    },
                    held: Vec::new(),
                    fns: Vec::new(),
                    last: None,
                    n_events: 0,
                    pending: Vec::new(),
                    spawned_by: None,
                    trace,
                    clock_id,
                });
            }
        }
        sim
    }

    fn event_id(&mut self, idx: usize) -> String {
        match self.rng.below(3) {
            0 => format!("{:08x}-0e0e-4000-8000-{:012x}", self.salt, idx),
            1 => format!("{:08x}1e1e40008000{:012x}", self.salt ^ 0xffff_ffff, idx),
            _ => format!("e{idx}"),
        }
    }

    fn trace_id(&mut self, t: usize) -> String {
        let (bits, plain) = self.traces[self.threads[t].trace];
        if plain {
            return format!("run-{:x}", bits as u16);
        }
        let hex = format!("{bits:032x}");
        if self.rng.chance(1, 2) {
            hex
        } else {
            format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            )
        }
    }

    fn timestamp(&mut self) -> String {
        self.t_ns += 1_000 + self.rng.below(40_000);
        let secs = self.t_ns / 1_000_000_000;
        let frac = self.t_ns % 1_000_000_000;
        let (off_min, off_str): (i64, &str) = match self.rng.below(6) {
            0 => (120, "+02:00"),
            1 => (-330, "-05:30"),
            _ => (0, "Z"),
        };
        let local = 10 * 3600 + secs as i64 + off_min * 60;
        let (h, m, s) = (local / 3600, (local / 60) % 60, local % 60);
        let frac = if self.rng.chance(1, 2) {
            format!("{frac:09}")
        } else {
            format!("{:06}", frac / 1000)
        };
        format!("2026-11-26T{h:02}:{m:02}:{s:02}.{frac}{off_str}")
    }

    /// Appends one event of thread `t`.
    fn emit(
        &mut self,
        t: usize,
        kind: &str,
        mut md: Map<String, Value>,
        parent: Parent,
        extra: Vec<(usize, EdgeKind)>,
    ) -> usize {
        let idx = self.events.len();
        let mut in_edges = Vec::new();
        if let Some(l) = self.threads[t].last {
            in_edges.push((l, EdgeKind::Program));
        }
        in_edges.append(&mut self.threads[t].pending);
        in_edges.extend(extra);
        let service = self.procs[self.threads[t].proc].service.clone();
        if service != "default" || self.rng.chance(1, 2) {
            md.insert("service".into(), json!(service));
        }
        let thread = self.threads[t].name.clone();
        if thread != "main" || self.rng.chance(1, 2) {
            md.insert("thread".into(), json!(thread));
        }
        if self.rng.chance(1, 4) {
            md.insert("language".into(), json!("python"));
        }
        let parent = match parent {
            Parent::Omit
                if self.threads[t].n_events == 0
                    && self.threads[t].spawned_by.is_some()
                    && self.rng.chance(1, 2) =>
            {
                Parent::Event(self.threads[t].spawned_by.unwrap())
            }
            p => p,
        };
        let mut obj = Map::new();
        let id = self.event_id(idx);
        obj.insert("id".into(), json!(id));
        let trace = self.trace_id(t);
        obj.insert("trace_id".into(), json!(trace));
        match parent {
            Parent::Event(p) => {
                obj.insert("parent_id".into(), json!(self.events[p].id));
                in_edges.push((p, EdgeKind::Parent));
            }
            Parent::Omit => {
                if self.rng.chance(1, 6) {
                    obj.insert("parent_id".into(), Value::Null);
                }
            }
        }
        let ts = self.timestamp();
        obj.insert("timestamp".into(), json!(ts));
        obj.insert("kind".into(), json!(kind));
        obj.insert("metadata".into(), Value::Object(md));
        let file = self.procs[self.threads[t].proc].file;
        self.events.push(GenEvent {
            thread: t,
            file,
            id,
            json: obj,
            in_edges,
        });
        let th = &mut self.threads[t];
        th.last = Some(idx);
        th.n_events += 1;
        idx
    }

    fn innermost_fn(&self, t: usize) -> Option<usize> {
        self.threads[t].fns.last().map(|&(e, _)| e)
    }

    fn maybe_fn_parent(&mut self, t: usize) -> Parent {
        match self.innermost_fn(t) {
            Some(e) if self.rng.chance(1, 2) => Parent::Event(e),
            _ => Parent::Omit,
        }
    }

    fn acquire_lock(&mut self, t: usize, l: usize) {
        let p = self.threads[t].proc;
        let extra: Vec<_> = self.procs[p].locks[l]
            .last_release
            .map(|r| (r, EdgeKind::Lock))
            .into_iter()
            .collect();
        let mut md = Map::new();
        md.insert("lock".into(), json!(format!("L{l}")));
        let parent = self.maybe_fn_parent(t);
        self.emit(t, "lock_acquire", md, parent, extra);
        self.procs[p].locks[l].holder = Some(t);
        self.threads[t].held.push(l);
    }

    fn release_lock(&mut self, t: usize) -> bool {
        let Some(l) = self.threads[t].held.pop() else {
            return false;
        };
        let p = self.threads[t].proc;
        let mut md = Map::new();
        md.insert("lock".into(), json!(format!("L{l}")));
        let parent = self.maybe_fn_parent(t);
        let idx = self.emit(t, "lock_release", md, parent, Vec::new());
        let lock = &mut self.procs[p].locks[l];
        lock.holder = None;
        lock.last_release = Some(idx);
        true
    }

    fn exit_fn(&mut self, t: usize) -> bool {
        let Some((entry, name)) = self.threads[t].fns.pop() else {
            return false;
        };
        let mut md = Map::new();
        md.insert("function".into(), json!(name));
        md.insert("return_value".into(), json!(self.rng.below(10)));
        let parent = if self.rng.chance(3, 4) {
            Parent::Event(entry)
        } else {
            Parent::Omit
        };
        self.emit(t, "function_exit", md, parent, Vec::new());
        true
    }

    /// Runs task `t` to its end: releases its locks, closes its functions,
    /// and makes sure it has at least one event (so that spawn and join have
    /// a first and a last event to attach to).
    fn finish(&mut self, t: usize) {
        while self.release_lock(t) {}
        while self.exit_fn(t) {}
        if self.threads[t].n_events == 0 {
            let mut md = Map::new();
            md.insert("name".into(), json!("task-start"));
            self.emit(t, "custom", md, Parent::Omit, Vec::new());
        }
        self.threads[t].status = Status::Finished;
    }

    fn access(&mut self, t: usize, op: &Op) {
        let p = self.threads[t].proc;
        let protected = op.b & 0x80 != 0 && self.procs[p].locks[0].holder.is_none();
        if protected {
            self.acquire_lock(t, 0);
        }
        let (var, scope) = match op.a % 16 {
            0..=5 => ("x", None),
            6..=8 => ("y", None),
            9..=11 => ("g", Some("global")),
            12..=13 => ("c", None),
            14 => (
                "m",
                if op.b & 0x20 != 0 {
                    Some("global")
                } else {
                    None
                },
            ),
            _ => ("x", Some("service")),
        };
        let write = !op.b.is_multiple_of(3);
        let code = (op.b >> 2) & 7;
        let atomic = if var == "c" {
            match code {
                0..=5 => Some(true),
                6 => Some(false),
                _ => None,
            }
        } else {
            match code {
                0..=4 => None,
                5 => Some(false),
                6 => Some(true),
                _ => {
                    if write {
                        None
                    } else {
                        Some(true)
                    }
                }
            }
        };
        let mut md = Map::new();
        md.insert("variable".into(), json!(var));
        if let Some(s) = scope {
            md.insert("scope".into(), json!(s));
        }
        if let Some(a) = atomic {
            md.insert("atomic".into(), json!(a));
        }
        let v = self.rng.below(100);
        md.insert("value".into(), json!(v));
        if write {
            md.insert("old_value".into(), json!(v.wrapping_sub(1)));
        }
        put_loc(&mut md, op.loc);
        let parent = self.maybe_fn_parent(t);
        let kind = if write { "state_write" } else { "state_read" };
        self.emit(t, kind, md, parent, Vec::new());
        if protected {
            self.release_lock(t);
        }
    }

    /// Makes the last event so far of another thread happen before the next
    /// event of `t`, invisibly (only the given clocks show it).
    fn hidden_edge(&mut self, t: usize, choice: u8) -> bool {
        let cands: Vec<usize> = (0..self.threads.len())
            .filter(|&i| i != t && self.threads[i].last.is_some())
            .collect();
        if cands.is_empty() {
            return false;
        }
        let from = cands[choice as usize % cands.len()];
        let last = self.threads[from].last.unwrap();
        self.threads[t].pending.push((last, EdgeKind::Hidden));
        true
    }

    fn step(&mut self, op: &Op) {
        let runnable: Vec<usize> = (0..self.threads.len())
            .filter(|&i| self.threads[i].status == Status::Running)
            .collect();
        // Main threads are never awaited, so there is always one.
        let t = runnable[op.thread as usize % runnable.len()];
        let p = self.threads[t].proc;
        if self.extra_hidden && op.action >= 230 {
            self.hidden_edge(t, op.a.rotate_left(3));
        }
        let done = match op.action % 100 {
            0..=41 => false,
            42..=50 => {
                let free: Vec<usize> = (0..2)
                    .filter(|&l| self.procs[p].locks[l].holder.is_none())
                    .collect();
                if free.is_empty() {
                    false
                } else {
                    self.acquire_lock(t, free[op.a as usize % free.len()]);
                    true
                }
            }
            51..=58 => self.release_lock(t),
            59..=64 => {
                let cands: Vec<usize> = (0..self.threads.len())
                    .filter(|&i| {
                        self.threads[i].proc == p && self.threads[i].status == Status::NotStarted
                    })
                    .collect();
                if cands.is_empty() {
                    false
                } else {
                    let task = cands[op.a as usize % cands.len()];
                    let mut md = Map::new();
                    md.insert("task".into(), json!(self.threads[task].name));
                    let parent = self.maybe_fn_parent(t);
                    let idx = self.emit(t, "async_spawn", md, parent, Vec::new());
                    let th = &mut self.threads[task];
                    th.status = Status::Running;
                    th.pending.push((idx, EdgeKind::Spawn));
                    th.spawned_by = Some(idx);
                    true
                }
            }
            65..=69 => {
                let cands: Vec<usize> = (0..self.threads.len())
                    .filter(|&i| {
                        let th = &self.threads[i];
                        i != t && th.proc == p && !th.is_main && th.status != Status::NotStarted
                    })
                    .collect();
                if cands.is_empty() {
                    false
                } else {
                    let task = cands[op.a as usize % cands.len()];
                    if self.threads[task].status == Status::Running {
                        self.finish(task);
                    }
                    let last = self.threads[task].last.expect("a finished task has events");
                    let mut md = Map::new();
                    md.insert("task".into(), json!(self.threads[task].name));
                    let parent = self.maybe_fn_parent(t);
                    self.emit(t, "async_await", md, parent, vec![(last, EdgeKind::Join)]);
                    true
                }
            }
            70..=75 => {
                let k = self.msgs.len();
                let id = if self.rng.chance(1, 2) {
                    format!("msg-{k}")
                } else {
                    format!("{:08x}-5e4d-4000-8000-{:012x}", self.salt, k)
                };
                let mut md = Map::new();
                md.insert(
                    "channel".into(),
                    json!(["orders", "events"][op.a as usize % 2]),
                );
                md.insert("message_id".into(), json!(id));
                let parent = self.maybe_fn_parent(t);
                let send = self.emit(t, "message_send", md, parent, Vec::new());
                self.msgs.push(Msg {
                    send,
                    id,
                    receives: 0,
                });
                true
            }
            76..=81 => {
                let multi = op.b & 1 != 0;
                let cands: Vec<usize> = (0..self.msgs.len())
                    .filter(|&i| {
                        self.msgs[i].receives == 0 || (multi && self.msgs[i].receives == 1)
                    })
                    .collect();
                if cands.is_empty() {
                    false
                } else {
                    let m = cands[op.a as usize % cands.len()];
                    let mut md = Map::new();
                    md.insert("channel".into(), json!("orders"));
                    md.insert("message_id".into(), json!(self.msgs[m].id));
                    let parent = self.maybe_fn_parent(t);
                    let send = self.msgs[m].send;
                    self.emit(
                        t,
                        "message_receive",
                        md,
                        parent,
                        vec![(send, EdgeKind::Message)],
                    );
                    self.msgs[m].receives += 1;
                    true
                }
            }
            82..=86 => {
                let name = ["app.handle", "db::save", "worker.run"][op.a as usize % 3];
                let mut md = Map::new();
                put_loc(&mut md, op.loc);
                md.insert("function".into(), json!(name));
                md.insert("module".into(), json!("app"));
                md.insert("args".into(), json!([op.b]));
                let parent = match self.innermost_fn(t) {
                    Some(e) if self.rng.chance(2, 3) => Parent::Event(e),
                    _ => Parent::Omit,
                };
                let idx = self.emit(t, "function_entry", md, parent, Vec::new());
                self.threads[t].fns.push((idx, name));
                true
            }
            87..=90 => self.exit_fn(t),
            91..=93 => {
                let mut md = Map::new();
                md.insert("method".into(), json!("GET"));
                md.insert("url".into(), json!(format!("http://svc/item/{}", op.a)));
                let parent = self.maybe_fn_parent(t);
                let idx = self.emit(t, "http_request", md, parent, Vec::new());
                self.requests.push(idx);
                true
            }
            94..=95 => {
                let cands: Vec<usize> = self
                    .requests
                    .iter()
                    .copied()
                    .filter(|&r| self.events[r].thread != t)
                    .collect();
                if cands.is_empty() {
                    false
                } else {
                    let req = cands[op.a as usize % cands.len()];
                    let mut md = Map::new();
                    md.insert("function".into(), json!("rpc.handler"));
                    let idx = self.emit(t, "function_entry", md, Parent::Event(req), Vec::new());
                    self.threads[t].fns.push((idx, "rpc.handler"));
                    true
                }
            }
            96..=98 => self.hidden_edge(t, op.a),
            _ => {
                let mut md = Map::new();
                md.insert("name".into(), json!("tick"));
                md.insert("data".into(), json!({"n": op.a}));
                self.emit(t, "custom", md, Parent::Omit, Vec::new());
                true
            }
        };
        if !done {
            self.access(t, op);
        }
    }

    /// Vector clocks over the simulator's edges, in interleaving order (a
    /// topological order: every edge points forward in it).
    fn clocks(&self, keep: impl Fn(EdgeKind) -> bool, lazy: bool) -> Vec<BTreeMap<String, u64>> {
        let mut rng = Rng(self.salt as u64);
        let mut out: Vec<BTreeMap<String, u64>> = Vec::with_capacity(self.events.len());
        for (i, e) in self.events.iter().enumerate() {
            let mut c: BTreeMap<String, u64> = BTreeMap::new();
            for &(p, k) in &e.in_edges {
                assert!(p < i, "simulator edge points backwards");
                if k == EdgeKind::Program || keep(k) {
                    for (id, &n) in &out[p] {
                        let slot = c.entry(id.clone()).or_insert(0);
                        *slot = (*slot).max(n);
                    }
                }
            }
            let kind = e.json["kind"].as_str().unwrap();
            let access = kind == "state_read" || kind == "state_write";
            // A lazy recorder: an access that already has a non-zero clock
            // may keep the clock it got (never an empty vector).
            let skip_tick = lazy && access && c.values().any(|&n| n > 0) && rng.chance(1, 3);
            if !skip_tick {
                *c.entry(self.threads[e.thread].clock_id.clone())
                    .or_insert(0) += 1;
            }
            out.push(c);
        }
        out
    }
}

/// The order in which events are written. Normally the interleaving itself.
/// A buffered recorder (one buffer per thread, flushed now and then) writes
/// them in another order: each thread's events stay in program order and the
/// events of each lock stay in their order (so that "the next acquire in file
/// order" is still the one that really followed the release), but anything
/// else may move, so a receive may be written before its send, a child
/// before its parent, an await before the task's last event. The rule edges,
/// and so happens-before, are the same; file order, and with it the racy
/// events, differ. Timestamps stay those of the interleaving.
fn file_order(sim: &mut Sim, buffered: bool) -> Vec<usize> {
    let n = sim.events.len();
    if !buffered {
        return (0..n).collect();
    }
    let lock_key = |e: &GenEvent| {
        let k = e.json["kind"].as_str().unwrap();
        (k == "lock_acquire" || k == "lock_release").then(|| {
            (
                e.file,
                e.json["metadata"]["lock"].as_str().unwrap().to_string(),
                sim.threads[e.thread].proc,
            )
        })
    };
    let keys: Vec<_> = sim.events.iter().map(lock_key).collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        // Ready: the first unwritten event of its thread, and for a lock
        // event the first unwritten event of its lock.
        let ready: Vec<usize> = (0..n)
            .filter(|&i| {
                !done[i]
                    && !(0..i).any(|j| {
                        !done[j]
                            && (sim.events[j].thread == sim.events[i].thread
                                || (keys[i].is_some() && keys[j] == keys[i]))
                    })
            })
            .collect();
        // The earliest unwritten event is always ready.
        let pick = if sim.rng.chance(1, 2) {
            ready[0]
        } else {
            ready[sim.rng.below(ready.len() as u64) as usize]
        };
        done[pick] = true;
        order.push(pick);
    }
    order
}

pub(crate) fn generate(sc: &Scenario) -> Generated {
    let mut sim = Sim::new(sc);
    for op in &sc.ops {
        sim.step(op);
    }
    // No empty files: an empty recording is not what this test is about.
    for p in 0..sim.procs.len() {
        let file = sim.procs[p].file;
        if !sim.events.iter().any(|e| e.file == file) {
            let main = sim
                .threads
                .iter()
                .position(|t| t.proc == p && t.is_main)
                .unwrap();
            let mut md = Map::new();
            md.insert("name".into(), json!("process-start"));
            sim.emit(main, "custom", md, Parent::Omit, Vec::new());
        }
    }
    let rules = sim.clocks(|k| k != EdgeKind::Hidden, false);
    let hidden_edges = sim
        .events
        .iter()
        .flat_map(|e| e.in_edges.iter())
        .filter(|(_, k)| *k == EdgeKind::Hidden)
        .count();
    let written: Option<Vec<BTreeMap<String, u64>>> = match sc.clocks {
        Clocks::Absent => None,
        Clocks::Given => Some(sim.clocks(
            |k| k.drop_bit() & sc.drop_mask == 0,
            sc.drop_mask & 0x20 != 0,
        )),
        Clocks::Partial => Some(sim.clocks(|_| true, false)),
    };
    let skip_clock = if sc.clocks == Clocks::Partial && !sim.events.is_empty() {
        Some(sim.rng.below(sim.events.len() as u64) as usize)
    } else {
        None
    };
    let all_clock_ids: Vec<String> = sim.threads.iter().map(|t| t.clock_id.clone()).collect();
    let order = file_order(&mut sim, sc.style >> 62 == 3);
    let n_files = if sc.two_files { 2 } else { 1 };
    let mut files = vec![String::new(); n_files];
    let mut rules_clock = BTreeMap::new();
    for &i in &order {
        let mut obj = sim.events[i].json.clone();
        if let Some(w) = &written
            && skip_clock != Some(i)
        {
            let mut pairs: Vec<Value> = w[i].iter().map(|(k, n)| json!([k, n])).collect();
            // Missing entries are 0: sometimes say so explicitly.
            if sim.rng.chance(1, 4) {
                let other = &all_clock_ids[sim.rng.below(all_clock_ids.len() as u64) as usize];
                if !w[i].contains_key(other) {
                    pairs.push(json!([other, 0]));
                }
            }
            // Entry order carries no meaning.
            for k in (1..pairs.len()).rev() {
                let j = sim.rng.below(k as u64 + 1) as usize;
                pairs.swap(k, j);
            }
            obj.insert("causality_vector".into(), Value::Array(pairs));
        }
        let e = &sim.events[i];
        rules_clock.insert(e.id.clone(), rules[i].clone());
        let f = &mut files[e.file];
        if sim.rng.chance(1, 40) {
            f.push('\n');
        }
        f.push_str(&serde_json::to_string(&Value::Object(obj)).unwrap());
        f.push('\n');
    }
    Generated {
        files,
        rules_clock,
        events: sim.events.len(),
        hidden_edges,
    }
}

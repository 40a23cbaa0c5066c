//! The recorder's overhead (divan): the cost of one recorded event, and a
//! call-heavy workload recorded against the same code unrecorded.
//!
//! `cargo bench -p causeway-recorder --bench overhead`. Three views:
//!
//! - `caller_*`: what the recording thread pays while the channel has
//!   room (the trace is flushed before each sample of 10,000 events);
//! - `writer_line`: what the writer thread pays to format one line;
//! - `sustained_*` and `workload_*`: the steady state, with the writer
//!   running beside the benchmark, so a producer faster than the writer
//!   waits on the full channel.

use causeway_recorder::{Guard, Shared, trace};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const EVENTS: usize = 10_000;

/// A recording session to a throwaway file, for the current thread.
fn session() -> (tempfile::TempDir, Guard) {
    let dir = tempfile::tempdir().unwrap();
    let guard = causeway_recorder::init_thread(dir.path().join("bench.jsonl")).unwrap();
    (dir, guard)
}

/// Runs `body` (10,000 events) once per sample, after flushing the trace,
/// so the channel has room: the cost the recording thread itself pays.
fn caller(bencher: Bencher, events: usize, mut body: impl FnMut()) {
    let (_dir, guard) = session();
    bencher
        .counter(ItemsCount::new(events))
        .with_inputs(|| guard.flush())
        .bench_local_values(|()| body());
}

/// `Shared::write` while the channel has room.
#[divan::bench(sample_size = 1, sample_count = 200)]
fn caller_shared_write(bencher: Bencher) {
    let s = Shared::new("n", 0u64);
    caller(bencher, EVENTS, || {
        for i in 0..EVENTS as u64 {
            s.write(black_box(i));
        }
    });
}

/// A `#[trace]` call (entry and exit) while the channel has room.
#[divan::bench(sample_size = 1, sample_count = 200)]
fn caller_traced_call(bencher: Bencher) {
    caller(bencher, EVENTS * 2, || {
        for i in 0..EVENTS as u64 {
            black_box(add_traced(black_box(i), 1));
        }
    });
}

/// Formatting one `state_write` line on the writer thread.
#[divan::bench]
fn writer_line(bencher: Bencher) {
    use causeway_recorder::record::event::{Caches, Event, LineContext, Loc, Name, Payload};
    let ctx = LineContext {
        trace_id: "\"5a1bfd26-53d0-4364-96c0-02ed431f5505\"",
        id_prefix: "81ed19df-8819-4070-87a9-",
        service: "\"service\":\"bench\"",
        root: None,
    };
    let event = Event {
        seq: 12345,
        parent: Some(12000),
        time: std::time::SystemTime::now(),
        thread: causeway_recorder::record::line::unique_name(Some("bench"), "thread").0,
        function: None,
        payload: Payload::StateWrite {
            variable: Name::Static("cart.total"),
            value: "42".into(),
            old_value: Some("41".into()),
            atomic: false,
            at: Loc {
                file: "src/cart.rs",
                line: 12,
            },
        },
    };
    let mut caches = Caches::default();
    let mut out = String::with_capacity(512);
    bencher.bench_local(|| {
        out.clear();
        event.write_line(&ctx, &mut caches, &mut out);
        black_box(out.len())
    });
}

/// `Shared::write`: one `state_write` per call (with its old value).
#[divan::bench(args = [false, true])]
fn sustained_shared_write(bencher: Bencher, recorded: bool) {
    let _session = recorded.then(session);
    let s = Shared::new("n", 0u64);
    bencher.counter(ItemsCount::new(EVENTS)).bench_local(|| {
        for i in 0..EVENTS as u64 {
            s.write(black_box(i));
        }
    });
}

/// `Shared::read`: one `state_read` per call.
#[divan::bench(args = [false, true])]
fn sustained_shared_read(bencher: Bencher, recorded: bool) {
    let _session = recorded.then(session);
    let s = Shared::new("n", 7u64);
    bencher.counter(ItemsCount::new(EVENTS)).bench_local(|| {
        for _ in 0..EVENTS {
            black_box(s.read());
        }
    });
}

/// A `#[trace]` call with two integer arguments: two events (entry, exit).
#[divan::bench(args = [false, true])]
fn sustained_traced_call(bencher: Bencher, recorded: bool) {
    let _session = recorded.then(session);
    bencher
        .counter(ItemsCount::new(EVENTS * 2))
        .bench_local(|| {
            for i in 0..EVENTS as u64 {
                black_box(add_traced(black_box(i), 1));
            }
        });
}

/// A recording `Mutex` lock and unlock: two events.
#[divan::bench(args = [false, true])]
fn sustained_mutex_lock(bencher: Bencher, recorded: bool) {
    let _session = recorded.then(session);
    let m = causeway_recorder::sync::Mutex::new(0u64);
    bencher
        .counter(ItemsCount::new(EVENTS * 2))
        .bench_local(|| {
            for _ in 0..EVENTS {
                *m.lock().unwrap() += 1;
            }
        });
}

#[trace]
fn add_traced(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

// The call-heavy workload: a recursive walk with many small calls and a
// state update per leaf, plain and traced.

#[inline(never)]
fn walk_plain(depth: u32, total: &Shared<u64>) -> u64 {
    if depth == 0 {
        total.update(|t| *t += 1);
        return 1;
    }
    walk_plain(depth - 1, total) + walk_plain(depth - 1, total)
}

#[trace(skip(total))]
fn walk_traced(depth: u32, total: &Shared<u64>) -> u64 {
    if depth == 0 {
        total.update(|t| *t += 1);
        return 1;
    }
    walk_traced(depth - 1, total) + walk_traced(depth - 1, total)
}

const DEPTH: u32 = 10;

/// 2^11 - 1 calls and 2^10 state updates: plain functions, no session.
#[divan::bench]
fn workload_plain(bencher: Bencher) {
    let total = Shared::new("total", 0);
    bencher.bench_local(|| walk_plain(black_box(DEPTH), &total));
}

/// The same with `#[trace]` on the function; `recorded` says whether a
/// session records it (5118 events a run) or the macro's code runs idle.
#[divan::bench(args = [false, true])]
fn workload_traced(bencher: Bencher, recorded: bool) {
    let _session = recorded.then(session);
    let total = Shared::new("total", 0);
    bencher.bench_local(|| walk_traced(black_box(DEPTH), &total));
}

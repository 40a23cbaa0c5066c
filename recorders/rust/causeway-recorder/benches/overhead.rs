//! The recorder's overhead (divan): the cost of one recorded event, and a
//! call-heavy workload recorded against the same code unrecorded.
//!
//! `cargo bench -p causeway-recorder --bench overhead`. Each sample writes
//! to a trace in a temporary directory; the writer thread runs beside the
//! benchmark, so a producer faster than the writer waits on the full
//! channel, and the numbers are the steady-state cost, not just the send.

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

/// `Shared::write`: one `state_write` per call (with its old value).
#[divan::bench(args = [false, true])]
fn shared_write(bencher: Bencher, recorded: bool) {
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
fn shared_read(bencher: Bencher, recorded: bool) {
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
fn traced_call(bencher: Bencher, recorded: bool) {
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
fn mutex_lock(bencher: Bencher, recorded: bool) {
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
/// session records it (5119 events a run) or the macro's code runs idle.
#[divan::bench(args = [false, true])]
fn workload_traced(bencher: Bencher, recorded: bool) {
    let _session = recorded.then(session);
    let total = Shared::new("total", 0);
    bencher.bench_local(|| walk_traced(black_box(DEPTH), &total));
}

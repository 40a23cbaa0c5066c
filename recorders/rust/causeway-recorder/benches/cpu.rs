//! CPU time per recorded event, caller and writer threads together
//! (Linux: from `/proc/self/stat`), which a loaded machine does not distort
//! the way it distorts wall time. `cargo bench -p causeway-recorder --bench
//! cpu`; prints one line per workload.

use causeway_recorder::sync::Mutex;
use causeway_recorder::{Shared, trace};
use std::hint::black_box;
use std::time::Instant;

const N: u64 = 1_000_000;

/// User plus system CPU time of the whole process, in nanoseconds.
fn process_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the full line.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this project runs on.
    Some(ticks * 10_000_000)
}

#[trace]
fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

fn measure(name: &str, events_per_op: u64, recorded: bool, mut op: impl FnMut(u64)) {
    let dir = tempfile::tempdir().unwrap();
    let guard =
        recorded.then(|| causeway_recorder::init_thread(dir.path().join("cpu.jsonl")).unwrap());
    let (cpu0, wall0) = (process_cpu_ns(), Instant::now());
    for i in 0..N {
        op(i);
    }
    let written = guard.map(|g| g.finish().unwrap()).unwrap_or(0);
    let (cpu1, wall) = (process_cpu_ns(), wall0.elapsed());
    let events = N * events_per_op;
    let per = |ns: u128| ns as f64 / events as f64;
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => format!("{:7.0} ns", per(u128::from(b - a))),
        _ => "      n/a".to_owned(),
    };
    println!(
        "{name:<24} {:<10} {events:>8} events  cpu {cpu}/event  wall {:7.0} ns/event  ({written} written)",
        if recorded { "recorded" } else { "off" },
        per(wall.as_nanos()),
    );
    if recorded {
        assert_eq!(written, events, "every event is written");
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    for recorded in [false, true] {
        let s = Shared::new("n", 0u64);
        measure("Shared::write", 1, recorded, |i| s.write(black_box(i)));
        measure("Shared::read", 1, recorded, |_| {
            black_box(s.read());
        });
        measure("#[trace] call (2 args)", 2, recorded, |i| {
            black_box(add(black_box(i), 1));
        });
        let m = Mutex::new(0u64);
        measure("Mutex lock+unlock", 2, recorded, |_| {
            *m.lock().unwrap() += 1
        });
    }
}

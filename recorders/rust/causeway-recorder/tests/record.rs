//! What the recorder writes, read back line by line: calls, state, locks,
//! messages, threads, and the writer's guarantees.

mod common;

use causeway_recorder::sync::{Barrier, Condvar, Mutex, RwLock, atomic, mpsc};
use causeway_recorder::{Shared, thread, trace};
use common::*;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Serialize)]
struct Order {
    sku: &'static str,
    qty: u32,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Point {
    x: i32,
}

struct Opaque;

#[trace]
fn place(order: &Order, at: Point, token: Opaque) -> u32 {
    let _ = token;
    order.qty + at.x as u32
}

#[trace(skip(password), name = "sign_in")]
fn login(user: &str, password: &str) -> Result<u64, std::io::Error> {
    if password.is_empty() {
        return Err(std::io::Error::other(format!("no password for {user}")));
    }
    Ok(7)
}

#[trace]
fn explode(n: u8) -> u8 {
    if n > 1 {
        panic!("too big: {n}");
    }
    n
}

struct Account {
    id: u32,
}

impl Account {
    #[trace(skip(self))]
    fn id(&self) -> u32 {
        self.id
    }

    #[trace]
    fn outer(&self) -> u32 {
        self.id() + inner(1)
    }
}

#[trace]
fn inner(v: u32) -> u32 {
    v
}

fn record(f: impl FnOnce()) -> Vec<Value> {
    let dir = trace_dir();
    let path = dir.path().join("t.jsonl");
    let guard = causeway_recorder::init_thread(&path).unwrap();
    f();
    let written = guard.finish().unwrap();
    let events = events(&path);
    assert_eq!(written as usize, events.len(), "finish() counts every line");
    events
}

#[test]
fn calls_record_arguments_by_serialize_then_debug_then_type() {
    let events = record(|| {
        assert_eq!(
            place(&Order { sku: "A1", qty: 2 }, Point { x: 3 }, Opaque),
            5
        );
    });
    assert_eq!(events.len(), 2);
    let (entry, exit) = (&events[0], &events[1]);
    assert_eq!(kind(entry), "function_entry");
    assert_eq!(meta(entry, "function"), "record::place");
    assert_eq!(meta(entry, "module"), "record");
    assert_eq!(meta(entry, "file"), format!("{HERE}/record.rs").as_str());
    assert_eq!(meta(entry, "line"), 27, "the line of the fn's name");
    assert_eq!(
        meta(entry, "args"),
        &json!([{"sku": "A1", "qty": 2}, {"$repr": "Point { x: 3 }", "$type": "record::Point"}, {"$repr": "record::Opaque"}])
    );
    assert_eq!(kind(exit), "function_exit");
    assert_eq!(exit["parent_id"], entry["id"]);
    assert_eq!(meta(exit, "return_value"), 5);
    assert!(meta(exit, "duration_ns").as_u64().is_some());
    assert_eq!(entry["trace_id"], exit["trace_id"]);
}

#[test]
fn an_err_is_the_exception_and_skip_and_name_apply() {
    let events = record(|| {
        assert!(login("ann", "").is_err());
        assert_eq!(login("ann", "pw").unwrap(), 7);
    });
    let entries = of_kind(&events, "function_entry");
    assert_eq!(meta(entries[0], "function"), "record::sign_in");
    assert_eq!(
        meta(entries[0], "args"),
        &json!(["ann"]),
        "password is skipped"
    );
    let exits = of_kind(&events, "function_exit");
    assert_eq!(
        meta(exits[0], "exception"),
        &json!({"type": "std::io::error::Error", "message": "no password for ann"})
    );
    assert_eq!(meta(exits[1], "return_value"), 7);
    assert!(meta(exits[1], "exception").is_null());
}

#[test]
fn a_panic_is_the_exception_and_still_unwinds() {
    let events = record(|| {
        let caught = std::panic::catch_unwind(|| explode(3));
        assert!(caught.is_err());
        assert_eq!(explode(1), 1);
    });
    let exits = of_kind(&events, "function_exit");
    assert_eq!(
        meta(exits[0], "exception"),
        &json!({"type": "panic", "message": "too big: 3"})
    );
    assert_eq!(meta(exits[1], "return_value"), 1);
}

#[test]
fn nested_calls_name_their_caller_and_methods_their_type() {
    let events = record(|| {
        assert_eq!(Account { id: 4 }.outer(), 5);
    });
    let entries = of_kind(&events, "function_entry");
    let names: Vec<_> = entries
        .iter()
        .map(|e| meta(e, "function").as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "record::Account::outer",
            "record::Account::id",
            "record::inner"
        ]
    );
    assert!(entries[0]["parent_id"].is_null());
    assert_eq!(entries[1]["parent_id"], entries[0]["id"]);
    assert_eq!(entries[2]["parent_id"], entries[0]["id"]);
    assert_eq!(meta(entries[1], "args"), &json!([]), "skip(self)");
}

#[test]
fn shared_state_records_reads_and_writes_at_the_callers_line() {
    let events = record(|| {
        let total = Shared::new("cart.total", 0i64);
        let line = line!() + 1;
        let seen = total.read();
        total.write(seen + 2);
        total.update(|t| *t *= 10);
        assert_eq!(total.read(), 20);
        causeway_recorder::event("line", &line);
    });
    let line = meta(events.last().unwrap(), "data").as_u64().unwrap();
    let reads = of_kind(&events, "state_read");
    let writes = of_kind(&events, "state_write");
    assert_eq!(reads.len(), 2);
    assert_eq!(writes.len(), 2);
    assert_eq!(meta(reads[0], "variable"), "cart.total");
    assert_eq!(meta(reads[0], "value"), 0);
    assert_eq!(meta(reads[0], "line").as_u64(), Some(line));
    assert_eq!(meta(reads[0], "file"), format!("{HERE}/record.rs").as_str());
    assert_eq!(meta(writes[0], "line").as_u64(), Some(line + 1));
    assert_eq!(
        (meta(writes[0], "old_value"), meta(writes[0], "value")),
        (&json!(0), &json!(2))
    );
    assert_eq!(
        (meta(writes[1], "old_value"), meta(writes[1], "value")),
        (&json!(2), &json!(20))
    );
}

#[test]
fn threads_record_spawn_and_join_and_inherit_the_session() {
    let events = record(|| {
        let state = Arc::new(Shared::new("x", 1));
        let s = state.clone();
        let h = thread::Builder::new()
            .name("worker".into())
            .spawn(move || s.write(2))
            .unwrap();
        h.join().unwrap();
        thread::scope(|scope| {
            scope.spawn(|| state.read());
        });
    });
    let spawn = of_kind(&events, "async_spawn");
    let joins = of_kind(&events, "async_await");
    assert_eq!(spawn.len(), 2);
    assert_eq!(
        joins.len(),
        2,
        "the scoped thread is joined at the scope's end"
    );
    let worker = meta(spawn[0], "task").as_str().unwrap();
    assert!(worker.starts_with("worker"));
    let write = of_kind(&events, "state_write")[0];
    assert_eq!(meta(write, "thread"), worker);
    assert_eq!(
        write["parent_id"], spawn[0]["id"],
        "the thread's first events hang off the spawn"
    );
    assert_eq!(meta(joins[0], "task"), worker);
    let read = of_kind(&events, "state_read")[0];
    assert_eq!(meta(read, "thread"), meta(spawn[1], "task"));
    assert_eq!(meta(joins[1], "task"), meta(spawn[1], "task"));
}

#[test]
fn locks_record_acquire_after_and_release_before() {
    let events = record(|| {
        let m = Arc::new(Mutex::new(0));
        let cv = Arc::new(Condvar::new());
        let (m2, cv2) = (m.clone(), cv.clone());
        let h = thread::spawn(move || {
            *m2.lock().unwrap() = 1;
            cv2.notify_one();
        });
        let mut g = m.lock().unwrap();
        while *g == 0 {
            g = cv.wait(g).unwrap();
        }
        drop(g);
        h.join().unwrap();
        let named = Mutex::named("accounts", ());
        drop(named.lock().unwrap());
    });
    let locks: Vec<_> = events
        .iter()
        .filter(|e| kind(e).starts_with("lock_"))
        .map(|e| {
            (
                kind(e),
                meta(e, "lock").as_str().unwrap(),
                meta(e, "thread").as_str().unwrap(),
            )
        })
        .collect();
    // Per lock, acquires and releases alternate in file order.
    for name in locks
        .iter()
        .map(|l| l.1)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let seq: Vec<_> = locks.iter().filter(|l| l.1 == name).map(|l| l.0).collect();
        for pair in seq.chunks(2) {
            assert_eq!(pair, ["lock_acquire", "lock_release"], "{name}: {seq:?}");
        }
    }
    assert!(locks.iter().any(|l| l.1 == "accounts"));
    assert!(locks.iter().any(|l| l.1.starts_with("mutex-")));
}

#[test]
fn channels_barriers_rwlocks_and_atomics_record_messages() {
    let events = record(|| {
        let (tx, rx) = mpsc::channel();
        let h = thread::spawn(move || {
            tx.send(5).unwrap();
            tx.send(6).unwrap();
        });
        assert_eq!(rx.iter().collect::<Vec<_>>(), [5, 6]);
        h.join().unwrap();

        let b = Arc::new(Barrier::new(2));
        let b2 = b.clone();
        let h = thread::spawn(move || {
            b2.wait();
        });
        b.wait();
        h.join().unwrap();

        let l = RwLock::new(1);
        *l.write().unwrap() += 1;
        assert_eq!(*l.read().unwrap(), 2);

        let flag = atomic::AtomicBool::named("ready", false);
        flag.store(true, atomic::Ordering::Release);
        assert!(flag.load(atomic::Ordering::Acquire));
    });
    let sends = of_kind(&events, "message_send");
    let receives = of_kind(&events, "message_receive");
    for r in &receives {
        let id = meta(r, "message_id");
        assert!(
            sends.iter().any(|s| meta(s, "message_id") == id),
            "a receive of {id} without its send"
        );
    }
    let ids = |v: &[&Value]| {
        v.iter()
            .map(|e| meta(e, "message_id").as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let channel: Vec<_> = ids(&sends)
        .into_iter()
        .filter(|i| i.starts_with("channel-"))
        .collect();
    assert_eq!(channel.len(), 2);
    assert_ne!(channel[0], channel[1], "one id per message");
    assert_eq!(
        ids(&sends)
            .iter()
            .filter(|i| i.starts_with("barrier-"))
            .count(),
        2
    );
    let atomic_write = of_kind(&events, "state_write")
        .into_iter()
        .find(|w| meta(w, "variable") == "ready")
        .unwrap();
    assert_eq!(meta(atomic_write, "atomic"), true);
}

#[test]
fn the_writer_is_exact_under_many_threads() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 20_000;
    let events = record(|| {
        let state = Arc::new(Shared::new("n", 0u64));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let s = state.clone();
                thread::spawn(move || {
                    for _ in 0..PER_THREAD {
                        s.update(|v| *v += 1);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(state.read(), (THREADS * PER_THREAD) as u64);
    });
    let writes = of_kind(&events, "state_write");
    assert_eq!(
        writes.len(),
        THREADS * PER_THREAD,
        "no event is lost when the channel is full"
    );
    let mut ids: Vec<_> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "ids are unique");
    // Each thread's writes appear in its program order.
    let mut last: std::collections::HashMap<&str, u64> = Default::default();
    for w in writes {
        let v = meta(w, "value").as_u64().unwrap();
        let t = meta(w, "thread").as_str().unwrap();
        if let Some(prev) = last.insert(t, v) {
            assert!(v > prev);
        }
    }
}

#[test]
fn init_reports_an_unwritable_path() {
    let dir = trace_dir();
    let file = dir.path().join("plain");
    std::fs::write(&file, "").unwrap();
    let err = causeway_recorder::init_thread(file.join("t.jsonl")).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("cannot create the trace file"), "{text}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn without_a_session_nothing_is_recorded_and_code_still_runs() {
    assert_eq!(
        place(&Order { sku: "B", qty: 1 }, Point { x: 1 }, Opaque),
        2
    );
    let s = Shared::new("unrecorded", 1);
    s.write(2);
    assert_eq!(s.read(), 2);
}

#[test]
fn each_test_gets_its_own_trace_in_the_target_dir() {
    let names = ["per_test_a", "per_test_b"];
    let paths: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                s.spawn(move || {
                    let guard = causeway_recorder::init_for_test(name).unwrap();
                    let state = Shared::new("per_test", 0);
                    state.write(1);
                    let path = guard.path().to_owned();
                    assert_eq!(guard.finish().unwrap(), 1, "only this test's event");
                    path
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (path, name) in paths.iter().zip(names) {
        assert_eq!(path.file_name().unwrap(), format!("{name}.jsonl").as_str());
        assert_eq!(path.parent().unwrap().file_name().unwrap(), "causeway");
        let exe = std::env::current_exe().unwrap();
        assert!(
            exe.starts_with(path.parent().unwrap().parent().unwrap()),
            "under the target dir"
        );
        assert_eq!(events(path).len(), 1);
        std::fs::remove_file(path).unwrap();
    }
}

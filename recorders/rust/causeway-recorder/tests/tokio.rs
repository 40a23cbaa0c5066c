//! Tasks: spawns, joins, and `#[trace]` async functions belonging to the
//! task that polls them.

mod common;

use causeway_recorder::sync::tokio::Mutex;
use causeway_recorder::{Shared, task, trace};
use common::*;
use serde_json::{Value, json};
use std::sync::Arc;

#[trace(skip(state))]
async fn step(state: Arc<Shared<u32>>, id: u32) -> u32 {
    let v = state.read();
    tokio::task::yield_now().await;
    state.write(v + id);
    id * 10
}

#[trace]
async fn refuse(why: &str) -> Result<(), String> {
    tokio::task::yield_now().await;
    Err(why.to_owned())
}

#[trace]
async fn boom() -> u8 {
    tokio::task::yield_now().await;
    panic!("async boom")
}

fn record_on_current_thread<F: std::future::Future>(f: F) -> Vec<Value> {
    let dir = trace_dir();
    let path = dir.path().join("t.jsonl");
    let guard = causeway_recorder::init_thread(&path).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f);
    guard.finish().unwrap();
    events(&path)
}

#[test]
fn interleaved_async_calls_keep_their_own_events() {
    let events = record_on_current_thread(async {
        let state = Arc::new(Shared::new("s", 0));
        let a = task::spawn(step(state.clone(), 1));
        let b = task::spawn(step(state.clone(), 2));
        assert_eq!(a.await.unwrap(), 10);
        assert_eq!(b.await.unwrap(), 20);
    });
    let spawns = of_kind(&events, "async_spawn");
    let tasks: Vec<_> = spawns
        .iter()
        .map(|s| meta(s, "task").as_str().unwrap())
        .collect();
    assert_eq!(tasks.len(), 2);
    for (spawn, task) in spawns.iter().zip(&tasks) {
        let mine: Vec<_> = events
            .iter()
            .filter(|e| meta(e, "thread") == *task)
            .collect();
        let kinds: Vec<_> = mine.iter().map(|e| kind(e)).collect();
        assert_eq!(
            kinds,
            [
                "function_entry",
                "state_read",
                "state_write",
                "function_exit"
            ],
            "{task}"
        );
        assert_eq!(
            mine[0]["parent_id"], spawn["id"],
            "the call hangs off its task's spawn"
        );
        assert_eq!(
            mine[1]["parent_id"], mine[0]["id"],
            "the read is inside the call"
        );
        assert_eq!(
            mine[2]["parent_id"], mine[0]["id"],
            "so is the write, after the await"
        );
        assert_eq!(mine[3]["parent_id"], mine[0]["id"]);
    }
    let mut args: Vec<_> = of_kind(&events, "function_entry")
        .iter()
        .map(|e| meta(e, "args").clone())
        .collect();
    args.sort_by_key(|a| a.to_string());
    assert_eq!(args, [json!([1]), json!([2])]);
    let mut returned: Vec<_> = of_kind(&events, "function_exit")
        .iter()
        .map(|e| meta(e, "return_value").as_u64().unwrap())
        .collect();
    returned.sort_unstable();
    assert_eq!(returned, [10, 20]);
    // The two calls interleave: both reads come before either write.
    let order: Vec<_> = events
        .iter()
        .map(kind)
        .filter(|k| k.starts_with("state_"))
        .collect();
    assert_eq!(
        order,
        ["state_read", "state_read", "state_write", "state_write"]
    );
    let joins = of_kind(&events, "async_await");
    assert_eq!(
        joins
            .iter()
            .map(|j| meta(j, "task").as_str().unwrap())
            .collect::<Vec<_>>(),
        tasks
    );
    assert_eq!(
        meta(joins[0], "thread"),
        "interleaved_async_calls_keep_their_own_events"
    );
}

#[test]
fn async_errors_and_panics_are_exceptions() {
    let events = record_on_current_thread(async {
        assert!(refuse("no").await.is_err());
        let joined = task::spawn(boom()).await;
        assert!(joined.unwrap_err().is_panic());
    });
    let exits = of_kind(&events, "function_exit");
    assert_eq!(
        meta(exits[0], "exception"),
        &json!({"type": "alloc::string::String", "message": "no"})
    );
    assert_eq!(
        meta(exits[1], "exception"),
        &json!({"type": "panic", "message": "async boom"})
    );
}

#[test]
fn the_tokio_mutex_records_acquire_and_release() {
    let events = record_on_current_thread(async {
        let m = Arc::new(Mutex::named("cart", 0));
        let m2 = m.clone();
        task::spawn(async move { *m2.lock().await += 1 })
            .await
            .unwrap();
        *m.lock().await += 1;
    });
    let locks: Vec<_> = events
        .iter()
        .filter(|e| kind(e).starts_with("lock_"))
        .map(|e| (kind(e), meta(e, "lock").as_str().unwrap()))
        .collect();
    assert_eq!(
        locks,
        [
            ("lock_acquire", "cart"),
            ("lock_release", "cart"),
            ("lock_acquire", "cart"),
            ("lock_release", "cart")
        ]
    );
}

//! `#[trace]` on the signatures real code has: it must compile, keep the
//! function's meaning (`return`, `?`, borrows, generics) and record.

mod common;

use causeway_recorder::trace;
use common::*;
use std::collections::HashMap;
use std::fmt::Debug;

#[trace]
fn generic<T: Debug + Clone>(v: &T) -> T {
    v.clone()
}

#[trace]
fn unbounded<T>(v: T) -> usize {
    std::mem::size_of_val(&v)
}

#[trace]
fn parse_sum(a: &str, b: &str) -> Result<i64, std::num::ParseIntError> {
    let x: i64 = a.parse()?;
    if x < 0 {
        return Ok(0);
    }
    Ok(x + b.parse::<i64>()?)
}

#[trace]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[trace]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[trace]
fn destructured((a, b): (u8, u8), mut count: u32) -> u32 {
    count += u32::from(a) + u32::from(b);
    count
}

#[derive(Debug, Default)]
struct Cache {
    map: HashMap<String, u32>,
}

impl Cache {
    #[trace]
    fn new() -> Self {
        Self::default()
    }

    #[trace(skip(self))]
    fn get(&self, key: &str) -> Option<&u32> {
        self.map.get(key)
    }

    #[trace(skip(self))]
    fn put(&mut self, key: String, v: u32) -> &mut Self {
        self.map.insert(key, v);
        self
    }

    #[trace]
    fn into_len(self) -> usize {
        self.map.len()
    }

    #[trace(skip(self))]
    async fn lookup(&self, key: &str) -> Result<u32, String> {
        let v = self.get(key).copied().ok_or_else(|| format!("no {key}"))?;
        Ok(v)
    }
}

trait Greeter {
    #[trace(skip(self))]
    fn greet(&self, name: &str) -> String {
        format!("hello {name}")
    }
}

struct English;
impl Greeter for English {}

#[test]
fn traced_signatures_keep_their_meaning_and_record() {
    let dir = trace_dir();
    let path = dir.path().join("sig.jsonl");
    let guard = causeway_recorder::init_thread(&path).unwrap();
    assert_eq!(generic(&vec![1, 2]), vec![1, 2]);
    assert_eq!(unbounded([0u8; 3]), 3);
    assert_eq!(parse_sum("2", "3"), Ok(5));
    assert_eq!(parse_sum("-2", "x"), Ok(0));
    assert!(parse_sum("2", "x").is_err());
    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(longest("ab", "c"), "ab");
    assert_eq!(destructured((1, 2), 3), 6);
    let mut cache = Cache::new();
    cache.put("a".into(), 1).put("b".into(), 2);
    assert_eq!(cache.get("a"), Some(&1));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(cache.lookup("b")), Ok(2));
    assert!(rt.block_on(cache.lookup("z")).is_err());
    assert_eq!(cache.into_len(), 2);
    assert_eq!(English.greet("ann"), "hello ann");
    guard.finish().unwrap();

    let events = events(&path);
    let entries = of_kind(&events, "function_entry");
    let exits = of_kind(&events, "function_exit");
    assert_eq!(entries.len(), exits.len());
    let function = |e: &serde_json::Value| meta(e, "function").as_str().unwrap().to_owned();
    let names: Vec<_> = entries.iter().map(|e| function(e)).collect();
    assert!(
        names.contains(&"signatures::Cache::put".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"signatures::English::greet".to_owned()),
        "{names:?}"
    );
    let find = |n: &str| {
        entries
            .iter()
            .position(|e| function(e).ends_with(n))
            .unwrap()
    };
    assert_eq!(
        meta(entries[find("::generic")], "args"),
        &serde_json::json!([[1, 2]])
    );
    assert_eq!(
        meta(entries[find("::unbounded")], "args"),
        &serde_json::json!([{"$repr": "[u8; 3]"}]),
        "an unbounded generic is written by type"
    );
    assert_eq!(
        meta(entries[find("::destructured")], "args"),
        &serde_json::json!([3]),
        "patterns are left out"
    );
    let failed: Vec<_> = exits
        .iter()
        .filter(|e| !meta(e, "exception").is_null())
        .collect();
    assert_eq!(failed.len(), 2, "one parse error, one missing key");
    assert_eq!(meta(failed[1], "exception")["message"], "no z");
}

static HITS: causeway_recorder::Shared<u64> = causeway_recorder::Shared::new("hits", 0);
static HITS_LOCK: causeway_recorder::sync::Mutex<()> = causeway_recorder::sync::Mutex::new(());
static FLAG: causeway_recorder::sync::atomic::AtomicBool =
    causeway_recorder::sync::atomic::AtomicBool::new(false);

#[test]
fn shared_state_and_locks_live_in_statics() {
    let dir = trace_dir();
    let path = dir.path().join("statics.jsonl");
    let guard = causeway_recorder::init_thread(&path).unwrap();
    {
        let _held = HITS_LOCK.lock().unwrap();
        HITS.update(|h| *h += 1);
    }
    FLAG.store(true, causeway_recorder::sync::atomic::Ordering::SeqCst);
    guard.finish().unwrap();
    let kinds: Vec<_> = events(&path).iter().map(|e| kind(e).to_owned()).collect();
    assert_eq!(
        kinds,
        [
            "lock_acquire",
            "state_write",
            "lock_release",
            "message_send",
            "state_write"
        ]
    );
}

//! The racy counter with both read-then-write steps under one recorded
//! `Mutex`: the lock orders them, no race.

use causeway_recorder::sync::Mutex;
use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn bump(count: &Shared<i32>, lock: &Mutex<()>) {
    let _held = lock.lock().unwrap();
    let seen = count.read(); // [read]
    count.write(seen + 1); // [write]
}

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let count = Arc::new(Shared::new("count", 0));
    let lock = Arc::new(Mutex::new(()));
    let (c, l) = (count.clone(), lock.clone());
    let t = thread::spawn(move || bump(&c, &l));
    bump(&count, &lock);
    t.join().unwrap();
    assert_eq!(count.read(), 2);
}

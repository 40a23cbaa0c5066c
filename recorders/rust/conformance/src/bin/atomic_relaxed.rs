//! The publication pattern with `Relaxed` orderings: the flag orders
//! nothing, so the data write and read race (the flag itself is atomic
//! and races with nothing).

use causeway_recorder::sync::atomic::{AtomicBool, Ordering};
use causeway_recorder::{Shared, thread};
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let data = Arc::new(Shared::new("data", 0));
    let ready = Arc::new(AtomicBool::named("ready", false));
    let (d, r) = (data.clone(), ready.clone());
    let writer = thread::spawn(move || {
        d.write(42); // [write]
        r.store(true, Ordering::Relaxed);
    });
    while !ready.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(data.read(), 42); // [read]
    writer.join().unwrap();
}

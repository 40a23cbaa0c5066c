//! The publication pattern: data written, then a flag stored with
//! `Release`; the reader loads the flag with `Acquire` until it is set,
//! then reads the data: ordered, no race.

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
        r.store(true, Ordering::Release);
    });
    while !ready.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(data.read(), 42); // [read]
    writer.join().unwrap();
}

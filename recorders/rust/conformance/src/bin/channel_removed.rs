//! `channel_handoff` without its send and receive: the consumer waits by
//! sleeping, which orders nothing, so the write and the read race.

use causeway_recorder::{Shared, thread};
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let slot = Arc::new(Shared::new("slot", 0));
    let s = slot.clone();
    let producer = thread::spawn(move || {
        s.write(42); // [write]
    });
    std::thread::sleep(Duration::from_millis(20));
    let _ = slot.read(); // [read]
    producer.join().unwrap();
}

//! A producer writes, then sends; the consumer receives, then reads: the
//! message orders the write before the read.

use causeway_recorder::sync::mpsc;
use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let slot = Arc::new(Shared::new("slot", 0));
    let (tx, rx) = mpsc::channel();
    let s = slot.clone();
    let producer = thread::spawn(move || {
        s.write(42); // [write]
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    assert_eq!(slot.read(), 42); // [read]
    producer.join().unwrap();
}

//! Three threads write their own slot in phase one, wait at a barrier, then
//! read every slot in phase two: the barrier orders every write before
//! every read.

use causeway_recorder::sync::Barrier;
use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let slots: Arc<Vec<Shared<usize>>> = Arc::new(
        (0..3)
            .map(|i| Shared::named(format!("slot[{i}]"), 0))
            .collect(),
    );
    let barrier = Arc::new(Barrier::new(3));
    let workers: Vec<_> = (0..3)
        .map(|i| {
            let (slots, barrier) = (slots.clone(), barrier.clone());
            thread::spawn(move || {
                slots[i].write(i + 1); // [write]
                barrier.wait();
                slots.iter().map(|s| s.read()).sum::<usize>() // [read]
            })
        })
        .collect();
    for w in workers {
        assert_eq!(w.join().unwrap(), 6);
    }
}

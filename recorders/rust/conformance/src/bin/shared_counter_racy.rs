//! Two threads read and write one `Shared` counter with nothing ordering
//! them: every pair of their accesses with a write races.

use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let count = Arc::new(Shared::new("count", 0));
    let c = count.clone();
    let t = thread::spawn(move || {
        let seen = c.read(); // [child-read]
        c.write(seen + 1); // [child-write]
    });
    let seen = count.read(); // [main-read]
    count.write(seen + 1); // [main-write]
    t.join().unwrap();
}

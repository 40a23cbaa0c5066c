//! Writes before a spawn happen before the thread's accesses, and the
//! thread's before the accesses after its join.

use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let state = Arc::new(Shared::new("state", 0));
    state.write(1); // [before-spawn]
    let s = state.clone();
    let child = thread::spawn(move || {
        let v = s.read(); // [child-read]
        s.write(v + 1); // [child-write]
    });
    child.join().unwrap();
    state.write(state.read() * 10); // [after-join]
}

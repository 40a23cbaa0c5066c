//! Scoped threads: each writes its own state, one reads the parent's; the
//! scope's end joins them (recorded even without an explicit join), so the
//! parent's accesses after it are ordered. The two threads' writes to
//! `shared` are not ordered with each other: that pair races.

use causeway_recorder::{Shared, thread};

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let input = Shared::new("input", 5);
    let shared = Shared::new("shared", 0);
    input.write(6); // [input-write]
    thread::scope(|s| {
        s.spawn(|| {
            let v = input.read(); // [input-read]
            shared.write(v); // [write-a]
        });
        s.spawn(|| {
            shared.write(1); // [write-b]
        });
    });
    let _ = shared.read(); // [after-scope]
    input.write(7); // [input-after]
}

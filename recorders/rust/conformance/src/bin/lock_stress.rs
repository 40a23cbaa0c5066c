//! Four threads each take a recorded `Mutex` 500 times around a
//! read-then-write of one `Shared`, and an `RwLock` around another: with
//! the lock contended all along, file order must still put every release
//! before the next acquire, or the analyzer would see races.

use causeway_recorder::sync::{Mutex, RwLock};
use causeway_recorder::{Shared, thread};
use std::sync::Arc;

const THREADS: usize = 4;
const ROUNDS: u64 = 500;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let count = Arc::new(Shared::new("count", 0u64));
    let lock = Arc::new(Mutex::new(()));
    let table = Arc::new(Shared::new("table", 0u64));
    let rw = Arc::new(RwLock::new(()));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (count, lock, table, rw) = (count.clone(), lock.clone(), table.clone(), rw.clone());
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    {
                        let _held = lock.lock().unwrap();
                        let v = count.read(); // [count-read]
                        count.write(v + 1); // [count-write]
                    }
                    if (round + i as u64).is_multiple_of(4) {
                        let _w = rw.write().unwrap();
                        table.update(|t| *t += 1); // [table-write]
                    } else {
                        let _r = rw.read().unwrap();
                        let _ = table.read(); // [table-read]
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(count.read(), THREADS as u64 * ROUNDS);
}

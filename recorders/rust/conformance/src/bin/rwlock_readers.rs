//! A writer updates under the write lock, then two readers read under read
//! locks held at the same time, then another writer writes: every access
//! is ordered by the lock (readers among themselves need no order). The
//! barrier makes sure both readers hold their read locks before the second
//! writer asks for the write lock (std's lock then waits for both; asking
//! earlier could block the second reader behind the writer).

use causeway_recorder::sync::{Barrier, RwLock};
use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let config = Arc::new(Shared::new("config", 1));
    let lock = Arc::new(RwLock::new(()));
    {
        let _w = lock.write().unwrap();
        config.write(2); // [first-write]
    }
    let both = Arc::new(Barrier::new(3));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (config, lock, both) = (config.clone(), lock.clone(), both.clone());
            thread::spawn(move || {
                let _r = lock.read().unwrap();
                both.wait(); // both readers hold the read lock here
                config.read() // [read]
            })
        })
        .collect();
    let writer = {
        let (config, lock, both) = (config.clone(), lock.clone(), both.clone());
        thread::spawn(move || {
            both.wait();
            let _w = lock.write().unwrap();
            config.write(3); // [second-write]
        })
    };
    for r in readers {
        r.join().unwrap();
    }
    writer.join().unwrap();
}

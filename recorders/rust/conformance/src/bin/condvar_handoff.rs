//! A worker fills a result and signals a condition variable; the waiter
//! wakes holding the mutex and reads the result: ordered by the mutex.

use causeway_recorder::sync::{Condvar, Mutex};
use causeway_recorder::{Shared, thread};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let result = Arc::new(Shared::new("result", 0));
    let done = Arc::new((Mutex::new(false), Condvar::new()));
    let (r, d) = (result.clone(), done.clone());
    let worker = thread::spawn(move || {
        let (lock, cv) = &*d;
        let mut finished = lock.lock().unwrap();
        r.write(7); // [write]
        *finished = true;
        cv.notify_all();
    });
    let (lock, cv) = &*done;
    let finished = cv.wait_while(lock.lock().unwrap(), |f| !*f).unwrap();
    assert_eq!(result.read(), 7); // [read]
    drop(finished);
    worker.join().unwrap();
}

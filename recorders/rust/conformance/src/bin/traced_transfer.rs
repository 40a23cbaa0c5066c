//! Traced functions on two threads: `audit` reads both balances without
//! the lock that `transfer` holds, so its reads race with the transfer's
//! writes (and only those).

use causeway_recorder::sync::Mutex;
use causeway_recorder::{Shared, thread, trace};
use std::sync::Arc;

struct Books {
    from: Shared<i64>,
    to: Shared<i64>,
    lock: Mutex<()>,
}

impl Books {
    #[trace(skip(self))]
    fn transfer(&self, amount: i64) -> Result<(), String> {
        let _held = self.lock.lock().unwrap();
        let from = self.from.read();
        if from < amount {
            return Err(format!("{from} < {amount}"));
        }
        self.from.write(from - amount); // [from-write]
        self.to.update(|t| *t += amount); // [to-write]
        Ok(())
    }

    #[trace(skip(self))]
    fn audit(&self) -> i64 {
        self.from.read() + self.to.read() // [audit]
    }
}

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let books = Arc::new(Books {
        from: Shared::new("from", 100),
        to: Shared::new("to", 0),
        lock: Mutex::new(()),
    });
    let b = books.clone();
    let mover = thread::spawn(move || {
        b.transfer(30).unwrap();
        assert!(b.transfer(500).is_err());
    });
    let _ = books.audit();
    mover.join().unwrap();
}

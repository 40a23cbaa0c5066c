//! Two tellers share one account. Deposits and withdrawals each read the
//! balance and write it back; without `--fixed` nothing orders one
//! teller's read-then-write against the other's, so an update can be lost,
//! and Causeway reports the race from any run. With `--fixed` both hold the
//! bank's (recorded) `Mutex` around the read and the write: no race.
//!
//! ```sh
//! CAUSEWAY_OUT=racy.jsonl cargo run -p rust-bank
//! causeway analyze racy.jsonl      # exit 1: race on `balance`
//! CAUSEWAY_OUT=fixed.jsonl cargo run -p rust-bank -- --fixed
//! causeway analyze fixed.jsonl     # exit 0
//! ```

use causeway_recorder::sync::Mutex;
use causeway_recorder::{Shared, thread, trace};
use std::fmt;
use std::sync::Arc;

/// A withdrawal larger than the balance.
#[derive(Debug)]
struct InsufficientFunds {
    balance: i64,
    wanted: i64,
}

impl fmt::Display for InsufficientFunds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "balance {} is less than {}", self.balance, self.wanted)
    }
}

impl std::error::Error for InsufficientFunds {}

/// One account; `locked` says whether operations take the bank's lock.
struct Bank {
    balance: Shared<i64>,
    lock: Mutex<()>,
    locked: bool,
}

impl Bank {
    #[trace(skip(self))]
    fn deposit(&self, amount: i64) {
        let _held = self.locked.then(|| self.lock.lock().unwrap());
        let seen = self.balance.read(); // [deposit-read]
        self.balance.write(seen + amount); // [deposit-write]
    }

    #[trace(skip(self))]
    fn withdraw(&self, amount: i64) -> Result<i64, InsufficientFunds> {
        let _held = self.locked.then(|| self.lock.lock().unwrap());
        let seen = self.balance.read(); // [withdraw-read]
        if seen < amount {
            return Err(InsufficientFunds {
                balance: seen,
                wanted: amount,
            });
        }
        self.balance.write(seen - amount); // [withdraw-write]
        Ok(seen - amount)
    }
}

#[trace]
fn teller(bank: Arc<Bank>, deposits: bool) {
    for round in 1..=3 {
        if deposits {
            bank.deposit(10 * round);
        } else if let Err(e) = bank.withdraw(5) {
            eprintln!("teller: {e}");
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixed = std::env::args().skip(1).any(|a| a == "--fixed");
    let _guard = causeway_recorder::init_from_env()?;
    let bank = Arc::new(Bank {
        balance: Shared::new("balance", 100),
        lock: Mutex::named("bank", ()),
        locked: fixed,
    });
    let tellers: Vec<_> = [true, false]
        .into_iter()
        .enumerate()
        .map(|(i, deposits)| {
            let bank = bank.clone();
            thread::Builder::new()
                .name(format!("teller-{}", i + 1))
                .spawn(move || teller(bank, deposits))
        })
        .collect::<Result<_, _>>()?;
    for t in tellers {
        t.join().expect("a teller panicked");
    }
    println!("final balance: {}", bank.balance.read());
    Ok(())
}

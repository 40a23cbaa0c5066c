//! A program whose main thread panics inside a traced call: the guard's
//! drop (while unwinding) and the panic hook write the whole trace,
//! including the call's exit with the panic as its exception.

use causeway_recorder::{Shared, trace};

#[trace]
fn settle(total: &Shared<i64>, amount: i64) -> i64 {
    total.update(|t| *t += amount);
    if amount > 10 {
        panic!("amount {amount} is over the limit");
    }
    total.read()
}

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let total = Shared::new("total", 0);
    settle(&total, 5);
    settle(&total, 50);
}

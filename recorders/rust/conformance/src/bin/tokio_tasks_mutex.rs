//! Tokio tasks on a multi-thread runtime share an `Arc<Mutex<_>>` (the
//! recorder's `tokio::sync` wrapper) and update a `Shared` only while
//! holding it; the spawner reads after awaiting every task: no race.

use causeway_recorder::sync::tokio::Mutex;
use causeway_recorder::{Shared, task, trace};
use std::sync::Arc;

#[trace(skip(lock, total))]
async fn add(lock: Arc<Mutex<()>>, total: Arc<Shared<u64>>, n: u64) {
    let _held = lock.lock().await;
    let seen = total.read(); // [read]
    tokio::task::yield_now().await;
    total.write(seen + n); // [write]
}

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let lock = Arc::new(Mutex::new(()));
        let total = Arc::new(Shared::new("total", 0));
        let tasks: Vec<_> = (1..=4)
            .map(|n| task::spawn(add(lock.clone(), total.clone(), n)))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(total.read(), 10); // [final]
    });
}

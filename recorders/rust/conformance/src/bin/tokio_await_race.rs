//! Two tasks on a current-thread runtime each `read()`, `.await` something,
//! then `write()` the same `Shared`: one thread runs them, but the await
//! lets the other task in between, so the accesses race (a lost update).

use causeway_recorder::{Shared, task};
use std::sync::Arc;

async fn bump(total: Arc<Shared<u64>>) {
    let seen = total.read(); // [read]
    tokio::task::yield_now().await;
    total.write(seen + 1); // [write]
}

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let total = Arc::new(Shared::new("total", 0));
        let a = task::spawn(bump(total.clone()));
        let b = task::spawn(bump(total.clone()));
        a.await.unwrap();
        b.await.unwrap();
        // Both tasks read 0 before either wrote: the update is lost.
        assert_eq!(total.read(), 1);
    });
}

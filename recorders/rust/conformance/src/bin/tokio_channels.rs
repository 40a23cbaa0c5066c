//! A task writes, then sends on a tokio mpsc channel; another receives,
//! then reads and answers through a oneshot, after which the first reads
//! what the second wrote: every access is ordered by a message.

use causeway_recorder::sync::tokio::{mpsc, oneshot};
use causeway_recorder::{Shared, task};
use std::sync::Arc;

fn main() {
    let _guard = causeway_recorder::init_from_env().expect("CAUSEWAY_OUT");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let order = Arc::new(Shared::new("order", 0));
        let receipt = Arc::new(Shared::new("receipt", 0));
        let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(1);
        let (o, r) = (order.clone(), receipt.clone());
        let shop = task::spawn(async move {
            let reply = rx.recv().await.unwrap();
            let n = o.read(); // [order-read]
            r.write(n * 2); // [receipt-write]
            reply.send(()).unwrap();
        });
        order.write(21); // [order-write]
        let (reply, done) = oneshot::channel();
        tx.send(reply).await.unwrap();
        done.await.unwrap();
        assert_eq!(receipt.read(), 42); // [receipt-read]
        shop.await.unwrap();
    });
}

//! tokio tasks (feature `tokio`): [`spawn`] records `async_spawn`, and
//! awaiting the [`JoinHandle`] records `async_await` once the task is done.
//!
//! A task's identity comes from its spawner, not from span parents (tokio's
//! task span is a root since tokio-rs/tokio#6158): the spawned future
//! carries its own line (`task-N`) and installs it while it is polled, so
//! its events belong to the task whatever worker thread polls it, and an
//! `async fn` marked `#[trace]` belongs to the task that polls it.
//!
//! Without the `record` feature these are tokio's own items.

#[cfg(not(feature = "record"))]
pub use tokio::task::{JoinHandle, spawn};

pub use tokio::task::{JoinError, yield_now};

#[cfg(feature = "record")]
pub use recording::{JoinHandle, spawn};

#[cfg(feature = "record")]
mod recording {
    use crate::record::event::Loc;
    use crate::record::line::{self, Line};
    use crate::record::spawn;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};
    use tokio::task::JoinError;

    pin_project_lite::pin_project! {
        /// A spawned future with its task's line.
        struct InTask<F> {
            line: Line,
            #[pin]
            future: F,
        }
    }

    /// Puts a line back when a poll ends, also by panic.
    struct Restore<'a>(&'a mut Line);

    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            line::swap(self.0);
        }
    }

    impl<F: Future> Future for InTask<F> {
        type Output = F::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let this = self.project();
            line::swap(this.line);
            let _restore = Restore(this.line);
            this.future.poll(cx)
        }
    }

    /// `tokio::task::spawn`, recording the spawn.
    #[track_caller]
    pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let at = Loc::caller();
        let (task, line) = spawn::spawned(None, "task", Some(at));
        let inner = tokio::task::spawn(InTask { line, future });
        JoinHandle { inner, task }
    }

    /// `tokio::task::JoinHandle`: its completion, when awaited, records
    /// `async_await` of the task.
    #[derive(Debug)]
    pub struct JoinHandle<T> {
        inner: tokio::task::JoinHandle<T>,
        task: Arc<str>,
    }

    impl<T> JoinHandle<T> {
        /// Cancels the task.
        pub fn abort(&self) {
            self.inner.abort();
        }

        /// Whether the task has finished.
        pub fn is_finished(&self) -> bool {
            self.inner.is_finished()
        }

        /// The task's line name in the trace.
        pub fn task_name(&self) -> &str {
            &self.task
        }
    }

    impl<T> Future for JoinHandle<T> {
        type Output = Result<T, JoinError>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let polled = Pin::new(&mut self.inner).poll(cx);
            if polled.is_ready() {
                spawn::joined(&self.task, None);
            }
            polled
        }
    }
}

//! Drop-in replacements for `std::thread::{spawn, scope, Builder}` that
//! record `async_spawn` before the thread starts and `async_await` after it
//! is joined (explicitly, or at the end of a scope), so that the spawner's
//! events before the spawn happen before the thread's, and the thread's
//! before the joiner's events after the join.
//!
//! A spawned thread's line is named by its spawner: the builder's name
//! (made unique with `#N`) or `thread-N`; its first events name the spawn
//! as their parent, and it records into the spawner's session.
//!
//! Without the `record` feature these are std's own items.

#[cfg(not(feature = "record"))]
pub use std::thread::{Builder, JoinHandle, Scope, ScopedJoinHandle, scope, spawn};

pub use std::thread::{Thread, ThreadId, current, park, park_timeout, sleep, yield_now};

#[cfg(feature = "record")]
pub use recording::{Builder, JoinHandle, Scope, ScopedJoinHandle, scope, spawn};

#[cfg(feature = "record")]
mod recording {
    use crate::record::event::Loc;
    use crate::record::line::{self, Line};
    use crate::record::spawn;
    use std::collections::HashMap;
    use std::io;
    use std::sync::{Arc, Mutex};

    fn prepare(name: Option<&str>, at: Loc) -> (Arc<str>, Line) {
        spawn::spawned(name, "thread", Some(at))
    }

    fn run<T>(mut start: Line, f: impl FnOnce() -> T) -> T {
        line::swap(&mut start);
        f()
    }

    fn joined(task: &Arc<str>, at: Loc) {
        spawn::joined(task, Some(at));
    }

    /// `std::thread::spawn`, recording the spawn.
    #[track_caller]
    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Builder::new().spawn(f).expect("failed to spawn thread")
    }

    /// `std::thread::Builder`, recording the spawn.
    #[derive(Debug, Default)]
    pub struct Builder {
        name: Option<String>,
        stack_size: Option<usize>,
    }

    impl Builder {
        /// A builder with std's defaults.
        pub fn new() -> Builder {
            Builder::default()
        }

        /// The thread's name (also its line's name in the trace).
        pub fn name(mut self, name: String) -> Builder {
            self.name = Some(name);
            self
        }

        /// The thread's stack size.
        pub fn stack_size(mut self, size: usize) -> Builder {
            self.stack_size = Some(size);
            self
        }

        fn std(&self) -> std::thread::Builder {
            let mut b = std::thread::Builder::new();
            if let Some(n) = &self.name {
                b = b.name(n.clone());
            }
            if let Some(s) = self.stack_size {
                b = b.stack_size(s);
            }
            b
        }

        /// Spawns the thread.
        #[track_caller]
        pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            let at = Loc::caller();
            let (task, start) = prepare(self.name.as_deref(), at);
            let inner = self.std().spawn(move || run(start, f))?;
            Ok(JoinHandle { inner, task })
        }

        /// Spawns a scoped thread.
        #[track_caller]
        pub fn spawn_scoped<'scope, 'env, F, T>(
            self,
            scope: &'scope Scope<'scope, 'env>,
            f: F,
        ) -> io::Result<ScopedJoinHandle<'scope, T>>
        where
            F: FnOnce() -> T + Send + 'scope,
            T: Send + 'scope,
        {
            let at = Loc::caller();
            let (task, start) = prepare(self.name.as_deref(), at);
            let inner = self
                .std()
                .spawn_scoped(&scope.inner, move || run(start, f))?;
            Ok(scope.track(inner, task))
        }
    }

    /// `std::thread::JoinHandle`: joining records `async_await`.
    #[derive(Debug)]
    pub struct JoinHandle<T> {
        inner: std::thread::JoinHandle<T>,
        task: Arc<str>,
    }

    impl<T> JoinHandle<T> {
        /// Waits for the thread, then records the join.
        #[track_caller]
        pub fn join(self) -> std::thread::Result<T> {
            let at = Loc::caller();
            let result = self.inner.join();
            joined(&self.task, at);
            result
        }

        /// The thread.
        pub fn thread(&self) -> &std::thread::Thread {
            self.inner.thread()
        }

        /// Whether the thread has finished.
        pub fn is_finished(&self) -> bool {
            self.inner.is_finished()
        }

        /// The thread's line name in the trace.
        pub fn task_name(&self) -> &str {
            &self.task
        }
    }

    /// `std::thread::Scope`: threads not joined explicitly are joined (and
    /// recorded as joined) at the end of [`scope`].
    #[repr(transparent)]
    #[derive(Debug)]
    pub struct Scope<'scope, 'env: 'scope> {
        inner: std::thread::Scope<'scope, 'env>,
    }

    type Pending = Vec<(Arc<str>, Arc<std::sync::atomic::AtomicBool>)>;

    /// Threads spawned in each live scope (by the scope's address) that
    /// may still need a recorded join when it ends.
    static PENDING: Mutex<Option<HashMap<usize, Pending>>> = Mutex::new(None);

    fn pending<R>(f: impl FnOnce(&mut HashMap<usize, Pending>) -> R) -> R {
        let mut map = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        f(map.get_or_insert_with(HashMap::new))
    }

    /// `std::thread::ScopedJoinHandle`.
    #[derive(Debug)]
    pub struct ScopedJoinHandle<'scope, T> {
        inner: std::thread::ScopedJoinHandle<'scope, T>,
        task: Arc<str>,
        joined: Arc<std::sync::atomic::AtomicBool>,
    }

    impl<'scope, 'env> Scope<'scope, 'env> {
        fn key(&self) -> usize {
            std::ptr::from_ref(self).addr()
        }

        fn track<T>(
            &self,
            inner: std::thread::ScopedJoinHandle<'scope, T>,
            task: Arc<str>,
        ) -> ScopedJoinHandle<'scope, T> {
            let joined = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let key = self.key();
            pending(|map| {
                map.entry(key)
                    .or_default()
                    .push((task.clone(), joined.clone()))
            });
            ScopedJoinHandle {
                inner,
                task,
                joined,
            }
        }

        /// Spawns a thread of this scope, recording the spawn.
        #[track_caller]
        pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
        where
            F: FnOnce() -> T + Send + 'scope,
            T: Send + 'scope,
        {
            Builder::new()
                .spawn_scoped(self, f)
                .expect("failed to spawn thread")
        }
    }

    impl<T> ScopedJoinHandle<'_, T> {
        /// Waits for the thread, then records the join.
        #[track_caller]
        pub fn join(self) -> std::thread::Result<T> {
            let at = Loc::caller();
            let result = self.inner.join();
            self.joined
                .store(true, std::sync::atomic::Ordering::Release);
            joined(&self.task, at);
            result
        }

        /// The thread.
        pub fn thread(&self) -> &std::thread::Thread {
            self.inner.thread()
        }

        /// Whether the thread has finished.
        pub fn is_finished(&self) -> bool {
            self.inner.is_finished()
        }
    }

    /// `std::thread::scope`: records a join of every thread of the scope
    /// that was not joined explicitly, once all have finished.
    #[track_caller]
    pub fn scope<'env, F, T>(f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        let at = Loc::caller();
        let mut key = None;
        let out = std::thread::scope(|s| {
            // SAFETY: `Scope` is `repr(transparent)` over std's scope, so the
            // two references have the same layout, lifetime and validity.
            let ours: &Scope<'_, 'env> =
                unsafe { &*std::ptr::from_ref(s).cast::<Scope<'_, 'env>>() };
            key = Some(ours.key());
            f(ours)
        });
        // Every thread of the scope has finished: the ones not joined are
        // joined now.
        let left = key
            .and_then(|k| pending(|map| map.remove(&k)))
            .unwrap_or_default();
        for (task, was_joined) in left {
            if !was_joined.load(std::sync::atomic::Ordering::Acquire) {
                joined(&task, at);
            }
        }
        out
    }
}

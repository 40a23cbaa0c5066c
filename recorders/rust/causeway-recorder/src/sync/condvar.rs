//! [`Condvar`]: `std::sync::Condvar` for the recording
//! [`Mutex`](super::Mutex): a wait releases and reacquires the mutex, and
//! records both.

use super::mutex::MutexGuard;
use super::{Held, lock_event};
use crate::record::event::Loc;
use std::sync::{LockResult, PoisonError, WaitTimeoutResult};
use std::time::Duration;

/// `std::sync::Condvar` for the recording `Mutex`.
#[derive(Debug, Default)]
pub struct Condvar {
    inner: std::sync::Condvar,
}

impl Condvar {
    /// A new condition variable.
    pub const fn new() -> Self {
        Condvar {
            inner: std::sync::Condvar::new(),
        }
    }

    /// Wakes one waiter.
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }

    fn around<'a, T: ?Sized, R>(
        &self,
        mut guard: MutexGuard<'a, T>,
        at: Loc,
        wait: impl FnOnce(std::sync::MutexGuard<'a, T>) -> (LockResult<std::sync::MutexGuard<'a, T>>, R),
    ) -> (LockResult<MutexGuard<'a, T>>, R) {
        let lock = guard.lock.clone();
        let inner = guard.inner.take().expect("guard is held");
        drop(guard);
        lock_event(false, lock.clone(), at);
        let (result, extra) = wait(inner);
        let rewrap = |g| Held::acquired(g, lock.clone(), at);
        let result = match result {
            Ok(g) => Ok(rewrap(g)),
            Err(p) => Err(PoisonError::new(rewrap(p.into_inner()))),
        };
        (result, extra)
    }

    /// Waits for a notification, releasing the lock meanwhile.
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let at = Loc::caller();
        self.around(guard, at, |g| (self.inner.wait(g), ())).0
    }

    /// Waits while `condition` holds.
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let at = Loc::caller();
        self.around(guard, at, |g| {
            (self.inner.wait_while(g, &mut condition), ())
        })
        .0
    }

    /// Waits for a notification or the timeout.
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let at = Loc::caller();
        let mut timed_out = None;
        let (result, ()) = self.around(guard, at, |g| match self.inner.wait_timeout(g, timeout) {
            Ok((g, t)) => {
                timed_out = Some(t);
                (Ok(g), ())
            }
            Err(p) => {
                let (g, t) = p.into_inner();
                timed_out = Some(t);
                (Err(PoisonError::new(g)), ())
            }
        });
        let t = timed_out.expect("the wait ran");
        match result {
            Ok(g) => Ok((g, t)),
            Err(p) => Err(PoisonError::new((p.into_inner(), t))),
        }
    }
}

//! [`Mutex`]: `std::sync::Mutex` recording `lock_acquire` and
//! `lock_release`.

use super::{Held, ObjLabel};
use crate::record::event::{Loc, ObjName};
use std::fmt;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// `std::sync::Mutex`, recording its locks (see [the module](super)).
#[derive(Default)]
pub struct Mutex<T: ?Sized> {
    label: ObjLabel,
    inner: std::sync::Mutex<T>,
}

/// The guard of a [`Mutex`]: its drop records the release.
pub type MutexGuard<'a, T> = Held<std::sync::MutexGuard<'a, T>>;

impl<T> Mutex<T> {
    /// A new unlocked mutex, named `mutex-N` in the trace.
    pub const fn new(value: T) -> Self {
        Mutex {
            label: ObjLabel::new(None),
            inner: std::sync::Mutex::new(value),
        }
    }

    /// A new unlocked mutex with the name the trace gives it.
    pub const fn named(name: &'static str, value: T) -> Self {
        Mutex {
            label: ObjLabel::new(Some(name)),
            inner: std::sync::Mutex::new(value),
        }
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    pub(crate) fn obj(&self) -> ObjName {
        self.label.get("mutex")
    }

    fn guard<'a>(&'a self, inner: std::sync::MutexGuard<'a, T>, at: Loc) -> MutexGuard<'a, T> {
        Held::acquired(inner, self.obj(), at)
    }

    /// Locks, waiting for the lock, and records `lock_acquire`.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let at = Loc::caller();
        match self.inner.lock() {
            Ok(g) => Ok(self.guard(g, at)),
            Err(p) => Err(PoisonError::new(self.guard(p.into_inner(), at))),
        }
    }

    /// Locks if the lock is free.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let at = Loc::caller();
        match self.inner.try_lock() {
            Ok(g) => Ok(self.guard(g, at)),
            Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.guard(p.into_inner(), at),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether a thread panicked holding the lock.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poison.
    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    /// The value, through `&mut` (no locking, nothing recorded).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

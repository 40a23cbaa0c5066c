//! [`RwLock`]: `std::sync::RwLock` recording its happens-before as
//! messages, since lock events pair one release with one acquire and
//! readers overlap.
//!
//! Each write lock starts an epoch. A write unlock sends `w(e)`, which
//! every read lock of epoch `e` receives; a read unlock sends `r(e)`, which
//! the next write lock receives with `w(e)`. So a writer happens before
//! every later reader and writer, and every reader before the next writer,
//! while readers of one epoch stay unordered.

use super::{ObjLabel, message_event};
use crate::record::event::Loc;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// `std::sync::RwLock`, recording its locks as messages: a write unlock
/// happens before every later lock, every read unlock before the next
/// write lock, and readers of one epoch stay unordered (see
/// [`crate::sync`]).
#[derive(Default)]
pub struct RwLock<T: ?Sized> {
    label: ObjLabel,
    /// Written only under the write lock.
    epoch: AtomicU64,
    /// Read locks taken in the current epoch.
    readers: AtomicU64,
    inner: std::sync::RwLock<T>,
}

fn write_id(epoch: u64) -> u64 {
    epoch * 2
}

fn read_id(epoch: u64) -> u64 {
    epoch * 2 + 1
}

/// A read guard of a [`RwLock`].
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    inner: Option<std::sync::RwLockReadGuard<'a, T>>,
    lock: &'a RwLock<T>,
    epoch: u64,
    at: Loc,
}

/// A write guard of a [`RwLock`].
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    inner: Option<std::sync::RwLockWriteGuard<'a, T>>,
    lock: &'a RwLock<T>,
    epoch: u64,
    at: Loc,
}

impl<T> RwLock<T> {
    /// A new unlocked lock, named `rwlock-N` in the trace.
    pub const fn new(value: T) -> Self {
        RwLock {
            label: ObjLabel::new(None),
            epoch: AtomicU64::new(0),
            readers: AtomicU64::new(0),
            inner: std::sync::RwLock::new(value),
        }
    }

    /// A new unlocked lock with the name the trace gives it.
    pub const fn named(name: &'static str, value: T) -> Self {
        RwLock {
            label: ObjLabel::new(Some(name)),
            epoch: AtomicU64::new(0),
            readers: AtomicU64::new(0),
            inner: std::sync::RwLock::new(value),
        }
    }

    /// The value, consuming the lock.
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

fn map<G, H>(r: LockResult<G>, f: impl FnOnce(G) -> H) -> LockResult<H> {
    match r {
        Ok(g) => Ok(f(g)),
        Err(p) => Err(PoisonError::new(f(p.into_inner()))),
    }
}

fn map_try<G, H>(r: TryLockResult<G>, f: impl FnOnce(G) -> H) -> TryLockResult<H> {
    match r {
        Ok(g) => Ok(f(g)),
        Err(TryLockError::Poisoned(p)) => {
            Err(TryLockError::Poisoned(PoisonError::new(f(p.into_inner()))))
        }
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

impl<T: ?Sized> RwLock<T> {
    fn read_guard<'a>(
        &'a self,
        inner: std::sync::RwLockReadGuard<'a, T>,
        at: Loc,
    ) -> RwLockReadGuard<'a, T> {
        let epoch = self.epoch.load(Ordering::Acquire);
        self.readers.fetch_add(1, Ordering::AcqRel);
        if epoch > 0 {
            message_event(false, self.label.get("rwlock"), write_id(epoch), at);
        }
        RwLockReadGuard {
            inner: Some(inner),
            lock: self,
            epoch,
            at,
        }
    }

    fn write_guard<'a>(
        &'a self,
        inner: std::sync::RwLockWriteGuard<'a, T>,
        at: Loc,
    ) -> RwLockWriteGuard<'a, T> {
        let previous = self.epoch.load(Ordering::Acquire);
        self.epoch.store(previous + 1, Ordering::Release);
        let name = self.label.get("rwlock");
        if previous > 0 {
            message_event(false, name.clone(), write_id(previous), at);
        }
        if self.readers.swap(0, Ordering::AcqRel) > 0 {
            message_event(false, name, read_id(previous), at);
        }
        RwLockWriteGuard {
            inner: Some(inner),
            lock: self,
            epoch: previous + 1,
            at,
        }
    }

    /// Locks for reading.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let at = Loc::caller();
        map(self.inner.read(), |g| self.read_guard(g, at))
    }

    /// Locks for reading if no writer holds the lock.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let at = Loc::caller();
        map_try(self.inner.try_read(), |g| self.read_guard(g, at))
    }

    /// Locks for writing.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let at = Loc::caller();
        map(self.inner.write(), |g| self.write_guard(g, at))
    }

    /// Locks for writing if the lock is free.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let at = Loc::caller();
        map_try(self.inner.try_write(), |g| self.write_guard(g, at))
    }

    /// Whether a thread panicked holding the write lock.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// The value, through `&mut` (nothing recorded).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard is held")
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            message_event(
                true,
                self.lock.label.get("rwlock"),
                read_id(self.epoch),
                self.at,
            );
            drop(inner);
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard is held")
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard is held")
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            message_event(
                true,
                self.lock.label.get("rwlock"),
                write_id(self.epoch),
                self.at,
            );
            drop(inner);
        }
    }
}

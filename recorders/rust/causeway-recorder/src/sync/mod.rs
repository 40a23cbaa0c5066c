//! Drop-in replacements for `std::sync` that record synchronization.
//!
//! With the `record` feature, [`Mutex`], [`RwLock`], [`Condvar`],
//! [`Barrier`], [`mpsc`] and [`atomic`] have std's API and semantics and
//! record what orders the program's accesses:
//!
//! | wrapper | recorded | happens-before |
//! |---|---|---|
//! | `Mutex` | `lock_acquire` after locking, `lock_release` before unlocking | an unlock before the next lock |
//! | `RwLock` | a `message_send` at each unlock, a `message_receive` at each lock | a write unlock before every later lock; every read unlock before the next write lock |
//! | `Condvar` | the mutex's release and acquire around the wait | through the mutex |
//! | `Barrier` | a send before the wait, a receive after | everything before a generation's waits before everything after them |
//! | `mpsc` | `message_send` before the send, `message_receive` after the receive | a send before the receive of that message |
//! | `atomic` | `state_read`, `state_write` with `atomic: true`; a send at a `Release` store, a receive at an `Acquire` load | a release store before a later acquire load |
//!
//! Without the feature these are std's own types, re-exported.
//!
//! Locks are named `mutex-N`, `rwlock-N`, ... (numbered on first use), or
//! by [`Mutex::named`] and its siblings.

#[cfg(feature = "record")]
mod barrier;
#[cfg(feature = "record")]
mod condvar;
#[cfg(feature = "record")]
mod mutex;
#[cfg(feature = "record")]
mod rwlock;

#[cfg(feature = "record")]
pub mod atomic;
#[cfg(feature = "record")]
pub mod mpsc;

#[cfg(feature = "record")]
pub use barrier::Barrier;
#[cfg(feature = "record")]
pub use condvar::Condvar;
#[cfg(feature = "record")]
pub use mutex::{Mutex, MutexGuard};
#[cfg(feature = "record")]
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(feature = "record")]
pub use std::sync::{BarrierWaitResult, WaitTimeoutResult};

#[cfg(not(feature = "record"))]
pub use std::sync::{
    Barrier, BarrierWaitResult, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard,
    RwLockWriteGuard, WaitTimeoutResult, atomic, mpsc,
};

pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};

#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(feature = "record")]
use crate::record::{
    Parent,
    event::{Loc, ObjName, Payload},
    record,
};

/// Records a `lock_acquire` or `lock_release`.
#[cfg(feature = "record")]
pub(crate) fn lock_event(acquire: bool, lock: ObjName, at: Loc) {
    record(Parent::Current, || Payload::Lock { acquire, lock, at });
}

/// Records a `message_send` or `message_receive`.
#[cfg(feature = "record")]
pub(crate) fn message_event(
    send: bool,
    channel: ObjName,
    message: u64,
    at: impl Into<Option<Loc>>,
) {
    let at = at.into();
    record(Parent::Current, || Payload::Message {
        send,
        channel,
        message,
        at,
    });
}

/// A sync object's name: given, or `kind-N` with N given on first use.
#[cfg(feature = "record")]
#[derive(Debug, Default)]
pub(crate) struct ObjLabel {
    name: Option<&'static str>,
    number: crate::record::LazyNumber,
}

#[cfg(feature = "record")]
impl ObjLabel {
    pub(crate) const fn new(name: Option<&'static str>) -> Self {
        ObjLabel {
            name,
            number: crate::record::LazyNumber::new(),
        }
    }

    pub(crate) fn get(&self, kind: &'static str) -> ObjName {
        match self.name {
            Some(n) => ObjName::Named(n.into()),
            None => ObjName::Numbered(kind, self.number.get()),
        }
    }
}

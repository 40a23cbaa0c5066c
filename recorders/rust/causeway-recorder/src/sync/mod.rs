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

/// What both ends of one recorded channel share: its number and the number
/// of the next message (a message id is unique to one send).
#[cfg(feature = "record")]
#[derive(Debug)]
pub(crate) struct ChannelMeta {
    number: u64,
    next: std::sync::atomic::AtomicU64,
}

#[cfg(feature = "record")]
impl ChannelMeta {
    pub(crate) fn new() -> Arc<ChannelMeta> {
        Arc::new(ChannelMeta {
            number: crate::record::next_object_number(),
            next: std::sync::atomic::AtomicU64::new(1),
        })
    }

    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    fn name(&self) -> ObjName {
        ObjName::Numbered("channel", self.number)
    }

    /// Records a send (before the message goes) and returns its number,
    /// which travels with the message.
    pub(crate) fn sent(&self, at: Loc) -> u64 {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        message_event(true, self.name(), id, at);
        id
    }

    /// Records the receive of a message that arrived with its number.
    pub(crate) fn received<T>(&self, (id, value): (u64, T), at: Option<Loc>) -> T {
        message_event(false, self.name(), id, at);
        value
    }
}

/// A held lock whose drop records `lock_release` before it unlocks: the
/// guard of the recording std and tokio mutexes.
#[cfg(feature = "record")]
pub struct Held<G> {
    pub(crate) inner: Option<G>,
    pub(crate) lock: ObjName,
    pub(crate) at: Loc,
}

#[cfg(feature = "record")]
impl<G> Held<G> {
    /// Records `lock_acquire` of a lock just taken.
    pub(crate) fn acquired(inner: G, lock: ObjName, at: Loc) -> Self {
        lock_event(true, lock.clone(), at);
        Held {
            inner: Some(inner),
            lock,
            at,
        }
    }
}

#[cfg(feature = "record")]
impl<G: std::ops::Deref> std::ops::Deref for Held<G> {
    type Target = G::Target;
    fn deref(&self) -> &G::Target {
        self.inner.as_ref().expect("guard is held")
    }
}

#[cfg(feature = "record")]
impl<G: std::ops::DerefMut> std::ops::DerefMut for Held<G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        self.inner.as_mut().expect("guard is held")
    }
}

#[cfg(feature = "record")]
impl<G> Drop for Held<G> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Recorded before the unlock: the next acquire comes after it.
            lock_event(false, self.lock.clone(), self.at);
            drop(inner);
        }
    }
}

#[cfg(feature = "record")]
impl<G: std::ops::Deref<Target: std::fmt::Debug>> std::fmt::Debug for Held<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(feature = "record")]
impl<G: std::ops::Deref<Target: std::fmt::Display>> std::fmt::Display for Held<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&**self, f)
    }
}

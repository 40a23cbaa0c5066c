//! `std::sync::mpsc`, recording each message: `message_send` before it is
//! sent, `message_receive` after it is received, with one `message_id` per
//! message, so a send happens before its receive.
//!
//! Each message travels with its number; the error types are std's.

use super::ChannelMeta;
use crate::record::event::Loc;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// The sending half of [`channel`].
pub struct Sender<T> {
    inner: std::sync::mpsc::Sender<(u64, T)>,
    meta: Arc<ChannelMeta>,
}

/// The sending half of [`sync_channel`].
pub struct SyncSender<T> {
    inner: std::sync::mpsc::SyncSender<(u64, T)>,
    meta: Arc<ChannelMeta>,
}

/// The receiving half.
pub struct Receiver<T> {
    inner: std::sync::mpsc::Receiver<(u64, T)>,
    meta: Arc<ChannelMeta>,
}

/// An unbounded channel (`std::sync::mpsc::channel`).
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let meta = ChannelMeta::new();
    (
        Sender {
            inner: tx,
            meta: meta.clone(),
        },
        Receiver { inner: rx, meta },
    )
}

/// A bounded channel (`std::sync::mpsc::sync_channel`).
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(bound);
    let meta = ChannelMeta::new();
    (
        SyncSender {
            inner: tx,
            meta: meta.clone(),
        },
        Receiver { inner: rx, meta },
    )
}

impl<T> Sender<T> {
    /// Sends, recording `message_send` first.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let id = self.meta.sent(Loc::caller());
        self.inner
            .send((id, value))
            .map_err(|SendError((_, v))| SendError(v))
    }
}

impl<T> SyncSender<T> {
    /// Sends, waiting for room, recording `message_send` first.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let id = self.meta.sent(Loc::caller());
        self.inner
            .send((id, value))
            .map_err(|SendError((_, v))| SendError(v))
    }

    /// Sends if there is room (a message that is not sent was still
    /// recorded as sent, and is never received).
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let id = self.meta.sent(Loc::caller());
        self.inner.try_send((id, value)).map_err(|e| match e {
            TrySendError::Full((_, v)) => TrySendError::Full(v),
            TrySendError::Disconnected((_, v)) => TrySendError::Disconnected(v),
        })
    }
}

impl<T> Receiver<T> {
    fn got(&self, message: (u64, T), at: Loc) -> T {
        self.meta.received(message, Some(at))
    }

    /// Waits for a message.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let at = Loc::caller();
        self.inner.recv().map(|m| self.got(m, at))
    }

    /// A message if one is waiting.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let at = Loc::caller();
        self.inner.try_recv().map(|m| self.got(m, at))
    }

    /// Waits for a message at most `timeout`.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let at = Loc::caller();
        self.inner.recv_timeout(timeout).map(|m| self.got(m, at))
    }

    /// The messages until every sender is gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// The messages waiting now.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

/// [`Receiver::iter`].
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

/// [`Receiver::try_iter`].
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

/// [`Receiver`]'s `into_iter`.
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            meta: self.meta.clone(),
        }
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> Self {
        SyncSender {
            inner: self.inner.clone(),
            meta: self.meta.clone(),
        }
    }
}

macro_rules! debug_as {
    ($($ty:ident),*) => {$(
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty)).field("channel", &self.meta.number()).finish_non_exhaustive()
            }
        }
    )*};
}
debug_as!(Sender, SyncSender, Receiver);

//! `tokio::sync` wrappers (feature `tokio`): [`Mutex`] records
//! `lock_acquire` when `lock().await` returns and `lock_release` when the
//! guard drops; [`mpsc`] and [`oneshot`] record a `message_send` before
//! each send and a `message_receive` after each receive.
//!
//! Without the `record` feature these are tokio's own items.

#[cfg(not(feature = "record"))]
pub use tokio::sync::{Mutex, MutexGuard, mpsc, oneshot};

#[cfg(feature = "record")]
pub use recording::{Mutex, MutexGuard, mpsc, oneshot};

#[cfg(feature = "record")]
mod recording {
    use crate::record::event::Loc;
    use crate::sync::{Held, ObjLabel};
    use std::fmt;
    use std::future::Future;

    /// `tokio::sync::Mutex`, recording its locks.
    #[derive(Default)]
    pub struct Mutex<T: ?Sized> {
        label: ObjLabel,
        inner: tokio::sync::Mutex<T>,
    }

    /// The guard of a [`Mutex`]; its drop records the release.
    pub type MutexGuard<'a, T> = Held<tokio::sync::MutexGuard<'a, T>>;

    impl<T> Mutex<T> {
        /// A new unlocked mutex, `mutex-N` in the trace.
        pub const fn const_new(value: T) -> Self {
            Mutex {
                label: ObjLabel::new(None),
                inner: tokio::sync::Mutex::const_new(value),
            }
        }

        /// A new unlocked mutex, `mutex-N` in the trace.
        pub fn new(value: T) -> Self {
            Mutex::const_new(value)
        }

        /// A new unlocked mutex with the name the trace gives it.
        pub fn named(name: &'static str, value: T) -> Self {
            Mutex {
                label: ObjLabel::new(Some(name)),
                inner: tokio::sync::Mutex::new(value),
            }
        }

        /// The value, consuming the mutex.
        pub fn into_inner(self) -> T {
            self.inner.into_inner()
        }
    }

    impl<T: ?Sized> Mutex<T> {
        /// Locks, waiting asynchronously, and records `lock_acquire`.
        #[track_caller]
        pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> {
            let at = Loc::caller();
            async move {
                let inner = self.inner.lock().await;
                Held::acquired(inner, self.label.get("mutex"), at)
            }
        }

        /// Locks if the lock is free.
        #[track_caller]
        pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, tokio::sync::TryLockError> {
            let at = Loc::caller();
            let inner = self.inner.try_lock()?;
            Ok(Held::acquired(inner, self.label.get("mutex"), at))
        }

        /// The value through `&mut` (nothing recorded).
        pub fn get_mut(&mut self) -> &mut T {
            self.inner.get_mut()
        }
    }

    impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.inner.fmt(f)
        }
    }

    /// `tokio::sync::mpsc`, recording each message.
    pub mod mpsc {
        use crate::record::event::Loc;
        use crate::sync::ChannelMeta;
        use std::future::Future;
        use std::sync::Arc;

        pub use tokio::sync::mpsc::error;

        /// The sending half of [`channel`].
        pub struct Sender<T> {
            inner: tokio::sync::mpsc::Sender<(u64, T)>,
            meta: Arc<ChannelMeta>,
        }

        /// The sending half of [`unbounded_channel`].
        pub struct UnboundedSender<T> {
            inner: tokio::sync::mpsc::UnboundedSender<(u64, T)>,
            meta: Arc<ChannelMeta>,
        }

        /// The receiving half of [`channel`].
        pub struct Receiver<T> {
            inner: tokio::sync::mpsc::Receiver<(u64, T)>,
            meta: Arc<ChannelMeta>,
        }

        /// The receiving half of [`unbounded_channel`].
        pub struct UnboundedReceiver<T> {
            inner: tokio::sync::mpsc::UnboundedReceiver<(u64, T)>,
            meta: Arc<ChannelMeta>,
        }

        /// A bounded channel.
        pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
            let (tx, rx) = tokio::sync::mpsc::channel(buffer);
            let meta = ChannelMeta::new();
            (
                Sender {
                    inner: tx,
                    meta: meta.clone(),
                },
                Receiver { inner: rx, meta },
            )
        }

        /// An unbounded channel.
        pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let meta = ChannelMeta::new();
            (
                UnboundedSender {
                    inner: tx,
                    meta: meta.clone(),
                },
                UnboundedReceiver { inner: rx, meta },
            )
        }

        impl<T> Sender<T> {
            /// Sends, waiting for room; `message_send` is recorded first.
            #[track_caller]
            pub fn send(
                &self,
                value: T,
            ) -> impl Future<Output = Result<(), error::SendError<T>>> + '_ {
                let at = Loc::caller();
                async move {
                    let id = self.meta.sent(at);
                    self.inner
                        .send((id, value))
                        .await
                        .map_err(|error::SendError((_, v))| error::SendError(v))
                }
            }
        }

        impl<T> UnboundedSender<T> {
            /// Sends; `message_send` is recorded first.
            #[track_caller]
            pub fn send(&self, value: T) -> Result<(), error::SendError<T>> {
                let id = self.meta.sent(Loc::caller());
                self.inner
                    .send((id, value))
                    .map_err(|error::SendError((_, v))| error::SendError(v))
            }
        }

        impl<T> Receiver<T> {
            /// The next message; `message_receive` is recorded after it.
            #[track_caller]
            pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
                let at = Loc::caller();
                async move {
                    let m = self.inner.recv().await?;
                    Some(self.meta.received(m, Some(at)))
                }
            }
        }

        impl<T> UnboundedReceiver<T> {
            /// The next message; `message_receive` is recorded after it.
            #[track_caller]
            pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
                let at = Loc::caller();
                async move {
                    let m = self.inner.recv().await?;
                    Some(self.meta.received(m, Some(at)))
                }
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

        impl<T> Clone for UnboundedSender<T> {
            fn clone(&self) -> Self {
                UnboundedSender {
                    inner: self.inner.clone(),
                    meta: self.meta.clone(),
                }
            }
        }
    }

    /// `tokio::sync::oneshot`, recording its message.
    pub mod oneshot {
        use crate::record::event::Loc;
        use crate::sync::ChannelMeta;
        use std::future::Future;
        use std::pin::Pin;
        use std::sync::Arc;
        use std::task::{Context, Poll};

        pub use tokio::sync::oneshot::error;

        /// The sending half.
        pub struct Sender<T> {
            inner: tokio::sync::oneshot::Sender<(u64, T)>,
            meta: Arc<ChannelMeta>,
        }

        /// The receiving half: a future of the value.
        pub struct Receiver<T> {
            inner: tokio::sync::oneshot::Receiver<(u64, T)>,
            meta: Arc<ChannelMeta>,
        }

        /// A one-message channel.
        pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let meta = ChannelMeta::new();
            (
                Sender {
                    inner: tx,
                    meta: meta.clone(),
                },
                Receiver { inner: rx, meta },
            )
        }

        impl<T> Sender<T> {
            /// Sends the value; `message_send` is recorded first.
            #[track_caller]
            pub fn send(self, value: T) -> Result<(), T> {
                let id = self.meta.sent(Loc::caller());
                self.inner.send((id, value)).map_err(|(_, v)| v)
            }
        }

        impl<T> Future for Receiver<T> {
            type Output = Result<T, error::RecvError>;

            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = &mut *self;
                match Pin::new(&mut this.inner).poll(cx) {
                    Poll::Ready(Ok(m)) => Poll::Ready(Ok(this.meta.received(m, None))),
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

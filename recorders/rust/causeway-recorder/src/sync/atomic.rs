//! `std::sync::atomic` types recording their accesses and the
//! happens-before of release and acquire orderings.
//!
//! A load is a `state_read` and a store or read-modify-write a
//! `state_write` with `atomic: true` (atomic writes never race). A store
//! with `Release` (or `AcqRel`, `SeqCst`) sends a message; a load with
//! `Acquire` (or `AcqRel`, `SeqCst`) receives the last one sent, so a
//! release store happens before the acquire loads after it. That is the
//! usual publication pattern; release sequences through relaxed
//! read-modify-writes are not followed.
//!
//! Variables are named `atomic-N` unless given a name with `named`.

use super::{ObjLabel, message_event};
use crate::record::event::{Loc, Name, ObjName, Payload};
use crate::record::{Parent, record, value};
use std::fmt;
use std::sync::atomic::AtomicU64 as StdAtomicU64;

pub use std::sync::atomic::{Ordering, compiler_fence, fence};

fn releases(o: Ordering) -> bool {
    matches!(o, Ordering::Release | Ordering::AcqRel | Ordering::SeqCst)
}

fn acquires(o: Ordering) -> bool {
    matches!(o, Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst)
}

/// What every recording atomic carries.
#[derive(Debug, Default)]
struct Track {
    label: ObjLabel,
    /// The message number of the last release store (0: none yet).
    last_release: StdAtomicU64,
    next: StdAtomicU64,
}

impl Track {
    const fn new(name: Option<&'static str>) -> Self {
        Track {
            label: ObjLabel::new(name),
            last_release: StdAtomicU64::new(0),
            next: StdAtomicU64::new(1),
        }
    }

    fn obj(&self) -> ObjName {
        self.label.get("atomic")
    }

    fn variable(&self) -> Name {
        match self.obj() {
            ObjName::Named(n) => n,
            ObjName::Numbered(kind, n) => Name::Owned(format!("{kind}-{n}").into()),
        }
    }

    fn before_write(&self, order: Ordering, at: Loc) {
        if releases(order) {
            let id = self.next.fetch_add(1, Ordering::Relaxed);
            message_event(true, self.obj(), id, at);
            self.last_release.store(id, Ordering::Release);
        }
    }

    fn after_read(&self, order: Ordering, at: Loc) {
        if acquires(order) {
            let id = self.last_release.load(Ordering::Acquire);
            if id > 0 {
                message_event(false, self.obj(), id, at);
            }
        }
    }

    fn read<V: fmt::Debug>(&self, v: &V, at: Loc) {
        record(Parent::Current, || Payload::StateRead {
            variable: self.variable(),
            value: value::debug_json(v),
            at,
        });
    }

    fn write<V: fmt::Debug>(&self, new: &V, old: Option<&V>, at: Loc) {
        record(Parent::Current, || Payload::StateWrite {
            variable: self.variable(),
            value: value::debug_json(new),
            old_value: old.map(|o| value::debug_json(o)),
            atomic: true,
            at,
        });
    }
}

macro_rules! atomic_common {
    ($name:ident, $std:ty, $prim:ty) => {
        #[doc = concat!("`std::sync::atomic::", stringify!($name), "`, recording its accesses.")]
        #[derive(Default)]
        pub struct $name {
            track: Track,
            inner: $std,
        }

        impl $name {
            /// A new atomic, `atomic-N` in the trace.
            pub const fn new(v: $prim) -> Self {
                $name {
                    track: Track::new(None),
                    inner: <$std>::new(v),
                }
            }

            /// A new atomic with the variable name the trace gives it.
            pub const fn named(name: &'static str, v: $prim) -> Self {
                $name {
                    track: Track::new(Some(name)),
                    inner: <$std>::new(v),
                }
            }

            /// The value, consuming the atomic.
            pub fn into_inner(self) -> $prim {
                self.inner.into_inner()
            }

            /// The value through `&mut` (nothing recorded).
            pub fn get_mut(&mut self) -> &mut $prim {
                self.inner.get_mut()
            }

            /// Loads, recording a `state_read`.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $prim {
                let at = Loc::caller();
                let v = self.inner.load(order);
                self.track.after_read(order, at);
                self.track.read(&v, at);
                v
            }

            /// Stores, recording a `state_write`.
            #[track_caller]
            pub fn store(&self, v: $prim, order: Ordering) {
                let at = Loc::caller();
                self.track.before_write(order, at);
                self.inner.store(v, order);
                self.track.write(&v, None, at);
            }

            /// Swaps, recording a `state_write`.
            #[track_caller]
            pub fn swap(&self, v: $prim, order: Ordering) -> $prim {
                let at = Loc::caller();
                self.track.before_write(order, at);
                let old = self.inner.swap(v, order);
                self.track.after_read(order, at);
                self.track.write(&v, Some(&old), at);
                old
            }

            /// Compare-and-exchange: a `state_write` when it succeeds, a
            /// `state_read` when it fails.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $prim,
                new: $prim,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$prim, $prim> {
                let at = Loc::caller();
                self.track.before_write(success, at);
                let r = self.inner.compare_exchange(current, new, success, failure);
                match &r {
                    Ok(old) => {
                        self.track.after_read(success, at);
                        self.track.write(&new, Some(old), at);
                    }
                    Err(seen) => {
                        self.track.after_read(failure, at);
                        self.track.read(seen, at);
                    }
                }
                r
            }

            /// [`compare_exchange`](Self::compare_exchange) (never fails spuriously here).
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $prim,
                new: $prim,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$prim, $prim> {
                self.compare_exchange(current, new, success, failure)
            }

            #[track_caller]
            fn rmw(
                &self,
                order: Ordering,
                op: impl FnOnce(&$std) -> $prim,
                apply: impl FnOnce($prim) -> $prim,
            ) -> $prim {
                let at = Loc::caller();
                self.track.before_write(order, at);
                let old = op(&self.inner);
                self.track.after_read(order, at);
                self.track.write(&apply(old), Some(&old), at);
                old
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.inner.fmt(f)
            }
        }

        impl From<$prim> for $name {
            fn from(v: $prim) -> Self {
                $name::new(v)
            }
        }
    };
}

macro_rules! atomic_int {
    ($name:ident, $std:ty, $prim:ty) => {
        atomic_common!($name, $std, $prim);

        impl $name {
            /// Adds (wrapping), recording a `state_write`.
            #[track_caller]
            pub fn fetch_add(&self, v: $prim, order: Ordering) -> $prim {
                self.rmw(order, |a| a.fetch_add(v, order), |old| old.wrapping_add(v))
            }

            /// Subtracts (wrapping), recording a `state_write`.
            #[track_caller]
            pub fn fetch_sub(&self, v: $prim, order: Ordering) -> $prim {
                self.rmw(order, |a| a.fetch_sub(v, order), |old| old.wrapping_sub(v))
            }

            /// Bitwise and, recording a `state_write`.
            #[track_caller]
            pub fn fetch_and(&self, v: $prim, order: Ordering) -> $prim {
                self.rmw(order, |a| a.fetch_and(v, order), |old| old & v)
            }

            /// Bitwise or, recording a `state_write`.
            #[track_caller]
            pub fn fetch_or(&self, v: $prim, order: Ordering) -> $prim {
                self.rmw(order, |a| a.fetch_or(v, order), |old| old | v)
            }

            /// Maximum, recording a `state_write`.
            #[track_caller]
            pub fn fetch_max(&self, v: $prim, order: Ordering) -> $prim {
                self.rmw(order, |a| a.fetch_max(v, order), |old| old.max(v))
            }

            /// Minimum, recording a `state_write`.
            #[track_caller]
            pub fn fetch_min(&self, v: $prim, order: Ordering) -> $prim {
                self.rmw(order, |a| a.fetch_min(v, order), |old| old.min(v))
            }
        }
    };
}

atomic_common!(AtomicBool, std::sync::atomic::AtomicBool, bool);
atomic_int!(AtomicUsize, std::sync::atomic::AtomicUsize, usize);
atomic_int!(AtomicIsize, std::sync::atomic::AtomicIsize, isize);
atomic_int!(AtomicU64, std::sync::atomic::AtomicU64, u64);
atomic_int!(AtomicI64, std::sync::atomic::AtomicI64, i64);
atomic_int!(AtomicU32, std::sync::atomic::AtomicU32, u32);
atomic_int!(AtomicI32, std::sync::atomic::AtomicI32, i32);

impl AtomicBool {
    /// Logical or, recording a `state_write`.
    #[track_caller]
    pub fn fetch_or(&self, v: bool, order: Ordering) -> bool {
        self.rmw(order, |a| a.fetch_or(v, order), |old| old | v)
    }

    /// Logical and, recording a `state_write`.
    #[track_caller]
    pub fn fetch_and(&self, v: bool, order: Ordering) -> bool {
        self.rmw(order, |a| a.fetch_and(v, order), |old| old & v)
    }
}

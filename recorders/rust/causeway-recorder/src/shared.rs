//! [`Shared`]: state whose accesses are recorded.

use std::fmt::{self, Debug};
use std::sync::Mutex;

#[cfg(feature = "record")]
use crate::record::{
    Parent,
    event::{Loc, Name, Payload},
    record, value,
};

/// Shared state whose reads and writes are recorded as `state_read` and
/// `state_write` events at the caller's `file:line`.
///
/// Safe Rust gives a recorder no way to see a plain memory access, and a
/// data race on plain memory does not compile; what races in a Rust program
/// is logic: a read and a write of the same value, each under its own
/// short lock (or through an atomic, a cell in a `Mutex`, a database row)
/// with nothing ordering the two. Marking such state with `Shared` tells the
/// analyzer which accesses to check, the way loom's `UnsafeCell` does.
///
/// The value sits behind an internal lock that keeps it memory-safe and is
/// **not** recorded as synchronization: two threads that `read()` and then
/// `write()` without a recorded [`Mutex`](crate::sync::Mutex) around both
/// race in the trace, as the program's logic does.
///
/// Values are written through their `Debug` text (JSON where that text is
/// JSON, else `{"$repr": ..., "$type": ...}`).
///
/// ```
/// use causeway_recorder::Shared;
/// use std::sync::Arc;
///
/// let total = Arc::new(Shared::new("cart.total", 0));
/// let seen = total.read();
/// total.write(seen + 2);
/// total.update(|t| *t += 1);
/// assert_eq!(total.read(), 3);
/// ```
///
/// Without the `record` feature it is the same type with nothing recorded.
pub struct Shared<T> {
    #[cfg(feature = "record")]
    name: SharedName,
    #[cfg(not(feature = "record"))]
    name: &'static str,
    cell: Mutex<T>,
}

#[cfg(feature = "record")]
enum SharedName {
    Static(&'static str),
    Owned(std::sync::Arc<str>),
}

impl<T> Shared<T> {
    /// State named `name` (the `variable` of its events), in a `static` or
    /// an `Arc`.
    pub const fn new(name: &'static str, value: T) -> Self {
        Shared {
            #[cfg(feature = "record")]
            name: SharedName::Static(name),
            #[cfg(not(feature = "record"))]
            name,
            cell: Mutex::new(value),
        }
    }

    /// State with a name built at run time (`format!("account[{id}]")`).
    pub fn named(name: impl Into<String>, value: T) -> Self {
        let name: String = name.into();
        Shared {
            #[cfg(feature = "record")]
            name: SharedName::Owned(name.into()),
            #[cfg(not(feature = "record"))]
            name: Box::leak(name.into_boxed_str()),
            cell: Mutex::new(value),
        }
    }

    /// The variable's name.
    pub fn name(&self) -> &str {
        #[cfg(feature = "record")]
        match &self.name {
            SharedName::Static(s) => s,
            SharedName::Owned(s) => s,
        }
        #[cfg(not(feature = "record"))]
        self.name
    }

    #[cfg(feature = "record")]
    fn variable(&self) -> Name {
        match &self.name {
            SharedName::Static(s) => Name::Static(s),
            SharedName::Owned(s) => Name::Owned(s.clone()),
        }
    }

    /// The value, consuming the state (not recorded).
    pub fn into_inner(self) -> T {
        self.cell.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.cell.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Debug> Shared<T> {
    /// Reads the value (a clone), recording a `state_read`.
    #[track_caller]
    pub fn read(&self) -> T
    where
        T: Clone,
    {
        #[cfg(feature = "record")]
        let at = Loc::caller();
        let value = self.lock().clone();
        #[cfg(feature = "record")]
        record(Parent::Current, || Payload::StateRead {
            variable: self.variable(),
            value: value::debug_json(&value),
            at,
        });
        value
    }

    /// Replaces the value, recording a `state_write` with the old value.
    #[track_caller]
    pub fn write(&self, value: T) {
        #[cfg(feature = "record")]
        let at = Loc::caller();
        let mut cell = self.lock();
        let old = std::mem::replace(&mut *cell, value);
        #[cfg(feature = "record")]
        record(Parent::Current, || Payload::StateWrite {
            variable: self.variable(),
            value: value::debug_json(&*cell),
            old_value: Some(value::debug_json(&old)),
            atomic: false,
            at,
        });
        drop(cell);
        drop(old);
    }

    /// Changes the value in place, recording one `state_write` (a
    /// read-modify-write in one step: not a race with itself, but with any
    /// concurrent access).
    #[track_caller]
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(feature = "record")]
        let at = Loc::caller();
        let mut cell = self.lock();
        #[cfg(feature = "record")]
        let old = crate::record::recording().then(|| value::debug_json(&*cell));
        let out = f(&mut cell);
        #[cfg(feature = "record")]
        record(Parent::Current, || Payload::StateWrite {
            variable: self.variable(),
            value: value::debug_json(&*cell),
            old_value: old,
            atomic: false,
            at,
        });
        out
    }
}

impl<T: Debug> Debug for Shared<T> {
    /// Shows the name and the value without recording a read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("name", &self.name())
            .field("value", &*self.lock())
            .finish()
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new("shared", T::default())
    }
}

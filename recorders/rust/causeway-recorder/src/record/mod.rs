//! The recording machinery, compiled with the `record` feature.
//!
//! - [`session`]: a recording (one trace file, one writer thread) and the
//!   guard that ends it;
//! - [`line`]: the line of execution (thread or task) an event belongs to,
//!   with its stack of open calls;
//! - [`event`]: what is sent and how it is written;
//! - [`writer`]: the background thread;
//! - [`value`]: encoding Rust values as JSON without user serde.

pub mod call;
#[cfg(feature = "endpoint")]
pub mod endpoint;
pub mod event;
pub mod line;
pub mod session;
pub mod spawn;
pub mod value;
pub mod writer;

use event::{Event, Payload};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Which event an event's `parent_id` names.
#[derive(Clone, Copy, Debug)]
pub enum Parent {
    /// The innermost open call of the line (or its spawn), if any.
    Current,
    /// This event.
    Of(u64),
}

/// Records one event on the current line, if a session is recording for
/// it; `make` runs only then. Returns the event's sequence number.
///
/// Reentrant calls (a `Debug` impl that touches recorded state while its
/// value is being encoded) are not recorded.
pub fn record(parent: Parent, make: impl FnOnce() -> Payload) -> Option<u64> {
    if !recording() {
        return None;
    }
    let payload = line::busy(make)?;
    line::with_line(|l| {
        let parent = match parent {
            Parent::Current => l.top(),
            Parent::Of(id) => Some(id),
        };
        let function = if payload.has_function() {
            None
        } else {
            l.top_function()
        };
        let thread = l.id();
        let (session, seq) = l.session_and_seq()?;
        session.send(Event {
            seq,
            parent,
            time: SystemTime::now(),
            thread,
            function,
            payload,
        });
        Some(seq)
    })?
}

/// Whether an event recorded now on this line would be written.
pub fn recording() -> bool {
    line::with_line(|l| l.session_ref().is_some()).unwrap_or(false)
}

/// Numbers for synchronization objects and channels (`mutex-3`): one
/// counter per process, so that names never collide across sessions.
pub fn next_object_number() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A number given on first use: `const` constructors cannot count.
#[derive(Debug, Default)]
pub struct LazyNumber(AtomicU64);

impl LazyNumber {
    pub const fn new() -> Self {
        LazyNumber(AtomicU64::new(0))
    }

    pub fn get(&self) -> u64 {
        let n = self.0.load(Ordering::Acquire);
        if n != 0 {
            return n;
        }
        let fresh = next_object_number();
        match self
            .0
            .compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => fresh,
            Err(won) => won,
        }
    }
}

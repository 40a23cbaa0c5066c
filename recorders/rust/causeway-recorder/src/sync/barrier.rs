//! [`Barrier`]: `std::sync::Barrier` recording a send before each wait and
//! a receive after it, with one message id per generation, so that every
//! event before a generation's waits happens before every event after them.

use super::{ObjLabel, message_event};
use crate::record::event::Loc;
use std::sync::BarrierWaitResult;
use std::sync::atomic::{AtomicU64, Ordering};

/// `std::sync::Barrier`, recording its generations.
#[derive(Debug)]
pub struct Barrier {
    label: ObjLabel,
    parties: u64,
    arrivals: AtomicU64,
    inner: std::sync::Barrier,
}

impl Barrier {
    /// A barrier for `n` threads.
    pub fn new(n: usize) -> Self {
        Barrier {
            label: ObjLabel::new(None),
            parties: (n as u64).max(1),
            arrivals: AtomicU64::new(0),
            inner: std::sync::Barrier::new(n),
        }
    }

    /// Waits for the other threads of this generation.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let at = Loc::caller();
        // Arrival k belongs to generation k / n: a thread can only arrive
        // for the next generation once this one is complete.
        let generation = self.arrivals.fetch_add(1, Ordering::AcqRel) / self.parties;
        message_event(true, self.label.get("barrier"), generation, at);
        let result = self.inner.wait();
        message_event(false, self.label.get("barrier"), generation, at);
        result
    }
}

//! Known-issue rules: patterns that are not wrong by themselves but often
//! cause slow or flaky runs. Each rule is a [`Detector`] with a stable code
//! (documented in docs/anomalies.md) and a fixture under `fixtures/rules/`
//! that it fires on, while it fires on no other fixture.

mod lock_across_io;
mod lock_contention;
mod lost_update;
mod n_plus_one;
mod retry_storm;
mod swallowed;
mod unawaited;

pub use lock_contention::{CONTENDED_WAIT_MIN_NS, CONTENTION_MIN_TOTAL_NS};
pub use n_plus_one::statement_shape;

use super::Detector;

/// The built-in rules, in report order.
pub fn detectors() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(n_plus_one::NPlusOneQuery),
        Box::new(lock_across_io::LockHeldAcrossIo),
        Box::new(lock_contention::LockContention),
        Box::new(lost_update::LostUpdate),
        Box::new(unawaited::TaskNeverAwaited),
        Box::new(retry_storm::RetryStorm),
        Box::new(swallowed::SwallowedException),
    ]
}

/// Shortens trace text for a description.
pub(crate) fn short(text: &str) -> String {
    const LIMIT: usize = 100;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= LIMIT {
        text
    } else {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}

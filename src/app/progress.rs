//! The progress bar of long reads: indicatif on standard error, shown only
//! for large inputs and only on a terminal.

use crate::ingest::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal};

/// Inputs smaller than this load too fast to need a progress bar.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// An indicatif bar on stderr for large inputs, hidden when stderr is not a
/// terminal.
pub(super) struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    pub(super) fn new() -> Self {
        let bar = ProgressBar::hidden();
        BarProgress { bar }
    }
}

impl Progress for BarProgress {
    fn start(&self, total_bytes: u64) {
        if total_bytes >= PROGRESS_MIN_BYTES && io::stderr().is_terminal() {
            self.bar.set_length(total_bytes);
            self.bar.set_style(
                ProgressStyle::with_template("reading {bar:40} {bytes}/{total_bytes} {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The workplace's shared samples (`../shared/traces` beside the crate).
/// Outside CI a checkout without them skips the tests that need them (with
/// a note); in CI (`CI=true`) their absence fails the test, so that a green
/// run always means the samples were checked.
pub(crate) fn shared_traces() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces");
    if dir.join("SOURCES.md").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "{} is missing: CI must run with the shared samples beside the checkout",
        dir.display()
    );
    eprintln!("note: {} is not there; skipped", dir.display());
    None
}

//! Fuzzes the whole in-memory ingest with content detection: whatever the
//! bytes, loading returns a recording or an error, never a panic.
#![no_main]

use causeway::ingest::{self, ImportOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ingest::load_bytes_with(vec![("fuzz".into(), data.to_vec())], &ImportOptions::default());
});

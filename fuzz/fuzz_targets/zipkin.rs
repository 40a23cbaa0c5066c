//! Fuzzes the zipkin importer: no input may panic, and whatever it imports must
//! be v1 lines the Causeway reader accepts.
#![no_main]

use causeway::ingest::import::{self, ImportOptions, InputFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ImportOptions {
        format: InputFormat::Zipkin,
        ..ImportOptions::default()
    };
    let imported = import::import(import::Foreign::Zipkin, data, "fuzz", &options);
    let (text, _) = imported.to_jsonl();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        assert!(causeway::ingest::jsonl::parse_line(line).is_ok());
    }
});

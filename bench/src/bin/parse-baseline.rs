//! `parse-baseline`: the floor `causeway analyze` is measured against. It
//! reads a JSON Lines file and parses every line with serde_json in parallel
//! (rayon), then does nothing with the result but count.
//!
//! `--mode value` (the default) builds a `serde_json::Value` per line, as a
//! tool that reads events generically would; `--mode skip` only validates
//! the JSON (`IgnoredAny`), the bare cost of looking at every byte.

use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut skip = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mode" => skip = args.next().as_deref() == Some("skip"),
            _ => path = Some(arg),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: parse-baseline [--mode value|skip] FILE.jsonl");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    });
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', &bytes) {
        lines.push(&bytes[start..end]);
        start = end + 1;
    }
    if start < bytes.len() {
        lines.push(&bytes[start..]);
    }
    let parsed: usize = lines
        .par_iter()
        .filter(|line| {
            if skip {
                serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
            } else {
                serde_json::from_slice::<serde_json::Value>(line).is_ok_and(|v| v.is_object())
            }
        })
        .count();
    println!("{parsed} of {} lines parsed", lines.len());
}

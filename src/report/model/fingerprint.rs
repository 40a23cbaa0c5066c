//! Fingerprints: a finding's identity across recordings, for baselines and
//! code scanning. Each is FNV-1a over what stays the same when a recording
//! is taken again or unrelated code moves: the code and names, files but
//! not line numbers.

use super::{Body, ErrorReport, Finding, Head, Race, split_location};
use crate::analysis::codes::Code;

/// Sets the fingerprint of every finding.
pub(super) fn fingerprint_all(findings: &mut [Finding]) {
    let mut races: Vec<(&mut Head, &Race)> = Vec::new();
    for Finding { head, body } in findings.iter_mut() {
        match body {
            Body::Race(race) => races.push((head, &**race)),
            Body::Error(error) => head.fingerprint = error_fingerprint(head.code, error),
            Body::Anomaly(anomaly) => {
                head.fingerprint = anomaly_fingerprint(head.code, anomaly);
            }
        }
    }
    fingerprint_races(&mut races);
}

/// The part of a location that survives code moving within a file: the
/// file of `file:line`, or the whole location (a function, `<unknown>`).
pub(super) fn stable_place(location: &str) -> &str {
    split_location(location).map_or(location, |(file, _)| file)
}

/// 64-bit FNV-1a, written out so that fingerprints never change with a
/// library version.
pub(super) fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Race fingerprints: FNV-1a of the code, service, variable and each side's
/// file and function, without line numbers, so moving code within a file
/// keeps them. Groups that share all of that (two line pairs in the same two
/// functions) are told apart by their order of line numbers: the first
/// keeps the plain hash, the n-th gets `:n` hashed in.
fn fingerprint_races(races: &mut [(&mut Head, &Race)]) {
    let keys: Vec<String> = races
        .iter()
        .map(|(head, race)| {
            let mut sides: Vec<String> = race
                .accesses
                .iter()
                .map(|a| {
                    format!(
                        "{}\u{1e}{}",
                        stable_place(&a.location),
                        a.function.as_deref().unwrap_or("")
                    )
                })
                .collect();
            sides.sort();
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                head.code,
                race.service.as_deref().unwrap_or(""),
                race.variable,
                sides[0],
                sides[1]
            )
        })
        .collect();
    let lines = |race: &Race| {
        let mut lines = race
            .locations
            .clone()
            .map(|l| split_location(&l).map_or(0, |(_, line)| line));
        lines.sort_unstable();
        (lines, race.locations.clone())
    };
    let mut order: Vec<usize> = (0..races.len()).collect();
    order.sort_by(|&a, &b| {
        keys[a]
            .cmp(&keys[b])
            .then_with(|| lines(races[a].1).cmp(&lines(races[b].1)))
    });
    let mut ordinal = 0;
    for (n, &i) in order.iter().enumerate() {
        ordinal = if n > 0 && keys[order[n - 1]] == keys[i] {
            ordinal + 1
        } else {
            1
        };
        let key = if ordinal == 1 {
            keys[i].clone()
        } else {
            format!("{}:{ordinal}", keys[i])
        };
        races[i].0.fingerprint = format!("{:016x}", fnv1a(&key));
    }
}

/// Error fingerprints: FNV-1a of the code, service, error type, the file (not
/// the line) and function, and the message with every word that holds a
/// digit replaced by `#` (counts, ids and timings differ between runs).
/// Errors with the same fingerprint are the same finding.
fn error_fingerprint(code: Code, error: &ErrorReport) -> String {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        code,
        error.service,
        error.error_type.as_deref().unwrap_or(""),
        stable_place(&error.location),
        error.function.as_deref().unwrap_or(""),
        normalize_message(&error.message)
    );
    format!("{:016x}", fnv1a(&key))
}

fn normalize_message(message: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Anomaly fingerprints: FNV-1a of the code, the anomaly type, the service,
/// the function and the file (not the line) of the event. Anomalies of one
/// kind in one function are one finding for a baseline.
fn anomaly_fingerprint(code: Code, anomaly: &super::Anomaly) -> String {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        code,
        anomaly.anomaly_type,
        anomaly.service,
        anomaly.function.as_deref().unwrap_or(""),
        stable_place(&anomaly.location),
    );
    format!("{:016x}", fnv1a(&key))
}

//! The finding codes: one stable kebab-case code per kind of finding, with
//! what every format says about it (a title, a description, the `help` line,
//! the default severity) and where it ranks for `--fail-on`. A test keeps the
//! codes unique and kebab-case, and every code documented.

use serde::{Deserialize, Serialize};

/// How serious a finding is (the SARIF levels). Only `error` findings can
/// make the exit code 1; `warning` and `note` are reported and never fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// The least serious kind of finding that makes the exit code 1. Kinds rank
/// recorded error < race; `never` ranks above everything.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Deserialize, Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Fail on races and on recorded errors (error events and functions
    /// that exited by raising).
    Error,
    /// Fail on races only (the default).
    Race,
    /// Never fail because of findings.
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Race => "race",
            FailOn::Never => "never",
        }
    }
}

/// What every output says about one code.
#[derive(Debug)]
pub struct CodeInfo {
    /// The stable kebab-case code, e.g. `data-race`.
    pub code: &'static str,
    /// The code in PascalCase (SARIF's `rule.name`).
    pub name: &'static str,
    /// Where the code ranks for `--fail-on`.
    pub rank: FailOn,
    pub default_level: Level,
    /// One sentence: what was found.
    pub title: &'static str,
    /// A paragraph: what the finding means and how Causeway decides it.
    pub description: &'static str,
    /// What to do next.
    pub help: &'static str,
}

pub const RACE_HELP: &str = "neither access happens before the other: protect both with the same lock, or order them with a message, a spawn or an await; if the variable is meant to be shared without a lock, make the writes atomic";
pub const ERROR_HELP: &str = "follow the chain from its root; where a racing write is named, fix that race first and record again";
pub const RACY_ERROR_HELP: &str = "this error depends on a value written by a racing write: fix the race named above, then record the run again";

/// Every code, in the order rules are listed (SARIF `rules`, docs).
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "data-race",
        name: "DataRace",
        rank: FailOn::Race,
        default_level: Level::Error,
        title: "Two threads access the same variable, at least one writes, and neither access happens before the other.",
        description: "Two accesses to the same variable from different threads, at least one a non-atomic write, with no happens-before order between them (program order, parent links, spawn/await, lock release/acquire, message send/receive; Lamport 1978, vector clocks after Fidge and Mattern 1988). Causeway reports one finding per variable and pair of code locations, with one example pair of events and the causal chain that led to each access.",
        help: RACE_HELP,
    },
    CodeInfo {
        code: "error",
        name: "RecordedError",
        rank: FailOn::Error,
        default_level: Level::Error,
        title: "The trace recorded an error event.",
        description: "An `error` event in the trace, with the chain of causes from the root (the request, the test) down to it, and any value in its causal past that was last written by a racing write.",
        help: ERROR_HELP,
    },
    CodeInfo {
        code: "exception",
        name: "RaisedException",
        rank: FailOn::Error,
        default_level: Level::Error,
        title: "A function exited by raising an exception.",
        description: "A `function_exit` that carries an exception, reported once where it was raised (a propagating exception is one failure), with its causal chain and any racing write it depended on.",
        help: ERROR_HELP,
    },
];

/// The description of a code, if it exists.
pub fn code_info(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_complete() {
        let mut seen = std::collections::HashSet::new();
        for info in CODES {
            assert!(seen.insert(info.code), "duplicate code {}", info.code);
            assert!(
                info.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
                    && !info.code.starts_with('-')
                    && !info.code.ends_with('-'),
                "{} is not kebab-case",
                info.code
            );
            assert!(info.name.chars().all(|c| c.is_ascii_alphanumeric()));
            assert!(info.name.starts_with(|c: char| c.is_ascii_uppercase()));
            assert!(!info.help.is_empty() && !info.title.is_empty());
        }
        let names: std::collections::HashSet<_> = CODES.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CODES.len(), "rule names are unique");
    }

    #[test]
    fn every_code_is_documented() {
        let docs = include_str!("../../docs/report-json.md");
        let readme = include_str!("../../README.md");
        for info in CODES {
            let row = format!("| `{}` |", info.code);
            assert!(
                docs.contains(&row),
                "{} is not in docs/report-json.md",
                info.code
            );
            assert!(
                readme.contains(&format!("`{}`", info.code)),
                "{} is not in the README",
                info.code
            );
        }
    }
}

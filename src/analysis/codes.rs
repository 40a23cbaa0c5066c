//! The finding codes: one stable kebab-case [`Code`] per kind of finding,
//! with what every format says about it ([`CodeInfo`]: a title, a
//! description, the `help` line, the default severity, the documentation
//! anchor) and where it ranks for `--fail-on`. A test keeps the codes unique
//! and kebab-case, and every code documented.
//!
//! A leaf module with no dependencies in the crate: the detectors name
//! their code here, the report layer and the renderers describe it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::{Mutex, OnceLock};

/// How serious a finding is (the SARIF levels). `error` findings can make
/// the exit code 1, `warning` findings only under `--fail-on anomaly`, and
/// `note` findings never.
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
/// anomaly < recorded error < race; `never` ranks above everything.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Deserialize, Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Fail on anything: races, recorded errors and anomalies (outliers,
    /// temporal patterns, known-issue rules), warnings included.
    Anomaly,
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
            FailOn::Anomaly => "anomaly",
            FailOn::Error => "error",
            FailOn::Race => "race",
            FailOn::Never => "never",
        }
    }
}

/// What every output says about one code.
#[derive(Debug, PartialEq, Eq)]
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
/// For an error with no racing write in its past, in a recording that has
/// shared-state accesses (so races were checked).
pub const RACE_FREE_ERROR_HELP: &str = "no racing write is in this error's causal past: follow the chain from its root to the first step that went wrong";
/// For an error in a recording without shared-state accesses, where no
/// race could have been seen.
pub const STATELESS_ERROR_HELP: &str = "follow the chain from its root to the first step that went wrong; this recording has no shared-state reads or writes, so it cannot tell whether a race was behind it";
pub const RACY_ERROR_HELP: &str = "this error depends on a value written by a racing write: fix the race named above, then record the run again";

pub static DATA_RACE: CodeInfo = CodeInfo {
    code: "data-race",
    name: "DataRace",
    rank: FailOn::Race,
    default_level: Level::Error,
    title: "Two threads access the same variable, at least one writes, and neither access happens before the other.",
    description: "Two accesses to the same variable from different threads, at least one a non-atomic write, with no happens-before order between them (program order, parent links, spawn/await, lock release/acquire, message send/receive; Lamport 1978, vector clocks after Fidge and Mattern 1988). Causeway reports one finding per variable and pair of code locations, with one example pair of events and the causal chain that led to each access.",
    help: RACE_HELP,
};

pub static RECORDED_ERROR: CodeInfo = CodeInfo {
    code: "error",
    name: "RecordedError",
    rank: FailOn::Error,
    default_level: Level::Error,
    title: "The trace recorded an error event.",
    description: "An `error` event in the trace, with the chain of causes from the root (the request, the test) down to it, and any value in its causal past that was last written by a racing write.",
    help: ERROR_HELP,
};

pub static RAISED_EXCEPTION: CodeInfo = CodeInfo {
    code: "exception",
    name: "RaisedException",
    rank: FailOn::Error,
    default_level: Level::Error,
    title: "A function exited by raising an exception.",
    description: "A `function_exit` that carries an exception, reported once where it was raised (a propagating exception is one failure), with its causal chain and any racing write it depended on.",
    help: ERROR_HELP,
};

pub static CAUGHT_EXCEPTION: CodeInfo = CodeInfo {
    code: "caught-exception",
    name: "CaughtException",
    rank: FailOn::Error,
    default_level: Level::Note,
    title: "A function raised an exception that a caller in the program's own code handled.",
    description: "A `function_exit` that carries an exception, which a caller then handled: the nearest caller whose call returned normally is in the program's own code. Exceptions are often control flow (a cache miss, the end of an iteration), so this is a note, not an error. An exception raised and handled inside third-party code (site-packages, node_modules, the standard library) is not reported at all; one that escapes to its thread's root is an `exception`.",
    help: "nothing to do if handling it there is intended; `[severity] caught-exception = \"off\"` in causeway.toml leaves these out",
};

pub static OUTLIER_CALL: CodeInfo = CodeInfo {
    code: "outlier-call",
    name: "OutlierCall",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A function call is unlike the other calls of its function.",
    description: "An extended isolation forest (Hariri et al. 2018) over per-call features (duration and self time relative to the same function's other calls, call depth, concurrency, fan-out, state accesses, lock wait, I/O and errors beneath) isolates this call much faster than the others. Fitted on the recording itself, or on passing runs with `causeway train`. The description names the feature that stands out most.",
    help: "compare this call with its siblings: the named feature is the one furthest from their median",
};

pub static OUTLIER_TRACE: CodeInfo = CodeInfo {
    code: "outlier-trace",
    name: "OutlierTrace",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A trace (request) is unlike the other traces of the recording.",
    description: "An extended isolation forest over per-trace features (duration, events, calls, fan-out, depth, threads, I/O, errors, each relative to the median trace) isolates this trace much faster than the others.",
    help: "compare this request with the usual one: the named feature is the one furthest from the median trace",
};

pub static LATENCY_DRIFT: CodeInfo = CodeInfo {
    code: "latency-drift",
    name: "LatencyDrift",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A function got steadily slower over the run.",
    description: "The durations of a function's calls rise with time (Spearman rank correlation of start time and duration at least 0.6) and the median of the last third of its calls is at least twice the first third's: a leak, a growing queue or an unindexed table.",
    help: "look for state that grows during the run (caches, lists, tables) and is scanned by this function",
};

pub static ERROR_BURST: CodeInfo = CodeInfo {
    code: "error-burst",
    name: "ErrorBurst",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "Errors came in a burst.",
    description: "At least five errors within 5% of the run, at four times or more the run's average error rate: one cause (a dependency down, a shared resource exhausted) usually behind them all.",
    help: "fix the first error of the burst; the others are likely its consequences",
};

pub static THREAD_STALL: CodeInfo = CodeInfo {
    code: "thread-stall",
    name: "ThreadStall",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A thread recorded nothing for a long time while the others went on.",
    description: "A gap between two consecutive events of one thread that is at least 50 times the recording's median gap (and at least 10 ms) while other threads recorded at least 20 events. Gaps that end in an await or a message receive, that the thread spent waiting for work it handed to other threads, that are a call with nothing recorded inside it, or that end in a contended lock acquisition (a `lock-contention`) are not reported.",
    help: "find what the thread waited for before the event named here: a lock, a blocking call, the scheduler",
};

pub static N_PLUS_ONE_QUERY: CodeInfo = CodeInfo {
    code: "n-plus-one-query",
    name: "NPlusOneQuery",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "The same query shape was issued repeatedly under one call.",
    description: "Five or more `db_query` events under one function call (or on one thread outside calls) whose statements differ only in their literal values: a loop issuing one query per item.",
    help: "fetch the rows in one query (a join or an IN list) or batch the statements",
};

pub static LOCK_HELD_ACROSS_IO: CodeInfo = CodeInfo {
    code: "lock-held-across-io",
    name: "LockHeldAcrossIo",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A lock was held across a network call or a database query.",
    description: "An `http_request` or `db_query` issued by a thread between its `lock_acquire` and `lock_release` of a lock: every other thread that needs the lock waits for the I/O.",
    help: "copy what the I/O needs while holding the lock, release it, then do the I/O",
};

pub static LOCK_CONTENTION: CodeInfo = CodeInfo {
    code: "lock-contention",
    name: "LockContention",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "Threads waited for a lock that another thread held.",
    description: "A lock whose contended acquisitions add up to at least 10 ms: each is a `lock_acquire` that follows, in lock order, another thread's `lock_release` of the same lock made after the acquiring thread's previous event, so the thread went quiet while the lock was held elsewhere; waits under 1 ms are not counted. One finding per lock, with the waiting threads, the total and the longest wait and the thread that held the lock. The waits are left out of the outlier model and the thread-stall pattern.",
    help: "hold the lock for less time (move work that needs no shared state out of the critical section), split it into finer locks, or use a structure that needs none",
};

pub static LOST_UPDATE: CodeInfo = CodeInfo {
    code: "lost-update",
    name: "LostUpdate",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A read-modify-write overwrote another thread's update of the same variable.",
    description: "A thread read a variable and later wrote it within the same function call, and another thread's write of that variable happens after the read and before the write (in happens-before: every access is ordered, by locks or messages, so this is no data race). The write is based on a value that was already stale: the other thread's update is lost. One finding per variable and the three code locations, with the read, the other write and the stale write.",
    help: "hold the lock across the whole update (the read and the write in one critical section), or write with a compare-and-set that fails when the value changed since the read",
};

pub static TASK_NEVER_AWAITED: CodeInfo = CodeInfo {
    code: "task-never-awaited",
    name: "TaskNeverAwaited",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A spawned task is never awaited.",
    description: "An `async_spawn` whose task no `async_await` in the same service waits for: its errors are lost and its work may not have finished when the caller goes on.",
    help: "await or join the task, or hand it to a supervisor that does",
};

pub static RETRY_STORM: CodeInfo = CodeInfo {
    code: "retry-storm",
    name: "RetryStorm",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "The same request was retried repeatedly right after failing.",
    description: "Three or more retries in a row of the same request (method and URL, or statement shape) on one thread, each right after the previous attempt failed (status 429 or 5xx, or an error recorded before the next attempt).",
    help: "retry with exponential backoff, jitter and a limit; stop retrying errors that will not go away",
};

pub static SWALLOWED_EXCEPTION: CodeInfo = CodeInfo {
    code: "swallowed-exception",
    name: "SwallowedException",
    rank: FailOn::Anomaly,
    default_level: Level::Warning,
    title: "A callee raised and its caller returned normally.",
    description: "A function exited by raising, and the function that called it returned without raising and without recording an error: the failure disappeared.",
    help: "handle the exception where it is caught (log it, record an error, return a failure) or let it propagate",
};

/// The code of a finding: a built-in one, or the code of a detector that a
/// library user added ([`Code::Custom`]). Written in reports as its
/// kebab-case string.
#[derive(Clone, Copy, Debug)]
pub enum Code {
    DataRace,
    RecordedError,
    RaisedException,
    CaughtException,
    OutlierCall,
    OutlierTrace,
    LatencyDrift,
    ErrorBurst,
    ThreadStall,
    NPlusOneQuery,
    LockHeldAcrossIo,
    LockContention,
    LostUpdate,
    TaskNeverAwaited,
    RetryStorm,
    SwallowedException,
    /// A code no built-in detector has: brought by an added detector, or
    /// read from a saved report written with one.
    Custom(&'static CodeInfo),
}

impl Code {
    /// Every built-in code, in the order rules are listed (SARIF `rules`,
    /// docs).
    pub const BUILTIN: [Code; 16] = [
        Code::DataRace,
        Code::RecordedError,
        Code::RaisedException,
        Code::CaughtException,
        Code::OutlierCall,
        Code::OutlierTrace,
        Code::LatencyDrift,
        Code::ErrorBurst,
        Code::ThreadStall,
        Code::NPlusOneQuery,
        Code::LockHeldAcrossIo,
        Code::LockContention,
        Code::LostUpdate,
        Code::TaskNeverAwaited,
        Code::RetryStorm,
        Code::SwallowedException,
    ];

    /// What every format says about this code.
    pub fn info(self) -> &'static CodeInfo {
        match self {
            Code::DataRace => &DATA_RACE,
            Code::RecordedError => &RECORDED_ERROR,
            Code::RaisedException => &RAISED_EXCEPTION,
            Code::CaughtException => &CAUGHT_EXCEPTION,
            Code::OutlierCall => &OUTLIER_CALL,
            Code::OutlierTrace => &OUTLIER_TRACE,
            Code::LatencyDrift => &LATENCY_DRIFT,
            Code::ErrorBurst => &ERROR_BURST,
            Code::ThreadStall => &THREAD_STALL,
            Code::NPlusOneQuery => &N_PLUS_ONE_QUERY,
            Code::LockHeldAcrossIo => &LOCK_HELD_ACROSS_IO,
            Code::LockContention => &LOCK_CONTENTION,
            Code::LostUpdate => &LOST_UPDATE,
            Code::TaskNeverAwaited => &TASK_NEVER_AWAITED,
            Code::RetryStorm => &RETRY_STORM,
            Code::SwallowedException => &SWALLOWED_EXCEPTION,
            Code::Custom(info) => info,
        }
    }

    /// The stable kebab-case code, e.g. `data-race`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// The built-in code spelled `code`, if there is one.
    pub fn builtin(code: &str) -> Option<Code> {
        Code::BUILTIN.into_iter().find(|c| c.as_str() == code)
    }

    /// The code spelled `code` in a saved report: a built-in one, or a
    /// custom code described only by its name (its detector is not here to
    /// say more). Each custom spelling is described once per process.
    pub fn read(code: &str) -> Code {
        if let Some(code) = Code::builtin(code) {
            return code;
        }
        static READ: OnceLock<Mutex<Vec<&'static CodeInfo>>> = OnceLock::new();
        let mut read = READ
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(info) = read.iter().find(|info| info.code == code) {
            return Code::Custom(info);
        }
        // Leaked on purpose: a code's description lives as long as the
        // process, as the built-in ones do, and a report names few codes.
        let info: &'static CodeInfo = Box::leak(Box::new(CodeInfo {
            code: Box::leak(code.to_string().into_boxed_str()),
            name: "CustomFinding",
            rank: FailOn::Anomaly,
            default_level: Level::Warning,
            title: "A finding of a detector added to Causeway.",
            description: "A finding of a detector that a program using Causeway as a library added; this report was read back from a file, which names the code but not its description.",
            help: "see the documentation of the detector that found it",
        }));
        read.push(info);
        Code::Custom(info)
    }

    /// Where a built-in code is documented: its section of docs/codes.md
    /// (GitHub's anchor of the heading `` `data-race` `` is `data-race`).
    pub fn doc_anchor(self) -> String {
        format!("docs/codes.md#{}", self.as_str())
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Code {}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Code::read(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_complete() {
        let mut seen = std::collections::HashSet::new();
        for info in Code::BUILTIN.map(Code::info) {
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
        let names: std::collections::HashSet<_> = Code::BUILTIN.map(|c| c.info().name).into();
        assert_eq!(names.len(), Code::BUILTIN.len(), "rule names are unique");
        for code in Code::BUILTIN {
            assert_eq!(Code::builtin(code.as_str()), Some(code));
        }
    }

    #[test]
    fn every_code_has_its_section_in_docs_codes_md() {
        let page = include_str!("../../docs/codes.md");
        for code in Code::BUILTIN {
            let info = code.info();
            let anchor = code.doc_anchor();
            let (file, fragment) = anchor.split_once('#').unwrap();
            assert_eq!((file, fragment), ("docs/codes.md", info.code));
            let heading = format!("\n## `{}`\n", info.code);
            let start = page
                .find(&heading)
                .unwrap_or_else(|| panic!("no section for {}", info.code));
            let section = &page[start + heading.len()..];
            let section = &section[..section.find("\n## ").unwrap_or(section.len())];
            assert!(section.contains(info.title), "{}: title", info.code);
            assert!(
                section.contains(info.description),
                "{}: description",
                info.code
            );
            assert!(
                section.contains(&format!("- help: {}", info.help)),
                "{}: help",
                info.code
            );
            assert!(
                section.contains(&format!(
                    "default severity: `{}`",
                    info.default_level.as_str()
                )),
                "{}: severity",
                info.code
            );
        }
    }

    #[test]
    fn a_code_reads_back_as_itself_and_an_unknown_one_as_custom() {
        for code in Code::BUILTIN {
            let text = serde_json::to_string(&code).unwrap();
            let read: Code = serde_json::from_str(&text).unwrap();
            assert!(matches!(read, c if c == code) && !matches!(read, Code::Custom(_)));
        }
        let read: Code = serde_json::from_str("\"my-detector\"").unwrap();
        assert!(matches!(read, Code::Custom(info) if info.code == "my-detector"));
        let again: Code = serde_json::from_str("\"my-detector\"").unwrap();
        let (Code::Custom(a), Code::Custom(b)) = (read, again) else {
            panic!("both are custom")
        };
        assert!(std::ptr::eq(a, b), "one description per spelling");
    }

    #[test]
    fn every_code_is_documented() {
        let docs = include_str!("../../docs/report-json.md");
        let readme = include_str!("../../README.md");
        for info in Code::BUILTIN.map(Code::info) {
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

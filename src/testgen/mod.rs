//! `causeway gen-tests`: pytest and Jest regression tests rendered from a
//! recording.
//!
//! [`cases`] turns recorded calls into replayable cases (and says why the
//! others get none); [`render`] lays the cases out in one file per trace and
//! renders them with the embedded minijinja templates of `templates/`, where
//! trace values enter the code only through the literal filters of
//! [`literal`]. Nothing here touches the file system: the caller writes the
//! returned files.

pub mod cases;
pub mod literal;
pub mod names;
mod race_dependent;
pub mod races;
pub mod render;

use crate::analysis::Analysis;
use crate::model::{Recording, Sym};
use std::collections::HashSet;

pub use cases::{Case, Skipped};

/// The test framework to write for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Framework {
    Pytest,
    Jest,
}

/// What to generate.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only this trace (any spelling of its id).
    pub trace_id: Option<String>,
    /// Every trace, not only those with an error.
    pub all_traces: bool,
    /// Only calls of functions matching this glob.
    pub function: Option<String>,
    /// Only calls that raised.
    pub only_failing: bool,
    /// Functions (globs) to replace by their recorded results.
    pub boundaries: Vec<String>,
    /// The project root (where the recorded modules are imported from) as a
    /// path relative to the output directory.
    pub root_from_out: String,
    /// Also write stress tests for the recording's race groups.
    pub race_tests: bool,
    /// Path fragments of third-party code besides the built-in ones.
    pub third_party: Vec<String>,
}

/// One generated test file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name, inside the output directory.
    pub name: String,
    pub contents: String,
}

/// Everything `gen-tests` produced.
#[derive(Debug)]
pub struct Generated {
    pub files: Vec<GeneratedFile>,
    pub tests: usize,
    /// How many of the tests are race stress tests.
    pub race_tests: usize,
    /// How many of the tests check state or I/O: a replay test whose call
    /// (or a call beneath it) read or wrote recorded state or did I/O, and
    /// every race stress test. The other `tests - state_or_io` only
    /// re-check a pure function of their arguments.
    pub state_or_io: usize,
    pub skipped: Vec<Skipped>,
    /// Why these traces were covered.
    pub coverage: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TestgenError {
    #[error("no trace `{0}` in the recording")]
    NoSuchTrace(String),
    #[error("race stress tests are generated for pytest only")]
    RacesNeedPytest,
    #[error("cannot render the {template} template: {source}")]
    Template {
        template: &'static str,
        #[source]
        source: minijinja::Error,
    },
}

/// Generates the test files for a recording.
pub fn generate(
    rec: &Recording,
    analysis: &Analysis,
    framework: Framework,
    opts: &Options,
) -> Result<Generated, TestgenError> {
    let (traces, coverage) = chosen_traces(rec, analysis, opts)?;
    let select = cases::Selection {
        function: opts.function.as_deref(),
        boundaries: &opts.boundaries,
        only_failing: opts.only_failing,
        keyword_arguments: framework == Framework::Pytest,
    };
    let (mut found, mut skipped) = cases::collect(rec, &traces, &select);
    let raced = race_dependent::race_dependent_calls(rec, &analysis.races.groups);
    found.retain(|case| match raced.get(&case.entry) {
        Some(reason) => {
            skipped.push(cases::Skipped {
                event_id: case.entry_id.clone(),
                function: case.function.clone(),
                reason: reason.clone(),
            });
            false
        }
        None => true,
    });
    let found = consistent(found, &mut skipped);
    let (counts, mut files) = render::render(&found, framework, &opts.root_from_out)?;
    let (mut tests, mut state_or_io) = (counts.tests, counts.state_or_io);
    let mut race_count = 0;
    if opts.race_tests {
        if framework != Framework::Pytest {
            return Err(TestgenError::RacesNeedPytest);
        }
        let all: HashSet<Sym> = rec.events.iter().map(|e| e.trace).collect();
        let every = cases::Selection {
            function: None,
            only_failing: false,
            ..select
        };
        let (replayable, not_replayable) = cases::collect(rec, &all, &every);
        let replayable = replayable.into_iter().map(|c| (c.entry, c)).collect();
        let race_cases = races::race_cases(
            rec,
            &analysis.races.groups,
            &replayable,
            &not_replayable,
            &opts.third_party,
        );
        race_count = race_cases.len();
        if !race_cases.is_empty() {
            tests += race_cases.len();
            // A stress test checks the shared variable.
            state_or_io += race_cases.len();
            files.push(render::render_races(&race_cases, &opts.root_from_out)?);
        }
    }
    Ok(Generated {
        tests,
        race_tests: race_count,
        state_or_io,
        files,
        skipped,
        coverage,
    })
}

/// Drops the calls that were recorded with different outcomes for the same
/// inputs (arguments, state read, boundary results): they depend on
/// something the trace did not record, and a test of either would fail.
fn consistent(found: Vec<Case>, skipped: &mut Vec<Skipped>) -> Vec<Case> {
    use std::collections::HashMap;
    let key = |c: &Case| {
        serde_json::to_string(&(
            &c.target,
            &c.args,
            &c.kwargs,
            &c.mocks,
            &c.state
                .iter()
                .map(|s| (&s.module, &s.name, &s.before))
                .collect::<Vec<_>>(),
            &c.receiver.as_ref().map(|r| &r.attributes),
        ))
        .unwrap_or_default()
    };
    let mut outcomes: HashMap<String, &cases::Outcome> = HashMap::new();
    let mut conflicting = HashSet::new();
    for case in &found {
        let k = key(case);
        match outcomes.get(&k) {
            Some(o) if **o != case.outcome => {
                conflicting.insert(k);
            }
            Some(_) => {}
            None => {
                outcomes.insert(k, &case.outcome);
            }
        }
    }
    if conflicting.is_empty() {
        return found;
    }
    let mut kept = Vec::new();
    for case in found {
        if conflicting.contains(&key(&case)) {
            skipped.push(Skipped {
                event_id: case.entry_id.clone(),
                function: case.function.clone(),
                reason: "the same inputs were recorded with different outcomes: the call depends on state the trace did not record".into(),
            });
        } else {
            kept.push(case);
        }
    }
    kept
}

fn chosen_traces(
    rec: &Recording,
    analysis: &Analysis,
    opts: &Options,
) -> Result<(HashSet<Sym>, String), TestgenError> {
    if let Some(id) = &opts.trace_id {
        let key = crate::ingest::jsonl::normalized_trace_id(id);
        let sym = rec
            .strings
            .get(&key)
            .filter(|s| rec.events.iter().any(|e| e.trace == *s))
            .ok_or_else(|| TestgenError::NoSuchTrace(crate::report::printable(id).into()))?;
        return Ok((HashSet::from([sym]), "the trace given by --trace-id".into()));
    }
    let all: HashSet<Sym> = rec.events.iter().map(|e| e.trace).collect();
    if opts.all_traces {
        return Ok((all, "every trace (--all-traces)".into()));
    }
    let failing: HashSet<Sym> = analysis
        .errors
        .iter()
        .map(|chain| rec.event(chain.error).trace)
        .collect();
    if failing.is_empty() {
        Ok((all, "every trace (none contains an error)".into()))
    } else {
        Ok((failing, "the traces that contain an error".into()))
    }
}

//! `query`, `graph`, `why` and `diff`: the commands that ask the causal
//! graph questions. Each loads its inputs as `analyze` does, resolves the
//! event ids it was given (an unknown id is an error), and hands the work
//! to the library ([`crate::analysis::query`], [`crate::graph::view`],
//! [`crate::graph::why`], [`crate::analysis::diff`]) and its renderers.

use super::pipeline::{self, Job};
use super::{AppError, exit_code, load};
use crate::cli::{DiffArgs, GraphArgs, QueryArgs, WhyArgs};
use crate::graph::TraceGraph;
use crate::graph::edges::sync_edges;
use crate::graph::why::find_event;
use crate::model::{EventIdx, EventKind, Recording};
use std::io::Write;
use std::path::Path;

fn event(rec: &Recording, files: &[impl AsRef<Path>], id: &str) -> Result<EventIdx, AppError> {
    find_event(rec, id).ok_or_else(|| AppError::UnknownEvent {
        path: files
            .iter()
            .map(|f| f.as_ref().display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        id: id.to_string(),
    })
}

fn time(flag: &str, text: Option<&String>) -> Result<Option<i64>, AppError> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .and_then(|d| d.timestamp_nanos_opt())
            .ok_or_else(|| AppError::Usage(format!("--{flag}: `{t}` is not an RFC 3339 time")))
    })
    .transpose()
}

pub(super) fn query(args: QueryArgs, stdout: &mut dyn Write) -> Result<u8, AppError> {
    let kinds = args
        .kind
        .iter()
        .map(|k| {
            EventKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == k)
                .ok_or_else(|| {
                    let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                    AppError::Usage(format!(
                        "--kind: unknown kind `{k}`; the kinds are {}",
                        known.join(", ")
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let since_ns = time("since", args.since.as_ref())?;
    let until_ns = time("until", args.until.as_ref())?;
    let rec = load(&args.files, &args.input.options())?;
    let find = |id: &Option<String>| {
        id.as_deref()
            .map(|id| event(&rec, &args.files, id))
            .transpose()
    };
    let filters = crate::analysis::query::Filters {
        kinds,
        service: args.service.clone(),
        thread: args.thread.clone(),
        trace: args.trace.clone(),
        variable: args.variable.clone(),
        function: args.function.clone(),
        file: args.file.clone(),
        since_ns,
        until_ns,
        before: find(&args.before)?,
        after: find(&args.after)?,
        concurrent_with: find(&args.concurrent_with)?,
    };
    let mut selected = crate::analysis::query::select(&rec, &filters)
        .map_err(|e| AppError::Usage(e.to_string()))?;
    if let Some(limit) = args.limit {
        selected.truncate(limit);
    }
    if args.count {
        writeln!(stdout, "{}", selected.len())?;
    } else {
        crate::report::query::render(&rec, &selected, args.format, stdout)?;
    }
    stdout.flush()?;
    Ok(exit_code::CLEAN)
}

pub(super) fn graph(args: GraphArgs, stdout: &mut dyn Write) -> Result<u8, AppError> {
    let rec = load(&args.files, &args.input.options())?;
    let around = args
        .around
        .as_deref()
        .map(|id| event(&rec, &args.files, id).map(|e| (e, args.depth)))
        .transpose()?;
    let options = crate::graph::view::Options {
        trace: args.trace.clone(),
        around,
        all_events: args.all_events,
    };
    let view = crate::graph::view::build(&rec, &options).ok_or_else(|| {
        AppError::Usage(format!(
            "no event in trace `{}`",
            args.trace.as_deref().unwrap_or_default()
        ))
    })?;
    args.format.render(&rec, &view, stdout)?;
    stdout.flush()?;
    Ok(exit_code::CLEAN)
}

pub(super) fn why(args: WhyArgs, stdout: &mut dyn Write) -> Result<u8, AppError> {
    let files = [args.file.clone()];
    let rec = load(&files, &args.input.options())?;
    let (a, b) = (event(&rec, &files, &args.a)?, event(&rec, &files, &args.b)?);
    let graph = TraceGraph::whole(&rec, &sync_edges(&rec))
        .ok_or_else(|| AppError::Usage("the recording has no event".into()))?;
    let answer = crate::graph::why::why(&rec, &graph, a, b);
    crate::report::why::render(&rec, &answer, args.format, stdout)?;
    stdout.flush()?;
    Ok(exit_code::CLEAN)
}

pub(super) fn diff(args: DiffArgs, stdout: &mut dyn Write) -> Result<u8, AppError> {
    let run =
        |path: &Path| pipeline::run(&Job::new(vec![path.to_path_buf()], args.input.options()));
    let passing = run(&args.passing)?;
    let failing = run(&args.failing)?;
    let report = crate::analysis::diff::diff(
        crate::analysis::diff::Run {
            rec: &passing.rec,
            analysis: &passing.analysis,
        },
        crate::analysis::diff::Run {
            rec: &failing.rec,
            analysis: &failing.analysis,
        },
    );
    args.format.render(&report, stdout)?;
    stdout.flush()?;
    Ok(if report.ordering_precedes_failure() {
        exit_code::FINDINGS
    } else {
        exit_code::CLEAN
    })
}

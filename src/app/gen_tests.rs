//! `causeway gen-tests`: replay tests from a recording, written into a
//! directory, with a line per call that could not be replayed.

use super::AppError;
use super::pipeline::{self, Job};
use crate::cli::GenTestsArgs;
use crate::ingest::ImportOptions;
use std::io::Write;

pub(super) fn gen_tests(args: GenTestsArgs, stdout: &mut dyn Write) -> Result<(), AppError> {
    let output_error = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| AppError::Output { path, source }
    };
    // The directory first: a path that cannot be one fails before the
    // analysis.
    std::fs::create_dir_all(&args.out).map_err(output_error(&args.out))?;
    let done = pipeline::run(&Job::new(args.files.clone(), ImportOptions::default()))?;
    let (rec, analysis) = (&done.rec, &done.analysis);
    let root_from_out = relative_path(&args.out, &args.root);
    let opts = crate::testgen::Options {
        trace_id: args.trace_id,
        all_traces: args.all_traces,
        function: args.function,
        only_failing: args.only_failing,
        boundaries: args.boundary,
        root_from_out,
        race_tests: args.race_tests,
        third_party: done.config.third_party.clone(),
    };
    let generated = crate::testgen::generate(rec, analysis, args.framework, &opts)?;
    for file in &generated.files {
        let path = args.out.join(&file.name);
        std::fs::write(&path, &file.contents).map_err(output_error(&path))?;
    }
    // One line per function and reason, in order of first appearance.
    let mut groups: Vec<(&str, &str, &str, usize)> = Vec::new();
    for s in &generated.skipped {
        match groups
            .iter_mut()
            .find(|g| g.0 == s.function && g.2 == s.reason)
        {
            Some(g) => g.3 += 1,
            None => groups.push((&s.function, &s.event_id, &s.reason, 1)),
        }
    }
    for (function, event, reason, count) in groups {
        let calls = if count == 1 {
            format!("event {}", crate::report::printable(event))
        } else {
            format!(
                "{count} calls, first event {}",
                crate::report::printable(event)
            )
        };
        writeln!(
            stdout,
            "skipped {} ({calls}): {reason}",
            crate::report::printable(function),
        )?;
    }
    let mut kinds = Vec::new();
    if generated.race_tests > 0 {
        kinds.push(format!("{} race stress", generated.race_tests));
    }
    if generated.tests > 0 {
        let pure = generated.tests - generated.state_or_io;
        kinds.push(format!(
            "{} check{} state or I/O, {pure} only re-check{} a pure function of {} arguments",
            generated.state_or_io,
            if generated.state_or_io == 1 { "s" } else { "" },
            if pure == 1 { "s" } else { "" },
            if pure == 1 { "its" } else { "their" },
        ));
    }
    writeln!(
        stdout,
        "wrote {} test{}{} in {} file{} to {} from {}; {} call{} skipped",
        generated.tests,
        if generated.tests == 1 { "" } else { "s" },
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join("; "))
        },
        generated.files.len(),
        if generated.files.len() == 1 { "" } else { "s" },
        crate::report::printable(&args.out.display().to_string()),
        generated.coverage,
        generated.skipped.len(),
        if generated.skipped.len() == 1 {
            ""
        } else {
            "s"
        },
    )?;
    Ok(())
}

/// `to` as a path relative to `from` (both taken from the current directory),
/// with `/` separators.
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> String {
    use std::path::Component;
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |p: &std::path::Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in cwd.join(p).components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(n) => parts.push(n.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (from, to) = (absolute(from), absolute(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel: Vec<String> = vec!["..".to_string(); from.len() - common];
    rel.extend(to[common..].iter().cloned());
    if rel.is_empty() {
        ".".to_string()
    } else {
        rel.join("/")
    }
}

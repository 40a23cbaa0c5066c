//! The `causeway` binary: parses the command line, runs the app, prints
//! errors and maps the outcome to the documented exit code.

use causeway::app::{self, exit_code};
use causeway::cli::Cli;
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    match app::run(cli.command, &mut stdout) {
        Ok(outcome) => {
            let mut stderr = std::io::stderr().lock();
            for message in &outcome.messages {
                let _ = writeln!(stderr, "{message}");
            }
            if let Some(timings) = outcome.timings {
                for (stage, took) in timings.0 {
                    let _ = writeln!(stderr, "{stage:>16}: {:8.1} ms", took.as_secs_f64() * 1e3);
                }
            }
            ExitCode::from(outcome.exit_code)
        }
        Err(e) if e.is_broken_pipe() => ExitCode::from(exit_code::CLEAN),
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            // Errors quote trace data (ids, kinds, paths): escaped, as
            // every other terminal output is.
            let _ = writeln!(
                stderr,
                "error: {}",
                causeway::report::printable(&e.to_string())
            );
            if let Some(hint) = e.hint() {
                let _ = writeln!(stderr, "hint: {hint}");
            }
            ExitCode::from(exit_code::FAILURE)
        }
    }
}

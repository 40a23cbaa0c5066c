//! The checker of the shared recorder conformance format, for Rust
//! programs, and what the end-to-end tests need around it: finding the
//! analyzer, recording a program, reading its report.
//!
//! A program `NAME.rs` (a binary of this crate, under `src/bin`) has a
//! sibling `NAME.expect.json`: `{"races": [{"variable": "...", "between":
//! ["markerA", "markerB"]}]}`, where a marker is a line comment ending in
//! `[markerName]`. The check records the program (cwd: its directory,
//! `CAUSEWAY_OUT` naming the trace), runs `causeway analyze --format json`
//! on the trace and asks for: exit code 1 iff races are expected (else 0),
//! `summary.bad_lines == 0`, and the set of (variable, sorted locations) of
//! the report's races equal to the expected set, each marker standing for
//! `path:line` with `path` relative to the workspace root (how cargo names
//! the source files of workspace crates, and so how the recorder writes
//! them).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (three levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// Where cargo put the binaries of the running test (`target/debug`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its path");
    // target/debug/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("a test runs from target/<profile>/deps")
        .to_owned()
}

/// The analyzer: `CAUSEWAY_BIN`, else `causeway` next to the test's
/// binaries (what `cargo test --workspace` builds). `None` when it does
/// not exist, which fails the test under CI (`CI=true`): callers skip
/// only on a developer's machine.
pub fn causeway_bin() -> Option<PathBuf> {
    let path = std::env::var_os("CAUSEWAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| bin_dir().join(format!("causeway{}", std::env::consts::EXE_SUFFIX)));
    if path.is_file() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "the analyzer {} does not exist (CI=true: a missing analyzer is a failure; build it or set CAUSEWAY_BIN)",
        path.display()
    );
    eprintln!(
        "skipping: the analyzer {} does not exist (set CAUSEWAY_BIN or build it)",
        path.display()
    );
    None
}

/// The markers of a source file: name -> `relpath:line`.
pub fn markers(source: &Path) -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let root = workspace_root();
    let canonical = source.canonicalize().expect("the source exists");
    let rel = canonical
        .strip_prefix(&root)
        .expect("the program is in the workspace")
        .to_string_lossy()
        .replace('\\', "/");
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some((_, comment)) = line.split_once("//") else {
            continue;
        };
        let comment = comment.trim_end();
        if let Some(name) = comment
            .strip_suffix(']')
            .and_then(|c| c.rsplit_once('['))
            .map(|(_, n)| n)
        {
            let previous = out.insert(name.to_owned(), format!("{rel}:{}", i + 1));
            assert!(
                previous.is_none(),
                "{}: marker [{name}] appears twice",
                source.display()
            );
        }
    }
    out
}

/// A race as the check compares them: the variable and its two sorted
/// locations.
pub type RaceKey = (String, Vec<String>);

/// The expected races of a program, with markers resolved.
pub fn expected(expect_file: &Path, markers: &BTreeMap<String, String>) -> BTreeSet<RaceKey> {
    let text = std::fs::read_to_string(expect_file)
        .unwrap_or_else(|e| panic!("{}: {e}", expect_file.display()));
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", expect_file.display()));
    let races = v["races"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: `races` must be an array", expect_file.display()));
    races
        .iter()
        .map(|r| {
            let variable = r["variable"]
                .as_str()
                .expect("`variable` is a string")
                .to_owned();
            let mut locations: Vec<String> = r["between"]
                .as_array()
                .expect("`between` is an array")
                .iter()
                .map(|m| {
                    let m = m.as_str().expect("a marker is a string");
                    markers
                        .get(m)
                        .unwrap_or_else(|| {
                            panic!("{}: no marker [{m}] in the program", expect_file.display())
                        })
                        .clone()
                })
                .collect();
            locations.sort();
            (variable, locations)
        })
        .collect()
}

/// How long a recorded program may run before the check gives up on it.
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a program to its end, or kills it after [`PROGRAM_TIMEOUT`] (a
/// deadlocked program must fail the test, not hang it).
pub fn run_with_timeout(mut command: Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let deadline = Instant::now() + PROGRAM_TIMEOUT;
    while child
        .try_wait()
        .expect("the child can be waited for")
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child
                .wait_with_output()
                .expect("the killed child is reaped");
            panic!(
                "{command:?} did not finish in {PROGRAM_TIMEOUT:?} (killed):\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child
        .wait_with_output()
        .expect("the child's output is readable")
}

/// Runs a recording program with `CAUSEWAY_OUT` set to a file in `dir`;
/// returns the trace. Panics (with its output) if the program fails or
/// does not finish in time.
pub fn record(exe: &Path, cwd: &Path, args: &[&str], dir: &Path) -> PathBuf {
    let trace = dir.join(format!(
        "{}.jsonl",
        exe.file_stem().and_then(|s| s.to_str()).unwrap_or("trace")
    ));
    let mut command = Command::new(exe);
    command
        .args(args)
        .current_dir(cwd)
        .env("CAUSEWAY_OUT", &trace);
    let out = run_with_timeout(command);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    trace
}

/// `causeway analyze --format json TRACE`: the exit code and the report.
pub fn analyze(causeway: &Path, trace: &Path) -> (i32, Value) {
    let mut command = Command::new(causeway);
    command.args(["analyze", "--format", "json"]).arg(trace);
    let out = run_with_timeout(command);
    let code = out.status.code().expect("the analyzer exited");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the analyzer's output is not JSON ({e}), exit {code}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

/// The races of a report as (variable, sorted locations).
pub fn races(report: &Value) -> BTreeSet<RaceKey> {
    report["races"]
        .as_array()
        .expect("the report has `races`")
        .iter()
        .map(|r| {
            let mut locations: Vec<String> = r["locations"]
                .as_array()
                .expect("a race has `locations`")
                .iter()
                .map(|l| l.as_str().expect("a location is a string").to_owned())
                .collect();
            locations.sort();
            (
                r["variable"]
                    .as_str()
                    .expect("a race has a `variable`")
                    .to_owned(),
                locations,
            )
        })
        .collect()
}

/// The conformance check of one program; `Err` says what differs.
pub fn check(causeway: &Path, source: &Path, exe: &Path, scratch: &Path) -> Result<(), String> {
    let markers = markers(source);
    let expect_file = source.with_extension("expect.json");
    let want = expected(&expect_file, &markers);
    let cwd = source.parent().expect("a source has a directory");
    let trace = record(exe, cwd, &[], scratch);
    let (code, report) = analyze(causeway, &trace);
    let mut problems = Vec::new();
    let want_code = if want.is_empty() { 0 } else { 1 };
    if code != want_code {
        problems.push(format!("exit code {code}, expected {want_code}"));
    }
    if report["summary"]["bad_lines"] != 0 {
        problems.push(format!(
            "summary.bad_lines is {}",
            report["summary"]["bad_lines"]
        ));
    }
    let got = races(&report);
    for missing in want.difference(&got) {
        problems.push(format!("missing race {missing:?}"));
    }
    for extra in got.difference(&want) {
        problems.push(format!("unexpected race {extra:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", source.display(), problems.join("; ")))
    }
}

/// The conformance programs: `src/bin/*.rs`, sorted.
pub fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    found.sort();
    found
}

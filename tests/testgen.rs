//! `causeway gen-tests` through the real binary: a snapshot of the pytest
//! file generated from the bundled shop example, real pytest runs against
//! the example and against mutants of it (the generated tests must pass on
//! the first and fail on each killed mutant), and injection: hostile trace
//! strings give files that parse and replay exactly, executing nothing.
//!
//! The same for Jest, from the bundled JavaScript example.
//!
//! The pytest runs need a Python with pytest: `CAUSEWAY_PYTHON` names it
//! (else `python3`). The Jest runs need Node and Jest: `CAUSEWAY_JEST` names
//! Jest's `bin/jest.js`. Without them those tests are skipped with a note,
//! unless `CAUSEWAY_REQUIRE_PYTEST=1` / `CAUSEWAY_REQUIRE_JEST=1`, which
//! `.ci/run` sets.

#![expect(
    clippy::print_stderr,
    reason = "the tests say on stderr what they skipped"
)]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SHOP_TRACE: &str = "fixtures/testgen/shop.jsonl";
const EXAMPLE: &str = "fixtures/testgen/python";
const JS_TRACE: &str = "fixtures/testgen/shop-js.jsonl";
const JS_EXAMPLE: &str = "fixtures/testgen/js";

fn causeway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn gen_tests(trace: &Path, out: &Path, root: &Path) -> Output {
    gen_tests_for("pytest", trace, out, root)
}

fn gen_tests_for(framework: &str, trace: &Path, out: &Path, root: &Path) -> Output {
    let out_run = causeway(&[
        "gen-tests",
        "--framework",
        framework,
        trace.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ]);
    assert_eq!(
        out_run.status.code(),
        Some(0),
        "gen-tests failed: {}",
        text(&out_run.stderr)
    );
    out_run
}

/// A Python that has pytest, or `None` (after saying so) when there is none
/// and none is required.
fn python() -> Option<String> {
    let python = std::env::var("CAUSEWAY_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import pytest"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var_os("CAUSEWAY_REQUIRE_PYTEST").is_some() {
        panic!("CAUSEWAY_REQUIRE_PYTEST is set but `{python}` has no pytest");
    }
    eprintln!("note: skipped, no pytest in `{python}` (set CAUSEWAY_PYTHON)");
    None
}

/// Jest's `bin/jest.js`, or `None` (after saying so) when there is none and
/// none is required.
fn jest() -> Option<PathBuf> {
    let found = std::env::var_os("CAUSEWAY_JEST")
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    if found.is_none() {
        if std::env::var_os("CAUSEWAY_REQUIRE_JEST").is_some() {
            panic!("CAUSEWAY_REQUIRE_JEST is set but CAUSEWAY_JEST names no jest.js");
        }
        eprintln!("note: skipped, no Jest (set CAUSEWAY_JEST to node_modules/jest/bin/jest.js)");
    }
    found
}

fn run_jest(jest: &Path, tests: &Path) -> Output {
    Command::new("node")
        .arg(jest)
        .args(["--ci", "--config", "{}", "--rootDir"])
        .arg(tests)
        .current_dir(tests)
        .output()
        .expect("node runs")
}

fn pytest(python: &str, tests: &Path) -> Output {
    Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"])
        .arg(tests)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("pytest runs")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_shop_trace_gives_this_pytest_file() {
    let out = PathBuf::from("target/testgen-snapshot");
    let _ = std::fs::remove_dir_all(&out);
    let run = gen_tests(Path::new(SHOP_TRACE), &out, Path::new(EXAMPLE));
    insta::assert_snapshot!("shop-stdout", text(&run.stdout));
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 1);
    insta::assert_snapshot!("shop-pytest", std::fs::read_to_string(&files[0]).unwrap());
}

#[test]
fn the_js_shop_trace_gives_this_jest_file() {
    let out = PathBuf::from("target/testgen-snapshot-jest");
    let _ = std::fs::remove_dir_all(&out);
    let run = gen_tests_for("jest", Path::new(JS_TRACE), &out, Path::new(JS_EXAMPLE));
    insta::assert_snapshot!("shop-js-stdout", text(&run.stdout));
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 1);
    insta::assert_snapshot!("shop-jest", std::fs::read_to_string(&files[0]).unwrap());
}

#[test]
fn an_unknown_trace_id_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = causeway(&[
        "gen-tests",
        SHOP_TRACE,
        "--out",
        dir.path().to_str().unwrap(),
        "--trace-id",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no trace `nope`"));
}

/// The example's files that get mutated.
const MUTATED: [&str; 3] = ["shop/pricing.py", "shop/ledger.py", "shop/cart.py"];

/// Mutants no replay can kill: the tests set the globals a call read to the
/// recorded values, so the initial value of `BALANCE` does not matter.
const EQUIVALENT: [&str; 1] = ["shop/ledger.py: 0 -> 1 at byte 97"];

/// Mutants of a Python source: each integer literal plus one, each
/// comparison flipped, each augmented `-=`/`+=`/`*=` changed, one at a time.
fn mutants(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let line_start = source[..i].rfind('\n').map_or(0, |p| p + 1);
        let line = &source[line_start..source[i..].find('\n').map_or(source.len(), |p| i + p)];
        let trimmed = line.trim_start();
        let code_line = !trimmed.starts_with('#')
            && !trimmed.starts_with("//")
            && !line.contains('"')
            && !line.contains('\'');
        let rest = &source[i..];
        let swap: Option<(&str, &str)> = [
            ("<=", "<"),
            (">=", ">"),
            ("==", "!="),
            ("-=", "+="),
            ("+=", "-="),
            ("*=", "+="),
            ("<", "<="),
            (">", ">="),
        ]
        .into_iter()
        .find(|(from, _)| rest.starts_with(from));
        let arrow = i > 0 && bytes[i - 1] == b'=' && bytes[i] == b'>';
        if code_line
            && !arrow
            && let Some((from, to)) = swap
        {
            let mutated = format!("{}{}{}", &source[..i], to, &source[i + from.len()..]);
            out.push((format!("`{from}` -> `{to}` at byte {i}"), mutated));
            i += from.len();
            continue;
        }
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if code_line && starts_number {
            let end = i + rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let n: u64 = source[i..end].parse().unwrap();
            let mutated = format!("{}{}{}", &source[..i], n + 1, &source[end..]);
            out.push((format!("{n} -> {} at byte {i}", n + 1), mutated));
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

#[test]
fn generated_tests_pass_on_the_example_and_kill_its_mutants() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    copy_dir(Path::new(EXAMPLE), &original);
    let tests = dir.path().join("tests");
    gen_tests(Path::new(SHOP_TRACE), &tests, &original);
    let green = pytest(&python, &tests);
    assert!(
        green.status.success(),
        "generated tests fail on the example:\n{}",
        text(&green.stdout)
    );

    let mut all = Vec::new();
    for file in MUTATED {
        let source = std::fs::read_to_string(original.join(file)).unwrap();
        all.extend(
            mutants(&source)
                .into_iter()
                .map(|(what, mutated)| (file, format!("{file}: {what}"), mutated)),
        );
    }
    assert!(all.len() >= 12, "{} mutants", all.len());
    let mut survivors = Vec::new();
    for (n, (file, what, mutated)) in all.iter().enumerate() {
        let copy = dir.path().join(format!("mutant-{n}"));
        copy_dir(Path::new(EXAMPLE), &copy);
        std::fs::write(copy.join(file), mutated).unwrap();
        let mutant_tests = dir.path().join(format!("mutant-{n}-tests"));
        gen_tests(Path::new(SHOP_TRACE), &mutant_tests, &copy);
        if pytest(&python, &mutant_tests).status.success() {
            survivors.push(what.clone());
        }
    }
    eprintln!(
        "mutants killed: {} of {}; survivors: {survivors:?}",
        all.len() - survivors.len(),
        all.len()
    );
    assert_eq!(survivors, EQUIVALENT, "surviving mutants");
}

/// Pieces that end or escape literals, comments, f-strings, template
/// literals and script elements, and payloads that would leave a mark if
/// they ever ran.
const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\\",
    "\\\"",
    "\n",
    "\r",
    "\u{2028}",
    "\u{2029}",
    "`",
    "${",
    "}",
    "{",
    "${globalThis.process.exit(3)}",
    "</script>",
    "<!--",
    "\0",
    "\u{1F600}",
    "\u{10FFFF}",
    "#",
    "//",
    "/*",
    "*/",
    "{{",
    "}}",
    "{%",
    "%}",
    "\\N{BULLET}",
    "\\x27",
    "\"); __import__('pathlib').Path('PWNED').touch(); (\"",
    "'); __import__('pathlib').Path('PWNED').touch(); ('",
    "\"\"\"\n__import__('pathlib').Path('PWNED').touch()\n\"\"\"",
    "\nimport pathlib; pathlib.Path('PWNED').touch()\n",
    "`); require('fs').writeFileSync('PWNED', ''); (`",
];

fn hostile_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(HOSTILE).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-z ]{0,4}",
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

/// `count` random hostile strings, the same on every run.
fn hostile_strings(count: usize) -> Vec<String> {
    let mut runner = TestRunner::deterministic();
    let strategy = hostile_string();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

fn event(id: String, trace: &str, parent: Option<&str>, kind: &str, metadata: Value) -> String {
    json!({
        "id": id, "trace_id": trace, "parent_id": parent,
        "timestamp": "2026-11-26T10:00:00.000001Z", "kind": kind, "metadata": metadata,
    })
    .to_string()
}

/// A trace of `echo` and `refuse` calls whose arguments, keyword names,
/// results, exception messages, trace id and event ids are hostile.
fn hostile_trace(strings: &[String], module: &str, function: &str, keywords: bool) -> String {
    let trace = format!("t{}", strings[0]);
    let mut lines = Vec::new();
    for (n, chunk) in strings.chunks(4).enumerate() {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| chunk[i % chunk.len()].clone());
        let entry = format!("e{n}{a}");
        let args = json!([a, {b.clone(): c}]);
        let kwargs = if keywords {
            json!({d.clone(): [a, null, true, 1.5, -3]})
        } else {
            json!({})
        };
        lines.push(event(
            entry.clone(),
            &trace,
            None,
            "function_entry",
            json!({
                "function": format!("{module}.{function}"), "module": module,
                "args": args, "kwargs": kwargs,
            }),
        ));
        lines.push(event(
            format!("x{n}{b}"),
            &trace,
            Some(&entry),
            "function_exit",
            json!({ "return_value": [args, kwargs] }),
        ));
        let refused = format!("r{n}{c}");
        lines.push(event(
            refused.clone(),
            &trace,
            None,
            "function_entry",
            json!({ "function": format!("{module}.refuse"), "module": module, "args": [d] }),
        ));
        lines.push(event(
            format!("q{n}{d}"),
            &trace,
            Some(&refused),
            "function_exit",
            json!({ "exception": {"type": "Refused", "message": d} }),
        ));
    }
    lines.join("\n") + "\n"
}

#[test]
fn hostile_trace_strings_parse_replay_exactly_and_never_run() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let strings = hostile_strings(96);
    let trace = dir.path().join("hostile.jsonl");
    std::fs::write(&trace, hostile_trace(&strings, "echo", "echo", true)).unwrap();
    let tests = dir.path().join("tests");
    let example = Path::new(EXAMPLE).canonicalize().unwrap();
    let run = gen_tests(&trace, &tests, &example);
    let written: usize = text(&run.stdout)
        .split("wrote ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("gen-tests says how many tests it wrote");
    assert!(written >= 40, "{}", text(&run.stdout));

    // Names from the trace become string literals too: the file parses
    // whatever the module and function are called.
    let names = dir.path().join("names");
    for (k, name) in strings.iter().take(12).enumerate() {
        let trace = dir.path().join(format!("names-{k}.jsonl"));
        std::fs::write(&trace, hostile_trace(&strings[k..k + 4], name, name, true)).unwrap();
        gen_tests(&trace, &names, &example);
    }
    let parse = Command::new(&python)
        .args([
            "-c",
            "import ast, pathlib, sys\n\
             for d in sys.argv[1:]:\n\
             \x20   for f in sorted(pathlib.Path(d).glob('*.py')):\n\
             \x20       ast.parse(f.read_bytes(), str(f))\n",
        ])
        .arg(&tests)
        .arg(&names)
        .output()
        .unwrap();
    assert!(parse.status.success(), "{}", text(&parse.stderr));

    // Every replay passes, so each literal evaluates to exactly the
    // recorded string; and no payload ran: no PWNED file anywhere.
    let replay = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&tests)
        .current_dir(dir.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    assert!(replay.status.success(), "{}", text(&replay.stdout));
    assert!(
        text(&replay.stdout).contains(&format!("{written} passed")),
        "{}",
        text(&replay.stdout)
    );
    assert!(!dir.path().join("PWNED").exists());
    assert!(!tests.join("PWNED").exists());
}

#[test]
fn generated_jest_tests_pass_on_the_example_and_kill_its_mutants() {
    let Some(jest) = jest() else { return };
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    copy_dir(Path::new(JS_EXAMPLE), &original);
    let tests = dir.path().join("tests");
    gen_tests_for("jest", Path::new(JS_TRACE), &tests, &original);
    for file in std::fs::read_dir(&tests).unwrap() {
        let check = Command::new("node")
            .arg("--check")
            .arg(file.unwrap().path())
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", text(&check.stderr));
    }
    let green = run_jest(&jest, &tests);
    assert!(
        green.status.success(),
        "generated tests fail on the example:\n{}",
        text(&green.stderr)
    );

    let file = "shop/pricing.js";
    let source = std::fs::read_to_string(original.join(file)).unwrap();
    let all = mutants(&source);
    assert!(all.len() >= 10, "{} mutants", all.len());
    let mut survivors = Vec::new();
    for (n, (what, mutated)) in all.iter().enumerate() {
        let copy = dir.path().join(format!("mutant-{n}"));
        copy_dir(Path::new(JS_EXAMPLE), &copy);
        std::fs::write(copy.join(file), mutated).unwrap();
        let mutant_tests = dir.path().join(format!("mutant-{n}-tests"));
        gen_tests_for("jest", Path::new(JS_TRACE), &mutant_tests, &copy);
        if run_jest(&jest, &mutant_tests).status.success() {
            survivors.push(what.clone());
        }
    }
    eprintln!(
        "jest mutants killed: {} of {}; survivors: {survivors:?}",
        all.len() - survivors.len(),
        all.len()
    );
    assert!(survivors.is_empty(), "surviving mutants: {survivors:?}");
}

#[test]
fn hostile_trace_strings_give_jest_files_that_replay_exactly_and_never_run() {
    let Some(jest) = jest() else { return };
    let dir = tempfile::tempdir().unwrap();
    let strings = hostile_strings(96);
    let trace = dir.path().join("hostile.jsonl");
    std::fs::write(
        &trace,
        hostile_trace(&strings, "echo/index.js", "echo", false),
    )
    .unwrap();
    let tests = dir.path().join("tests");
    let example = Path::new(JS_EXAMPLE).canonicalize().unwrap();
    let run = gen_tests_for("jest", &trace, &tests, &example);
    assert!(
        text(&run.stdout).contains("wrote "),
        "{}",
        text(&run.stdout)
    );

    let names = dir.path().join("names");
    for (k, name) in strings.iter().take(12).enumerate() {
        let trace = dir.path().join(format!("names-{k}.jsonl"));
        std::fs::write(&trace, hostile_trace(&strings[k..k + 4], name, name, false)).unwrap();
        gen_tests_for("jest", &trace, &names, &example);
    }
    for dir in [&tests, &names] {
        for file in std::fs::read_dir(dir).unwrap() {
            let check = Command::new("node")
                .arg("--check")
                .arg(file.unwrap().path())
                .output()
                .unwrap();
            assert!(check.status.success(), "{}", text(&check.stderr));
        }
    }

    let replay = run_jest(&jest, &tests);
    assert!(replay.status.success(), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stderr).contains(" passed, "),
        "{}",
        text(&replay.stderr)
    );
    assert!(!tests.join("PWNED").exists());
    assert!(!dir.path().join("PWNED").exists());
}

const RACE_TRACE: &str = "fixtures/testgen/ledger-race.jsonl";

/// `shop/ledger.py` with the race fixed: the read-modify-write holds a lock.
const FIXED_LEDGER: &str = "\
import threading

BALANCE = 0
FEE = 2
LOCK = threading.Lock()


def deposit(amount):
    global BALANCE
    with LOCK:
        BALANCE = BALANCE + amount - FEE
        return BALANCE


def balance():
    return BALANCE
";

/// `shop/tally.py` with the race fixed.
const FIXED_TALLY: &str = "\
import threading

LOCK = threading.Lock()


class Tally:
    def __init__(self):
        self.count = 0

    def add(self, n):
        with LOCK:
            self.count = self.count + n
            return self.count
";

#[test]
fn race_stress_tests_fail_on_the_race_and_pass_once_it_is_fixed() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let racy = dir.path().join("racy");
    copy_dir(Path::new(EXAMPLE), &racy);
    let fixed = dir.path().join("fixed");
    copy_dir(Path::new(EXAMPLE), &fixed);
    std::fs::write(fixed.join("shop/ledger.py"), FIXED_LEDGER).unwrap();
    std::fs::write(fixed.join("shop/tally.py"), FIXED_TALLY).unwrap();

    let run = |root: &Path, out: &str| {
        let tests = dir.path().join(out);
        let gen_run = causeway(&[
            "gen-tests",
            RACE_TRACE,
            "--race-tests",
            "--out",
            tests.to_str().unwrap(),
            "--root",
            root.to_str().unwrap(),
        ]);
        assert_eq!(gen_run.status.code(), Some(0), "{}", text(&gen_run.stderr));
        assert!(
            text(&gen_run.stdout).contains("(2 race stress;"),
            "{}",
            text(&gen_run.stdout)
        );
        Command::new(&python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .arg(tests.join("test_races.py"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap()
    };
    let red = run(&racy, "racy-tests");
    let red_out = text(&red.stdout);
    assert!(!red.status.success(), "{red_out}");
    assert!(red_out.contains("serial results"), "{red_out}");
    // Both races are caught: the module global and the object's attribute.
    assert!(red_out.contains("2 failed"), "{red_out}");
    let green = run(&fixed, "fixed-tests");
    assert!(green.status.success(), "{}", text(&green.stdout));
}

const LIBRARY_RACE_TRACE: &str = "fixtures/testgen/library-race.jsonl";

/// Where fixtures/testgen/library-race.jsonl's library is installed.
const FAKE_SITE_PACKAGES: &str = "fixtures/testgen/site-packages";

#[test]
fn a_race_inside_a_library_is_stressed_through_the_users_calls() {
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("tests");
    let run = causeway(&[
        "gen-tests",
        LIBRARY_RACE_TRACE,
        "--race-tests",
        "--out",
        tests.to_str().unwrap(),
        "--root",
        EXAMPLE,
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("(1 race stress;"), "{stdout}");
    let file = std::fs::read_to_string(tests.join("test_races.py")).unwrap();
    // Both accesses are in site-packages: the test runs the user's bump()
    // (the call into the library), not the library's incr().
    assert!(!file.contains("@pytest.mark.skip"), "{file}");
    assert_eq!(
        file.matches(r#""target": {"module": "shop.counter", "path": ["bump"]}"#)
            .count(),
        2,
        "{file}"
    );
    assert!(
        !file.contains(r#""target": {"module": "fakecache""#),
        "{file}"
    );
    let Some(python) = python() else { return };
    let site = std::fs::canonicalize(FAKE_SITE_PACKAGES).unwrap();
    let red = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(tests.join("test_races.py"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONPATH", &site)
        .output()
        .unwrap();
    let red_out = text(&red.stdout);
    // The library's lost update shows through the user's calls.
    assert!(red_out.contains("1 failed"), "{red_out}");
    assert!(red_out.contains("serial results"), "{red_out}");
}

#[test]
fn race_tests_are_for_pytest_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = causeway(&[
        "gen-tests",
        RACE_TRACE,
        "--race-tests",
        "--framework",
        "jest",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pytest only"));
}

#[test]
fn calls_recorded_with_different_outcomes_for_the_same_inputs_get_no_test() {
    let dir = tempfile::tempdir().unwrap();
    let call = |n: u32, result: u32| {
        [
            event(
                format!("in{n}"),
                "t",
                None,
                "function_entry",
                json!({"function": "shop.ids.next_id", "module": "shop.ids", "args": []}),
            ),
            event(
                format!("out{n}"),
                "t",
                Some(&format!("in{n}")),
                "function_exit",
                json!({"return_value": result}),
            ),
        ]
        .join("\n")
    };
    let trace = dir.path().join("ids.jsonl");
    std::fs::write(&trace, [call(1, 1), call(2, 2)].join("\n") + "\n").unwrap();
    let out = gen_tests(&trace, &dir.path().join("tests"), Path::new(EXAMPLE));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("skipped shop.ids.next_id (2 calls, first event in1): the same inputs were recorded with different outcomes"),
        "{stdout}"
    );
    assert!(stdout.contains("wrote 0 tests in 0 files"), "{stdout}");
}

fn gen_with(extra: &[&str], out: &Path) -> String {
    let mut args = vec![
        "gen-tests",
        SHOP_TRACE,
        "--root",
        EXAMPLE,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = causeway(&args);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    text(&run.stdout)
}

fn only_file(dir: &Path) -> String {
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert_eq!(files.len(), 1);
    std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap()
}

#[test]
fn the_summary_counts_tests_that_check_state_or_io() {
    let dir = tempfile::tempdir().unwrap();
    // line_total computes from its arguments alone; Cart.add reads and
    // writes its cart.
    let out = gen_with(&["--function", "*.line_total"], &dir.path().join("a"));
    assert!(
        out.contains("wrote 5 tests (0 check state or I/O, 5 only re-check a pure function of their arguments)"),
        "{out}"
    );
    let out = gen_with(&["--function", "*Cart.add"], &dir.path().join("b"));
    assert!(
        out.contains("wrote 3 tests (3 check state or I/O, 0 only re-check a pure function of their arguments)"),
        "{out}"
    );
}

#[test]
fn function_and_only_failing_select_calls() {
    let dir = tempfile::tempdir().unwrap();
    let out = gen_with(&["--function", "*.line_total"], &dir.path().join("a"));
    assert!(out.contains("wrote 5 tests"), "{out}");
    let out = gen_with(&["--only-failing"], &dir.path().join("b"));
    assert!(out.contains("wrote 2 tests"), "{out}");
    let file = only_file(&dir.path().join("b"));
    assert!(file.contains("def test_line_total_100_0_raises_pricingerror():"));
    assert!(file.contains("def test_cart_add_50_1_raises_cartfull():"));
}

#[test]
fn a_boundary_given_by_glob_is_replaced_and_checked() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("tests");
    let out = gen_with(
        &[
            "--function",
            "*.cart_total",
            "--boundary",
            "shop.pricing.line_total",
        ],
        &tests,
    );
    assert!(out.contains("wrote 1 test "), "{out}");
    let file = only_file(&tests);
    assert!(
        file.contains(r#""target": {"module": "shop.pricing", "path": ["line_total"]}"#),
        "{file}"
    );
    assert!(pytest(&python, &tests).status.success());

    // The boundary is replaced: breaking it does not fail the test; calling
    // it differently does.
    let copy = dir.path().join("copy");
    copy_dir(Path::new(EXAMPLE), &copy);
    let pricing = copy.join("shop/pricing.py");
    let source = std::fs::read_to_string(&pricing).unwrap();
    let broken = source.replace("    total = unit_cents * quantity\n", "    total = 0\n");
    std::fs::write(&pricing, &broken).unwrap();
    let tests2 = dir.path().join("tests2");
    let run = causeway(&[
        "gen-tests",
        SHOP_TRACE,
        "--root",
        copy.to_str().unwrap(),
        "--out",
        tests2.to_str().unwrap(),
        "--function",
        "*.cart_total",
        "--boundary",
        "shop.pricing.line_total",
    ]);
    assert_eq!(run.status.code(), Some(0));
    assert!(pytest(&python, &tests2).status.success());
    let swapped = source.replace(
        r#"line_total(item["unit_cents"], item["quantity"])"#,
        r#"line_total(item["quantity"], item["unit_cents"])"#,
    );
    assert_ne!(swapped, source);
    std::fs::write(&pricing, swapped).unwrap();
    assert!(!pytest(&python, &tests2).status.success());
}

/// A call that read a racing variable is not asserted as if its outcome
/// were deterministic: it is skipped with the race named.
#[test]
fn outcomes_a_race_made_are_not_asserted() {
    let out = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["gen-tests", "fixtures/demo-bank.jsonl", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains("bank.api.handle_transfer")
            && said.contains(
                "its outcome depends on a race: it read `Account#1.balance` at bank/accounts.py:39"
            ),
        "{said}"
    );
}

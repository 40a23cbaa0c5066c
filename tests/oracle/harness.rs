//! Running the real `causeway` binary and comparing its JSON report with the
//! oracle's.

use crate::generator::{self, Clocks, Family, Scenario};
use crate::spec_oracle::{self, Report, clock_before, clocks_decide};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub(crate) struct BinOut {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub paths: Vec<PathBuf>,
}

const BINARY_TIMEOUT: Duration = Duration::from_secs(30);

/// Writes the files to a fresh temporary directory and runs
/// `causeway analyze FILE... --format json` there.
pub(crate) fn run_binary(files: &[String]) -> BinOut {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let p = dir.path().join(format!("rec-{i}.jsonl"));
            std::fs::write(&p, text).expect("write trace");
            p
        })
        .collect();
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .arg("analyze")
        .args(&paths)
        .args(["--format", "json"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("spawn causeway");
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > BINARY_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let stderr = if code.is_none() {
        format!("{stderr}\n[killed after {BINARY_TIMEOUT:?} or by a signal]")
    } else {
        stderr
    };
    BinOut {
        code,
        stdout,
        stderr,
        paths,
    }
}

/// A group as both sides state it: (service or null, variable, sorted
/// locations, racy_events).
/// A race group as (service, variable, location, location, racy events).
pub(crate) type Row = (Option<String>, String, String, String, u64);

/// The oracle's groups as rows.
pub(crate) fn oracle_rows(r: &Report) -> Vec<Row> {
    r.groups
        .iter()
        .map(|(k, g)| {
            (
                k.0.clone(),
                k.1.clone(),
                k.2.clone(),
                k.3.clone(),
                g.racy.len() as u64,
            )
        })
        .collect()
}

pub(crate) fn render_files(files: &[String]) -> String {
    let mut s = String::new();
    for (i, f) in files.iter().enumerate() {
        s.push_str(&format!("--- file {i} (argument {}) ---\n{f}", i + 1));
        if !f.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

fn render_failure(problems: &[String], files: &[String], r: &Report, out: &BinOut) -> String {
    let stdout = serde_json::from_str::<Value>(&out.stdout)
        .map(|v| serde_json::to_string_pretty(&v).unwrap())
        .unwrap_or_else(|_| out.stdout.clone());
    format!(
        "causeway disagrees with the oracle:\n  - {}\n=== recording ===\n{}=== oracle ===\n{}=== causeway analyze {} --format json: exit {:?} ===\n--- stderr ---\n{}\n--- stdout ---\n{}\n",
        problems.join("\n  - "),
        render_files(files),
        r.describe(),
        out.paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        out.code,
        out.stderr.trim_end(),
        stdout
    )
}

/// Requires the binary's report to equal the oracle's: the set of groups with
/// their racy-event counts, `summary.races`, `summary.racy_events`, the exit
/// code, each group's example pair; and, as sanity, `summary.events`,
/// `summary.traces` and `summary.bad_lines == 0` on these valid recordings.
pub(crate) fn compare(files: &[String], r: &Report, out: &BinOut) -> Result<(), String> {
    let mut problems = Vec::new();
    let expected_code = if r.groups.is_empty() { 0 } else { 1 };
    if out.code != Some(expected_code) {
        problems.push(format!(
            "exit code {:?}, expected {expected_code}",
            out.code
        ));
    }
    let json: Value = match serde_json::from_str(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("stdout is not one JSON document: {e}"));
            return Err(render_failure(&problems, files, r, out));
        }
    };
    let summary = &json["summary"];
    let mut check_num = |key: &str, want: usize| {
        let got = summary.get(key).and_then(Value::as_u64);
        if got != Some(want as u64) {
            problems.push(format!("summary.{key} = {got:?}, expected {want}"));
        }
    };
    check_num("races", r.groups.len());
    check_num("racy_events", r.racy.len());
    check_num("events", r.evs.len());
    check_num("traces", r.distinct_traces());
    check_num("bad_lines", 0);

    let mut got: Vec<Row> = Vec::new();
    match json.get("races").and_then(Value::as_array) {
        None => problems.push("`races` is missing or not an array".into()),
        Some(items) => {
            for (n, item) in items.iter().enumerate() {
                let service = match item.get("service") {
                    Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    other => {
                        problems.push(format!("races[{n}].service is {other:?}"));
                        continue;
                    }
                };
                let variable = item.get("variable").and_then(Value::as_str);
                let locs: Option<Vec<&str>> = item
                    .get("locations")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().map(Value::as_str).collect());
                let racy = item.get("racy_events").and_then(Value::as_u64);
                let (Some(variable), Some(locs), Some(racy)) = (variable, locs, racy) else {
                    problems.push(format!(
                        "races[{n}] lacks variable, locations or racy_events: {item}"
                    ));
                    continue;
                };
                if locs.len() != 2 {
                    problems.push(format!("races[{n}].locations has {} entries", locs.len()));
                    continue;
                }
                if locs[0] > locs[1] {
                    problems.push(format!("races[{n}].locations not sorted: {locs:?}"));
                }
                let (lo, hi) = if locs[0] <= locs[1] {
                    (locs[0], locs[1])
                } else {
                    (locs[1], locs[0])
                };
                let key = (
                    service.clone(),
                    variable.to_string(),
                    lo.to_string(),
                    hi.to_string(),
                );
                // The example must be a real racing pair of this group, in
                // file order.
                let first = item.pointer("/example/first").and_then(Value::as_str);
                let second = item.pointer("/example/second").and_then(Value::as_str);
                match (first, second) {
                    (Some(f), Some(s)) => {
                        match (r.index_of(f), r.index_of(s), r.groups.get(&key)) {
                            (Some(i), Some(j), Some(g)) => {
                                if i >= j {
                                    problems.push(format!(
                                        "races[{n}].example: first {f} is not earlier in file order than second {s}"
                                    ));
                                } else if !g.pairs.contains(&(i, j)) {
                                    problems.push(format!(
                                        "races[{n}].example ({f}, {s}) is not a racing pair of group {key:?}"
                                    ));
                                }
                            }
                            (None, _, _) | (_, None, _) => problems.push(format!(
                                "races[{n}].example names an unknown event: ({f}, {s})"
                            )),
                            (_, _, None) => {} // the group itself is reported as extra below
                        }
                    }
                    _ => problems.push(format!("races[{n}].example lacks first/second: {item}")),
                }
                got.push((
                    service,
                    variable.to_string(),
                    lo.to_string(),
                    hi.to_string(),
                    racy,
                ));
            }
        }
    }
    got.sort();
    let want = oracle_rows(r);
    if got != want {
        for w in &want {
            if !got.contains(w) {
                problems.push(format!("missing or different group (oracle): {w:?}"));
            }
        }
        for g in &got {
            if !want.contains(g) {
                problems.push(format!("extra or different group (causeway): {g:?}"));
            }
        }
        if problems.is_empty() {
            problems.push(format!("groups differ in multiplicity: got {got:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(render_failure(&problems, files, r, out))
    }
}

/// Checks the oracle against the simulator: without given clocks, the
/// transitive closure of the six rules must order exactly the pairs that the
/// simulator's own vector clocks (over the edges it created) order. With
/// given clocks that leave no visible edge out, the clocks must order at
/// least those pairs.
pub(crate) fn self_consistency(
    sc: &Scenario,
    g: &generator::Generated,
    r: &Report,
) -> Result<(), String> {
    let n = r.evs.len();
    if n != g.events {
        return Err(format!(
            "oracle read {n} events, generator wrote {}",
            g.events
        ));
    }
    let closure = if clocks_decide(&r.evs) {
        spec_oracle::closure(n, &spec_oracle::rule_edges(&r.evs))
    } else {
        r.hb.clone()
    };
    for a in 0..n {
        for b in 0..n {
            let ca = &g.rules_clock[&r.evs[a].id];
            let cb = &g.rules_clock[&r.evs[b].id];
            let sim = clock_before(ca, cb);
            if closure[a][b] != sim {
                return Err(format!(
                    "ORACLE SELF-CHECK FAILED: closure says {} -> {} is {}, simulator clocks say {}\n{}",
                    r.evs[a].id,
                    r.evs[b].id,
                    closure[a][b],
                    sim,
                    render_files(&generator::generate(sc).files)
                ));
            }
            if sc.clocks == Clocks::Given && sc.drop_mask == 0 && closure[a][b] && !r.hb[a][b] {
                return Err(format!(
                    "GENERATOR SELF-CHECK FAILED: given clocks miss rule edge {} -> {}",
                    r.evs[a].id, r.evs[b].id
                ));
            }
        }
    }
    if (sc.clocks == Clocks::Given) != clocks_decide(&r.evs) && n > 0 {
        return Err("GENERATOR SELF-CHECK FAILED: clock mode not as intended".into());
    }
    Ok(())
}

pub(crate) fn check_scenario(sc: &Scenario, stats: &Stats) -> Result<(), String> {
    let g = generator::generate(sc);
    let r = spec_oracle::analyze(&g.files);
    self_consistency(sc, &g, &r)?;
    let out = run_binary(&g.files);
    stats.record(&r, g.hidden_edges);
    compare(&g.files, &r, &out)
}

#[derive(Default)]
pub(crate) struct Stats {
    pub cases: AtomicUsize,
    pub with_races: AtomicUsize,
    pub events: AtomicUsize,
    pub groups: AtomicUsize,
    pub hidden: AtomicUsize,
}

impl Stats {
    fn record(&self, r: &Report, hidden: usize) {
        self.cases.fetch_add(1, Ordering::Relaxed);
        if !r.groups.is_empty() {
            self.with_races.fetch_add(1, Ordering::Relaxed);
        }
        self.events.fetch_add(r.evs.len(), Ordering::Relaxed);
        self.groups.fetch_add(r.groups.len(), Ordering::Relaxed);
        self.hidden.fetch_add(hidden, Ordering::Relaxed);
    }
}

/// The proptest configuration: 256 cases unless PROPTEST_CASES says
/// otherwise; a fixed seed per family unless PROPTEST_RNG_SEED says
/// otherwise, so CI sees the same cases every run; no regression files.
pub(crate) fn config(default_seed: u64) -> Config {
    let defaults = Config::default(); // reads the PROPTEST_* variables
    let unset = |var: &str| std::env::var_os(var).is_none();
    Config {
        failure_persistence: None,
        rng_seed: if unset("PROPTEST_RNG_SEED") {
            RngSeed::Fixed(default_seed)
        } else {
            defaults.rng_seed
        },
        max_shrink_iters: if unset("PROPTEST_MAX_SHRINK_ITERS") {
            1024
        } else {
            defaults.max_shrink_iters
        },
        max_shrink_time: if unset("PROPTEST_MAX_SHRINK_TIME") {
            120_000
        } else {
            defaults.max_shrink_time
        },
        ..defaults
    }
}

/// Runs one family of random executions through oracle and binary.
pub(crate) fn run_family(family: Family, default_seed: u64) {
    let budget = budget("PROPTEST_CASES", 20);
    run_strategy(
        family,
        generator::scenario(family),
        config(default_seed),
        budget,
    );
}

/// The wall-clock budget of one mode: `ORACLE_BUDGET_SECS` if set; none when
/// the number of cases was set explicitly (`cases_var`); else the default,
/// which keeps the whole test under a minute in a debug build on two cores.
fn budget(cases_var: &str, default_secs: u64) -> Option<Duration> {
    match std::env::var("ORACLE_BUDGET_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(0) => None,
        Some(secs) => Some(Duration::from_secs(secs)),
        None if std::env::var_os(cases_var).is_some() => None,
        None => Some(Duration::from_secs(default_secs)),
    }
}

/// A few long executions (hundreds of events, many accesses per thread and
/// location); `ORACLE_LONG_CASES` cases (default 12) per family.
pub(crate) fn run_long(family: Family, default_seed: u64) {
    let mut config = config(default_seed);
    config.cases = std::env::var("ORACLE_LONG_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    config.max_shrink_iters = config.max_shrink_iters.min(200);
    let budget = budget("ORACLE_LONG_CASES", 6);
    run_strategy(
        family,
        generator::scenario_sized(family, 200..400),
        config,
        budget,
    );
}

fn run_strategy(
    family: Family,
    strategy: impl proptest::strategy::Strategy<Value = Scenario>,
    config: Config,
    budget: Option<Duration>,
) {
    let cases = config.cases;
    let seed = config.rng_seed;
    let mut runner = TestRunner::new(config);
    let stats = Stats::default();
    let start = Instant::now();
    let failed = std::sync::atomic::AtomicBool::new(false);
    let skipped = AtomicUsize::new(0);
    let result = runner.run(&strategy, |sc| {
        // Past the budget, the remaining cases are skipped (and counted),
        // except once a case has failed: shrinking must see every case.
        if budget.is_some_and(|b| start.elapsed() > b) && !failed.load(Ordering::Relaxed) {
            skipped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        check_scenario(&sc, &stats).map_err(|e| {
            failed.store(true, Ordering::Relaxed);
            TestCaseError::fail(e)
        })
    });
    let skipped = skipped.load(Ordering::Relaxed);
    if skipped > 0 {
        eprintln!(
            "{family:?}: time budget of {budget:?} used up: {skipped} of {cases} cases skipped (ORACLE_BUDGET_SECS=0 lifts the budget)"
        );
    }
    let n = stats.cases.load(Ordering::Relaxed).max(1);
    eprintln!(
        "{family:?}: {} case runs (config {cases}, seed {seed}) in {:.1?}; {} with races; mean {:.1} events, {:.2} groups, {:.2} hidden edges per case",
        stats.cases.load(Ordering::Relaxed),
        start.elapsed(),
        stats.with_races.load(Ordering::Relaxed),
        stats.events.load(Ordering::Relaxed) as f64 / n as f64,
        stats.groups.load(Ordering::Relaxed) as f64 / n as f64,
        stats.hidden.load(Ordering::Relaxed) as f64 / n as f64,
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, sc)) => {
            if let Some(dir) = std::env::var_os("ORACLE_REPRO_DIR") {
                let dir = PathBuf::from(dir).join(format!("{family:?}"));
                std::fs::create_dir_all(&dir).unwrap();
                for (i, f) in generator::generate(&sc).files.iter().enumerate() {
                    std::fs::write(dir.join(format!("rec-{i}.jsonl")), f).unwrap();
                }
                eprintln!("minimal failing recording written to {}", dir.display());
            }
            panic!(
                "{reason}\nminimal scenario: {sc:#?}\n(rerun with PROPTEST_RNG_SEED={seed} to reproduce)"
            );
        }
        Err(e) => panic!("{e}"),
    }
}

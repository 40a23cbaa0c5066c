//! The GitHub Action: `action.yml` passes every input through an environment
//! variable and never splices one into a script, every input and output is
//! documented, and `scripts/action.sh` (the analyze step) is run here as
//! GitHub would run it, with fake `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`
//! files, on a clean and on a racy trace, with inputs full of quotes,
//! `$(...)`, backticks and spaces: right exit code, outputs and summary, and
//! nothing from an input ever runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .remove(0)
}

fn key<'a>(map: &'a Yaml, name: &str) -> &'a Yaml {
    &map[name]
}

/// Every `run:` of a list of steps.
fn runs(steps: &Yaml) -> Vec<String> {
    steps
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|step| key(step, "run").as_str().map(str::to_string))
        .collect()
}

#[test]
fn action_inputs_reach_scripts_only_through_the_environment() {
    let action = yaml(&root().join("action.yml"));
    assert_eq!(key(&action["runs"], "using").as_str(), Some("composite"));
    let steps = &action["runs"]["steps"];
    let scripts = runs(steps);
    assert!(scripts.len() >= 3);
    for run in &scripts {
        assert!(
            !run.contains("${{"),
            "an expression spliced into a script: {run}"
        );
    }

    let inputs: BTreeSet<String> = action["inputs"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        inputs,
        [
            "args",
            "fail-on",
            "html",
            "job-summary",
            "junit",
            "replay-tests",
            "sarif",
            "traces",
            "version"
        ]
        .map(String::from)
        .into(),
    );
    // Each input is used in an `env:` value, and only there, as exactly
    // `${{ inputs.NAME }}`.
    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for step in steps.as_vec().unwrap() {
        if let Some(env) = step["env"].as_hash() {
            for (name, value) in env {
                let value = value.as_str().unwrap();
                if let Some(input) = value
                    .strip_prefix("${{ inputs.")
                    .and_then(|v| v.strip_suffix(" }}"))
                {
                    used.entry(input.to_string())
                        .or_default()
                        .push(name.as_str().unwrap().to_string());
                }
            }
        }
    }
    assert_eq!(used.keys().cloned().collect::<BTreeSet<_>>(), inputs);
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert_eq!(
        text.matches("${{ inputs.").count(),
        used.values().map(Vec::len).sum::<usize>(),
        "inputs are used in env values only"
    );
    // The scripts read the variables the action sets.
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap()
        + &std::fs::read_to_string(root().join("scripts/action-install.sh")).unwrap();
    for names in used.values() {
        for name in names {
            assert!(
                script.contains(&format!("${{{name}")),
                "{name} is never read"
            );
        }
    }
    for (name, input) in action["inputs"].as_hash().unwrap() {
        let description = input["description"].as_str().unwrap_or("");
        assert!(description.len() > 20, "{:?} is not described", name);
    }
}

#[test]
fn action_outputs_are_declared_written_and_documented() {
    let action = yaml(&root().join("action.yml"));
    let outputs: Vec<&str> = action["outputs"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(outputs, ["exit-code", "races", "anomalies", "sarif-file"]);
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for output in &outputs {
        assert!(
            script.contains(&format!("'{output}=")),
            "{output} never written"
        );
        assert!(
            readme.contains(&format!("`{output}`")),
            "{output} not in the README"
        );
    }
    for input in action["inputs"].as_hash().unwrap().keys() {
        let input = input.as_str().unwrap();
        assert!(
            readme.contains(&format!("`{input}`")),
            "{input} not in the README"
        );
    }
}

#[test]
fn workflows_splice_no_expression_into_scripts() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        let workflow = yaml(&path);
        for (_, job) in workflow["jobs"].as_hash().unwrap() {
            for run in runs(&job["steps"]) {
                assert!(!run.contains("${{"), "{}: {run}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 1, "no script checked");
}

/// A workspace for the action: traces under a directory whose name is
/// hostile, and files whose creation would prove an injection.
struct Workspace {
    dir: tempfile::TempDir,
}

const HOSTILE_DIR: &str = "it's \"$(touch pwned-dir)\" `touch pwned-tick` dir";

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let traces = dir.path().join(HOSTILE_DIR);
        std::fs::create_dir_all(&traces).unwrap();
        for (from, to) in [
            ("clean-lock-protected.jsonl", "clean trace.jsonl"),
            ("demo-bank.jsonl", "racy trace.jsonl"),
            ("testgen/shop.jsonl", "shop trace.jsonl"),
        ] {
            std::fs::copy(root().join("fixtures").join(from), traces.join(to)).unwrap();
        }
        Workspace { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the analyze step with these inputs (INPUT_*), from the
    /// workspace, as GitHub would.
    fn run(&self, inputs: &[(&str, &str)]) -> Step {
        let output_file = self.path().join("github-output");
        let summary_file = self.path().join("step-summary.md");
        let _ = std::fs::remove_file(&output_file);
        let _ = std::fs::remove_file(&summary_file);
        let mut command = Command::new("bash");
        command
            .arg(root().join("scripts/action.sh"))
            .current_dir(self.path())
            .env("CAUSEWAY_BIN", env!("CARGO_BIN_EXE_causeway"))
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("INPUT_JOB_SUMMARY", "true");
        for (name, value) in inputs {
            command.env(
                format!("INPUT_{}", name.to_uppercase().replace('-', "_")),
                value,
            );
        }
        let output = command.output().expect("bash runs");
        let outputs = std::fs::read_to_string(&output_file).unwrap_or_default();
        Step {
            output,
            outputs: outputs
                .lines()
                .map(|l| {
                    let (k, v) = l.split_once('=').expect("key=value");
                    (k.to_string(), v.to_string())
                })
                .collect(),
            output_lines: outputs.lines().count(),
            summary: std::fs::read_to_string(&summary_file).unwrap_or_default(),
        }
    }

    /// Files an injected command would have created, anywhere under the
    /// workspace.
    fn injected(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path.clone());
                }
                if path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("pwned")
                {
                    found.push(path);
                }
            }
        }
        found
    }
}

struct Step {
    output: Output,
    outputs: BTreeMap<String, String>,
    output_lines: usize,
    summary: String,
}

impl Step {
    fn code(&self) -> i32 {
        self.output.status.code().unwrap()
    }

    fn log(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn out(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output {name}: {:?}\n{}", self.outputs, self.log()))
    }
}

const SARIF_PATH: &str = "reports/it's \"q\" $(touch pwned-sarif) `x`.sarif";

#[cfg(unix)]
#[test]
fn the_action_passes_a_clean_trace() {
    let ws = Workspace::new();
    let step = ws.run(&[
        ("traces", &format!("  {HOSTILE_DIR}/clean*.jsonl  \n\n")),
        ("args", "--color never"),
        ("sarif", SARIF_PATH),
        ("junit", "reports/junit $(touch pwned-junit).xml"),
        ("html", "reports/html $(touch pwned-html).html"),
    ]);
    assert_eq!(step.code(), 0, "{}", step.log());
    assert_eq!(step.out("exit-code"), "0");
    assert_eq!(step.out("races"), "0");
    assert_eq!(step.out("anomalies"), "0");
    assert_eq!(step.out("sarif-file"), SARIF_PATH);
    assert_eq!(step.output_lines, 4, "{:?}", step.outputs);
    assert!(ws.path().join(SARIF_PATH).is_file());
    assert!(
        ws.path()
            .join("reports/junit $(touch pwned-junit).xml")
            .is_file()
    );
    let html =
        std::fs::read_to_string(ws.path().join("reports/html $(touch pwned-html).html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        step.summary.starts_with("## Causeway: ✅"),
        "{}",
        step.summary
    );
    assert!(
        step.log().contains("causeway: 0 race groups"),
        "{}",
        step.log()
    );
    assert_eq!(ws.injected(), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn the_action_fails_a_racy_trace() {
    let ws = Workspace::new();
    let step = ws.run(&[
        ("traces", &format!("{HOSTILE_DIR}/racy trace.jsonl")),
        ("sarif", SARIF_PATH),
        ("fail-on", "race"),
    ]);
    assert_eq!(step.code(), 1, "{}", step.log());
    assert_eq!(step.out("exit-code"), "1");
    assert_eq!(step.out("races"), "2");
    assert_eq!(step.out("sarif-file"), SARIF_PATH);
    assert!(
        step.summary
            .starts_with("## Causeway: ❌ 2 findings fail the build")
    );
    assert!(step.summary.contains("<details>"));
    let log = step.log();
    assert!(
        log.contains("::error file=bank/accounts.py,line=39,"),
        "{log}"
    );
    assert!(log.contains("causeway: SARIF written to"), "{log}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.path().join(SARIF_PATH)).unwrap()).unwrap();
    // Two races, the error, and the demo's never-joined worker threads.
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 4);
    assert_eq!(ws.injected(), Vec::<PathBuf>::new());

    // fail-on never keeps the step green and still reports.
    let step = ws.run(&[
        ("traces", &format!("{HOSTILE_DIR}/**/*.jsonl")),
        ("fail-on", "never"),
        ("job-summary", "false"),
    ]);
    assert_eq!(step.code(), 0, "{}", step.log());
    assert_eq!(step.out("races"), "2");
    assert_eq!(step.out("sarif-file"), "");
    assert_eq!(step.summary, "", "job-summary false writes none");
}

#[cfg(unix)]
#[test]
fn hostile_inputs_never_run() {
    let ws = Workspace::new();
    let hostile = "$(touch pwned-1) `touch pwned-2` ; touch pwned-3 && \"'$HOME'\" ${IFS} \\";
    let racy = format!("{HOSTILE_DIR}/racy trace.jsonl");
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("traces", &racy), ("args", hostile)],
        vec![("traces", hostile)],
        vec![("traces", &racy), ("fail-on", hostile)],
        vec![("traces", &racy), ("job-summary", hostile)],
        vec![("traces", &racy), ("replay-tests", hostile)],
        vec![
            ("traces", &racy),
            ("sarif", "a\n::error::injected\nsarif-file=x"),
        ],
        vec![("traces", &racy), ("junit", hostile), ("sarif", hostile)],
    ];
    for inputs in &cases {
        let step = ws.run(inputs);
        assert!(
            step.code() == 1 || step.code() == 2,
            "{inputs:?}: {}",
            step.log()
        );
        for line in step.log().lines() {
            assert!(
                !line.starts_with("::")
                    || line.starts_with("::error file=bank/")
                    || line.starts_with("::warning file=bank/")
                    || line.starts_with("::error title=causeway action::"),
                "{inputs:?}: {line}"
            );
        }
        for key in step.outputs.keys() {
            assert!(
                ["exit-code", "races", "anomalies", "sarif-file"].contains(&key.as_str()),
                "{inputs:?}: injected output {key}"
            );
        }
        assert_eq!(step.out("exit-code"), step.code().to_string());
    }
    // The hostile junit and sarif path is a file of that name.
    assert!(ws.path().join(hostile).is_file());
    assert_eq!(ws.injected(), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn bad_inputs_exit_2_with_an_annotation() {
    let ws = Workspace::new();
    let racy = format!("{HOSTILE_DIR}/racy trace.jsonl");
    for (inputs, message) in [
        (
            vec![("traces", "no/such/*.jsonl")],
            "cannot read no/such/*.jsonl",
        ),
        (vec![("traces", " \n \n")], "the traces input names no file"),
        (
            vec![("traces", racy.as_str()), ("fail-on", "sometimes")],
            "fail-on must be",
        ),
        (
            vec![("traces", racy.as_str()), ("replay-tests", "mocha:out")],
            "replay-tests must be",
        ),
        (
            vec![("traces", racy.as_str()), ("args", "--no-such-flag")],
            "--no-such-flag",
        ),
    ] {
        let step = ws.run(&inputs);
        assert_eq!(step.code(), 2, "{inputs:?}: {}", step.log());
        assert_eq!(step.out("exit-code"), "2");
        assert!(step.log().contains(message), "{inputs:?}: {}", step.log());
    }
}

#[cfg(unix)]
#[test]
fn replay_tests_are_generated_and_keep_the_exit_code() {
    let ws = Workspace::new();
    // The racy demo's own calls all depend on its race or have receivers
    // that are not JSON, so gen-tests skips them; the shop trace has calls
    // to replay.
    let step = ws.run(&[
        (
            "traces",
            &format!("{HOSTILE_DIR}/racy trace.jsonl\n{HOSTILE_DIR}/shop trace.jsonl"),
        ),
        ("replay-tests", "pytest:tests/replay"),
    ]);
    assert_eq!(step.code(), 1, "{}", step.log());
    assert!(
        !step.log().contains("::warning title=causeway action"),
        "{}",
        step.log()
    );
    let generated: Vec<String> = std::fs::read_dir(ws.path().join("tests/replay"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        generated
            .iter()
            .any(|name| name.starts_with("test_") && name.ends_with(".py")),
        "{generated:?}"
    );
}

#[cfg(unix)]
#[test]
fn the_install_step_checks_version_and_keys_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let prepare = |version: &str| {
        let output_file = dir.path().join("github-output");
        let _ = std::fs::remove_file(&output_file);
        let output = Command::new("bash")
            .arg(root().join("scripts/action-install.sh"))
            .arg("prepare")
            .env("CAUSEWAY_VERSION", version)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output_file)
            .env("RUNNER_TEMP", dir.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .output()
            .unwrap();
        let outputs = std::fs::read_to_string(&output_file).unwrap_or_default();
        (output, outputs)
    };
    let (out, outputs) = prepare("source");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let key = outputs
        .lines()
        .find_map(|l| l.strip_prefix("cache-key=causeway-Linux-X64-source-"))
        .expect("a source cache key");
    assert_eq!(key.len(), 64, "{outputs}");
    assert_eq!(prepare("source").1, outputs, "the key is stable");
    assert!(
        prepare("0.1.0")
            .1
            .contains("cache-key=causeway-Linux-X64-0.1.0\n")
    );
    assert!(prepare("path").1.contains("cache-key=\n"));
    for bad in ["latest", "0.1.0; touch pwned", "$(touch pwned)", "0.1"] {
        let (out, _) = prepare(bad);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .starts_with("::error title=causeway action::version must be")
        );
    }
    assert!(!dir.path().join("pwned").exists());

    // `path` finds the causeway on PATH and installs nothing.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_causeway")).parent().unwrap();
    let out = Command::new("bash")
        .arg(root().join("scripts/action-install.sh"))
        .arg("install")
        .env("CAUSEWAY_VERSION", "path")
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A release comes from the action's own repository at its tag, never
    // from crates.io, where the name belongs to another project. A stand-in
    // cargo records what it was asked.
    let fake = dir.path().join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let log = dir.path().join("cargo-args");
    std::fs::write(
        fake.join("cargo"),
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n", log.display()),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(fake.join("cargo"))
        .status()
        .unwrap();
    let install = |repository: &str| {
        Command::new("bash")
            .arg(root().join("scripts/action-install.sh"))
            .arg("install")
            .env("CAUSEWAY_VERSION", "0.1.0")
            .env("CAUSEWAY_REPOSITORY", repository)
            .env("CAUSEWAY_INSTALL_ROOT", dir.path().join("root"))
            .env("GITHUB_PATH", dir.path().join("github-path"))
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("PATH", format!("{}:/usr/bin:/bin", fake.display()))
            .output()
            .unwrap()
    };
    let out = install("acme/causeway");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let args = std::fs::read_to_string(&log).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert!(
        args.windows(4).any(|w| w
            == [
                "--git",
                "https://github.com/acme/causeway",
                "--tag",
                "v0.1.0"
            ]),
        "{args:?}"
    );
    assert_eq!(args.last(), Some(&"causeway-debugger"), "{args:?}");
    assert!(!args.contains(&"--version"), "{args:?}");
    let out = install("");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("use version: source"));
}

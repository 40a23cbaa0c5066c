//! Lays cases out in files (one per trace, readable unique test names) and
//! renders them with the embedded templates.
//!
//! The environment has strict undefined behaviour and no auto-escaping; the
//! `py` and `js` filters write a JSON value as a literal ([`super::literal`])
//! and `ident` lets through only names this module built from `[a-z0-9_]`.
//! Templates never print a trace value any other way.

use super::cases::{Case, Outcome};
use super::names::slug;
use super::{Framework, GeneratedFile, TestgenError};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value, context};
use std::collections::{BTreeMap, HashSet};

/// The templates, embedded in the binary: (name, source).
pub const TEMPLATES: [(&str, &str); 3] = [
    (
        "pytest_replay.py.j2",
        include_str!("../../templates/pytest_replay.py.j2"),
    ),
    (
        "pytest_races.py.j2",
        include_str!("../../templates/pytest_races.py.j2"),
    ),
    (
        "jest_replay.test.js.j2",
        include_str!("../../templates/jest_replay.test.js.j2"),
    ),
];

fn to_json(value: &Value) -> Result<serde_json::Value, Error> {
    if value.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
    }
    serde_json::to_value(value)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("not JSON: {e}")))
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("py", |v: Value| -> Result<String, Error> {
        Ok(super::literal::python(&to_json(&v)?))
    });
    env.add_filter("js", |v: Value| -> Result<String, Error> {
        Ok(super::literal::javascript(&to_json(&v)?))
    });
    env.add_filter("ident", |v: String| -> Result<String, Error> {
        let ok = v.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && v.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(v)
        } else {
            Err(Error::new(
                ErrorKind::InvalidOperation,
                "not a safe identifier",
            ))
        }
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("the embedded templates parse");
    }
    env
}

fn scalar_words(value: &serde_json::Value, words: &mut Vec<String>) {
    use serde_json::Value as J;
    match value {
        J::Null => words.push("none".into()),
        J::Bool(b) => words.push(b.to_string()),
        J::Number(n) => words.push(slug(&n.to_string().replace('.', "_"), 12)),
        J::String(s) => words.push(slug(s, 16)),
        J::Array(items) => items.iter().for_each(|i| scalar_words(i, words)),
        J::Object(map) => map.iter().for_each(|(k, v)| {
            words.push(slug(k, 12));
            scalar_words(v, words)
        }),
    }
}

/// `test_<function>_<inputs>[_raises_<type>]`, unique within `taken`.
fn test_name(case: &Case, taken: &mut HashSet<String>) -> String {
    // `Class.method` keeps its class: `test_cart_add_...`.
    let tail = &case.target.path[case.target.path.len().saturating_sub(2)..];
    let function = slug(&tail.join("_"), 32);
    let mut words = Vec::new();
    case.args.iter().for_each(|a| scalar_words(a, &mut words));
    scalar_words(&serde_json::Value::Object(case.kwargs.clone()), &mut words);
    words.retain(|w| !w.is_empty());
    let mut name = format!(
        "test_{}",
        if function.is_empty() {
            "call"
        } else {
            &function
        }
    );
    // Whole words only, up to 40 characters.
    let mut inputs = String::new();
    for word in words.iter().map(|w| slug(w, 40)) {
        if inputs.len() + word.len() + 1 > 40 {
            break;
        }
        if !inputs.is_empty() {
            inputs.push('_');
        }
        inputs.push_str(&word);
    }
    if !inputs.is_empty() {
        name.push('_');
        name.push_str(&inputs);
    }
    if let Outcome::Raises { r#type, .. } = &case.outcome {
        name.push_str("_raises_");
        name.push_str(&slug(r#type, 24));
    }
    let name = slug(&name, 96);
    let mut unique = name.clone();
    let mut n = 2;
    while !taken.insert(unique.clone()) {
        unique = format!("{name}_{n}");
        n += 1;
    }
    unique
}

/// How many replay tests were rendered, and how many of them check state
/// or I/O (the rest re-check a pure function of their arguments).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub tests: usize,
    pub state_or_io: usize,
}

/// Renders cases into files, one per trace in order of first appearance.
/// Returns the files and how many tests they hold.
pub fn render(
    cases: &[Case],
    framework: Framework,
    root_from_out: &str,
) -> Result<(Counts, Vec<GeneratedFile>), TestgenError> {
    let env = environment();
    let mut by_trace: BTreeMap<usize, (String, Vec<Case>)> = BTreeMap::new();
    let mut order: std::collections::HashMap<String, usize> = Default::default();
    let mut seen = HashSet::new();
    for case in cases {
        let next = order.len();
        let pos = *order.entry(case.trace.clone()).or_insert(next);
        let entry = by_trace
            .entry(pos)
            .or_insert_with(|| (case.trace.clone(), Vec::new()));
        // The same call with the same outcome is one test.
        let key = serde_json::to_string(&(
            &case.target,
            &case.args,
            &case.kwargs,
            &case.outcome,
            &case.mocks,
            &case.state,
            &case.receiver,
        ))
        .unwrap_or_default();
        if seen.insert((pos, key)) {
            entry.1.push(case.clone());
        }
    }
    let (template, prefix, suffix) = match framework {
        Framework::Pytest => ("pytest_replay.py.j2", "test_replay_", ".py"),
        Framework::Jest => ("jest_replay.test.js.j2", "replay_", ".test.js"),
    };
    let mut files = Vec::new();
    let mut file_names = HashSet::new();
    let mut tests = Counts::default();
    for (_, (trace, mut file_cases)) in by_trace {
        let mut taken = HashSet::new();
        for case in &mut file_cases {
            case.name = test_name(case, &mut taken);
        }
        tests.tests += file_cases.len();
        tests.state_or_io += file_cases.iter().filter(|c| c.checks_state_or_io).count();
        let mut stem = slug(&trace, 16);
        if stem.is_empty() {
            stem = "trace".into();
        }
        let mut name = format!("{prefix}{stem}{suffix}");
        let mut n = 2;
        while !file_names.insert(name.clone()) {
            name = format!("{prefix}{stem}_{n}{suffix}");
            n += 1;
        }
        let contents = env
            .get_template(template)
            .and_then(|t| {
                t.render(context! {
                    trace => trace,
                    root => root_from_out,
                    cases => Value::from_serialize(&file_cases),
                })
            })
            .map_err(|source| TestgenError::Template { template, source })?;
        files.push(GeneratedFile { name, contents });
    }
    Ok((tests, files))
}

/// Renders the race stress tests of a recording (pytest only).
pub fn render_races(
    races: &[super::races::RaceCase],
    root_from_out: &str,
) -> Result<GeneratedFile, TestgenError> {
    let template = "pytest_races.py.j2";
    let contents = environment()
        .get_template(template)
        .and_then(|t| {
            t.render(context! {
                root => root_from_out,
                races => Value::from_serialize(races),
            })
        })
        .map_err(|source| TestgenError::Template { template, source })?;
    Ok(GeneratedFile {
        name: "test_races.py".into(),
        contents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let env = environment();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }
}

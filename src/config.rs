//! `causeway.toml`: the project's policy for `causeway analyze`. Found in
//! the working directory or the nearest directory above it that has one,
//! or named with `--config`. Every key is optional:
//!
//! ```toml
//! fail-on = "race"                 # anomaly | error | race | never (--fail-on wins)
//! baseline = "causeway-baseline.json"   # relative to this file (--baseline wins)
//! seed = 42                        # seeds the isolation forest (outliers)
//! redact = ["(?i)bearer [a-z0-9._~+/-]+"]   # regexes; matches become [redacted]
//! third-party = ["vendor/"]        # path fragments of code that is not yours,
//!                                  # besides site-packages, node_modules, ...
//!
//! [severity]                       # per code: error | warning | note | off
//! exception = "warning"
//!
//! [[ignore]]                       # leave findings out; every given key must match
//! code = "data-race"
//! variable = "metrics.*"           # glob on the variable
//! location = "vendor/**"           # glob on a location's file, or on `file:line`
//! service = "legacy-*"             # glob on the service
//! reason = "approximate counters"
//! ```
//!
//! Unknown keys, unknown codes and bad patterns are errors that name the
//! line and column. Applying the config to a report ([`Config::apply`]) is
//! pure: it reads nothing but the report.

use crate::report::{Code, FailOn, Head, Level, Report, split_location};
use globset::{Glob, GlobBuilder, GlobMatcher};
use regex::Regex;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for.
pub const FILE_NAME: &str = "causeway.toml";

/// A problem with a config file, at a line and column when known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// What a config says for one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    Error,
    Warning,
    Note,
    /// Leave the code's findings out of the report.
    Off,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<FailOn>,
    seed: Option<u64>,
    baseline: Option<String>,
    #[serde(default)]
    redact: Vec<Spanned<String>>,
    #[serde(default)]
    third_party: Vec<String>,
    #[serde(default)]
    severity: SeverityTable,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
}

/// One field per code of [`crate::report::CODES`] (a test keeps them in
/// step), so that an unknown code is an unknown key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityTable {
    #[serde(rename = "data-race")]
    data_race: Option<Setting>,
    error: Option<Setting>,
    exception: Option<Setting>,
    #[serde(rename = "caught-exception")]
    caught_exception: Option<Setting>,
    #[serde(rename = "outlier-call")]
    outlier_call: Option<Setting>,
    #[serde(rename = "outlier-trace")]
    outlier_trace: Option<Setting>,
    #[serde(rename = "latency-drift")]
    latency_drift: Option<Setting>,
    #[serde(rename = "error-burst")]
    error_burst: Option<Setting>,
    #[serde(rename = "thread-stall")]
    thread_stall: Option<Setting>,
    #[serde(rename = "n-plus-one-query")]
    n_plus_one_query: Option<Setting>,
    #[serde(rename = "lock-held-across-io")]
    lock_held_across_io: Option<Setting>,
    #[serde(rename = "lock-contention")]
    lock_contention: Option<Setting>,
    #[serde(rename = "lost-update")]
    lost_update: Option<Setting>,
    #[serde(rename = "task-never-awaited")]
    task_never_awaited: Option<Setting>,
    #[serde(rename = "retry-storm")]
    retry_storm: Option<Setting>,
    #[serde(rename = "swallowed-exception")]
    swallowed_exception: Option<Setting>,
}

impl SeverityTable {
    fn get(&self, code: &str) -> Option<Setting> {
        match code {
            "data-race" => self.data_race,
            "error" => self.error,
            "exception" => self.exception,
            "caught-exception" => self.caught_exception,
            "outlier-call" => self.outlier_call,
            "outlier-trace" => self.outlier_trace,
            "latency-drift" => self.latency_drift,
            "error-burst" => self.error_burst,
            "thread-stall" => self.thread_stall,
            "n-plus-one-query" => self.n_plus_one_query,
            "lock-held-across-io" => self.lock_held_across_io,
            "lock-contention" => self.lock_contention,
            "lost-update" => self.lost_update,
            "task-never-awaited" => self.task_never_awaited,
            "retry-storm" => self.retry_storm,
            "swallowed-exception" => self.swallowed_exception,
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    code: Option<Spanned<String>>,
    variable: Option<Spanned<String>>,
    location: Option<Spanned<String>>,
    service: Option<Spanned<String>>,
    #[expect(
        dead_code,
        reason = "documentation for the reader of the file, never read"
    )]
    reason: Option<String>,
}

/// A rule that leaves findings out of the report.
#[derive(Debug)]
pub struct IgnoreRule {
    code: Option<String>,
    variable: Option<GlobMatcher>,
    location: Option<GlobMatcher>,
    service: Option<GlobMatcher>,
}

/// A parsed `causeway.toml` (or the defaults, when there is none).
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    /// Seed of the isolation forest (`--seed` overrides it).
    pub seed: Option<u64>,
    /// The baseline file, resolved against the config's directory.
    pub baseline: Option<PathBuf>,
    severity: SeverityTable,
    ignore: Vec<IgnoreRule>,
    redact: Vec<Regex>,
    /// Path fragments of third-party code besides the built-in ones: a race
    /// there is shown at the user's frame that called into it.
    pub third_party: Vec<String>,
}

impl Config {
    /// The nearest `causeway.toml` in `start` or a directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        let dir = path.parent().unwrap_or(Path::new(""));
        config.baseline = config.baseline.map(|b| dir.join(b));
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses the text of a config file; `name` is used in errors.
    /// Relative paths are left as written.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let invalid = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = line_column(text, span.map_or(0, |s| s.start));
            ConfigError::Invalid {
                path: name.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().trim().to_string()))?;
        let mut redact = Vec::new();
        for pattern in &raw.redact {
            let regex = Regex::new(pattern.get_ref()).map_err(|e| {
                invalid(
                    Some(pattern.span()),
                    format!("bad redaction pattern: {}", one_line(&e.to_string())),
                )
            })?;
            redact.push(regex);
        }
        let mut ignore = Vec::new();
        for rule in &raw.ignore {
            let span = rule.span();
            let rule = rule.get_ref();
            if rule.code.is_none()
                && rule.variable.is_none()
                && rule.location.is_none()
                && rule.service.is_none()
            {
                return Err(invalid(
                    Some(span),
                    "an ignore rule needs at least one of `code`, `variable`, `location`, `service`".to_string(),
                ));
            }
            if let Some(code) = &rule.code
                && Code::builtin(code.get_ref()).is_none()
            {
                let known: Vec<&str> = Code::BUILTIN.map(Code::as_str).to_vec();
                return Err(invalid(
                    Some(code.span()),
                    format!(
                        "unknown code `{}`, expected one of {}",
                        code.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            let glob = |pattern: &Option<Spanned<String>>, paths: bool| {
                pattern
                    .as_ref()
                    .map(|p| {
                        GlobBuilder::new(p.get_ref())
                            .literal_separator(paths)
                            .build()
                            .map(|g: Glob| g.compile_matcher())
                            .map_err(|e| invalid(Some(p.span()), format!("bad glob: {e}")))
                    })
                    .transpose()
            };
            ignore.push(IgnoreRule {
                code: rule.code.as_ref().map(|c| c.get_ref().clone()),
                variable: glob(&rule.variable, false)?,
                location: glob(&rule.location, true)?,
                service: glob(&rule.service, false)?,
            });
        }
        Ok(Config {
            path: None,
            fail_on: raw.fail_on,
            seed: raw.seed,
            baseline: raw.baseline.map(PathBuf::from),
            severity: raw.severity,
            ignore,
            redact,
            third_party: raw.third_party,
        })
    }

    /// Applies the config to a report: leaves out what `ignore` rules and
    /// severity `off` name, sets each finding's severity, and redacts. Does
    /// not decide what fails: see [`Report::settle`].
    pub fn apply(&self, report: &mut Report) {
        report.third_party = self.third_party.clone();
        report.retain_findings(|head| {
            self.severity.get(head.code.as_str()) != Some(Setting::Off)
                && !self.ignore.iter().any(|rule| rule.matches(head))
        });
        report.set_levels(|code: Code| match self.severity.get(code.as_str()) {
            Some(Setting::Error) => Level::Error,
            Some(Setting::Warning) => Level::Warning,
            Some(Setting::Note) => Level::Note,
            Some(Setting::Off) | None => code.info().default_level,
        });
        if !self.redact.is_empty() {
            report.visit_input_strings(&mut |text: &mut String| self.redact(text));
        }
        // Sites come from the findings as they now are: kept, redacted and
        // judged with this config's third-party list.
        report.regroup_sites();
    }

    /// Replaces what the `redact` patterns match in a string of the input
    /// with `[redacted]`.
    pub fn redact(&self, text: &mut String) {
        for regex in &self.redact {
            if regex.is_match(text) {
                *text = regex
                    .replace_all(text, regex::NoExpand("[redacted]"))
                    .into_owned();
            }
        }
    }
}

impl IgnoreRule {
    fn matches(&self, head: &Head) -> bool {
        if self
            .code
            .as_deref()
            .is_some_and(|c| c != head.code.as_str())
        {
            return false;
        }
        let location_matches = |location: &str| {
            self.location.as_ref().is_none_or(|glob| {
                glob.is_match(location)
                    || split_location(location).is_some_and(|(file, _)| glob.is_match(file))
            })
        };
        // A variable rule names races only.
        let variable = self.variable.as_ref().is_none_or(|glob| {
            head.variable
                .as_deref()
                .is_some_and(|variable| glob.is_match(variable))
        });
        let location = head.locations.iter().any(|l| location_matches(l));
        let service = self
            .service
            .as_ref()
            .is_none_or(|glob| head.services.iter().any(|s| glob.is_match(s)));
        variable && location && service
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        Config::parse(text, "causeway.toml")
            .expect_err("the config is rejected")
            .to_string()
    }

    #[test]
    fn unknown_keys_are_errors_with_line_numbers() {
        let message = error_of("fail-on = \"race\"\n\nfial-on = \"error\"\n");
        assert!(message.starts_with("causeway.toml:3:1: "), "{message}");
        assert!(message.contains("fial-on"), "{message}");

        let message = error_of("[[ignore]]\ncode = \"data-race\"\nvariabel = \"x\"\n");
        assert!(message.starts_with("causeway.toml:3:1: "), "{message}");

        let message = error_of("[severity]\ndata-race = \"warning\"\ndata-rce = \"off\"\n");
        assert!(message.starts_with("causeway.toml:3:1: "), "{message}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let message = error_of("fail-on = \"sometimes\"\n");
        assert!(message.starts_with("causeway.toml:1:11: "), "{message}");
        let message = error_of("\nredact = [\"ok\", \"(unclosed\"]\n");
        assert!(
            message.starts_with("causeway.toml:2:17: bad redaction pattern"),
            "{message}"
        );
        let message = error_of("[[ignore]]\ncode = \"data-races\"\n");
        assert!(
            message.starts_with("causeway.toml:2:8: unknown code"),
            "{message}"
        );
        let message = error_of("[[ignore]]\nlocation = \"src/[\"\n");
        assert!(
            message.starts_with("causeway.toml:2:12: bad glob"),
            "{message}"
        );
        let message = error_of("x = 1\n[[ignore]]\nreason = \"everything\"\n");
        assert!(message.starts_with("causeway.toml:1:1: "), "{message}");
        let message = error_of("[[ignore]]\nreason = \"everything\"\n");
        assert!(message.contains("at least one of"), "{message}");
    }

    #[test]
    fn every_code_has_a_severity_key() {
        for info in Code::BUILTIN.map(Code::info) {
            let config = Config::parse(
                &format!("[severity]\n{} = \"note\"\n", info.code),
                "causeway.toml",
            )
            .unwrap_or_else(|e| panic!("{}: {e}", info.code));
            assert_eq!(config.severity.get(info.code), Some(Setting::Note));
        }
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = Config::parse("", "causeway.toml").unwrap();
        assert!(config.fail_on.is_none() && config.baseline.is_none());
        assert!(config.ignore.is_empty() && config.redact.is_empty());
    }
}

//! Diagnostics: what was wrong with the input, tied to a file and line.

/// How bad a diagnostic is. An `Error` line was skipped; a `Warning` line was
/// kept (perhaps with a field ignored), except a truncated last line, which
/// is skipped with a warning because a crashed recorder leaves one behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem with the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Index into `Recording::files`.
    pub file: u32,
    /// 1-based line number.
    pub line: u32,
    /// A lower-case fragment naming the problem, e.g. ``missing field `id` ``.
    pub message: String,
}

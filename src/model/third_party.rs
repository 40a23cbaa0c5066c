//! Third-party code, told by its path: what a user did not write and will
//! not fix (installed packages, the standard library, the cargo registry).
//! A race or an exception there is shown at, or judged by, the user's own
//! frame that called into it.

/// Path fragments that mark third-party code, before causeway.toml's own.
pub const DEFAULT_THIRD_PARTY: &[&str] = &[
    "site-packages/",
    "dist-packages/",
    "node_modules/",
    "/lib/python3",
    "<frozen ",
    "node:internal/",
    ".cargo/registry/",
    "/rustc/",
    "/rustlib/src/",
];

/// Whether a location or path is in third-party code.
pub fn is_third_party(location: &str, third_party: &[String]) -> bool {
    let path = location.replace('\\', "/");
    DEFAULT_THIRD_PARTY.iter().any(|p| path.contains(p))
        || third_party.iter().any(|p| path.contains(p.as_str()))
}

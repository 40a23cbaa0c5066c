#!/usr/bin/env bash
# The Rust recorder's CI, from the repository root or anywhere:
#  1. without the `record` feature (what users ship): the crate builds and
#     is clippy-clean, and its wrappers are std's and tokio's own types
#     (a compile-time check in src/lib.rs); the workspace build never sees
#     this mode, since the tests turn `record` on for the whole build; and
#     the API docs build without warnings;
#  2. the macro's tests (the expansion without `record` is the function
#     unchanged), the runtime's tests, examples/rust-bank and the
#     conformance programs, against the analyzer in CAUSEWAY_BIN (default:
#     target/debug/causeway, built here if missing). Under CI=true a missing
#     analyzer fails the tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/../.."

nice_cargo() { nice -n 10 cargo "$@"; }

nice_cargo check --locked -p causeway-recorder --lib
nice_cargo check --locked -p causeway-recorder --lib --features tokio,tracing
nice_cargo clippy --locked -p causeway-recorder --lib --features tokio,tracing -- -D warnings
# The API docs as docs.rs builds them (all features), without a warning.
RUSTDOCFLAGS="-D warnings" nice_cargo doc --locked -p causeway-recorder --all-features --no-deps

if [ -z "${CAUSEWAY_BIN:-}" ]; then
  nice_cargo build --locked -p causeway-debugger --bin causeway
  CAUSEWAY_BIN="$PWD/target/debug/causeway"
fi
export CAUSEWAY_BIN
nice_cargo test --locked -p causeway-recorder-macros -p causeway-recorder -p causeway-recorder-conformance -p rust-bank

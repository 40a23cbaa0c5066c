#!/usr/bin/env bash
# The Python recorder's CI: a fresh venv with the recorder and the test
# dependencies, then its pytest suite against the analyzer named by
# CAUSEWAY_BIN (required). The venv is left at CAUSEWAY_PYTHON_VENV
# (default: $TMPDIR/causeway-python-venv) for the steps after this one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
: "${CAUSEWAY_BIN:?set CAUSEWAY_BIN to the causeway binary to test against}"
venv="${CAUSEWAY_PYTHON_VENV:-${TMPDIR:-/tmp}/causeway-python-venv}"

rm -rf "$venv"
python3 -m venv "$venv"
# cachetools: the real thread-unsafe library of tests/test_library_races.py.
"$venv/bin/pip" install --quiet "$here" pytest jsonschema "cachetools==8.0.3"
cd "$repo"
CAUSEWAY_BIN="$CAUSEWAY_BIN" "$venv/bin/python" -m pytest -q -p no:cacheprovider recorders/python/tests

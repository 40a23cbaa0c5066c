#!/usr/bin/env bash
# CI for the JavaScript recorder: installs the package's dependencies from
# package-lock.json, then runs its test suite for real against the analyzer
# in $CAUSEWAY_BIN (default: the repository's target/debug/causeway).
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"
: "${CAUSEWAY_BIN:=$here/../../target/debug/causeway}"
export CAUSEWAY_BIN
if [ ! -x "$CAUSEWAY_BIN" ]; then
  echo "ci.sh: no causeway binary at $CAUSEWAY_BIN (build it first or set CAUSEWAY_BIN)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "ci.sh: node is not installed" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<6)) { console.error("ci.sh: Node >= 20.6 needed, found "+process.version); process.exit(1); }'
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
export CI="${CI:-true}"
node --test --test-concurrency=2 test/*.test.js

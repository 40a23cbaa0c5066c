#!/usr/bin/env bash
# The HTML report's browser tests: type-checks the page's JavaScript
# (tsc --noEmit --checkJs) and runs tests/html/*.test.cjs in headless
# Debian Chromium through playwright-core. Fails, never skips, when a tool
# is missing and cannot be installed.
#
#   CAUSEWAY_BIN=target/debug/causeway tests/html/ci.sh
#
# Installs chromium with apt-get when /usr/bin/chromium is missing, and
# playwright-core and typescript from npm into a scratch directory
# ($HTML_TEST_DEPS, default a fresh temporary one). Builds the analyzer with
# cargo when CAUSEWAY_BIN is not set and target/debug/causeway is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PLAYWRIGHT_VERSION=1.65.2
TYPESCRIPT_VERSION=7.0.2
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ -z "${CAUSEWAY_BIN:-}" ]; then
    CAUSEWAY_BIN=$ROOT/target/debug/causeway
    [ -x "$CAUSEWAY_BIN" ] || nice -n 10 cargo build --quiet --bin causeway
fi
[ -x "$CAUSEWAY_BIN" ] || { echo "tests/html: no analyzer at $CAUSEWAY_BIN" >&2; exit 1; }
export CAUSEWAY_BIN

if [ ! -x "$CHROMIUM" ]; then
    echo "tests/html: installing chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -x "$CHROMIUM" ] || { echo "tests/html: no chromium at $CHROMIUM" >&2; exit 1; }
export CHROMIUM

command -v node >/dev/null || { echo "tests/html: node is missing" >&2; exit 1; }
if [ -n "${HTML_TEST_DEPS:-}" ]; then
    DEPS=$HTML_TEST_DEPS
else
    DEPS=$(mktemp -d)
    trap 'rm -rf "$DEPS"' EXIT
fi
if [ ! -d "$DEPS/node_modules/playwright-core" ] || [ ! -d "$DEPS/node_modules/typescript" ]; then
    npm install --prefix "$DEPS" --no-audit --no-fund --loglevel=error \
        "playwright-core@$PLAYWRIGHT_VERSION" "typescript@$TYPESCRIPT_VERSION" >/dev/null
fi

echo "tests/html: tsc --noEmit --checkJs on src/report/html/page"
"$DEPS/node_modules/.bin/tsc" -p tests/html/tsconfig.json

echo "tests/html: browser tests with $("$CHROMIUM" --version 2>/dev/null | head -1)"
NODE_PATH="$DEPS/node_modules" node --test tests/html/

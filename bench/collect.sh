#!/usr/bin/env bash
# Load benchmark of `causeway collect` on loopback: concurrent clients
# (bench/src/bin/collect-load.rs) send v1 events for a fixed time in four
# phases, each against a fresh collector: a 30 s closed-loop probe of
# capacity, 60 s at 300K events/s (RATE), 60 s at twice that rate, and 30 s
# of that with a small --max-memory. The sent, acknowledged, refused and
# written counts are compared exactly and the collector's peak RSS taken.
# Rewrites docs/performance-collect.md; exits 1 when a count does not
# match. About 3.5 minutes and a few GB of disk under $BENCH_DIR (default
# /tmp/causeway-bench); not part of CI.
#
#   bench/collect.sh
#   RATE=500000 CLIENTS=16 BATCH=500 SECONDS_PER_PHASE=20 bench/collect.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --locked -p causeway-debugger -p causeway-bench --bin causeway --bin collect-load
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
python3 bench/collect.py "$TARGET/release/causeway" "$TARGET/release/collect-load" docs/performance-collect.md

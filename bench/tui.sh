#!/usr/bin/env bash
# Frame times of `causeway tui` on a large trace: generates a trace with
# tracegen (the generator bench/run.sh uses, default the typical shape at
# 1M events), then runs tui-bench, which analyzes it as `causeway tui`
# does and drives the UI with ratatui's TestBackend through a fixed
# sequence of key presses. Prints the time to the first screen after the
# analysis, the median and slowest frame (handle + draw) and the peak RSS.
#
#   bench/tui.sh
#   EVENTS=100000 SHAPE=hot-variable SIZE=80x24 bench/tui.sh
#
# The trace is generated once into $BENCH_DIR (default /tmp/causeway-bench)
# and reused while its size matches.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1000000}
SHAPE=${SHAPE:-typical}
SIZE=${SIZE:-120x40}
BENCH_DIR=${BENCH_DIR:-/tmp/causeway-bench}

mkdir -p "$BENCH_DIR"
cargo build --release --quiet --locked -p causeway-bench --bin tracegen --bin tui-bench
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

trace="$BENCH_DIR/$SHAPE-$EVENTS.jsonl"
if [ ! -s "$trace" ] || [ "$(wc -l <"$trace")" -ne "$EVENTS" ]; then
    "$TARGET/release/tracegen" --shape "$SHAPE" --events "$EVENTS" --seed 1 -o "$trace" 2>/dev/null
fi
"$TARGET/release/tui-bench" "$trace" "$SIZE"

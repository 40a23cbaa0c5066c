#!/usr/bin/env bash
# Benchmarks the HTML report on a generated 1M-event trace (a benchmark, not
# a test): the file's size per event, the time `analyze --format html`
# takes, and in headless Chromium the time to first render, the JS heap, the
# frame intervals while panning the lanes view, and the time to select a
# race and to step the cursor. Prints one Markdown table row per shape and
# run; docs/html-report.md quotes the numbers.
#
#   bench/html.sh                               # typical shape, 1M events, 3 runs
#   SHAPES="typical deep" EVENTS=1000000 RUNS=1 bench/html.sh
#   TRACE_DIR=/tmp/causeway-bench bench/html.sh  # traces bench/run.sh made
#
# Builds causeway and tracegen in release mode unless CAUSEWAY_BIN and
# TRACEGEN name them; installs playwright-core into $HTML_BENCH_DEPS (a
# scratch directory) when missing; needs Debian's chromium and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1000000}
RUNS=${RUNS:-3}
SHAPES=${SHAPES:-typical}
BENCH_DIR=${BENCH_DIR:-/tmp/causeway-html-bench}
TRACE_DIR=${TRACE_DIR:-$BENCH_DIR}
DEPS=${HTML_BENCH_DEPS:-$BENCH_DIR/deps}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

[ -x /usr/bin/time ] || { echo "bench/html.sh needs GNU time: apt-get install time" >&2; exit 2; }
[ -x "$CHROMIUM" ] || { echo "bench/html.sh needs chromium: apt-get install chromium" >&2; exit 2; }
mkdir -p "$BENCH_DIR"
if [ -z "${CAUSEWAY_BIN:-}" ] || [ -z "${TRACEGEN:-}" ]; then
    nice -n 10 cargo build --release --quiet -p causeway -p causeway-bench
    TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    CAUSEWAY_BIN=${CAUSEWAY_BIN:-$TARGET/release/causeway}
    TRACEGEN=${TRACEGEN:-$TARGET/release/tracegen}
fi
if [ ! -d "$DEPS/node_modules/playwright-core" ]; then
    npm install --prefix "$DEPS" --no-audit --no-fund --loglevel=error playwright-core@1.65.2 >/dev/null
fi

echo "| shape | events | HTML bytes | bytes/event | analyze s | first render ms | script ms | JS heap MB | pan out median/p95/max ms | pan in median/p95/max ms | select race ms | cursor step ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for shape in $SHAPES; do
    trace=$TRACE_DIR/$shape-$EVENTS.jsonl
    if [ ! -s "$trace" ]; then
        trace=$BENCH_DIR/$shape-$EVENTS.jsonl
        [ -s "$trace" ] || "$TRACEGEN" --shape "$shape" --events "$EVENTS" --seed 1 -o "$trace" >&2
    fi
    html=$BENCH_DIR/$shape-$EVENTS.html
    status=0
    /usr/bin/time -f "%e" -o "$BENCH_DIR/time.txt" "$CAUSEWAY_BIN" analyze --no-config "$trace" --format html >"$html" || status=$?
    [ "$status" -le 1 ] || { echo "analyze failed ($status)" >&2; exit 1; }
    seconds=$(tail -1 "$BENCH_DIR/time.txt")
    bytes=$(stat -c %s "$html")
    for run in $(seq "$RUNS"); do
        NODE_PATH="$DEPS/node_modules" node bench/html-bench.cjs "$html" >"$BENCH_DIR/run.json"
        python3 - "$BENCH_DIR/run.json" "$shape" "$bytes" "$seconds" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
shape, size, seconds = sys.argv[2], int(sys.argv[3]), sys.argv[4]
pan = lambda p: f"{p['median_ms']} / {p['p95_ms']} / {p['max_ms']}"
print(f"| {shape} | {r['events']} | {size} | {size / r['events']:.1f} | {seconds} | {r['first_render_ms']} | {r['script_ms']} "
      f"| {r['js_heap_mb']} | {pan(r['pan_zoomed_out'])} | {pan(r['pan_zoomed_in'])} | {r['select_race_ms']} | {r['cursor_step_ms']:.0f} |")
PY
    done
done

#!/usr/bin/env bash
# Benchmarks `causeway analyze --format json` on generated traces of every
# shape, against a parse-only baseline over the same files, and rewrites
# docs/performance.md with the results and the machine they came from.
#
#   bench/run.sh                      # 1M and 10M events, 5 runs each
#   SIZES="1000000" RUNS=3 bench/run.sh
#   SHAPES="typical hot-variable" bench/run.sh   # measures these again, keeps the rest
#
# Traces are generated once into $BENCH_DIR (default /tmp/causeway-bench;
# the 10M files take about 20 GB) and reused while their size matches.
# Needs GNU time (/usr/bin/time) and python3 for the table.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000000 10000000"}
RUNS=${RUNS:-5}
SHAPES=${SHAPES:-"typical hot-variable many-traces deep clocks"}
BENCH_DIR=${BENCH_DIR:-/tmp/causeway-bench}
RESULTS="$BENCH_DIR/results.tsv"

[ -x /usr/bin/time ] || { echo "bench/run.sh needs GNU time: apt-get install time" >&2; exit 2; }
mkdir -p "$BENCH_DIR"
cargo build --release --quiet -p causeway-debugger -p causeway-bench
# Wherever cargo builds (CARGO_TARGET_DIR or build.target-dir may move it).
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
CAUSEWAY=$TARGET/release/causeway
BASELINE=$TARGET/release/parse-baseline
TRACEGEN=$TARGET/release/tracegen

# One timed run: prints "seconds max_rss_kb".
timed() {
    local log="$BENCH_DIR/time.log" status=0
    /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$BENCH_DIR/stderr.log" || status=$?
    # analyze exits 1 when it finds races; anything else is a failure.
    if [ "$status" -gt 1 ]; then
        echo "failed ($status): $*" >&2
        cat "$BENCH_DIR/stderr.log" >&2
        exit 1
    fi
    python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(seconds, rss)
PY
}

# Rows of earlier runs stay for the shapes and sizes not measured now, so
# one shape can be measured again without redoing the rest.
if [ -s "$RESULTS" ]; then
    awk -F'\t' -v sizes=" $SIZES " -v shapes=" $SHAPES " \
        'NR == 1 || !(index(sizes, " " $2 " ") && index(shapes, " " $1 " "))' \
        "$RESULTS" >"$RESULTS.kept"
    mv "$RESULTS.kept" "$RESULTS"
else
    printf 'shape\tevents\tbytes\tprogram\trun\tseconds\trss_kb\n' >"$RESULTS"
fi
for size in $SIZES; do
    for shape in $SHAPES; do
        trace="$BENCH_DIR/$shape-$size.jsonl"
        if [ ! -s "$trace" ] || [ "$(wc -l <"$trace")" -ne "$size" ]; then
            "$TRACEGEN" --shape "$shape" --events "$size" --seed 1 -o "$trace" 2>/dev/null
        fi
        bytes=$(stat -L -c %s "$trace")
        for run in $(seq "$RUNS"); do
            read -r s rss < <(timed "$CAUSEWAY" analyze "$trace" --format json --output /dev/null)
            printf '%s\t%s\t%s\tanalyze\t%s\t%s\t%s\n' "$shape" "$size" "$bytes" "$run" "$s" "$rss" >>"$RESULTS"
            read -r s rss < <(timed "$BASELINE" "$trace")
            printf '%s\t%s\t%s\tbaseline\t%s\t%s\t%s\n' "$shape" "$size" "$bytes" "$run" "$s" "$rss" >>"$RESULTS"
            echo "$shape $size run $run done" >&2
        done
    done
done

python3 bench/report.py "$RESULTS" docs/performance.md
cat docs/performance.md

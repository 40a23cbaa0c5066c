#!/usr/bin/env bash
# Compares two causeway binaries on the same traces, runs interleaved
# (A, B, A, B, ...) so that a busy machine slows both alike; prints each
# one's median wall time per trace and the ratio B / A.
#
#   bench/ab.sh OLD_BINARY NEW_BINARY TRACE... [RUNS=5]
#
# For a refactor that must not cost speed: build the old commit's release
# binary in a worktree, then compare it with this one on bench/run.sh's
# traces (in $BENCH_DIR, default /tmp/causeway-bench).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: bench/ab.sh OLD NEW TRACE..." >&2; exit 2; }
old=$1 new=$2
shift 2
RUNS=${RUNS:-5}

seconds() {
    local start end status=0
    start=$(date +%s.%N)
    "$1" analyze "$2" --format json --output /dev/null >/dev/null 2>&1 || status=$?
    end=$(date +%s.%N)
    # analyze exits 1 when it finds races; anything else is a failure.
    [ "$status" -le 1 ] || { echo "failed ($status): $1 analyze $2" >&2; exit 1; }
    awk -v s="$start" -v e="$end" 'BEGIN {print e - s}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-32s %10s %10s %8s\n' trace "old s" "new s" "new/old"
for trace in "$@"; do
    a=() b=()
    for _ in $(seq "$RUNS"); do
        a+=("$(seconds "$old" "$trace")")
        b+=("$(seconds "$new" "$trace")")
    done
    ma=$(printf '%s\n' "${a[@]}" | median)
    mb=$(printf '%s\n' "${b[@]}" | median)
    printf '%-32s %10.3f %10.3f %8.3f\n' "$(basename "$trace")" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print b / a}')"
done

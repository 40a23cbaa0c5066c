#!/usr/bin/env bash
# Benchmarks Causeway's Extended Isolation Forest against scikit-learn's
# IsolationForest: fit + score of every row of a feature matrix, median of
# $RUNS runs, and precision@k on planted outliers. Writes bench/eif-results.md.
#
#   bench/eif.sh                              # Causeway's call features, ~18K to ~1.8M rows,
#                                             # and synthetic data, 10K to 1M rows
#   SIZES="10000" REQUESTS="2500" RUNS=3 bench/eif.sh
#   CSVS="/path/features.csv" bench/eif.sh    # also any other labelled CSV
#
# A CSV given in CSVS has a header row, one column per feature and a last
# column `label` (1 = known outlier), like the generated ones.
# scikit-learn comes from PyPI into a venv ($EIF_VENV, default
# /tmp/causeway-eif-venv); data and raw results go to $EIF_DIR (default
# /tmp/causeway-eif).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000 1000000"}
# Requests per generated trace (about 7 calls each), with 1 in 500 planted.
REQUESTS=${REQUESTS:-"2500 25000 250000"}
DIM=${DIM:-10}
RUNS=${RUNS:-5}
CSVS=${CSVS:-}
EIF_VENV=${EIF_VENV:-/tmp/causeway-eif-venv}
EIF_DIR=${EIF_DIR:-/tmp/causeway-eif}
RESULTS="$EIF_DIR/results.jsonl"
MACHINE="$EIF_DIR/machine.md"

mkdir -p "$EIF_DIR"
if [ ! -x "$EIF_VENV/bin/python" ]; then
    python3 -m venv "$EIF_VENV"
fi
"$EIF_VENV/bin/pip" install --quiet numpy scikit-learn
PYTHON="$EIF_VENV/bin/python"

cargo build --release --quiet -p causeway-bench --bin eif-data --bin eif-bench --bin requestgen
TARGET=$(cargo metadata --format-version 1 --no-deps | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
EIF_DATA="$TARGET/release/eif-data"
EIF_BENCH="$TARGET/release/eif-bench"
REQUESTGEN="$TARGET/release/requestgen"

features=()
for requests in $REQUESTS; do
    csv="$EIF_DIR/requests-$requests.csv"
    [ -s "$csv" ] || "$REQUESTGEN" --requests "$requests" --plants $((requests / 500)) --seed 3 \
        --features "$csv" -o "$EIF_DIR/requests-$requests.jsonl" >/dev/null
    features+=("$csv")
done
files=()
for rows in $SIZES; do
    csv="$EIF_DIR/synthetic-$rows-$DIM.csv"
    # The generator is deterministic: an existing file is the same file.
    [ -s "$csv" ] || "$EIF_DATA" --rows "$rows" --dim "$DIM" --seed 1 --out "$csv"
    files+=("$csv")
done
for csv in $CSVS; do
    files+=("$csv")
done

# Some machines set OpenBLAS overrides for old OpenBLAS builds, which slow a
# current numpy; IsolationForest hardly uses BLAS, but the measured runs go
# without them anyway.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$RESULTS"
for csv in "${features[@]}"; do
    echo "== $csv" >&2
    "$EIF_BENCH" "$csv" --runs "$RUNS" --pipeline | tee -a "$RESULTS"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        "$PYTHON" bench/eif/sklearn_bench.py "$csv" --runs "$RUNS" | tee -a "$RESULTS"
done
for csv in "${files[@]}"; do
    echo "== $csv" >&2
    "$EIF_BENCH" "$csv" --runs "$RUNS" | tee -a "$RESULTS"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        "$PYTHON" bench/eif/sklearn_bench.py "$csv" --runs "$RUNS" | tee -a "$RESULTS"
done

{
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, load average before the runs: $load_before."
    echo
    echo "Versions: $(rustc --version), $("$PYTHON" --version), scikit-learn $("$PYTHON" -c 'import sklearn; print(sklearn.__version__)'), numpy $("$PYTHON" -c 'import numpy; print(numpy.__version__)')."
    echo
    echo "Settings: RUNS=$RUNS, DIM=$DIM, both tools on every core (rayon's default pool; n_jobs=-1)."
} >"$MACHINE"

"$PYTHON" bench/eif/table.py "$RESULTS" "$MACHINE" >bench/eif-results.md
cat bench/eif-results.md

"""Times scikit-learn's IsolationForest (fit + score_samples of every row) on
a CSV feature matrix and prints one JSON line, in the format of eif-bench:

    python sklearn_bench.py FILE.csv [--runs R]

The CSV has a header row; its last column is `label`, 1 for the planted
outliers. 100 trees of 256 rows, a fixed random_state, n_jobs=-1 (every
core). precision@k: of the k rows scored highest, k = the number of labelled
outliers, the share that is labelled.
"""

import argparse
import json
import os
import statistics
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest


def precision_at_k(scores, labels, k):
    if k == 0:
        return 0.0
    # Stable sort on the negated scores: ties broken by row order, as in
    # eif-bench.
    order = np.argsort(-scores, kind="stable")
    return float(labels[order[:k]].sum()) / k


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with open(args.csv) as f:
        header = f.readline().strip().split(",")
    if header[-1].strip() != "label":
        raise SystemExit(f"{args.csv}: the last column must be `label`")
    table = np.loadtxt(args.csv, delimiter=",", skiprows=1, ndmin=2)
    data = np.ascontiguousarray(table[:, :-1])
    labels = table[:, -1] != 0
    k = int(labels.sum())

    totals, fits, scores_s = [], [], []
    precision = 0.0
    for _ in range(max(args.runs, 1)):
        start = time.perf_counter()
        forest = IsolationForest(
            n_estimators=100, max_samples=256, random_state=42, n_jobs=-1
        ).fit(data)
        fitted = time.perf_counter()
        # score_samples is the opposite of the paper's anomaly score.
        scores = -forest.score_samples(data)
        done = time.perf_counter()
        fits.append(fitted - start)
        scores_s.append(done - fitted)
        totals.append(done - start)
        precision = precision_at_k(scores, labels, k)

    print(
        json.dumps(
            {
                "data": os.path.basename(args.csv),
                "tool": f"scikit-learn {sklearn.__version__} IsolationForest",
                "rows": int(data.shape[0]),
                "dim": int(data.shape[1]),
                "runs": max(args.runs, 1),
                "seconds": statistics.median(totals),
                "fit_seconds": statistics.median(fits),
                "score_seconds": statistics.median(scores_s),
                "k": k,
                "precision_at_k": precision,
            }
        )
    )


if __name__ == "__main__":
    main()

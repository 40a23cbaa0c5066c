"""Measure the recorder's slowdown on a CPU-bound and a thread-heavy
workload.

    python bench/overhead.py [--repeat 3]

Each workload runs as a plain `python` process and under
`python -m causeway_recorder`. Two times are kept, the best of `--repeat`
runs each: the workload's own time (it prints how long its main function
took, so interpreter start-up and the rewrite at import are left out) and
the wall time of the whole process. Plain runs do ten times the work and
their time is divided by ten: at the recorded size a plain run takes a few
milliseconds, too short to measure well. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

HERE = Path(__file__).resolve().parent
WORKLOADS = {
    "CPU-bound: particle simulation, 100 particles x 300 steps": ("cpu_bound.py", 300),
    "thread-heavy: 4 producers + 4 consumers, queue + lock, 4 x 5000 items": ("thread_heavy.py", 5000),
}
PLAIN_SCALE = 10


def run(command: List[str], cwd: Path) -> Tuple[float, float]:
    """(workload time, wall time) of one run."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=str(cwd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    match = re.search(r"ELAPSED ([0-9.]+)", result.stderr)
    assert match, result.stderr
    return float(match.group(1)), wall


def best(command: List[str], cwd: Path, repeat: int) -> Tuple[float, float]:
    runs = [run(command, cwd) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workloads = HERE / "workloads"
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {args.repeat} runs\n")
    print("| workload | plain | recorded | slowdown | wall plain / recorded | events | events/s | trace |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        trace = Path(scratch) / "trace.jsonl"
        for label, (script, size) in WORKLOADS.items():
            plain, _ = best([sys.executable, script, str(size * PLAIN_SCALE)], workloads, args.repeat)
            plain /= PLAIN_SCALE
            _, plain_wall = best([sys.executable, script, str(size)], workloads, args.repeat)
            recorded, recorded_wall = best([sys.executable, "-m", "causeway_recorder", "-q", "--out", str(trace), "--", script, str(size)], workloads, args.repeat)
            with open(trace, "rb") as handle:
                events = sum(1 for _ in handle)
            megabytes = trace.stat().st_size / 1e6
            print(
                f"| {label} | {plain * 1000:.1f} ms | {recorded:.2f} s | {recorded / plain:.0f}x "
                f"| {plain_wall:.2f} s / {recorded_wall:.2f} s | {events:,} | {events / recorded:,.0f} | {megabytes:.0f} MB |"
            )


if __name__ == "__main__":
    main()

"""The collector's load benchmark, driven by bench/collect.sh.

Four phases, each against a fresh `causeway collect` on loopback writing
into a fresh directory:

1. probe: closed-loop clients (each sends its next batch when the last is
   answered) for PROBE_SECONDS (30), to show what the collector keeps up
   with while the page cache absorbs the writes;
2. sustained: open-loop clients at RATE events/s (default 300,000, the
   issue's target) for SECONDS_PER_PHASE (60), which must refuse nothing;
3. overload: twice RATE from twice as many clients;
4. overload-small-memory: the same with `--max-memory 4M` and four times
   the clients, so that the memory limit is reached and requests are
   refused with 503 (at the default limit the collector's CPU, which the
   clients share, runs out first: answers slow down, nothing is refused).

After each phase the collector is stopped with SIGTERM (it must exit 0),
and every count is compared exactly: the lines in the files written equal
the events acknowledged, every event sent was either acknowledged or
refused with a 503, none failed. The sustained phase must also refuse
nothing. The probe's directory is then read back with
`causeway analyze DIR`, which must count the same events. Peak RSS is the
collector's VmHWM just before it is stopped.

Writes a Markdown page (OUT) with the numbers and prints it; exits 1 when a
count does not match.
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

CAUSEWAY, LOAD, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
SECONDS = int(os.environ.get("SECONDS_PER_PHASE", "60"))
PROBE_SECONDS = int(os.environ.get("PROBE_SECONDS", "30"))
CLIENTS = int(os.environ.get("CLIENTS", "8"))
BATCH = os.environ.get("BATCH", "1000")
SERVICES = os.environ.get("SERVICES", "4")
MAX_MEMORY = os.environ.get("MAX_MEMORY", "256M")
WORK = os.environ.get("BENCH_DIR", "/tmp/causeway-bench")


def start_collector(out, max_memory):
    log = tempfile.TemporaryFile("w+")
    child = subprocess.Popen(
        [CAUSEWAY, "collect", "--listen", "127.0.0.1:0", "--out", out,
         "--max-memory", max_memory],
        stderr=log,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        log.seek(0)
        found = re.search(r"listening on http://([0-9.:]+)", log.read())
        if found:
            return child, found.group(1), log
        if child.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    sys.exit(f"the collector did not start: {log.read()}")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def metrics(addr):
    text = urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode()
    return {
        name: int(value)
        for name, value in re.findall(r"^(causeway_collect_\w+) (\d+)$", text, re.M)
    }


def written_lines(out):
    lines = 0
    for path in glob.glob(os.path.join(out, "*.jsonl")):
        with open(path, "rb") as f:
            lines += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return lines


def phase(name, seconds, rate, clients=CLIENTS, max_memory=MAX_MEMORY):
    out = tempfile.mkdtemp(prefix=f"collect-{name}-", dir=WORK)
    child, addr, log = start_collector(out, max_memory)
    args = [LOAD, "--addr", addr, "--seconds", str(seconds), "--clients", str(clients),
            "--batch", BATCH, "--services", SERVICES]
    if rate:
        args += ["--rate", str(rate)]
    load = subprocess.run(args, capture_output=True, text=True)
    if load.returncode != 0 or load.stderr:
        print(load.stderr, file=sys.stderr)
    result = json.loads(load.stdout)
    result["peak_rss_mib"] = peak_rss_mib(child.pid)
    result["metrics"] = metrics(addr)
    child.send_signal(signal.SIGTERM)
    result["exit"] = child.wait(timeout=120)
    result["written"] = written_lines(out)
    result["files"] = len(glob.glob(os.path.join(out, "*.jsonl")))
    result["dir"] = out
    if name != "probe":  # gigabytes each; the probe's is read back at the end
        subprocess.run(["rm", "-rf", out], check=True)
    result["name"] = name
    result["max_memory"] = max_memory
    return result


def check(result, refuse_nothing):
    problems = []
    if result["exit"] != 0:
        problems.append(f"the collector exited {result['exit']}")
    if result["written"] != result["acknowledged"]:
        problems.append(f"written {result['written']} != acknowledged {result['acknowledged']}")
    if result["sent"] != result["acknowledged"] + result["refused"]:
        problems.append("sent != acknowledged + refused")
    if result["failed"]:
        problems.append(f"{result['failed']} events failed")
    if result["metrics"].get("causeway_collect_events_written_total") is None:
        problems.append("no written counter in /metrics")
    if refuse_nothing and result["refused"]:
        problems.append(f"{result['refused']} events refused at the sustained rate")
    return problems


def analyzed_events(out):
    report = subprocess.run([CAUSEWAY, "analyze", out, "--format", "json"],
                            capture_output=True, text=True)
    if report.returncode not in (0, 1):
        sys.exit(f"analyze {out} failed: {report.stderr}")
    return json.loads(report.stdout)["summary"]["events"]


def main():
    os.makedirs(WORK, exist_ok=True)
    probe = phase("probe", PROBE_SECONDS, None)
    rate = int(os.environ.get("RATE", "300000"))
    sustained = phase("sustained", SECONDS, rate)
    overload = phase("overload", SECONDS, 2 * rate, 2 * CLIENTS)
    small = phase("overload-small-memory", SECONDS // 2, 2 * rate, 4 * CLIENTS, "4M")
    phases = (probe, sustained, overload, small)
    problems = {
        "probe": check(probe, False),
        "sustained": check(sustained, True),
        "overload": check(overload, False),
        "overload-small-memory": check(small, False),
    }
    probe_analyzed = analyzed_events(probe["dir"])
    if probe_analyzed != probe["written"]:
        problems["probe"].append(f"analyze DIR read {probe_analyzed} of {probe['written']} events")

    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    rows = []
    for r in phases:
        offered = f"{r['offered_rate']:,}" if r["offered_rate"] else "as fast as answered"
        rows.append(
            f"| {r['name']} | {r['clients']} | {r['max_memory']} | {offered} | {r['seconds']:.1f} | {r['sent']:,} | "
            f"{r['acknowledged']:,} | {r['refused']:,} ({r['refused_requests']:,} requests) | "
            f"{r['failed']:,} | {r['written']:,} | {r['acknowledged_per_second']:,.0f} | "
            f"{r['latency_ms_p50']:.1f} / {r['latency_ms_p99']:.1f} | {r['peak_rss_mib']:.0f} | "
            f"{'ok' if not problems[r['name']] else '; '.join(problems[r['name']])} |"
        )
    page = f"""# `causeway collect` under load

Written by `bench/collect.sh`; do not edit by hand. Clients send over
keep-alive HTTP/1.1 (hyper, one tokio worker thread for all of them),
batches of {BATCH} events as JSON Lines (about 200 bytes an event), for
{SERVICES} services; the collector runs on the same {cpu}-core machine,
over loopback. An open-loop client that falls behind its schedule sends at
once, but each waits for one answer before its next request, so an
overloaded collector sees slower clients, not unbounded queues: "sent"
shows the load that was really offered. Each phase starts a fresh collector and directory and ends
with SIGTERM. "written" counts the lines in the files after the collector
exited; "ok" means written = acknowledged, sent = acknowledged + refused,
nothing failed, the collector exited 0, and (sustained) nothing was refused.
`causeway analyze DIR` read the probe's {probe['files']} files back as
{probe_analyzed:,} events.

| phase | clients | --max-memory | offered events/s | s | sent | acknowledged | refused (503) | failed | written | acknowledged/s | latency p50 / p99 ms | collector peak RSS MiB | check |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    with open(OUT, "w") as f:
        f.write(page)
    print(page)
    subprocess.run(["rm", "-rf", probe["dir"]], check=True)
    if any(problems.values()):
        sys.exit(1)


main()

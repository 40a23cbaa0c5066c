"""The `lost-update` detector on the Python bank example: a transfer that
holds the bank's lock for every access but reads the balance in one
critical section and writes it in another (`Bank.transfer_in_two_steps`),
with a second transfer forced between the two
(examples/python-bank/run_schedule.py split-transfer). There is no data
race, and the detector must name the stale write, the read it used and the
write it lost; the fixed bank, whose every update is one critical section,
must have none."""

from __future__ import annotations

import subprocess

from conftest import BANK_EXAMPLE, analyze, bank_location, record

def lost_updates(report):
    return [f for f in report["anomalies"] if f["code"] == "lost-update"]


def test_an_update_split_over_two_critical_sections_is_a_lost_update(tmp_path, causeway):
    trace = tmp_path / "split.jsonl"
    result = record(["run_schedule.py", "split-transfer"], trace, "--include", "bank.*", cwd=BANK_EXAMPLE, check=False)
    assert "InvariantViolation" in result.stderr, result.stderr

    status, report = analyze(causeway, trace)

    assert report["races"] == [], "every access holds the lock: no data race"
    found = lost_updates(report)
    assert len(found) == 1, report["anomalies"]
    finding = found[0]
    stale_write = bank_location("# BUG: balance may be stale")
    read = bank_location("balance = source.balance")
    assert f"at {read}" in finding["description"], finding["description"]
    assert finding["description"].endswith(f"the update at {stale_write} is lost"), finding["description"]
    assert "thread run_schedule/first read" in finding["description"]
    assert "thread run_schedule/second wrote" in finding["description"]
    assert status == 0, "a warning: it fails the build only under --fail-on anomaly"
    strict = subprocess.run([str(causeway), "analyze", str(trace), "--fail-on", "anomaly"], capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1, strict.stdout


def test_updates_inside_one_critical_section_are_not_lost_updates(tmp_path, causeway):
    trace = tmp_path / "fixed.jsonl"
    record(["run_bank.py", "--fixed"], trace, "--include", "bank.*", cwd=BANK_EXAMPLE)

    _, report = analyze(causeway, trace)

    assert lost_updates(report) == []
    assert report["summary"]["events"] > 500

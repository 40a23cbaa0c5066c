"""`causeway diff` on the Python bank example recorded under two schedules
(examples/python-bank/run_schedule.py): the run where the fee finishes
before the transfer passes, the run where the transfer slips between the
fee's read and write of a balance loses the transfer's update and fails the
audit. The diff must find that ordering, before the failure, on the balance
the fee and the transfer both change, and exit 1; two passing runs must
differ in no ordering before any failure (exit 0)."""

from __future__ import annotations

import json
import subprocess

from conftest import BANK_EXAMPLE, bank_location, record

def recorded(tmp_path, schedule: str, name: str, fails: bool):
    trace = tmp_path / f"{name}.jsonl"
    result = record(["run_schedule.py", schedule], trace, "--include", "bank.*", cwd=BANK_EXAMPLE, check=False)
    assert (result.returncode != 0) == fails, result.stderr
    if fails:
        assert "InvariantViolation" in result.stderr, result.stderr
    return trace


def diff(causeway, passing, failing):
    result = subprocess.run(
        [str(causeway), "diff", str(passing), str(failing), "--format", "json"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_the_lost_update_is_the_ordering_that_precedes_the_failure(tmp_path, causeway):
    passing = recorded(tmp_path, "fee-first", "passing", fails=False)
    failing = recorded(tmp_path, "lost-update", "failing", fails=True)

    status, report = diff(causeway, passing, failing)

    assert status == 1
    assert report["ordering_precedes_failure"] is True
    assert report["failure"]["what"].endswith("bank.accounts.Bank.audit"), report["failure"]
    fee = bank_location("# BUG: no lock")
    transfer_lines = {bank_location(t) for t in ("source.balance -= amount", "if source.balance < amount")}
    on_balance = [d for d in report["order"] if d["resource"].endswith(".balance")]
    assert on_balance, report["order"]
    # The fee's write and the transfer's access of the same balance swapped,
    # each run shown in its own order, the fee's thread against the
    # transfer's.
    swapped = [
        d
        for d in on_balance
        if d["precedes_failure"]
        and {d["passing"][0]["location"], d["passing"][1]["location"]} & transfer_lines
        and fee in {d["passing"][0]["location"], d["passing"][1]["location"]}
    ]
    assert swapped, on_balance
    first = swapped[0]
    assert first["passing"][0]["location"] == fee and first["passing"][0]["lane"].endswith("/fee")
    assert first["failing"][1]["location"] == fee and first["failing"][1]["lane"].endswith("/fee")
    # The books: the total the audit saw differs, and the audit raised only
    # in the failing run.
    fields = {(v["field"], v["passing"]["what"].split(" ")[1]) for v in report["values"]}
    assert ("exception", "bank.accounts.Bank.audit") in fields, report["values"]
    # Memory addresses in reprs are not differences.
    assert not any(" at 0x" in v["passing_value"] and v["passing_value"] == v["failing_value"] for v in report["values"])
    assert not any("<function" in v["passing_value"] for v in report["values"]), report["values"]


def test_two_passing_runs_differ_in_no_ordering(tmp_path, causeway):
    first = recorded(tmp_path, "fee-first", "first", fails=False)
    second = recorded(tmp_path, "fee-first", "second", fails=False)

    status, report = diff(causeway, first, second)

    assert status == 0, report["order"]
    assert report["failure"] is None
    assert report["order"] == []

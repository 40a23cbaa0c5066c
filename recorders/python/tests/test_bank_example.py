"""End to end: examples/python-bank recorded and analyzed by the real
binary. The racy variant must report the race on a balance with both source
lines and exit 1; the fixed one must exit 0 with no race."""

from __future__ import annotations

import re

from conftest import BANK_EXAMPLE, analyze, bank_location, read_events, record

def test_racy_bank_reports_the_unlocked_fee_against_the_locked_transfer(tmp_path, causeway, event_validator):
    trace = tmp_path / "racy.jsonl"
    record(["run_bank.py"], trace, "--include", "bank.*", cwd=BANK_EXAMPLE)
    event_validator(read_events(trace))

    status, report = analyze(causeway, trace)

    assert status == 1
    fee = bank_location('# BUG: no lock')
    transfer_lines = {bank_location(text) for text in ("source.balance -= amount", "target.balance += amount", "if source.balance < amount")}
    races = report["races"]
    assert races, "the unlocked fee must race with the transfers"
    for race in races:
        assert re.fullmatch(r"Account#\d+\.balance", race["variable"]), race["variable"]
        assert fee in race["locations"], race["locations"]  # every race involves the bug
    pairs = {tuple(race["locations"]) for race in races}
    assert any(set(p) - {fee} <= transfer_lines and set(p) != {fee} for p in pairs), pairs
    # The report shows both accesses with their threads and causal chains.
    example = races[0]["accesses"]
    assert {a["thread"] for a in example} <= {f"teller-{i}" for i in range(4)}
    assert len({a["thread"] for a in example}) == 2


def test_fixed_bank_has_no_race(tmp_path, causeway):
    trace = tmp_path / "fixed.jsonl"
    record(["run_bank.py", "--fixed"], trace, "--include", "bank.*", cwd=BANK_EXAMPLE)

    status, report = analyze(causeway, trace)

    assert status == 0
    assert report["races"] == []
    assert report["summary"]["racy_events"] == 0
    assert report["summary"]["events"] > 500  # it did record the run


def test_replay_tests_generated_from_the_bank_trace_pass(tmp_path, causeway):
    """`causeway gen-tests` on the recorded bank writes pytest tests that
    pass against the example; the calls it cannot replay (methods of a bank
    that holds a lock) are listed, not silently dropped."""
    import subprocess
    import sys

    trace = tmp_path / "fixed.jsonl"
    record(["run_bank.py", "--fixed"], trace, "--include", "bank.*", cwd=BANK_EXAMPLE)
    out = tmp_path / "replay"
    generated = subprocess.run(
        [str(causeway), "gen-tests", str(trace), "--all-traces", "--root", str(BANK_EXAMPLE), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 0, generated.stderr
    assert "skipped bank.accounts.Bank.transfer" in generated.stdout + generated.stderr
    tests = sorted(out.glob("test_*.py"))
    assert tests, generated.stdout + generated.stderr

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    passed = re.search(r"(\d+) passed", run.stdout)
    assert passed and int(passed.group(1)) >= 1, run.stdout

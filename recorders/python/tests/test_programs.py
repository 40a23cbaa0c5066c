"""The conformance suite (recorders/conformance.md): programs with
threads, locks, queues, asyncio tasks and thread pools are recorded and
analyzed by the real `causeway` binary: the races it reports must be exactly
the unsynchronized accesses, at the right file and line.

Each program `programs/NAME.py` marks its lines with `# [name]` comments; its
sibling `NAME.expect.json` names the races by marker. The JavaScript and Rust
recorders check their programs with the same format.
"""

from __future__ import annotations

import pytest

import conformance
from conftest import PROGRAMS, analyze, read_events, record

CONFORMANCE = conformance.programs(PROGRAMS, ".py")


@pytest.mark.parametrize("program", CONFORMANCE, ids=lambda path: path.name)
def test_races_are_exactly_the_unsynchronized_accesses(program, tmp_path, causeway, event_validator):
    trace = tmp_path / "trace.jsonl"
    record([program.name], trace, cwd=program.parent)
    events = read_events(trace)
    event_validator(events)

    status, report = analyze(causeway, trace)

    conformance.check_report(program, status, report)
    assert report["diagnostics"] == []


@pytest.mark.parametrize("program", CONFORMANCE, ids=lambda path: path.name)
def test_given_clocks_find_the_same_races(program, tmp_path, causeway):
    """With --clocks the analyzer uses the recorder's vector clocks instead
    of deriving its own: the races must not change."""
    trace = tmp_path / "trace.jsonl"
    record([program.name], trace, "--clocks", cwd=program.parent)
    events = read_events(trace)
    assert all("causality_vector" in event for event in events)

    status, report = analyze(causeway, trace)

    assert report["summary"]["clocks"] == "given"
    conformance.check_report(program, status, report)
    assert report["summary"]["warnings"] == 0


def test_the_suite_covers_every_program():
    """Every program in programs/ is checked, except the modules the
    programs import; every expectation names markers its program has."""
    helpers = {"shared_settings.py"}
    checked = {program.name for program in CONFORMANCE}
    assert checked | helpers == {path.name for path in PROGRAMS.glob("*.py")}
    for program in CONFORMANCE:
        conformance.expected_races(program)


def test_program_behaviour_is_unchanged_and_thread_errors_are_recorded(tmp_path):
    trace = tmp_path / "trace.jsonl"
    result = record(["threads_misc.py"], trace)
    # The priority queue still orders its (wrapped) items.
    assert "['job-1', 'job-2', 'job-3']" in result.stdout
    assert "[0, 1] 2 2" in result.stdout
    assert "ValueError: worker failed" in result.stderr  # threading's own report still runs
    errors = [e for e in read_events(trace) if e["kind"] == "error"]
    assert len(errors) == 1
    assert errors[0]["metadata"]["thread"] == "failing"
    assert errors[0]["metadata"]["error_type"] == "ValueError"
    assert errors[0]["metadata"]["message"] == "worker failed"

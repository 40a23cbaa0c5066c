"""Programs with threads, locks, queues, asyncio tasks and thread pools are
recorded and analyzed by the real `causeway` binary: the races it reports
must be exactly the unsynchronized accesses, at the right file and line.

Each program marks its lines with `# [name]` comments; the expectations
below name lines by marker.
"""

from __future__ import annotations

import pytest

from conftest import PROGRAMS, analyze, pair, race_groups, read_events, record

CASES = {
    "threads_counter.py": {("threads_counter.hits", ("unlocked", "unlocked"))},
    "threads_sync.py": {("Box#1.stop", ("poll", "stop"))},
    "queues_pipeline.py": {("queues_pipeline.tally['done']", ("tally", "tally"))},
    "asyncio_tasks.py": {
        ("Wallet#1.balance", ("read", "write")),
        ("Wallet#1.balance", ("write", "write")),
    },
    "asyncio_variants.py": {("Shared#1.counter", ("bump", "bump"))},
    "threads_misc.py": {
        ("threads_misc.Tally.count", ("class-bump", "class-bump")),
        ("Pool#1.inside", ("sem-bump", "sem-bump")),
        ("Flag#1.value", ("flag-read", "flag-write")),
    },
    "cross_module.py": {("shared_settings.hits", ("racy", "racy"))},
    "futures_signals.py": {("Box#1.unawaited", ("unawaited-read", "unawaited-write"))},
    "futures_pool.py": {("futures_pool.processed", ("bump", "bump"))},
    "closure_counter.py": {("closure_counter.count_in_threads.<locals>.count", ("bump", "bump"))},
}


@pytest.mark.parametrize("program", sorted(CASES))
def test_races_are_exactly_the_unsynchronized_accesses(program, tmp_path, causeway, event_validator):
    path = PROGRAMS / program
    trace = tmp_path / "trace.jsonl"
    record([program], trace)
    events = read_events(trace)
    event_validator(events)

    status, report = analyze(causeway, trace)

    expected = {(variable, pair(path, *markers)) for variable, markers in CASES[program]}
    assert race_groups(report) == expected
    assert status == 1
    assert report["summary"]["bad_lines"] == 0
    assert report["diagnostics"] == []


@pytest.mark.parametrize("program", sorted(CASES))
def test_given_clocks_find_the_same_races(program, tmp_path, causeway):
    """With --clocks the analyzer uses the recorder's vector clocks instead
    of deriving its own: the races must not change."""
    path = PROGRAMS / program
    trace = tmp_path / "trace.jsonl"
    record([program], trace, "--clocks")
    events = read_events(trace)
    assert all("causality_vector" in event for event in events)

    _status, report = analyze(causeway, trace)

    assert report["summary"]["clocks"] == "given"
    expected = {(variable, pair(path, *markers)) for variable, markers in CASES[program]}
    assert race_groups(report) == expected
    assert report["summary"]["warnings"] == 0


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

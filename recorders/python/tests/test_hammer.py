"""The recorder never breaks the program it records: values that other
threads are changing, a `__repr__` that raises, self-referencing and huge
objects are encoded as `$repr`/`$error` markers, and an exception inside
the recorder itself is kept from the program (and not reported as the
program's error)."""

from __future__ import annotations

import sys
from pathlib import Path

from causeway_recorder.recorder import RECORDER
from causeway_recorder.values import ValueEncoder
from causeway_recorder.objects import ObjectRegistry
from conftest import analyze, read_events, record
from test_rewrite import run_both

HAMMER = Path(__file__).resolve().parent / "hammer" / "shared_state.py"


def plain_run(tmp_path: Path):
    import subprocess

    return subprocess.run([sys.executable, str(HAMMER)], cwd=str(tmp_path), capture_output=True, text=True, timeout=120)


def test_threads_hammering_shared_containers_get_the_same_outcome_recorded(tmp_path, causeway):
    expected = plain_run(tmp_path)
    assert expected.returncode == 0, expected.stderr
    assert "failures []" in expected.stdout
    for attempt in range(3):  # the interleavings differ from run to run
        trace = tmp_path / f"trace-{attempt}.jsonl"
        recorded = record([str(HAMMER)], trace, cwd=tmp_path, check=False)
        assert (recorded.returncode, recorded.stdout) == (0, expected.stdout), recorded.stderr
        assert "internal error" not in recorded.stderr
        events = read_events(trace)
        assert not [e for e in events if e["kind"] == "error"]
        assert not [e for e in events if e["kind"] == "custom" and e["metadata"]["name"] == "causeway.recorder_error"], "the recorder failed inside"
        text = trace.read_text(encoding="utf-8")
        assert "<repr failed: RuntimeError>" in text  # Broken's __repr__
        assert "<int of 16610 bits>" in text  # 10**5000, never turned into digits
        _status, report = analyze(causeway, trace)
        assert report["summary"]["bad_lines"] == 0
        assert report["summary"]["errors"] == 0


class Exploding(ValueEncoder):
    """An encoder with a bug: what becomes of the value is an `$error`."""

    def describe(self, value):
        raise RuntimeError("changed during iteration")


class Huge:
    def __repr__(self):
        return "x" * 10_000_000


def test_values_that_cannot_be_encoded_become_markers():
    encoder = ValueEncoder(ObjectRegistry(), None)
    loop = []
    loop.append(loop)
    assert encoder.encode(loop) == [[[{"$repr": "<list of 1 items>", "$type": "list"}]]]
    assert encoder.encode(10**5000) == {"$repr": "<int of 16610 bits>", "$type": "int"}
    assert encoder.encode(b"y" * 10**6)["$repr"].endswith("…")
    assert len(encoder.encode(Huge())["$repr"]) <= 201
    assert encoder.encode(set(range(10**5))) == {"$repr": "<set of 100000 items>", "$type": "set"}
    assert Exploding(ObjectRegistry(), None).encode([1, object()]) == [1, {"$error": "RuntimeError: changed during iteration", "$type": "object"}]


def test_an_error_inside_the_recorder_is_kept_from_the_program(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the recorder")

    monkeypatch.setattr(RECORDER, "attr_read", broken)
    monkeypatch.setattr(RECORDER, "container_access", broken)
    source = """
    import threading

    class Box:
        def __init__(self):
            self.items = []

    box = Box()
    lock = threading.Lock()

    def work(n):
        with lock:
            box.items.append(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    RESULT = sorted(box.items)
    """
    plain, rewritten, events = run_both(tmp_path, source)
    assert rewritten["RESULT"] == plain["RESULT"] == [0, 1, 2]
    assert not [e for e in events if e["kind"] == "error"]
    errors = [e for e in events if e["kind"] == "custom" and e["metadata"]["name"] == "causeway.recorder_error"]
    assert errors and errors[0]["metadata"]["data"]["where"] == "test_hammer.py:" + str(broken.__code__.co_firstlineno + 1)
    assert errors[0]["metadata"]["data"]["message"] == "a bug in the recorder"
    # What did not fail is still recorded.
    assert [e for e in events if e["kind"] == "function_entry" and e["metadata"]["function"] == "sample.work"]

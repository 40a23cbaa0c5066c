"""`pytest --causeway-out=DIR`: one trace per test, the test named in every
event, failures recorded as errors, the code under test instrumented."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import analyze, read_events

PROJECT = {
    "shop/__init__.py": "",
    "shop/cart.py": '''
import threading

class Cart:
    def __init__(self):
        self.total = 0
        self.lock = threading.Lock()

    def add(self, price):
        with self.lock:
            self.total += price
        return self.total

    def add_unlocked(self, price):
        self.total += price
''',
    "conftest.py": '''
import shop.cart  # imported early, before any test: must still be instrumented
''',
    "test_shop.py": '''
import threading
from shop.cart import Cart

def test_adds():
    cart = Cart()
    assert cart.add(3) == 3

def test_total_is_wrong():
    cart = Cart()
    cart.add(2)
    assert cart.total == 5, "total should be 5"

def test_raises():
    raise KeyError("missing sku")

def test_skipped():
    import pytest
    pytest.skip("not today")

import pytest

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_uses_broken_fixture(broken):
    pass

def test_racy_threads():
    cart = Cart()
    threads = [threading.Thread(target=cart.add_unlocked, args=(1,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
''',
}


def make_project(pytester) -> None:
    for name, text in PROJECT.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))


def traces_by_test(directory: Path) -> dict:
    traces = {}
    for path in sorted(directory.glob("*.jsonl")):
        events = read_events(path)
        tests = {e["metadata"]["test"] for e in events}
        assert len(tests) == 1, f"{path.name} mixes tests: {tests}"
        traces[tests.pop()] = (path, events)
    return traces


def test_one_trace_per_test_with_failures_as_errors(pytester, causeway, event_validator):
    make_project(pytester)
    out = pytester.path / "traces"
    result = pytester.runpytest_subprocess(f"--causeway-out={out}", "--causeway-include=shop.*", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2, skipped=1, errors=1)

    traces = traces_by_test(out)
    assert set(traces) == {
        "test_shop.py::test_adds",
        "test_shop.py::test_total_is_wrong",
        "test_shop.py::test_raises",
        "test_shop.py::test_skipped",
        "test_shop.py::test_uses_broken_fixture",
        "test_shop.py::test_racy_threads",
    }
    trace_ids = set()
    for _test, (_path, events) in traces.items():
        event_validator(events)
        ids = {e["trace_id"] for e in events}
        assert len(ids) == 1
        trace_ids |= ids
    assert len(trace_ids) == 6  # each test its own trace

    # The code under test is rewritten (conftest imported it before any test).
    _path, adds = traces["test_shop.py::test_adds"]
    assert any(e["kind"] == "function_entry" and e["metadata"]["function"] == "shop.cart.Cart.add" for e in adds)
    assert any(e["kind"] == "lock_acquire" for e in adds)
    assert not any(e["kind"] == "error" for e in adds)
    root = adds[0]
    assert root["kind"] == "function_entry" and root["metadata"]["function"] == "test_shop.test_adds"

    _path, wrong = traces["test_shop.py::test_total_is_wrong"]
    errors = [e for e in wrong if e["kind"] == "error"]
    assert len(errors) == 1
    assert errors[0]["metadata"]["error_type"] == "AssertionError"
    assert "total should be 5" in errors[0]["metadata"]["message"]
    assert errors[0]["parent_id"] == wrong[0]["id"]  # below the test's own entry
    assert errors[0]["metadata"]["stack"][0]["file"] == "test_shop.py"

    _path, skipped = traces["test_shop.py::test_skipped"]
    assert not any(e["kind"] == "error" for e in skipped)  # a skip is not a failure

    _path, broken = traces["test_shop.py::test_uses_broken_fixture"]
    fixture_errors = [e for e in broken if e["kind"] == "error"]
    assert len(fixture_errors) == 1
    assert fixture_errors[0]["metadata"]["message"] == "fixture broke"
    assert fixture_errors[0]["metadata"]["phase"] == "setup"

    _path, raises = traces["test_shop.py::test_raises"]
    error = next(e for e in raises if e["kind"] == "error")
    assert error["metadata"]["error_type"] == "KeyError"
    assert "missing sku" in error["metadata"]["message"]


def test_traces_analyze_as_expected(pytester, causeway):
    make_project(pytester)
    out = pytester.path / "traces"
    pytester.runpytest_subprocess(f"--causeway-out={out}", "--causeway-include=shop.*", "-p", "no:cacheprovider")
    traces = traces_by_test(out)

    status, report = analyze(causeway, traces["test_shop.py::test_racy_threads"][0])
    assert status == 1
    assert {(r["variable"], tuple(r["locations"])) for r in report["races"]} == {("Cart#1.total", ("shop/cart.py:14", "shop/cart.py:14"))}

    status, report = analyze(causeway, traces["test_shop.py::test_adds"][0])
    assert status == 0 and report["races"] == []

    _status, report = analyze(causeway, traces["test_shop.py::test_total_is_wrong"][0])
    assert [e["message"] for e in report["errors"]] == [json.loads(json.dumps(report["errors"][0]["message"]))]
    assert "total should be 5" in report["errors"][0]["message"]


def test_sampling_keeps_or_drops_whole_traces(pytester):
    make_project(pytester)
    none = pytester.path / "none"
    pytester.runpytest_subprocess(f"--causeway-out={none}", "--causeway-sample=0", "-p", "no:cacheprovider")
    assert not list(none.glob("*.jsonl")) if none.exists() else True

    many = "\n".join(f"def test_{i}():\n    from shop.cart import Cart\n    Cart().add({i})\n" for i in range(40))
    (pytester.path / "test_many.py").write_text(many)
    half = pytester.path / "half"
    pytester.runpytest_subprocess(f"--causeway-out={half}", "--causeway-sample=0.5", "-p", "no:cacheprovider", "test_many.py")
    files = list(half.glob("*.jsonl"))
    assert 3 <= len(files) <= 37  # 40 coin flips; bounds fail with probability < 1e-8
    for path in files:
        events = read_events(path)
        # A sampled test's trace is whole: it opens with the test and closes it.
        assert events[0]["kind"] == "function_entry" and events[-1]["kind"] == "function_exit"
        assert events[-1]["parent_id"] == events[0]["id"]


def test_without_the_option_nothing_is_recorded(pytester):
    make_project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_shop.py::test_adds")
    result.assert_outcomes(passed=1)
    assert not list(pytester.path.rglob("*.jsonl"))


def test_tests_run_the_same_with_and_without_recording(pytester):
    make_project(pytester)
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    recorded = pytester.runpytest_subprocess(f"--causeway-out={pytester.path / 'traces'}", "-p", "no:cacheprovider")
    assert plain.parseoutcomes() == recorded.parseoutcomes()

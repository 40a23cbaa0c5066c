"""The rewrite keeps real code working: pure-Python modules of the standard
library, rewritten and recorded, still pass CPython's own tests for them.

(The import hook never rewrites the standard library; this test does it by
hand because those modules come with thorough tests.)"""

from __future__ import annotations

import importlib
import importlib.util
import io
import sys
import types
import unittest

import pytest

from causeway_recorder.config import RecorderConfig
from causeway_recorder.hook import compile_instrumented
from causeway_recorder.recorder import RECORDER
from conftest import read_events

MODULES = ["textwrap", "fractions", "shlex", "string", "colorsys", "graphlib"]


@pytest.mark.parametrize("name", MODULES)
def test_cpython_tests_pass_on_the_rewritten_module(name, tmp_path, monkeypatch):
    tests = pytest.importorskip(f"test.test_{name}", reason="CPython's test package is not installed")
    spec = importlib.util.find_spec(name)
    source = open(spec.origin, encoding="utf-8").read()
    rewritten = types.ModuleType(name)
    rewritten.__file__ = spec.origin
    trace = tmp_path / "trace.jsonl"
    RECORDER.begin(RecorderConfig(out=str(trace), root=str(tmp_path), service="stdlib"))
    try:
        exec(compile_instrumented(source, spec.origin, name, name), rewritten.__dict__)
        monkeypatch.setitem(sys.modules, name, rewritten)
        # Reload the tests so that they bind the rewritten module.
        tests = importlib.reload(tests)
        assert getattr(tests, name, rewritten) is rewritten or name not in vars(tests)
        suite = unittest.defaultTestLoader.loadTestsFromModule(tests)
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    finally:
        RECORDER.end()
        sys.modules.pop(f"test.test_{name}", None)
    problems = [f"{test}: {text.strip().splitlines()[-1]}" for test, text in result.failures + result.errors]
    assert not problems, problems
    assert result.testsRun > 0
    events = read_events(trace)
    assert any(e["kind"] == "function_entry" and e["metadata"]["module"] == name for e in events)


def test_strings_that_utf8_cannot_encode_do_not_break_the_program(tmp_path):
    source = 'class Box:\n    pass\nbox = Box()\nbox.name = "caf\\udce9"\n'
    path = tmp_path / "surrogates.py"
    path.write_text(source)
    trace = tmp_path / "trace.jsonl"
    RECORDER.begin(RecorderConfig(out=str(trace), root=str(tmp_path)))
    try:
        exec(compile_instrumented(source, str(path), "surrogates", "surrogates"), {"__name__": "surrogates"})
    finally:
        RECORDER.end()
    write = next(e for e in read_events(trace) if e["kind"] == "state_write" and e["metadata"]["variable"] == "Box#1.name")
    assert write["metadata"]["value"] == "caf?"

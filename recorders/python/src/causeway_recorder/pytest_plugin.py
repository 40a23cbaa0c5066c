"""pytest plugin: `pytest --causeway-out=traces/` writes one trace per test.

Each test gets its own trace file (`traces/<test id>.jsonl`) and trace id.
The test itself is the root of its trace: a `function_entry` for the test
function (with `metadata.test` set to the test's node id on every event)
opens it, and a failing test's assertion or exception is recorded as an
`error` event, hung below the call where the exception was first seen when
that call was recorded.

The import hook is installed before conftest files are imported, so the
code under test is rewritten however early the tests import it. Test
modules themselves are left to pytest's assertion rewriting.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

import pytest

from .config import RecorderConfig
from .lines import current_line
from .recorder import RECORDER
from .session import begin, end, instrument, sampled



def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("causeway", "Causeway trace recording")
    group.addoption("--causeway-out", metavar="DIR", default=None, help="record one Causeway trace per test into DIR")
    group.addoption("--causeway-include", action="append", default=[], metavar="PATTERN", help="modules to instrument (default: the project's files under the rootdir, tests excluded)")
    group.addoption("--causeway-exclude", action="append", default=[], metavar="PATTERN", help="modules or paths never to instrument")
    group.addoption("--causeway-service", default=None, help="service name in events (default: the rootdir's name)")
    group.addoption("--causeway-clocks", action="store_true", default=False, help="write vector clocks on every event")
    group.addoption("--causeway-sample", type=float, default=1.0, metavar="RATE", help="record each test with probability RATE")
    group.addoption("--causeway-redact", action="append", default=[], metavar="REGEX", help="also redact values whose names match REGEX")


def _config_from(options: Any, rootdir: str) -> Optional[RecorderConfig]:
    out = getattr(options, "causeway_out", None)
    if not out:
        return None
    return RecorderConfig(
        out=out,
        include=tuple(options.causeway_include),
        # Test modules belong to pytest's own rewriting, never to ours.
        exclude=tuple(options.causeway_exclude) + ("test_*.py", "*_test.py", "conftest.py"),
        service=options.causeway_service or os.path.basename(os.path.abspath(rootdir)) or "tests",
        root=os.path.abspath(rootdir),
        clocks=options.causeway_clocks,
        sample=options.causeway_sample,
        redact=tuple(options.causeway_redact),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    config = _config_from(early_config.known_args_namespace, str(early_config.rootpath) if hasattr(early_config, "rootpath") else os.getcwd())
    if config is not None:
        instrument(config)


def pytest_configure(config: Any) -> None:
    recorder_config = _config_from(config.option, str(config.rootpath))
    if recorder_config is None:
        return
    instrument(recorder_config)  # idempotent; covers -p / plugins loaded late
    config._causeway = recorder_config


def _trace_path(directory: str, nodeid: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_") or "test"
    return os.path.join(directory, name[:200] + ".jsonl")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any):
    recorder_config: Optional[RecorderConfig] = getattr(item.config, "_causeway", None)
    if recorder_config is None or not sampled(recorder_config.sample):
        yield
        return
    begin(recorder_config, out=_trace_path(recorder_config.out, item.nodeid), extra={"test": item.nodeid})
    try:
        yield
    finally:
        end()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any):
    if not RECORDER.active:
        yield
        return
    function = getattr(item, "function", None)
    module = getattr(getattr(item, "module", None), "__name__", "")
    name = getattr(function, "__qualname__", item.name)
    site = {
        "function": f"{module}.{name}" if module else name,
        "module": module,
        "file": RECORDER.relative_path(str(item.path)) if hasattr(item, "path") else item.location[0],
        "line": (item.location[1] or 0) + 1,
        "args": [],
        "kwargs": {},
    }
    line = current_line()
    entry = RECORDER.emit("function_entry", line, site, line.parent())
    if entry is not None:
        line.stack.append(entry)
    outcome = yield
    excinfo = outcome.excinfo
    if entry is not None and entry in line.stack:
        line.stack.remove(entry)
    if excinfo is not None and entry is not None and _is_failure(excinfo[1]):
        error = excinfo[1]
        RECORDER.error(error, parent=entry)
        fields = {"function": site["function"], "exception": {"type": type(error).__name__, "message": str(error)[:1000]}}
        RECORDER.emit("function_exit", line, fields, entry)
    elif entry is not None:
        RECORDER.emit("function_exit", line, {"function": site["function"], "return_value": None}, entry)



def _is_failure(error: BaseException) -> bool:
    """A skip or an expected failure ends a test without failing it."""
    return not isinstance(error, (pytest.skip.Exception, pytest.xfail.Exception))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any):
    outcome = yield
    report = outcome.get_result()
    # Failures of the test itself are recorded by pytest_runtest_call; a
    # fixture that fails in setup or teardown is recorded here.
    if RECORDER.active and call.when != "call" and report.failed and call.excinfo is not None:
        error = call.excinfo.value
        if _is_failure(error):
            RECORDER.error(error, extra={"phase": call.when})

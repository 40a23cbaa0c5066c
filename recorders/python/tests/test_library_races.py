"""The proof on a real library nobody here wrote (issue 13): four threads
share one `cachetools.LRUCache`, without a lock (lru_unlocked.py) and with
one (lru_locked.py), recorded with `--include 'cachetools*'` as a user
would. The locked run has no race; the unlocked one races inside
cachetools; the recorder breaks neither.

Each program is recorded and analyzed once per test session (`runs`);
further checks of the same recordings (race sites, blame in the user's
code, generated tests) are new test functions taking `runs`:

    def test_sites(runs):
        report = runs["unlocked"].report
        ...
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

import conformance
from conftest import analyze, read_events, record

LIBRARY = Path(__file__).resolve().parent / "library"
PROGRAMS = {"unlocked": "lru_unlocked.py", "locked": "lru_locked.py"}
ROUNDS = "60"
RECORDER_FILES = f"{os.sep}causeway_recorder{os.sep}"


def _require_cachetools() -> None:
    try:
        import cachetools  # noqa: F401  (installed by ci.sh into the venv)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("cachetools is not installed: recorders/python/ci.sh installs it")
        pytest.skip("cachetools is not installed (pip install cachetools)")


@dataclass
class LibraryRun:
    """One recorded and analyzed run of a library program."""

    program: Path
    #: The recorded process (exit code, stdout, stderr).
    process: subprocess.CompletedProcess
    events: List[dict]
    #: `causeway analyze --format json`: exit code and report.
    status: int
    report: dict
    #: The same program run without the recorder.
    plain: subprocess.CompletedProcess = field(repr=False, default=None)  # type: ignore[assignment]

    def race_pairs(self) -> Set[Tuple[str, str]]:
        """The distinct (sorted) location pairs of the report's races."""
        return {tuple(sorted(race["locations"])) for race in self.report["races"]}  # type: ignore[misc]

    def recorder_failures(self) -> List[dict]:
        """Events that say the recorder failed: its own error events, and
        error events whose stack runs through the recorder."""
        found = []
        for event in self.events:
            metadata = event["metadata"]
            if event["kind"] == "custom" and metadata.get("name") == "causeway.recorder_error":
                found.append(event)
            elif event["kind"] == "error" and any(RECORDER_FILES in frame.get("file", "") for frame in metadata.get("stack", [])):
                found.append(event)
        return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory, causeway) -> Dict[str, LibraryRun]:
    _require_cachetools()
    out = tmp_path_factory.mktemp("library")
    found = {}
    for name, program in PROGRAMS.items():
        path = LIBRARY / program
        trace = out / f"{name}.jsonl"
        stem = path.stem
        process = record([program, ROUNDS], trace, "--include", "cachetools*", "--include", stem, cwd=LIBRARY, check=False)
        plain = subprocess.run([sys.executable, program, ROUNDS], cwd=str(LIBRARY), capture_output=True, text=True, timeout=120)
        status, report = analyze(causeway, trace)
        found[name] = LibraryRun(path, process, read_events(trace), status, report, plain)
    return found


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_recorder_does_not_break_the_program(runs, name):
    run = runs[name]
    assert run.process.returncode == 0, run.process.stderr
    assert run.process.stdout.startswith("done 4 True"), run.process.stdout
    assert "Traceback" not in run.process.stderr, run.process.stderr
    assert "internal error" not in run.process.stderr
    assert run.recorder_failures() == []
    assert run.report["summary"]["bad_lines"] == 0
    # cachetools itself was recorded, not only the script.
    assert any(e["metadata"].get("function", "").startswith("cachetools.") for e in run.events if e["kind"] == "function_entry")


def test_the_locked_program_computes_what_it_computes_unrecorded(runs):
    run = runs["locked"]
    assert run.plain.returncode == 0, run.plain.stderr
    assert run.process.stdout == run.plain.stdout


def test_the_locked_run_has_no_race(runs):
    report = runs["locked"].report
    assert report["races"] == []
    assert report["summary"]["races"] == 0


def test_the_unlocked_run_races_inside_cachetools(runs):
    run = runs["unlocked"]
    assert run.status == 1
    assert run.report["races"], "no race found in the unlocked program"
    library = f"cachetools{os.sep}__init__.py:"
    inside = [pair for pair in run.race_pairs() if all(library in location for location in pair)]
    assert inside, sorted(run.race_pairs())
    # Every racing access is inside cachetools or on the program's own
    # lines that use the cache: the races are the cache's, nothing else.
    markers = conformance.marker_lines(run.program)
    own = {f"{run.program.name}:{markers[name]}" for name in ("get", "store")}
    outside = {location for pair in run.race_pairs() for location in pair if library not in location}
    assert outside <= own, sorted(outside)
    # The LRU order's move_to_end (a container method) is one of the writes.
    variables = {race["variable"] for race in run.report["races"]}
    assert "LRUCache#1._LRUCache__order[:]" in variables, sorted(variables)


def test_one_site_per_pair_of_code_locations(runs):
    report = runs["unlocked"].report
    sites = report["race_sites"]
    assert report["summary"]["race_sites"] == len(sites)
    # A site is an unordered pair of code locations; the per-variable
    # groups of `races` collapse into them.
    assert len(sites) == len(runs["unlocked"].race_pairs())
    assert len(sites) < len(report["races"]), "every key of the cache became its own site"
    for site in sites:
        assert site["racy_events"] >= 1
        assert len(site["variables"]) >= 1
        assert site["pattern"]


def test_blame_lands_on_the_programs_own_lines(runs):
    run = runs["unlocked"]
    for site in run.report["race_sites"]:
        for location in site["primary"]:
            # The call into the library, in the test's own program, and
            # relative: what code scanning can map to the repository.
            assert not os.path.isabs(location), location
            assert location.split(":")[0].endswith(run.program.name), site


def test_the_locked_run_reports_contention_not_stalls(runs):
    report = runs["locked"].report
    codes = [anomaly["code"] for anomaly in report["anomalies"]]
    assert "thread-stall" not in codes, report["anomalies"]
    # Four threads take one lock in turn: that is contention, reported once
    # for the lock.
    assert codes.count("lock-contention") <= 1, codes
    # No call inside cachetools is an outlier: a slow library call is the
    # program's call into it.
    library = f"cachetools{os.sep}"
    assert all(library not in anomaly["location"] for anomaly in report["anomalies"] if anomaly["code"] == "outlier-call"), report["anomalies"]


@dataclass
class Generated:
    """`causeway gen-tests --race-tests` on one run, and pytest on its files."""

    stdout: str
    #: pytest's outcome per generated test (passed, failed, skipped, error).
    outcomes: Dict[str, str]
    #: The reason of each skipped test.
    skip_reasons: Dict[str, str]
    pytest_output: str

    def count(self, outcome: str, prefix: str = "") -> int:
        return sum(1 for name, o in self.outcomes.items() if o == outcome and name.startswith(prefix))


def _pytest_outcomes(junit: Path) -> Tuple[Dict[str, str], Dict[str, str]]:
    import xml.etree.ElementTree as ET

    outcomes, reasons = {}, {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
                if child.tag == "skipped":
                    reasons[name] = child.get("message", "")
        outcomes[name] = outcome
    return outcomes, reasons


@pytest.fixture(scope="module")
def generated(runs, causeway, tmp_path_factory) -> Dict[str, Generated]:
    found = {}
    for name in PROGRAMS:
        out = tmp_path_factory.mktemp(f"generated-{name}")
        trace = out.parent / f"{name}.jsonl"
        trace.write_text("".join(json.dumps(event) + "\n" for event in runs[name].events))
        gen = subprocess.run(
            [str(causeway), "gen-tests", str(trace), "--race-tests", "--root", str(LIBRARY), "-o", str(out / "tests")],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert gen.returncode == 0, gen.stderr
        junit = out / "junit.xml"
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", str(out / "tests")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        outcomes, reasons = _pytest_outcomes(junit)
        found[name] = Generated(gen.stdout, outcomes, reasons, ran.stdout + ran.stderr)
    return found


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_generated_replay_tests_pass_on_the_recorded_behaviour(generated, name):
    run = generated[name]
    replays = {test: outcome for test, outcome in run.outcomes.items() if ".test_replay_" in f".{test}"}
    # None asserts an outcome the race made (a KeyError another schedule
    # would not raise): every replay passes.
    assert all(outcome == "passed" for outcome in replays.values()), run.pytest_output
    if name == "locked":
        # The locked program's calls replay: lookup() and worker().
        assert len(replays) >= 10, (run.stdout, run.pytest_output)


def test_the_race_stress_tests_run_rather_than_skip(generated):
    run = generated["unlocked"]
    stress = {test: outcome for test, outcome in run.outcomes.items() if "test_races" in test}
    assert len(stress) >= 10, (run.stdout, run.pytest_output)
    skipped = {test: run.skip_reasons[test] for test, outcome in stress.items() if outcome == "skipped"}
    # A race on the cache's size counter between two calls that are not both
    # methods of the cache is the one kind still skipped (the test cannot
    # rebuild the object): at most a few.
    assert len(skipped) <= max(2, len(stress) // 50), skipped
    assert all("not both methods of its object" in reason for reason in skipped.values()), skipped
    assert all(outcome in ("passed", "failed") for test, outcome in stress.items() if test not in skipped), run.pytest_output

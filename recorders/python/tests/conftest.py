"""Shared helpers: record a program in a subprocess, read its trace, check
it against the JSON Schema, and run the real `causeway` binary on it.

Programs are recorded in a child interpreter (`python -m causeway_recorder`)
so that the patches and the import hook never leak into the test process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

TESTS = Path(__file__).resolve().parent
PROGRAMS = TESTS / "programs"
RECORDER_ROOT = TESTS.parent
REPO_ROOT = RECORDER_ROOT.parent.parent
SCHEMA = REPO_ROOT / "schema" / "event.schema.json"
BANK_EXAMPLE = REPO_ROOT / "examples" / "python-bank"


def bank_location(text: str) -> str:
    """`bank/accounts.py:N` of the bank example's line that contains `text`."""
    accounts = BANK_EXAMPLE / "bank" / "accounts.py"
    for number, line in enumerate(accounts.read_text().splitlines(), start=1):
        if text in line:
            return f"bank/accounts.py:{number}"
    raise AssertionError(f"{text!r} not in {accounts}")

pytest_plugins = ["pytester"]


def read_events(path: Path) -> List[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def record(
    target: Sequence[str],
    out: Path,
    *options: str,
    cwd: Optional[Path] = None,
    check: bool = True,
    env: Optional[Dict[str, str]] = None,
) -> subprocess.CompletedProcess:
    """Run `python -m causeway_recorder OPTIONS --out OUT -- TARGET...`."""
    command = [sys.executable, "-m", "causeway_recorder", "--quiet", "--out", str(out), *options, "--", *target]
    result = subprocess.run(command, cwd=str(cwd or PROGRAMS), capture_output=True, text=True, timeout=120, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"recording failed ({result.returncode}):\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def _find_causeway() -> Path:
    configured = os.environ.get("CAUSEWAY_BIN")
    if configured:
        path = Path(configured)
        if not path.exists():
            raise FileNotFoundError(f"CAUSEWAY_BIN={configured} does not exist")
        return path
    for profile in ("release", "debug"):
        candidate = REPO_ROOT / "target" / profile / "causeway"
        if candidate.exists():
            return candidate
    cargo = shutil.which("cargo")
    if cargo is None:
        raise FileNotFoundError("no causeway binary: set CAUSEWAY_BIN or build it with `cargo build --release`")
    subprocess.run([cargo, "build", "--quiet"], cwd=str(REPO_ROOT), check=True, timeout=1800)
    return REPO_ROOT / "target" / "debug" / "causeway"


@pytest.fixture(scope="session")
def causeway() -> Path:
    """The real analyzer binary (never skipped: these tests are the point)."""
    return _find_causeway()


def analyze(causeway: Path, *traces: Path) -> Tuple[int, dict]:
    result = subprocess.run([str(causeway), "analyze", *map(str, traces), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), f"causeway analyze failed ({result.returncode}): {result.stderr}"
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="session")
def event_validator():
    """Checks one event against schema/event.schema.json."""
    import jsonschema  # a test dependency (.ci/run installs it)

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    def check(events: List[dict]) -> None:
        for index, event in enumerate(events, start=1):
            errors = sorted(validator.iter_errors(event), key=lambda e: list(e.path))
            assert not errors, f"event {index} breaks the schema: {errors[0].message}\n{json.dumps(event)[:500]}"
            # The schema accepts unknown kinds; a recorder must not write any.
            assert event["kind"] in schema["$defs"]["knownKind"]["enum"], event["kind"]

    return check

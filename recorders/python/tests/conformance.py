"""The shared recorder conformance format (recorders/conformance.md).

A conformance program `NAME.EXT` has a sibling `NAME.expect.json` that
lists the races the analyzer must report on its recording, each between two
marked lines:

    {"races": [{"variable": "Wallet#1.balance", "between": ["read", "write"]}]}

A marker is a line comment ending in `[name]` (`x += 1  # [bump]`). This
module reads and checks both, and turns an expectation into the set the
report is compared with: {(variable, (relpath:line, relpath:line))}, each
pair sorted. It is plain data handling, independent of the recorder, so the
same rules hold for every language's suite.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

#: A marker: a line comment (`#` or `//`) whose text ends in `[name]`.
MARKER = re.compile(r"(?:#|//).*\[([A-Za-z0-9_-]+)\]\s*$")
#: The suffix of an expectation file, next to its program.
SUFFIX = ".expect.json"
#: Keys an expectation may have; anything else is a mistake worth an error.
TOP_KEYS = frozenset({"races", "$comment"})
RACE_KEYS = frozenset({"variable", "between", "$comment"})

RaceGroup = Tuple[str, Tuple[str, str]]


class ConformanceError(ValueError):
    """An expectation file or a program's markers are malformed."""


def marker_lines(path: Path) -> Dict[str, int]:
    """Marker name -> 1-based line number; a name used twice is an error."""
    found: Dict[str, int] = {}
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = MARKER.search(text)
        if match is None:
            continue
        name = match.group(1)
        if name in found:
            raise ConformanceError(f"{path}:{number}: marker [{name}] already used on line {found[name]}")
        found[name] = number
    return found


def expectation_path(program: Path) -> Path:
    """`dir/NAME.EXT` -> `dir/NAME.expect.json`."""
    return program.with_name(program.name[: -len(program.suffix)] + SUFFIX if program.suffix else program.name + SUFFIX)


def programs(directory: Path, extension: str) -> List[Path]:
    """The conformance programs of a directory: the `*.EXT` files that have
    an expectation, sorted by name. An expectation without a program is an
    error (a renamed program would otherwise drop out of the suite)."""
    found = []
    for expect in sorted(directory.glob("*" + SUFFIX)):
        program = expect.with_name(expect.name[: -len(SUFFIX)] + extension)
        if not program.exists():
            raise ConformanceError(f"{expect}: no program {program.name} next to it")
        found.append(program)
    return found


def load(program: Path) -> dict:
    """The program's expectation, checked for shape."""
    path = expectation_path(program)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConformanceError(f"{path}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("races"), list):
        raise ConformanceError(f'{path}: expected an object with a "races" list')
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ConformanceError(f"{path}: unknown keys {sorted(unknown)}")
    for index, race in enumerate(data["races"]):
        where = f"{path}: races[{index}]"
        if not isinstance(race, dict):
            raise ConformanceError(f"{where}: expected an object")
        unknown = set(race) - RACE_KEYS
        if unknown:
            raise ConformanceError(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(race.get("variable"), str) or not race["variable"]:
            raise ConformanceError(f'{where}: "variable" must be a non-empty string')
        between = race.get("between")
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(m, str) for m in between)):
            raise ConformanceError(f'{where}: "between" must be a list of two marker names')
    return data


def expected_races(program: Path, relpath: str = "") -> Set[RaceGroup]:
    """The race groups the report must hold, exactly. Locations are
    `relpath:line`, where relpath is the program's path relative to the
    recording's working directory (its own directory: its file name)."""
    data = load(program)
    markers = marker_lines(program)
    name = relpath or program.name
    groups: Set[RaceGroup] = set()
    for index, race in enumerate(data["races"]):
        locations = []
        for marker in race["between"]:
            if marker not in markers:
                raise ConformanceError(f"{expectation_path(program)}: races[{index}]: no marker [{marker}] in {program.name}")
            locations.append(f"{name}:{markers[marker]}")
        groups.add((race["variable"], tuple(sorted(locations))))  # type: ignore[arg-type]
    if len(groups) != len(data["races"]):
        raise ConformanceError(f"{expectation_path(program)}: the same race is listed twice")
    return groups


def reported_races(report: dict) -> Set[RaceGroup]:
    """{(variable, sorted location pair)} of a `causeway analyze --format json` report."""
    return {(race["variable"], tuple(sorted(race["locations"]))) for race in report["races"]}  # type: ignore[misc]


def check_report(program: Path, status: int, report: dict) -> None:
    """The conformance check of one analyzed recording (AssertionError on failure)."""
    expected = expected_races(program)
    got = reported_races(report)
    assert report["summary"]["bad_lines"] == 0, f"{program.name}: the recording has bad lines"
    assert got == expected, f"{program.name}: races differ\n  missing: {sorted(expected - got)}\n  unexpected: {sorted(got - expected)}"
    assert status == (1 if expected else 0), f"{program.name}: exit status {status}"


"""The conformance format's own rules (recorders/conformance.md): markers,
expectation files, and the comparison with a report. These run without the
analyzer, so that a mistake in an expectation file fails here, clearly."""

from __future__ import annotations

import json

import pytest

import conformance
from conformance import ConformanceError


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def program_with(tmp_path, races, source="x = 1  # [a]\ny = 2\nz = 3  # note [b]\n"):
    program = write(tmp_path, "prog.py", source)
    write(tmp_path, "prog.expect.json", json.dumps({"races": races}))
    return program


def report(*races, bad_lines=0):
    return {"races": [{"variable": v, "locations": list(l)} for v, l in races], "summary": {"bad_lines": bad_lines}}


def test_markers_end_a_line_comment_in_either_comment_style(tmp_path):
    path = write(tmp_path, "m.js", "a++; // [inc]\nb = '[not-a-marker]'\n  # [hash]  \nc # [mid] more\n")
    assert conformance.marker_lines(path) == {"inc": 1, "hash": 3}


def test_a_marker_used_twice_is_an_error(tmp_path):
    path = write(tmp_path, "m.py", "a  # [x]\nb  # [x]\n")
    with pytest.raises(ConformanceError, match=r"marker \[x\] already used on line 1"):
        conformance.marker_lines(path)


def test_markers_resolve_to_sorted_relpath_lines(tmp_path):
    program = program_with(tmp_path, [{"variable": "v", "between": ["b", "a"]}])
    assert conformance.expected_races(program) == {("v", ("prog.py:1", "prog.py:3"))}
    assert conformance.expected_races(program, "sub/prog.py") == {("v", ("sub/prog.py:1", "sub/prog.py:3"))}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"race": []}, 'a "races" list'),
        ({"races": [], "extra": 1}, "unknown keys"),
        ({"races": [{"variable": "v", "between": ["a"]}]}, "two marker names"),
        ({"races": [{"variable": "", "between": ["a", "b"]}]}, "non-empty string"),
        ({"races": [{"variable": "v", "between": ["a", "b"], "typo": 1}]}, "unknown keys"),
        ({"races": [{"variable": "v", "between": ["a", "nope"]}]}, r"no marker \[nope\]"),
        ({"races": [{"variable": "v", "between": ["a", "b"]}, {"variable": "v", "between": ["b", "a"]}]}, "listed twice"),
    ],
)
def test_malformed_expectations_are_errors_that_name_the_problem(tmp_path, data, message):
    program = write(tmp_path, "prog.py", "x  # [a]\ny  # [b]\n")
    write(tmp_path, "prog.expect.json", json.dumps(data))
    with pytest.raises(ConformanceError, match=message):
        conformance.expected_races(program)


def test_an_expectation_without_its_program_is_an_error(tmp_path):
    write(tmp_path, "gone.expect.json", '{"races": []}')
    with pytest.raises(ConformanceError, match="no program gone.py"):
        conformance.programs(tmp_path, ".py")


def test_the_check_wants_exactly_the_expected_races_and_the_matching_exit_code(tmp_path):
    program = program_with(tmp_path, [{"variable": "v", "between": ["a", "b"]}])
    good = report(("v", ("prog.py:3", "prog.py:1")))
    conformance.check_report(program, 1, good)
    with pytest.raises(AssertionError, match="exit status"):
        conformance.check_report(program, 0, good)
    with pytest.raises(AssertionError, match="unexpected"):
        conformance.check_report(program, 1, report(("v", ("prog.py:1", "prog.py:3")), ("w", ("prog.py:1", "prog.py:1"))))
    with pytest.raises(AssertionError, match="missing"):
        conformance.check_report(program, 1, report())
    with pytest.raises(AssertionError, match="bad lines"):
        conformance.check_report(program, 1, report(("v", ("prog.py:1", "prog.py:3")), bad_lines=1))


def test_an_empty_list_means_race_free_and_exit_zero(tmp_path):
    program = program_with(tmp_path, [])
    conformance.check_report(program, 0, report())
    with pytest.raises(AssertionError):
        conformance.check_report(program, 1, report())


def test_every_expectation_file_follows_the_shared_schema():
    import jsonschema  # a test dependency (ci.sh installs it)

    from conftest import PROGRAMS, REPO_ROOT

    schema = json.loads((REPO_ROOT / "recorders" / "conformance.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(PROGRAMS.glob("*" + conformance.SUFFIX))
    assert files
    for path in files:
        errors = [error.message for error in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert not errors, f"{path.name}: {errors}"
    # The schema refuses what the checker refuses.
    for bad in ({"races": [], "extra": 1}, {"races": [{"variable": "v", "between": ["a"]}]}, {"races": [{"variable": "v", "between": ["a", "b c"]}]}):
        assert list(validator.iter_errors(bad)), bad

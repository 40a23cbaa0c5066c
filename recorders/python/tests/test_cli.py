"""`python -m causeway_recorder`: runs programs as python would, records
what it should, and writes whole traces at exit, on SIGTERM and per sample."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import analyze, read_events, record


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def test_script_runs_with_its_arguments_and_exit_status(tmp_path):
    write(tmp_path, "prog.py", """
        import sys
        print("args", sys.argv[1:])
        sys.exit(3)
    """)
    result = record(["prog.py", "a", "b"], tmp_path / "t.jsonl", cwd=tmp_path, check=False)
    assert result.returncode == 3
    assert "args ['a', 'b']" in result.stdout


def test_uncaught_exception_is_an_error_event_and_exit_1(tmp_path, causeway, event_validator):
    write(tmp_path, "prog.py", """
        class Audit(Exception):
            pass

        def audit(total):
            if total != 200:
                raise Audit(f"total {total} != 200")

        def main():
            audit(150)

        main()
    """)
    trace = tmp_path / "t.jsonl"
    result = record(["prog.py"], trace, cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert "Audit: total 150 != 200" in result.stderr
    assert "causeway_recorder" not in result.stderr  # the recorder's frames are hidden
    events = read_events(trace)
    event_validator(events)
    errors = [e for e in events if e["kind"] == "error"]
    assert len(errors) == 1
    error = errors[0]["metadata"]
    assert error["error_type"] == "prog.Audit" or error["error_type"].endswith("Audit")
    assert error["message"] == "total 150 != 200"
    assert [frame["function"] for frame in error["stack"]] == ["prog.audit", "prog.main", "prog.<module>"]
    assert error["stack"][0] == {"function": "prog.audit", "file": "prog.py", "line": 7}
    # The error hangs below the call that raised: one failure in the report.
    entry = next(e for e in events if e["kind"] == "function_entry" and e["metadata"]["function"] == "prog.audit")
    assert errors[0]["parent_id"] == entry["id"]
    _status, report = analyze(causeway, trace)
    assert len(report["errors"]) == 1
    assert report["errors"][0]["message"] == "total 150 != 200"


def test_module_mode_and_include_patterns(tmp_path):
    write(tmp_path, "shop/__init__.py", "")
    write(tmp_path, "shop/cart.py", """
        class Cart:
            def __init__(self):
                self.total = 0
            def add(self, price):
                self.total += price
                return self.total
    """)
    write(tmp_path, "shop/__main__.py", """
        from shop.cart import Cart
        import helper
        cart = Cart()
        cart.add(helper.price())
    """)
    write(tmp_path, "helper.py", """
        def price():
            return 5
    """)
    trace = tmp_path / "t.jsonl"
    record(["-m", "shop"], trace, "--include", "shop.*", cwd=tmp_path)
    events = read_events(trace)
    functions = {e["metadata"]["function"] for e in events if e["kind"] == "function_entry"}
    assert "shop.cart.Cart.add" in functions
    assert "helper.price" not in functions  # not included
    assert any(e["metadata"].get("variable") == "Cart#1.total" for e in events)


def test_exclude_and_default_selection(tmp_path):
    write(tmp_path, "lib/skipped.py", """
        def work():
            return 1
    """)
    write(tmp_path, "lib/kept.py", """
        def work():
            return 2
    """)
    write(tmp_path, "main.py", """
        import sys, os
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
        import skipped, kept, json
        skipped.work(); kept.work(); json.dumps([1])
    """)
    trace = tmp_path / "t.jsonl"
    record(["main.py"], trace, "--exclude", "lib/skipped.py", cwd=tmp_path)
    functions = {e["metadata"]["function"] for e in read_events(trace) if e["kind"] == "function_entry"}
    assert "kept.work" in functions
    assert "skipped.work" not in functions
    assert not any(f.startswith("json.") for f in functions)  # never the standard library


def test_sample_zero_records_nothing_and_one_records_all(tmp_path):
    write(tmp_path, "prog.py", "x = 1\n")
    none = tmp_path / "none.jsonl"
    record(["prog.py"], none, "--sample", "0", cwd=tmp_path)
    assert not none.exists()
    every = tmp_path / "every.jsonl"
    record(["prog.py"], every, "--sample", "1", cwd=tmp_path)
    assert read_events(every)


def test_one_trace_id_per_run_and_unique_event_ids(tmp_path):
    write(tmp_path, "prog.py", """
        import threading
        class C:
            def __init__(self):
                self.v = 0
        c = C()
        def work():
            for _ in range(50):
                c.v += 1
        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads: t.start()
        for t in threads: t.join()
    """)
    trace = tmp_path / "t.jsonl"
    record(["prog.py"], trace, cwd=tmp_path)
    events = read_events(trace)
    assert len({e["trace_id"] for e in events}) == 1
    assert len({e["id"] for e in events}) == len(events)
    threads = {e["metadata"]["thread"] for e in events}
    assert len(threads) == 4  # main and three workers, each its own line
    assert all(len(e["id"]) == 32 for e in events)


def test_sigterm_flushes_the_trace(tmp_path):
    write(tmp_path, "prog.py", """
        import time
        class C:
            def __init__(self):
                self.v = 0
        c = C()
        for i in range(100):
            c.v = i
        print("ready", flush=True)
        time.sleep(60)
    """)
    trace = tmp_path / "t.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "causeway_recorder", "-q", "--out", str(trace), "--", "prog.py"], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == -signal.SIGTERM
    writes = [e for e in read_events(trace) if e["kind"] == "state_write" and e["metadata"]["variable"] == "C#1.v"]
    assert len(writes) == 101  # __init__ and the loop: buffered events written before dying


def test_redaction_options(tmp_path):
    write(tmp_path, "prog.py", """
        def login(user, password, pin):
            return True
        login("ada", "hunter2", "1234")
    """)
    default = tmp_path / "default.jsonl"
    record(["prog.py"], default, cwd=tmp_path)
    custom = tmp_path / "custom.jsonl"
    record(["prog.py"], custom, "--redact", "^pin$", cwd=tmp_path)
    bare = tmp_path / "bare.jsonl"
    record(["prog.py"], bare, "--no-default-redactions", cwd=tmp_path)

    def args(path):
        return next(e for e in read_events(path) if e["kind"] == "function_entry")["metadata"]["args"]

    assert args(default) == ["ada", {"$redacted": "password"}, "1234"]
    assert args(custom) == ["ada", {"$redacted": "password"}, {"$redacted": "pin"}]
    assert args(bare) == ["ada", "hunter2", "1234"]


def test_rewritten_code_is_not_cached(tmp_path):
    write(tmp_path, "mod.py", "def f():\n    return 1\n")
    write(tmp_path, "prog.py", "import mod\nmod.f()\n")
    record(["prog.py"], tmp_path / "t.jsonl", cwd=tmp_path)
    # A plain run afterwards must not pick up instrumented bytecode.
    result = subprocess.run([sys.executable, "-c", "import mod; print('_cw_bind' in vars(mod))"], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_custom_events_through_the_api(tmp_path, event_validator):
    write(tmp_path, "prog.py", """
        import causeway_recorder
        causeway_recorder.event("checkout", {"cart": 12, "token": "abc"})
    """)
    trace = tmp_path / "t.jsonl"
    record(["prog.py"], trace, cwd=tmp_path)
    events = read_events(trace)
    event_validator(events)
    custom = [e for e in events if e["kind"] == "custom"]
    assert len(custom) == 1
    assert custom[0]["metadata"]["name"] == "checkout"
    assert custom[0]["metadata"]["data"] == {"cart": 12, "token": {"$redacted": "token"}}
    assert custom[0]["metadata"]["line"] == 3


def test_start_and_stop_api(tmp_path, event_validator):
    write(tmp_path, "work.py", """
        class Job:
            def __init__(self):
                self.state = "new"
            def run(self):
                self.state = "done"
    """)
    write(tmp_path, "prog.py", """
        import causeway_recorder, sys
        trace_id = causeway_recorder.start(out=sys.argv[1], include=["work"], service="jobs")
        import work
        work.Job().run()
        path = causeway_recorder.stop()
        work.Job().run()  # after stop: not recorded
        print(trace_id, path)
    """)
    trace = tmp_path / "api.jsonl"
    result = subprocess.run([sys.executable, "prog.py", str(trace)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    trace_id, path = result.stdout.split()
    events = read_events(trace)
    event_validator(events)
    assert path == str(trace)
    assert {e["trace_id"] for e in events} == {trace_id}
    assert {e["metadata"]["service"] for e in events} == {"jobs"}
    writes = [e["metadata"]["value"] for e in events if e["kind"] == "state_write"]
    assert writes == ["new", "done"]


def test_help_and_usage_errors():
    helped = subprocess.run([sys.executable, "-m", "causeway_recorder", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "--include PATTERN" in helped.stdout
    missing = subprocess.run([sys.executable, "-m", "causeway_recorder", "--out", "x.jsonl"], capture_output=True, text=True)
    assert missing.returncode == 2 and "give the program" in missing.stderr

"""The AST rewrite: programs compute the same results rewritten as not, and
the events name the right variables, lines, values and call structure."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from causeway_recorder.config import RecorderConfig
from causeway_recorder.hook import compile_instrumented
from causeway_recorder.recorder import RECORDER
from conftest import read_events


def run_both(tmp_path: Path, source: str, module: str = "sample"):
    """Run `source` plainly and rewritten (recording); return both namespaces
    and the events."""
    source = textwrap.dedent(source)
    path = tmp_path / f"{module}.py"
    path.write_text(source)
    plain: dict = {"__name__": module, "__file__": str(path)}
    exec(compile(source, str(path), "exec"), plain)

    config = RecorderConfig(out=str(tmp_path / "trace.jsonl"), root=str(tmp_path), service="svc")
    rewritten: dict = {"__name__": module, "__file__": str(path)}
    RECORDER.begin(config)
    try:
        code = compile_instrumented(source, str(path), module, module)
        exec(code, rewritten)
    finally:
        RECORDER.end()
    return plain, rewritten, read_events(tmp_path / "trace.jsonl")


def line_of(source: str, needle: str) -> int:
    for number, text in enumerate(textwrap.dedent(source).splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in source")


SEMANTICS = '''
from __future__ import annotations
import asyncio

"""not the module docstring: statements before it"""

log = []

def note(what, value=None):
    log.append(what)
    return value

class Point:
    """A point."""
    kind = "point"
    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.__secret = x * y
    def secret(self):
        return self.__secret
    @property
    def norm(self):
        return abs(self.x) + abs(self.y)
    @norm.setter
    def norm(self, value):
        self.x = value
        self.y = 0
    @classmethod
    def origin(cls):
        return cls(0, 0)
    @staticmethod
    def twice(value):
        return value * 2

class Point3(Point):
    __slots__ = ("z",)
    def __init__(self, x, y, z):
        super().__init__(x, y)
        self.z = z

def order():
    holder = {"p": Point(1, 2)}
    note("target", holder)["p"].x = note("value", 10)
    note("aug-target", holder["p"]).y += note("aug-value", 5)
    return holder["p"].x, holder["p"].y

def containers():
    data = {"a": [1, 2, 3]}
    data["a"][1] += 10
    data["b"] = data["a"][:2]
    data["a"][-1] = 9
    del data["a"][0]
    first, data["c"] = data["b"]
    letters = [c for c in "abc" if (upper := c.upper()) != "B"]
    return data, letters, upper

def unpack():
    p = Point(1, 2)
    p.x, p.y = p.y, p.x
    a = b = Point(5, 6)
    a.x = b.y = 7
    del a.y
    return p.x, p.y, b.x, hasattr(b, "y")

counter = 0

def bump(times):
    global counter
    for _ in range(times):
        counter += 1
    return counter

def make_counter():
    count = 0
    def inc(by=1, *, again=False, **extra):
        nonlocal count
        count += by
        return count
    inc(); inc(2, again=True, more=1)
    return count

def gen(n):
    for i in range(n):
        yield i * i

def flow(value):
    try:
        if value < 0:
            raise ValueError("negative")
        return value
    except ValueError as error:
        return str(error)
    finally:
        note("finally")

def override():
    try:
        return 1
    finally:
        return 2

def positional(a, b=2, /, c=3, *rest, d, **kw):
    return a, b, c, rest, d, kw

async def coro(value):
    await asyncio.sleep(0)
    return value + 1

def fstring(p):
    return f"{p.x}-{p.norm}-{Point.kind}"

p = Point(3, -4)
p.norm = 8
RESULT = [
    order(), containers(), unpack(), bump(3), make_counter(), list(gen(4)),
    flow(1), flow(-1), override(), positional(1, d=4), asyncio.run(coro(1)),
    fstring(Point(1, 2)), Point.origin().x, Point.twice(4), Point(2, 3).secret(),
    Point3(1, 2, 3).z, p.x, p.y, Point.__doc__, log, (lambda q: q.x)(Point(9, 9)),
]
'''


def test_rewritten_program_computes_the_same_results(tmp_path):
    plain, rewritten, events = run_both(tmp_path, SEMANTICS)
    assert rewritten["RESULT"] == plain["RESULT"]
    assert rewritten["Point"].__doc__ == "A point."
    assert events, "the rewritten program recorded nothing"


def test_evaluation_order_is_pythons(tmp_path):
    plain, rewritten, _ = run_both(tmp_path, SEMANTICS)
    # `target()[k].x = value()` evaluates the value first; `t().y += v()` the target first.
    assert plain["log"][:4] == ["value", "target", "aug-target", "aug-value"]
    assert rewritten["log"] == plain["log"]


def test_exceptions_are_unchanged_and_recorded(tmp_path):
    source = """
    class Broken(Exception):
        pass

    def inner(x):
        raise Broken(f"bad {x}")

    def outer():
        return inner(3)

    try:
        outer()
    except Broken as error:
        CAUGHT = (type(error).__name__, str(error))
    """
    plain, rewritten, events = run_both(tmp_path, source)
    assert rewritten["CAUGHT"] == plain["CAUGHT"] == ("Broken", "bad 3")
    exits = [e for e in events if e["kind"] == "function_exit"]
    assert [e["metadata"]["function"] for e in exits] == ["sample.inner", "sample.outer"]
    assert all(e["metadata"]["exception"] == {"type": "Broken", "message": "bad 3"} for e in exits)


def test_attribute_events_name_object_field_line_and_values(tmp_path):
    source = """
    class Account:
        def __init__(self, balance):
            self.balance = balance

    account = Account(100)
    account.balance += 5
    seen = account.balance
    """
    _, _, events = run_both(tmp_path, source)
    states = [(e["kind"], e["metadata"]["variable"], e["metadata"]["line"]) for e in events if e["kind"].startswith("state_") and "Account" in e["metadata"]["variable"]]
    assert states == [
        ("state_write", "Account#1.balance", line_of(source, "self.balance = balance")),
        ("state_read", "Account#1.balance", line_of(source, "account.balance += 5")),
        ("state_write", "Account#1.balance", line_of(source, "account.balance += 5")),
        ("state_read", "Account#1.balance", line_of(source, "seen = account.balance")),
    ]
    update = [e for e in events if e["kind"] == "state_write" and e["metadata"]["variable"] == "Account#1.balance"][1]
    assert update["metadata"]["old_value"] == 100 and update["metadata"]["value"] == 105
    assert update["metadata"]["file"] == "sample.py"
    assert update["metadata"]["function"] == "sample.<module>"


def test_methods_properties_and_modules_are_not_state(tmp_path):
    source = """
    import math

    class Box:
        def __init__(self):
            self._size = 1
        @property
        def size(self):
            return self._size
        def grow(self):
            self._size += 1

    box = Box()
    box.grow()
    value = box.size + math.pi
    """
    _, _, events = run_both(tmp_path, source)
    variables = {e["metadata"]["variable"] for e in events if e["kind"].startswith("state_")}
    assert "Box#1._size" in variables
    assert not any(v.endswith((".grow", ".size", ".pi")) for v in variables), variables


def test_globals_closures_and_subscripts(tmp_path):
    source = """
    LIMIT = 10
    total = 0
    table = {}

    def add(key, amount):
        global total
        total += amount
        table[key] = amount
        return LIMIT

    def closure():
        hits = 0
        def hit():
            nonlocal hits
            hits += 1
        hit()
        return hits

    add("a", 1)
    closure()
    """
    _, _, events = run_both(tmp_path, source)
    variables = [(e["kind"], e["metadata"]["variable"]) for e in events if e["kind"].startswith("state_")]
    assert ("state_read", "sample.total") in variables
    assert ("state_write", "sample.total") in variables
    assert ("state_write", "sample.table['a']") in variables  # named after its global
    assert ("state_write", "sample.closure.<locals>.hits") in variables
    # A constant read in a function is not shared state.
    assert ("state_read", "sample.LIMIT") not in variables


def test_calls_nest_by_parent_id(tmp_path):
    source = """
    class Shop:
        def buy(self, item, qty=1, *, gift=False):
            return self.price(item) * qty

        def price(self, item):
            return 3

    Shop().buy("apple", 2, gift=True)
    """
    _, _, events = run_both(tmp_path, source)
    by_id = {e["id"]: e for e in events}
    buy = next(e for e in events if e["kind"] == "function_entry" and e["metadata"]["function"] == "sample.Shop.buy")
    price = next(e for e in events if e["kind"] == "function_entry" and e["metadata"]["function"] == "sample.Shop.price")
    assert price["parent_id"] == buy["id"]
    assert buy["metadata"]["args"][1:] == ["apple", 2]
    assert buy["metadata"]["args"][0]["$type"] == "sample.Shop"
    assert buy["metadata"]["kwargs"] == {"gift": True}
    assert buy["metadata"]["module"] == "sample"
    assert buy["metadata"]["line"] == line_of(source, "def buy")
    exit_ = next(e for e in events if e["kind"] == "function_exit" and e["parent_id"] == buy["id"])
    assert exit_["metadata"]["return_value"] == 6
    assert by_id[exit_["parent_id"]] is buy


def test_generators_are_not_framed_but_their_accesses_are_recorded(tmp_path):
    source = """
    class Source:
        def __init__(self):
            self.n = 2
    src = Source()
    def numbers():
        for i in range(src.n):
            yield i
    OUT = list(numbers())
    """
    plain, rewritten, events = run_both(tmp_path, source)
    assert rewritten["OUT"] == plain["OUT"] == [0, 1]
    assert not any(e["metadata"].get("function") == "sample.numbers" and e["kind"] == "function_entry" for e in events)
    assert any(e["kind"] == "state_read" and e["metadata"]["variable"] == "Source#1.n" for e in events)


@pytest.mark.parametrize("value", ["password", "api_key", "auth_token", "client_secret"])
def test_arguments_and_attributes_named_like_secrets_are_redacted(tmp_path, value):
    source = f"""
    class Login:
        def __init__(self, user, {value}):
            self.user = user
            self.{value} = {value}
    Login("ada", "hunter2")
    """
    _, _, events = run_both(tmp_path, source)
    text = "\n".join(str(e) for e in events)
    assert "hunter2" not in text
    entry = next(e for e in events if e["kind"] == "function_entry")
    assert entry["metadata"]["args"][1] == "ada"
    assert "$redacted" in entry["metadata"]["args"][2]

"""Objects in calls (README.md, "Objects in calls"): an argument with no
JSON form is named (`arg_objects`), its constructor's function_entry says
what it builds (`constructs`), and the attribute reads a call makes hang
below its entry, so a replay can rebuild a receiver that its `$repr` alone
does not describe."""

from __future__ import annotations

import sys
import types

from test_rewrite import run_both

SOURCE = """
class Base:
    def __init__(self, size):
        self.size = size
        self.data = {}

class Cache(Base):
    def __init__(self, size, name="c"):
        super().__init__(size)
        self.name = name
    def __repr__(self):
        return f"Cache({self.data!r})"
    def get(self, key):
        return self.data.get(key, self.size)

class Slotted:
    __slots__ = ("x",)
    def __init__(self):
        self.x = 1

def lookup(cache, key, *, extra=None):
    return cache.get(key)

def use(thing):
    return thing

cache = Cache(8, name="x")
RESULT = (lookup(cache, "k", extra=cache), use(Slotted()).x, use(len), use(Cache))
"""


def entries(events, function):
    return [e for e in events if e["kind"] == "function_entry" and e["metadata"]["function"] == function]


def test_the_constructor_is_the_outermost_init_and_says_what_it_builds(tmp_path):
    plain, rewritten, events = run_both(tmp_path, SOURCE)
    assert rewritten["RESULT"][0] == plain["RESULT"][0] == 8
    (outer,) = entries(events, "sample.Cache.__init__")
    (inner,) = entries(events, "sample.Base.__init__")
    assert outer["metadata"]["constructs"] == {"object": "Cache#1", "module": "sample", "class": "Cache"}
    assert outer["metadata"]["args"][1:] == [8, "x"]
    assert "constructs" not in inner["metadata"]  # a base class's __init__, inside the constructor
    assert inner["metadata"]["arg_objects"] == [{"object": "Cache#1", "module": "sample", "class": "Cache", "built_by": outer["id"], "index": 0}]


def test_arguments_without_json_form_name_their_object_and_its_constructor(tmp_path):
    _plain, _rewritten, events = run_both(tmp_path, SOURCE)
    (outer,) = entries(events, "sample.Cache.__init__")
    (call,) = entries(events, "sample.lookup")
    assert call["metadata"]["args"][0] == {"$repr": "Cache({})", "$type": "sample.Cache"}
    named = {"object": "Cache#1", "module": "sample", "class": "Cache", "built_by": outer["id"]}
    assert call["metadata"]["arg_objects"] == [dict(named, index=0), dict(named, name="extra")]
    (method,) = entries(events, "sample.Cache.get")
    assert method["metadata"]["arg_objects"] == [dict(named, index=0)]
    # What the call read of its receiver: the reads whose parent is its entry.
    reads = [(e["metadata"]["variable"], e["metadata"]["value"]) for e in events if e["kind"] == "state_read" and e["parent_id"] == method["id"]]
    # (`get` records what it returned: here the default.)
    assert reads == [("Cache#1.data", {}), ("Cache#1.size", 8), ("Cache#1.data['k']", 8)]


def test_functions_and_classes_are_not_named(tmp_path):
    _plain, _rewritten, events = run_both(tmp_path, SOURCE)
    uses = entries(events, "sample.use")
    assert len(uses) == 3
    # An object with no weak reference is named where its $repr names it already.
    assert uses[0]["metadata"]["arg_objects"] == [{"object": "Slotted#1", "module": "sample", "class": "Slotted", "built_by": entries(events, "sample.Slotted.__init__")[0]["id"], "index": 0}]
    for entry in uses[1:]:
        assert "arg_objects" not in entry["metadata"], entry["metadata"]["args"]


UNRECORDED = """
import argparse
import collections
import dataclasses
import string

@dataclasses.dataclass
class Point:
    x: int
    y: int = 0

def show(thing):
    return thing

options = argparse.Namespace(verbose=True)
template = string.Template("$who")
order = collections.OrderedDict(a=1)
try:
    raise ValueError("not an object to name")
except ValueError:
    pass
RESULT = (show(options).verbose, show(template).substitute(who="x"), show(order)["a"], show(Point(1, y=2)).y)
"""


def test_a_class_whose_init_is_not_recorded_is_built_by_a_construct_event(tmp_path, monkeypatch):
    # dataclasses looks the class's module up (the test compiles with string annotations).
    monkeypatch.setitem(sys.modules, "sample", types.ModuleType("sample"))
    plain, rewritten, events = run_both(tmp_path, UNRECORDED)
    assert rewritten["RESULT"] == plain["RESULT"] == (True, "x", 1, 2)
    constructs = [e for e in events if e["kind"] == "custom" and e["metadata"]["name"] == "causeway.construct"]
    # (A container is named after the variable that holds it instead.)
    assert [e["metadata"]["data"] for e in constructs] == [
        {"object": "Namespace#1", "module": "argparse", "class": "Namespace", "args": [], "kwargs": {"verbose": True}},
        {"object": "Template#1", "module": "string", "class": "Template", "args": ["$who"], "kwargs": {}},
        # A dataclass's generated __init__ is not recorded code.
        {"object": "Point#1", "module": "sample", "class": "Point", "args": [1], "kwargs": {"y": 2}},
    ]
    assert constructs[0]["metadata"]["line"] == 15 and constructs[0]["metadata"]["file"] == "sample.py"
    calls = entries(events, "sample.show")
    assert [c["metadata"]["arg_objects"][0]["built_by"] for c in calls[:2] + calls[3:]] == [e["id"] for e in constructs]
    assert calls[2]["metadata"]["arg_objects"] == [{"object": "sample.order", "module": "collections", "class": "OrderedDict", "index": 0}]


def test_what_names_an_object_is_forgotten_with_it():
    """A program that builds millions of short-lived objects must not grow
    the recorder's memory with them."""
    import gc

    from causeway_recorder.objects import ObjectRegistry

    class Request:
        pass

    objects = ObjectRegistry()
    request = Request()
    label = objects.label(request)
    objects.built[label] = "entry-id"
    objects.heads[label] = '{"object":"Request#1"'
    del request
    gc.collect()
    assert label not in objects.built and label not in objects.heads

"""Container mutations and queries (containers.py): method calls on
builtin containers are recorded as writes or reads of their contents (or
of one dict entry), the rewritten program computes the same results, and
non-containers with methods of the same names are left alone."""

from __future__ import annotations

import bisect
import heapq

import pytest

from causeway_recorder.containers import READ, WRITE, operation
from causeway_recorder.patches import containers as container_patches
from test_rewrite import line_of, run_both

SOURCE = """
import collections

items = [3, 1, 2]
table = {"a": 1}
tags = {"x"}
queue = collections.deque([1])
ordered = collections.OrderedDict(a=1, b=2)

class Custom:
    def append(self, value):
        return ("custom", value)
    def get(self, key):
        return ("custom-get", key)

class MyList(list):
    def append(self, value):
        super().append(value * 10)  # super-append

def run():
    out = []
    put = out.append  # not a method call: `put(...)` records nothing
    items.append(4)                       # list-append
    items.sort()
    popped = items.pop()                  # list-pop
    try:
        items.remove(99)                  # list-remove-missing
    except ValueError as error:
        put(("remove", str(error)))
    put(table.get("a"))            # dict-get
    put(table.setdefault("b", 2))  # dict-setdefault
    put(table.pop("a"))            # dict-pop
    try:
        table.pop("zz")
    except KeyError as error:
        put(("pop", repr(error)))
    table.update(c=3)                     # dict-update
    tags.add("y")                         # set-add
    tags.discard("x")
    queue.appendleft(0)                   # deque-appendleft
    ordered.move_to_end("a")              # ordered-move
    put("b" in table)              # dict-in
    put("q" not in tags)           # set-not-in
    put(1 < 2 in [2])              # chained compare
    put(len(items))                # list-len
    put(sorted(tags))
    put([x for x in queue])        # deque-iterate
    for key in table:                     # dict-iterate
        put(key)
    put(Custom().append(5))        # custom-append
    put(Custom().get("k"))
    mine = MyList()
    mine.append(1)
    put(list(mine))
    put("abcb".count("b"))         # str-count
    return popped, out, items, table, sorted(tags), list(queue), list(ordered)

RESULT = run()
"""


def test_the_rewritten_program_computes_the_same_results(tmp_path):
    plain, rewritten, _events = run_both(tmp_path, SOURCE)
    assert rewritten["RESULT"] == plain["RESULT"]


def accesses(events, source, marker):
    line = line_of(source, marker)
    return [
        (e["kind"], e["metadata"]["variable"], e["metadata"].get("operation"))
        for e in events
        if e["kind"] in ("state_read", "state_write") and e["metadata"].get("line") == line and "operation" in e["metadata"]
    ]


@pytest.mark.parametrize(
    "marker, expected",
    [
        ("# list-append", [("state_write", "sample.items[:]", "append")]),
        ("# list-pop", [("state_write", "sample.items[:]", "pop")]),
        ("# list-remove-missing", [("state_read", "sample.items[:]", "remove")]),
        ("# dict-get", [("state_read", "sample.table['a']", "get")]),
        ("# dict-setdefault", [("state_write", "sample.table['b']", "setdefault")]),
        ("# dict-pop", [("state_write", "sample.table['a']", "pop")]),
        ("# dict-update", [("state_write", "sample.table[:]", "update")]),
        ("# set-add", [("state_write", "sample.tags[:]", "add")]),
        ("# deque-appendleft", [("state_write", "sample.queue[:]", "appendleft")]),
        ("# ordered-move", [("state_write", "sample.ordered[:]", "move_to_end")]),
        ("# dict-in", [("state_read", "sample.table['b']", "__contains__")]),
        ("# set-not-in", [("state_read", "sample.tags[:]", "__contains__")]),
        ("# list-len", [("state_read", "sample.items[:]", "len")]),
        ("# deque-iterate", [("state_read", "sample.queue[:]", "__iter__")]),
        ("# dict-iterate", [("state_read", "sample.table[:]", "__iter__")]),
        ("# custom-append", []),
        ("# super-append", [("state_write", "MyList#1[:]", "append")]),
        ("# str-count", []),
        ("# chained compare", []),
    ],
)
def test_each_operation_is_the_read_or_write_it_is(tmp_path, marker, expected):
    _plain, _rewritten, events = run_both(tmp_path, SOURCE)
    assert accesses(events, SOURCE, marker) == expected


def test_a_pop_records_the_removed_value_as_old_value(tmp_path):
    _plain, _rewritten, events = run_both(tmp_path, SOURCE)
    line = line_of(SOURCE, "# dict-pop")
    (event,) = [e for e in events if e["metadata"].get("line") == line and e["metadata"].get("operation") == "pop"]
    assert event["metadata"]["value"] is None
    assert event["metadata"]["old_value"] == 1


def test_a_shadowed_builtin_is_not_taken_for_the_builtin(tmp_path):
    source = """
    def len(value):
        return 42
    items = [1]
    RESULT = len(items)  # shadowed
    """
    plain, rewritten, events = run_both(tmp_path, source)
    assert rewritten["RESULT"] == plain["RESULT"] == 42
    assert accesses(events, source, "# shadowed") == []


def test_the_operation_table():
    assert operation(list, "append").effect == WRITE
    assert operation(list, "index").effect == READ
    assert operation(dict, "get").keyed and operation(dict, "get").effect == READ
    assert operation(dict, "pop").keyed and operation(dict, "pop").effect == WRITE
    assert not operation(dict, "update").keyed
    assert operation(str, "count") is None
    assert operation(tuple, "index") is None
    assert operation(frozenset, "union") is None
    import collections

    assert operation(collections.Counter, "update").effect == WRITE
    assert operation(collections.deque, "rotate").effect == WRITE


def test_bisect_and_heapq_patches_keep_their_behaviour_and_undo():
    container_patches.install()
    try:
        assert bisect.insort is not container_patches._patcher._saved[0][2]
        items = [1, 3]
        bisect.insort(items, 2)
        heap = [5, 1, 4]
        heapq.heapify(heap)
        assert items == [1, 2, 3] and heapq.heappop(heap) == 1 and bisect.bisect(items, 2) == 2
        with pytest.raises(IndexError):
            heapq.heappop([])
        assert heapq.heappop.__name__ == "heappop"
    finally:
        container_patches.uninstall()
    assert bisect.insort.__module__ in ("_bisect", "bisect")
    assert type(heapq.heappush).__name__ == "builtin_function_or_method"

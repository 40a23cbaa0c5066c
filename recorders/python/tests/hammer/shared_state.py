"""Threads hammer shared dicts, lists, sets and an OrderedDict, without a
lock, while the recorder encodes them on every read: values that other
threads are changing, a `__repr__` that raises, self-referencing and huge
objects. Each thread uses keys of its own, so the outcome printed at the
end is the same on every run, recorded or not (test_hammer.py)."""

import collections
import sys
import threading

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
THREADS = 4

sys.setswitchinterval(1e-6)  # switch threads as often as possible


class Broken:
    def __repr__(self):
        raise RuntimeError("repr is broken")


class Shared:
    def __init__(self):
        self.table = {}
        self.items = []
        self.tags = set()
        self.order = collections.OrderedDict()
        self.loop = []
        self.loop.append(self.loop)
        self.nested = {}
        self.nested["self"] = self.nested
        self.huge = 10**5000
        self.blob = b"x" * 1_000_000
        self.big = list(range(100_000))


shared = Shared()
failures = []


def worker(n):
    try:
        for i in range(ROUNDS):
            key = (n, i % 40)
            shared.table[key] = Broken() if i % 7 == 0 else {"i": i, "loop": shared.loop}
            snapshot = shared.table
            shared.items.append(shared.nested if i % 2 else Broken())
            view = shared.items
            shared.tags.add(key)
            tags = shared.tags
            shared.order[key] = i
            shared.order.move_to_end(key)
            ordered = shared.order
            keys = list(shared.table)  # one step in C: no race of the program's own
            if i % 3 == 0:
                shared.table.pop(key, None)
                shared.tags.discard(key)
                del shared.order[key]
            _sizes = (len(keys), len(snapshot), len(view), len(tags), len(ordered), shared.huge % 7, len(shared.blob), len(shared.big))
    except Exception as error:  # the program's own outcome: none expected
        failures.append(f"{type(error).__name__}: {error}")


threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

table = sorted((key, type(value).__name__ if isinstance(value, Broken) else value["i"]) for key, value in shared.table.items())
print("table", len(table), table[:5], table[-5:])
print("items", len(shared.items), sum(1 for item in shared.items if isinstance(item, Broken)))
print("tags", sorted(shared.tags) == sorted(key for key, _ in table), len(shared.tags))
print("order", sorted(shared.order.items()) == sorted((key, shared.order[key]) for key in shared.order), len(shared.order))
print("failures", failures)

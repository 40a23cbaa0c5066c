"""Threads change shared builtin containers through their methods, with no
lock: each method call is a write of the container (or of one dict entry),
each query a read, so every pair below races. The main thread reads
everything after joining the threads: no race there."""

import bisect
import collections
import heapq
import threading

results = []
cache = {}
seen = set()
recent = collections.deque(maxlen=4)
ordered = []
heap = []


class Box:
    def __init__(self):
        self.items = []


box = Box()


def writer(n):
    results.append(n)  # [append]
    cache.update({n: n})  # [update]
    cache.setdefault("count", n)  # [setdefault]
    seen.add(n)  # [add]
    recent.appendleft(n)  # [appendleft]
    box.items.insert(0, n)  # [insert]
    bisect.insort(ordered, n)  # [insort]
    heapq.heappush(heap, n)  # [heappush]


def reader():
    found = 0 in seen  # [contains]
    size = len(results)  # [len]
    first = cache.get("count")  # [get]
    listed = [item for item in box.items]  # [iterate]
    return found, size, first, listed


threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
threads.append(threading.Thread(target=reader))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sorted(results), sorted(cache.items(), key=str), sorted(seen), sorted(recent), sorted(box.items), ordered, heap)

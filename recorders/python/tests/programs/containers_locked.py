"""The same container methods and queries as containers_unlocked.py, each
thread holding one lock around them: no race."""

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
lock = threading.Lock()


class Box:
    def __init__(self):
        self.items = []


box = Box()


def writer(n):
    with lock:
        results.append(n)
        cache.update({n: n})
        cache.setdefault("count", n)
        seen.add(n)
        recent.appendleft(n)
        box.items.insert(0, n)
        bisect.insort(ordered, n)
        heapq.heappush(heap, n)


def reader():
    with lock:
        found = 0 in seen
        size = len(results)
        first = cache.get("count")
        listed = [item for item in box.items]
        smallest = heap[0] if heap else None
    return found, size, first, listed, smallest


threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
threads.append(threading.Thread(target=reader))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
results.sort()
print(results, sorted(cache.items(), key=str), sorted(seen), sorted(recent), sorted(box.items), ordered, heapq.heappop(heap))

"""The same four threads and LRUCache as lru_unlocked.py, every access to
the cache under one lock: no race, no KeyError."""

import sys
import threading

import cachetools

ROUNDS = 60
cache = cachetools.LRUCache(maxsize=8)
lock = threading.Lock()
outcomes = [None] * 4


def lookup(key):
    with lock:
        value = cache.get(key)  # [get]
        if value is None:
            value = key * 2
            cache[key] = value  # [store]
        return value


def worker(n):
    total, failed = 0, 0
    for i in range(ROUNDS):
        try:
            total += lookup((n * 5 + i) % 12)
        except KeyError:
            failed += 1
    outcomes[n] = (total, failed)


def main(argv):
    """The program: importing the module (as a generated test does) runs
    nothing, and its arguments are main's (recorded with the call)."""
    global ROUNDS
    ROUNDS = int(argv[0]) if argv else ROUNDS
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("done", len(outcomes), all(outcome is not None for outcome in outcomes), sorted(outcomes))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Four threads share one cachetools.LRUCache without a lock: the cache's
own bookkeeping (its dict, its order, its size) races inside cachetools.
A race can make a lookup raise KeyError; each thread counts those itself,
so the program always runs to the end."""

import sys
import threading

import cachetools

ROUNDS = 60
cache = cachetools.LRUCache(maxsize=8)
outcomes = [None] * 4


def lookup(key):
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
    print("done", len(outcomes), all(outcome is not None for outcome in outcomes))


if __name__ == "__main__":
    main(sys.argv[1:])

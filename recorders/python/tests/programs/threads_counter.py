"""Threads bump counters: one global without a lock (races), one attribute
under a lock (no race); the main thread reads both after joining."""

import threading

hits = 0


class Stats:
    def __init__(self):
        self.total = 0
        self.lock = threading.Lock()


stats = Stats()


def worker(rounds):
    global hits
    for _ in range(rounds):
        hits += 1  # [unlocked]
        with stats.lock:
            stats.total += 1  # [locked]


def main():
    threads = [threading.Thread(target=worker, args=(3,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(hits, stats.total)  # [after-join]


main()

"""Thread-heavy workload: workers share a lock-protected ledger and pass
work through a queue; most of the time goes to synchronization."""

import queue
import sys
import threading
import time


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = 0
        self.amount = 0

    def record(self, amount):
        with self.lock:
            self.entries += 1
            self.amount += amount


def producer(jobs, count):
    for index in range(count):
        jobs.put(index)


def consumer(jobs, ledger, count):
    for _ in range(count):
        ledger.record(jobs.get())


def main(per_thread):
    ledger = Ledger()
    jobs = queue.Queue()
    threads = []
    for _ in range(4):
        threads.append(threading.Thread(target=producer, args=(jobs, per_thread)))
        threads.append(threading.Thread(target=consumer, args=(jobs, ledger, per_thread)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ledger.entries, ledger.amount


if __name__ == "__main__":
    per_thread = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    started = time.perf_counter()
    print(main(per_thread))
    print(f"ELAPSED {time.perf_counter() - started:.6f}", file=sys.stderr)

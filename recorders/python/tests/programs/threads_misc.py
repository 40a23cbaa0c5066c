"""More thread patterns: a Thread subclass, a class attribute, a semaphore
that lets two threads in at once, per-key and per-slot writes, a priority
queue, a read before the join, and a thread that dies of an exception."""

import queue
import threading


class Tally:
    count = 0


class Pool:
    def __init__(self):
        self.inside = 0
        self.gate = threading.Semaphore(2)
        self.both_in = threading.Barrier(2)


class Flag:
    def __init__(self):
        self.value = 0


class Counter(threading.Thread):
    def __init__(self, slots, index):
        super().__init__(name=f"counter-{index}")
        self.slots = slots
        self.index = index

    def run(self):
        self.slots[self.index] = self.index
        Tally.count += 1  # [class-bump]


def enter_pool(pool):
    with pool.gate:
        pool.both_in.wait()
        pool.inside += 1  # [sem-bump]


def raise_error():
    raise ValueError("worker failed")


def set_flag(flag):
    flag.value = 1  # [flag-write]


def main():
    slots = [None, None]
    counters = [Counter(slots, index) for index in range(2)]
    for counter in counters:
        counter.start()
    for counter in counters:
        counter.join()

    pool = Pool()
    entering = [threading.Thread(target=enter_pool, args=(pool,)) for _ in range(2)]
    for thread in entering:
        thread.start()
    for thread in entering:
        thread.join()

    ordered = queue.PriorityQueue()
    for priority in (3, 1, 2):
        ordered.put((priority, f"job-{priority}"))
    print([ordered.get()[1] for _ in range(3)])

    failing = threading.Thread(target=raise_error, name="failing")
    failing.start()
    failing.join()

    flag = Flag()
    setter = threading.Thread(target=set_flag, args=(flag,))
    setter.start()
    early = flag.value  # [flag-read]
    setter.join()
    print(slots, Tally.count, pool.inside, early)


main()

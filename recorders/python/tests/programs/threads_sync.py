"""RLock, Condition, Semaphore, Event and Barrier each protect or order
their data; one attribute is polled and written with no synchronization."""

import threading
import time


class Box:
    def __init__(self):
        self.items = []
        self.count = 0
        self.guarded = 0
        self.published = None
        self.phase_value = 0
        self.stop = False
        self.rlock = threading.RLock()
        self.cond = threading.Condition()
        self.sem = threading.Semaphore(1)
        self.ready = threading.Event()
        self.barrier = threading.Barrier(2)


box = Box()


def reentrant(depth):
    with box.rlock:
        box.count += 1
        if depth:
            reentrant(depth - 1)


def producer():
    for item in range(3):
        with box.cond:
            box.items.append(item)
            box.cond.notify()
    box.published = "hello"
    box.ready.set()


def consumer():
    got = 0
    while got < 3:
        with box.cond:
            while not box.items:
                box.cond.wait()
            box.items.pop(0)
            got += 1
    box.ready.wait()
    print(box.published)


def semaphore_user():
    for _ in range(2):
        with box.sem:
            box.guarded += 1


def phased(value):
    if value:
        box.phase_value = value  # phase one: only this thread writes
    box.barrier.wait()
    print(box.phase_value)  # phase two: both read


def poller():
    while not box.stop:  # [poll]
        time.sleep(0.001)


def main():
    threads = [
        threading.Thread(target=reentrant, args=(2,)),
        threading.Thread(target=reentrant, args=(1,)),
        threading.Thread(target=producer),
        threading.Thread(target=consumer),
        threading.Thread(target=semaphore_user),
        threading.Thread(target=semaphore_user),
        threading.Thread(target=phased, args=(7,)),
        threading.Thread(target=phased, args=(0,)),
    ]
    watcher = threading.Thread(target=poller)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    box.stop = True  # [stop]
    watcher.join()
    print(box.count, box.guarded)


main()

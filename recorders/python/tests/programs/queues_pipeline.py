"""A producer hands jobs to two workers through queue.Queues; results come
back through another. Jobs are only touched by whoever holds them; a shared
tally dict is updated by the workers without a lock. A SimpleQueue hands
one more object over."""

import queue
import threading


class Job:
    def __init__(self, number):
        self.number = number
        self.result = None


tally = {"done": 0}


def worker(jobs, results):
    while True:
        job = jobs.get()
        if job is None:
            jobs.task_done()
            return
        job.result = job.number * 2
        tally["done"] += 1  # [tally]
        results.put(job)
        jobs.task_done()


def main():
    # One inbox per worker, so that both workers get jobs however the
    # threads are scheduled.
    inboxes = [queue.Queue(), queue.Queue()]
    results = queue.Queue()
    workers = [threading.Thread(target=worker, args=(inbox, results)) for inbox in inboxes]
    for thread in workers:
        thread.start()
    for number in range(4):
        inboxes[number % 2].put(Job(number))
    for inbox in inboxes:
        inbox.join()
    total = 0
    for _ in range(4):
        total += results.get().result
    for inbox in inboxes:
        inbox.put(None)
    for thread in workers:
        thread.join()
    print(total, tally["done"])

    handoff = queue.SimpleQueue()
    received = []

    def take():
        job = handoff.get()
        job.result = "taken"
        received.append(job)

    taker = threading.Thread(target=take)
    taker.start()
    job = Job(99)
    job.result = "made"
    handoff.put(job)
    taker.join()
    print(received[0].result)


main()

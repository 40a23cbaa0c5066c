"""Threads share a closure variable through `nonlocal`, without a lock."""

import threading


def count_in_threads():
    count = 0

    def bump():
        nonlocal count
        count += 1  # [bump]

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count


print(count_in_threads())

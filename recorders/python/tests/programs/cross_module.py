"""Threads change another module's globals: one without a lock."""

import threading

import shared_settings

lock = threading.Lock()


def work():
    shared_settings.hits += 1  # [racy]
    with lock:
        shared_settings.safe += 1


threads = [threading.Thread(target=work) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(shared_settings.hits, shared_settings.safe)

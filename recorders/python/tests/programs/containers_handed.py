"""Containers that no global or attribute holds: captured by a thread's
closure, handed to threads as arguments, given to a pool's work items or
to asyncio tasks. Their method calls race all the same. A list one thread
builds for itself races with nothing."""

import asyncio
import concurrent.futures
import threading


def run_all(threads):
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def collect_in_threads():
    results = []

    def work(n):
        results.append(n)  # [closure-append]

    run_all([threading.Thread(target=work, args=(n,)) for n in range(2)])
    return sorted(results)


def fill(table, n):
    table.setdefault("first", n)  # [arg-setdefault]


def hand_to_threads():
    table = {}
    run_all([threading.Thread(target=fill, args=(table, n)) for n in range(2)])
    return len(table)


def mark(seen, n):
    seen.add(n)  # [pool-add]


def pool_work():
    seen = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(mark, seen, n) for n in range(2)]
    for future in futures:
        future.result()
    return sorted(seen)


def local_only():
    built = []
    for n in range(3):
        built.append(n)  # [local-append]
    return built


async def gather_into(log, n):
    log.append(n)  # [task-append]


async def in_tasks():
    log = []
    await asyncio.gather(*(asyncio.create_task(gather_into(log, n)) for n in range(2)))
    return sorted(log)


print(collect_in_threads(), hand_to_threads(), pool_work(), local_only(), asyncio.run(in_tasks()))

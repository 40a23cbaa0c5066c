"""Futures the program resolves itself order the resolver before the
waiter; as_completed and shield join the tasks they wait for. One value is
written by a task nobody waits for before it is read."""

import asyncio
import concurrent.futures
import threading


class Box:
    def __init__(self):
        self.by_thread = 0
        self.by_task = 0
        self.by_completed = 0
        self.by_shielded = 0
        self.unawaited = 0


box = Box()


def resolve_from_thread(future):
    box.by_thread = 1
    future.set_result("done")


async def resolve_in_task(future):
    box.by_task = 2
    future.set_result("done")


async def complete(value):
    box.by_completed += value
    return value


async def shielded():
    box.by_shielded = 4


async def unawaited():
    box.unawaited = 5  # [unawaited-write]


async def main():
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    resolver = asyncio.create_task(resolve_in_task(future))
    print(await future, box.by_task)
    await resolver

    total = 0
    for next_done in asyncio.as_completed([complete(1)]):
        total += await next_done
    print(total, box.by_completed)

    await asyncio.shield(shielded())
    print(box.by_shielded)

    stray = asyncio.create_task(unawaited())
    await asyncio.sleep(0.01)
    print(box.unawaited)  # [unawaited-read]
    await stray


signal = concurrent.futures.Future()
threading.Thread(target=resolve_from_thread, args=(signal,)).start()
print(signal.result(timeout=10), box.by_thread)
asyncio.run(main())

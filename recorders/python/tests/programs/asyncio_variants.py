"""The other ways asyncio orders tasks (wait_for, TaskGroup, Semaphore,
Condition, to_thread, run_in_executor, wait) and a thread polled with
is_alive: all ordered, except two tasks bumping a counter."""

import asyncio
import threading
import time


class Shared:
    def __init__(self):
        self.after_wait_for = 0
        self.after_group = 0
        self.semaphore_guarded = 0
        self.condition_guarded = 0
        self.from_thread = 0
        self.counter = 0
        self.polled = 0
        self.per_thread = threading.local()
        self.before_barrier = 0


shared = Shared()


async def set_after_wait_for():
    shared.after_wait_for = 1


async def set_in_group(value):
    shared.after_group = value


async def use_semaphore(semaphore):
    async with semaphore:
        value = shared.semaphore_guarded
        await asyncio.sleep(0)
        shared.semaphore_guarded = value + 1


async def use_condition(condition, amount):
    async with condition:
        shared.condition_guarded += amount
        condition.notify_all()


def blocking_work():
    shared.from_thread = 5
    shared.per_thread.value = 1


async def meet(barrier, value):
    if value:
        shared.before_barrier = value
    await barrier.wait()
    return shared.before_barrier


async def bump():
    shared.counter += 1  # [bump]


async def main():
    await asyncio.wait_for(set_after_wait_for(), 5)
    print(shared.after_wait_for)
    if hasattr(asyncio, "TaskGroup"):
        async with asyncio.TaskGroup() as group:
            group.create_task(set_in_group(1))
        print(shared.after_group)
    semaphore = asyncio.Semaphore(1)
    await asyncio.gather(use_semaphore(semaphore), use_semaphore(semaphore))
    condition = asyncio.Condition()
    await asyncio.gather(use_condition(condition, 1), use_condition(condition, 2))
    await asyncio.to_thread(blocking_work)
    print(shared.from_thread)
    shared.per_thread.value = 2
    await asyncio.get_running_loop().run_in_executor(None, blocking_work)
    print(shared.from_thread)
    if hasattr(asyncio, "Barrier"):
        barrier = asyncio.Barrier(2)
        print(await asyncio.gather(meet(barrier, 6), meet(barrier, 0)))
    first = asyncio.create_task(bump())
    second = asyncio.create_task(bump())
    await asyncio.wait({first, second})
    print(shared.counter)


def set_polled():
    shared.polled = 3


poll_me = threading.Thread(target=set_polled)
poll_me.start()
while poll_me.is_alive():
    time.sleep(0.001)
print(shared.polled)
asyncio.run(main())

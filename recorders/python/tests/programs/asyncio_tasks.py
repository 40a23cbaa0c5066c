"""Tasks on one event loop: an asyncio.Lock protects one field, another is
read, awaited across and written back without it; a queue and an event
order the rest."""

import asyncio


class Wallet:
    def __init__(self):
        self.balance = 0
        self.safe = 0
        self.note = ""


async def deposit(wallet, lock, amount):
    current = wallet.balance  # [read]
    await asyncio.sleep(0)
    wallet.balance = current + amount  # [write]
    async with lock:
        value = wallet.safe
        await asyncio.sleep(0)
        wallet.safe = value + amount


async def producer(queue, wallet):
    wallet.note = "from producer"
    await queue.put("ready")


async def consumer(queue, wallet):
    await queue.get()
    return wallet.note


async def setter(event, wallet):
    wallet.note = "from setter"
    event.set()


async def waiter(event, wallet):
    await event.wait()
    return wallet.note


async def main():
    wallet = Wallet()
    lock = asyncio.Lock()
    await asyncio.gather(deposit(wallet, lock, 1), deposit(wallet, lock, 2))
    task = asyncio.create_task(deposit(wallet, lock, 3))
    await task
    queue = asyncio.Queue()
    print(await asyncio.gather(producer(queue, wallet), consumer(queue, wallet)))
    event = asyncio.Event()
    waiting = asyncio.create_task(waiter(event, wallet))
    await setter(event, wallet)
    print(await waiting)
    print(wallet.balance, wallet.safe)


asyncio.run(main())

"""A thread pool: submitted calls write their own slots of a list (no race)
and bump a shared global without a lock (race); results are read after
result() and after the pool's with-block (no race)."""

from concurrent.futures import ThreadPoolExecutor

processed = 0
slots = [0, 0, 0, 0]


def square(index):
    global processed
    slots[index] = index * index
    processed = processed + 1  # [bump]
    return slots[index]


def main():
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(square, index) for index in range(4)]
        print(sum(future.result() for future in futures))
    print(processed, slots[3])


main()

"""Run the bank: several tellers move money and charge fees at once, then
the books are audited.

    python run_bank.py            # the racy variant (fees skip the lock)
    python run_bank.py --fixed    # the fixed variant (fees take the lock)

Recorded and analyzed:

    python -m causeway_recorder --out bank.jsonl --include 'bank.*' -- run_bank.py
    causeway analyze bank.jsonl
"""

import random
import sys
import threading
import time

from bank.accounts import Bank

TELLERS = 4
OPERATIONS = 40
INITIAL_DEPOSIT = 1_000


def teller(bank, accounts, seed):
    rng = random.Random(seed)
    for _ in range(OPERATIONS):
        time.sleep(0.0005)  # serving the next customer: lets the tellers interleave
        source, target = rng.sample(accounts, 2)
        if rng.random() < 0.25:
            bank.charge_fee(source, 1)
        else:
            bank.transfer(source, target, rng.randint(1, 50))


def main(argv):
    fixed = "--fixed" in argv
    bank = Bank(fees_take_lock=fixed)
    accounts = [bank.open(number, owner, INITIAL_DEPOSIT) for number, owner in enumerate(["ada", "grace", "alan", "edsger"], start=1)]
    expected = INITIAL_DEPOSIT * len(accounts)
    tellers = [threading.Thread(target=teller, args=(bank, accounts, seed), name=f"teller-{seed}") for seed in range(TELLERS)]
    for thread in tellers:
        thread.start()
    for thread in tellers:
        thread.join()
    total = bank.audit(expected)
    print(f"books balance: {total}")


if __name__ == "__main__":
    main(sys.argv[1:])

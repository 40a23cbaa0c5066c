"""Run the racy bank under one chosen schedule of two threads, so that a
passing and a failing run of the same program can be recorded and compared
with `causeway diff`:

    python run_schedule.py fee-first    # the fee, then the transfer: passes
    python run_schedule.py lost-update  # the fee reads the balance, the
                                        # transfer runs, the fee writes the
                                        # stale balance back: the audit fails
    python run_schedule.py split-transfer
        # two transfers that hold the lock for every access but read and
        # write the balance in two critical sections; the second runs
        # between the first one's two: its withdrawal is lost

The schedule is forced with threading.Event, which the recorder does not
record as synchronization: in both runs the fee and the transfer race, as
they do in the real program; only their order differs.
"""

import sys
import threading

from bank.accounts import Bank

DEPOSIT = 100


def run_and_audit(bank, expected, **bodies):
    """Runs each body on a thread named after it, joins them, audits."""
    threads = [threading.Thread(target=body, name=name) for name, body in bodies.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = bank.audit(expected)
    print(f"books balance: {total}")


def main(argv):
    schedule = argv[0] if argv else "fee-first"
    if schedule not in ("fee-first", "lost-update", "split-transfer"):
        raise SystemExit(f"unknown schedule {schedule!r}")
    if schedule == "split-transfer":
        return split_transfer()
    fee_has_read = threading.Event()
    fee_done = threading.Event()
    transfer_done = threading.Event()

    def pause(balance):
        if schedule == "lost-update":
            fee_has_read.set()
            transfer_done.wait(timeout=10)
        return balance

    bank = Bank(fees_take_lock=False, between_read_and_write=pause)
    ada = bank.open(1, "ada", DEPOSIT)
    grace = bank.open(2, "grace", DEPOSIT)

    def fee():
        bank.charge_fee(ada, 1)
        fee_has_read.set()
        fee_done.set()

    def transfer():
        fee_has_read.wait(timeout=10)
        if schedule == "fee-first":
            fee_done.wait(timeout=10)
        bank.transfer(ada, grace, 10)
        transfer_done.set()

    run_and_audit(bank, 2 * DEPOSIT, fee=fee, transfer=transfer)


def split_transfer():
    first_has_read = threading.Event()
    second_done = threading.Event()

    def pause(balance):
        if threading.current_thread().name == "first":
            first_has_read.set()
            second_done.wait(timeout=10)
        return balance

    bank = Bank(fees_take_lock=True, between_read_and_write=pause)
    ada = bank.open(1, "ada", DEPOSIT)
    grace = bank.open(2, "grace", DEPOSIT)
    alan = bank.open(3, "alan", DEPOSIT)

    def first():
        bank.transfer_in_two_steps(ada, grace, 10)

    def second():
        first_has_read.wait(timeout=10)
        bank.transfer_in_two_steps(ada, alan, 5)
        second_done.set()

    run_and_audit(bank, 3 * DEPOSIT, first=first, second=second)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Run the racy bank under one chosen schedule of two threads, so that a
passing and a failing run of the same program can be recorded and compared
with `causeway diff`:

    python run_schedule.py fee-first    # the fee, then the transfer: passes
    python run_schedule.py lost-update  # the fee reads the balance, the
                                        # transfer runs, the fee writes the
                                        # stale balance back: the audit fails

The schedule is forced with threading.Event, which the recorder does not
record as synchronization: in both runs the fee and the transfer race, as
they do in the real program; only their order differs.
"""

import sys
import threading

from bank.accounts import Bank

DEPOSIT = 100


def main(argv):
    schedule = argv[0] if argv else "fee-first"
    if schedule not in ("fee-first", "lost-update"):
        raise SystemExit(f"unknown schedule {schedule!r}")
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

    fee_thread = threading.Thread(target=fee, name="fee")
    transfer_thread = threading.Thread(target=transfer, name="transfer")
    fee_thread.start()
    transfer_thread.start()
    fee_thread.join()
    transfer_thread.join()
    total = bank.audit(2 * DEPOSIT)
    print(f"books balance: {total}")


if __name__ == "__main__":
    main(sys.argv[1:])

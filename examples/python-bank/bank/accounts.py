"""Accounts and the bank that moves money between them.

Every change of a balance must hold `Bank._lock`, so that no update is
lost and the total amount of money never changes. `charge_fee` breaks that
rule unless the bank was built with `fees_take_lock=True`: its unlocked
read-modify-write of a balance races with the locked transfers, and a
balance update can be lost, which `audit` then reports.
"""

import threading


class InvariantViolation(Exception):
    """The bank's books do not add up."""


class Account:
    def __init__(self, number, owner, balance):
        self.number = number
        self.owner = owner
        self.balance = balance

    def __repr__(self):
        return f"Account(number={self.number}, owner={self.owner!r})"


class Bank:
    def __init__(self, fees_take_lock, between_read_and_write=None):
        self._lock = threading.Lock()
        self.fees_take_lock = fees_take_lock
        # A test's hook into the unlocked fee: called with the balance just
        # read, before the new balance is written (run_schedule.py uses it
        # to force one interleaving).
        self._between = between_read_and_write or (lambda balance: balance)
        self.accounts = {}
        self.house = Account(0, "house", 0)

    def open(self, number, owner, deposit):
        account = Account(number, owner, deposit)
        with self._lock:
            self.accounts[number] = account
        return account

    def transfer(self, source, target, amount):
        """Move `amount` from `source` to `target`, under the lock."""
        with self._lock:
            if source.balance < amount:
                return False
            source.balance -= amount
            target.balance += amount
            return True

    def transfer_in_two_steps(self, source, target, amount):
        """Like `transfer`, but the source's balance is read in one critical
        section and written in another. Every access holds the lock, so
        there is no data race, yet another thread's update of the balance
        between the two is overwritten (a lost update)."""
        with self._lock:
            balance = source.balance
        balance = self._between(balance)
        with self._lock:
            source.balance = balance - amount  # BUG: balance may be stale
            target.balance += amount

    def charge_fee(self, account, fee):
        """Move a fee from `account` to the house account."""
        if self.fees_take_lock:
            with self._lock:
                account.balance -= fee
                self.house.balance += fee
        else:
            account.balance = self._between(account.balance) - fee  # BUG: no lock, races with transfer()
            with self._lock:
                self.house.balance += fee

    def total(self):
        with self._lock:
            return self.house.balance + sum(a.balance for a in self.accounts.values())

    def audit(self, expected_total):
        """Fail when money was created or lost."""
        total = self.total()
        if total != expected_total:
            raise InvariantViolation(f"total balance {total} != {expected_total}")
        return total

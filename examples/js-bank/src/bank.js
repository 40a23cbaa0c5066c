// An async bank: a transfer reads both balances, waits for the (simulated)
// fraud check, and writes them back. Without the mutex, two concurrent
// transfers from the same account both read the old balance and one
// transfer's debit is lost.
import { Mutex } from './mutex.js';

export class Account {
  constructor(owner, balance) {
    this.owner = owner;
    this.balance = balance;
  }
}

const fraudCheck = (amount) => new Promise((resolve) => setTimeout(() => resolve(amount < 1000), 1));

export class Bank {
  constructor({ locked }) {
    this.accounts = new Map();
    this.mutex = locked ? new Mutex() : null;
  }

  open(owner, balance) {
    const account = new Account(owner, balance);
    this.accounts.set(owner, account);
    return account;
  }

  async transfer(from, to, amount) {
    const unlock = this.mutex ? await this.mutex.lock() : () => {};
    try {
      const source = this.accounts.get(from);
      const target = this.accounts.get(to);
      const debit = source.balance - amount; // [read-source]
      const credit = target.balance + amount;
      if (!(await fraudCheck(amount))) throw new Error(`transfer of ${amount} refused`);
      source.balance = debit; // [write-source]
      target.balance = credit;
      return debit;
    } finally {
      unlock();
    }
  }

  total() {
    let sum = 0;
    for (const account of this.accounts.values()) sum += account.balance;
    return sum;
  }
}

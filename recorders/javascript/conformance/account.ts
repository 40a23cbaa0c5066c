// TypeScript: the recorder transpiles it; every location is a .ts line.
interface Ledger {
  entries: number;
}

export class Account {
  private readonly owner: string;
  balance: number;

  constructor(owner: string, balance: number) {
    this.owner = owner;
    this.balance = balance;
  }

  async withdraw(amount: number): Promise<number> {
    const current: number = this.balance; // [read]
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    this.balance = current - amount; // [write]
    return this.balance; // [reread]
  }
}

const ledger: Ledger = { entries: 0 };
const account = new Account('ada', 100);
await Promise.all([account.withdraw(10), account.withdraw(20)]);
ledger.entries += 2;
console.log(account.balance, ledger.entries);

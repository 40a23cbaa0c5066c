// node run_bank.js [--fixed]: two concurrent transfers from alice, then the
// books are checked. Exit status 3 when money was lost.
import { Bank } from './src/bank.js';

const bank = new Bank({ locked: process.argv.includes('--fixed') });
bank.open('alice', 100);
bank.open('bob', 50);
bank.open('carol', 0);

await Promise.all([bank.transfer('alice', 'bob', 30), bank.transfer('alice', 'carol', 20)]);

const total = bank.total();
console.log(`alice ${bank.accounts.get('alice').balance}, bob ${bank.accounts.get('bob').balance}, carol ${bank.accounts.get('carol').balance}, total ${total}`);
if (total !== 150) {
  console.error(`money was ${total > 150 ? 'created' : 'lost'}: total ${total}, expected 150`);
  process.exitCode = 3;
}

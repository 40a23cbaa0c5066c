// The same transfers behind a promise-based mutex: each waits for the
// previous holder's unlock, so nothing races.
class Mutex {
  constructor() {
    this.tail = Promise.resolve();
  }

  lock() {
    let unlock;
    const held = new Promise((resolve) => {
      unlock = resolve;
    });
    const turn = this.tail.then(() => unlock);
    this.tail = held;
    return turn;
  }
}

const accounts = { alice: 100, bob: 0 };
const mutex = new Mutex();
const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

async function transfer(from, to, amount) {
  const unlock = await mutex.lock();
  try {
    const balance = accounts[from];
    await pause();
    accounts[from] = balance - amount;
    accounts[to] += amount;
  } finally {
    unlock();
  }
}

await Promise.all([transfer('alice', 'bob', 10), transfer('alice', 'bob', 20), transfer('bob', 'alice', 5)]);
console.log(accounts);

// Two transfers run concurrently (Promise.all): each reads a balance,
// awaits, and writes it back. Unordered: they race.
const accounts = { alice: 100, bob: 0 };

const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

async function transfer(from, to, amount) {
  const balance = accounts[from]; // [read]
  await pause();
  accounts[from] = balance - amount; // [write]
}

await Promise.all([transfer('alice', 'bob', 10), transfer('alice', 'bob', 20)]);
console.log(accounts.alice); // after both: ordered by Promise.all

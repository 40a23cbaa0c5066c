// Async-heavy: many tasks that await and update a shared ledger, so every
// await is a lane switch and every continuation an ordering.
const ledger = { total: 0, entries: 0 };

async function worker(id, rounds) {
  for (let i = 0; i < rounds; i += 1) {
    const seen = ledger.total;
    await null;
    ledger.total = seen + id;
    ledger.entries += 1;
  }
}

async function run(tasks, rounds) {
  await Promise.all(Array.from({ length: tasks }, (_, id) => worker(id, rounds)));
}

const scale = Number(process.argv[2] || 1);
const started = process.hrtime.bigint();
await run(200 * scale, 50);
const ns = Number(process.hrtime.bigint() - started);
console.log(JSON.stringify({ ns, scale }));

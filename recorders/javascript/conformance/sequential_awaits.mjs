// Awaited one after the other, tasks are ordered: the second starts after
// the first has finished. No race.
export const state = { count: 0 };

async function increment() {
  const seen = state.count;
  await null;
  state.count = seen + 1;
}

await increment();
await increment();
setImmediate(() => {
  state.count += 1; // scheduled after both: ordered
});

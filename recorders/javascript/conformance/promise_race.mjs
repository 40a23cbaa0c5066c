// Promise.race is ordered after the part that won it, not after the others,
// even when the loser has settled too by the time the race is awaited:
// reading what the loser wrote races with it.
const box = { fast: 0, slow: 0 };

function settleLater(ms, key) {
  return new Promise((resolve) => {
    setTimeout(() => {
      box[key] = 1; // [write]
      resolve(key);
    }, ms);
  });
}

const race = Promise.race([settleLater(1, 'fast'), settleLater(5, 'slow')]);
await new Promise((resolve) => setTimeout(resolve, 30)); // both have settled now
await race;
console.log(box.fast, box.slow); // [read-after-race]

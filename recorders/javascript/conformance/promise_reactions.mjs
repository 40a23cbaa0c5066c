// Two reactions to one promise are unordered; a chain of reactions is
// ordered; a promise's resolution orders the code that awaits it.
const box = { a: 0, b: 0, c: 0 };
const ready = Promise.resolve();

ready.then(() => {
  box.a += 1; // [then-1]
});
ready.then(() => {
  box.a += 1; // [then-2]
});

ready
  .then(() => {
    box.b += 1;
  })
  .then(() => {
    box.b += 1;
  });

function later() {
  return new Promise((resolve) => {
    setTimeout(() => {
      box.c = 1;
      resolve();
    }, 1);
  });
}

async function waiter() {
  await later();
  return box.c;
}

await waiter();

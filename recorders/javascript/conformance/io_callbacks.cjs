// Two I/O completions are unordered unless one started the other: the two
// reads' callbacks race; a read started from a callback comes after it.
const fs = require('node:fs');

let hits = 0;
let chained = 0;

fs.readFile(__filename, () => {
  hits += 1; // [first]
});
fs.readFile(__filename, () => {
  hits += 1; // [second]
});
fs.stat(__filename, () => {
  chained += 1;
  fs.readFile(__filename, () => {
    chained += 1;
  });
});

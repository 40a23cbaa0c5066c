// Two timer callbacks each run `hits++`: unordered, they race even though
// no await separates the read from the write. A timer that sets another
// timer orders it: `chained` does not race.
let hits = 0;
let chained = 0;

function bump() {
  hits++; // [bump]
}

function first() {
  chained += 1;
  setTimeout(second, 1);
}

function second() {
  chained += 1;
}

setTimeout(bump, 1);
setTimeout(bump, 2);
setTimeout(first, 3);

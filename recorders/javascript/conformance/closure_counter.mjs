// A local variable captured by closures is named per activation of the
// function that declared it: two counters never share a variable, but one
// counter bumped from two timers races.
function makeCounter() {
  let count = 0;
  return function bump() {
    count += 1; // [bump]
    return count; // [reread]
  };
}

const shared = makeCounter();
const other = makeCounter();
setTimeout(shared, 1);
setTimeout(shared, 2);
setTimeout(other, 3);

// Collection methods are writes (push, set) and reads (get, includes) of
// the whole collection.
const queue = [];
const cache = new Map();

setTimeout(() => queue.push('a'), 1); // [push-a]
setTimeout(() => queue.push('b'), 2); // [push-b]
setImmediate(() => {
  cache.set('k', 1); // [set]
});
queueMicrotask(() => {
  console.log(cache.get('k')); // [get]
});

// Event-emitter listeners run on the lane that emits; process.nextTick
// callbacks after the code that queued them; a timer after the code that
// set it. Only the timer and the immediate, which nothing orders, race.
const { EventEmitter } = require('node:events');

const bus = new EventEmitter();
const state = { seen: 0, ticks: 0, racy: 0 };

bus.on('ping', () => {
  state.seen += 1;
});
bus.emit('ping');
process.nextTick(() => {
  state.ticks += 1;
});
state.ticks += 1;
setTimeout(() => bus.emit('ping'), 1);
setTimeout(() => {
  state.racy += 1; // [timer]
}, 1);
setImmediate(() => {
  state.racy += 1; // [immediate]
});

'use strict';
/**
 * What the event loop orders, made visible to the recorder:
 *
 * - `setTimeout`, `setInterval` and `setImmediate` run their callback on a
 *   lane of its own, ordered after the code that scheduled it (two timers
 *   are unordered unless one set the other);
 * - `process.nextTick` and `queueMicrotask` callbacks stay on the lane that
 *   queued them (they run, in order, before anything else can: Node's own
 *   streams and emitters use them, and splitting them would make one
 *   stream's events look concurrent);
 * - `promise.then` (and so `catch` and `finally`) runs its reaction on a
 *   lane of its own, ordered after the registration and after whatever the
 *   promise's settlement depended on; the promise it returns settles after
 *   the reaction;
 * - `Promise.all` and `allSettled` settle after their parts, `race` and
 *   `any` after the part that settled them.
 *
 * Nothing here changes what the program does: every wrapper calls the
 * original with the same arguments, `this` and return value.
 */
const timers = require('node:timers');
const runtime = require('./runtime');
const { currentLane, newLane, runOn } = require('./lanes');

const R = runtime.recorder;
const { origins, dependencies } = runtime;
let installed = false;

function laneAfter(prefix, registered, parent, extra) {
  const lane = newLane(prefix, '', parent);
  lane.after(registered);
  if (extra !== undefined) {
    const deps = dependencies(extra, [], new Set());
    if (deps.length > 0) lane.after(deps);
  }
  return lane;
}

/** `fn(callback, ...rest)` with the callback on a lane of its own. */
function scheduling(original, prefix, callbackIndex = 0) {
  const wrapped = function (...args) {
    const callback = args[callbackIndex];
    if (!R.active || typeof callback !== 'function') return original.apply(this, args);
    const lane = currentLane();
    const registered = lane.position();
    const parent = lane.parent();
    let own = null;
    args[callbackIndex] = function (...callArgs) {
      if (own === null) own = laneAfter(prefix, registered, parent);
      return runOn(own, callback, this, callArgs);
    };
    return original.apply(this, args);
  };
  Object.defineProperty(wrapped, 'name', { value: original.name });
  for (const key of Object.getOwnPropertySymbols(original)) wrapped[key] = original[key]; // util.promisify.custom
  return wrapped;
}

function patchThen() {
  const proto = Promise.prototype;
  const then = proto.then;
  proto.then = function then_(onFulfilled, onRejected) {
    if (!R.active) return then.call(this, onFulfilled, onRejected);
    const lane = currentLane();
    const registered = lane.position();
    const parent = lane.parent();
    const source = this;
    const origin = { parent: source, passthrough: typeof onFulfilled !== 'function' || typeof onRejected !== 'function' };
    const react = (callback) => {
      if (typeof callback !== 'function') return callback;
      return function (value) {
        const own = laneAfter('then', registered, parent, source);
        try {
          const result = runOn(own, callback, this, [value]);
          origin.result = result;
          return result;
        } finally {
          // The reaction's lane came after the source: its position says
          // all, and a long `p = p.then(...)` chain must not stay alive.
          origin.position = own.position();
          origin.parent = undefined;
        }
      };
    };
    const derived = then.call(this, react(onFulfilled), react(onRejected));
    if (derived !== null && typeof derived === 'object') origins.set(derived, origin);
    return derived;
  };
}

function patchCombinators() {
  const nativeThen = Promise.prototype.then;
  for (const name of ['all', 'allSettled', 'race', 'any']) {
    const original = Promise[name];
    Promise[name] = {
      [name](iterable) {
        if (!R.active || iterable === null || iterable === undefined || typeof iterable[Symbol.iterator] !== 'function') return original.call(this, iterable);
        const parts = Array.from(iterable);
        const combined = original.call(this, parts);
        const origin = { parts };
        if (name === 'race' || name === 'any') {
          // Settled by one part: ordered after that one only (the first to
          // settle; for `any`, the first to fulfil, or all when all reject).
          parts.forEach((part) => {
            const settled = () => {
              if (origin.parts === parts) origin.parts = [part];
            };
            nativeThen.call(Promise.resolve(part), settled, name === 'race' ? settled : undefined);
          });
        }
        origins.set(combined, origin);
        return combined;
      },
    }[name];
  }
}

/** Installs the patches once per process. */
function install(options = {}) {
  if (installed) return;
  installed = true;
  patchThen();
  patchCombinators();
  const setTimeoutP = scheduling(globalThis.setTimeout, 'timeout');
  const setIntervalP = scheduling(globalThis.setInterval, 'interval');
  const setImmediateP = scheduling(globalThis.setImmediate, 'immediate');
  globalThis.setTimeout = setTimeoutP;
  globalThis.setInterval = setIntervalP;
  globalThis.setImmediate = setImmediateP;
  if (options.timersModule !== false) {
    // `require('timers').setTimeout` too (not inside a Jest context, whose
    // globals are its own but whose `timers` module is the process's).
    timers.setTimeout = setTimeoutP;
    timers.setInterval = setIntervalP;
    timers.setImmediate = setImmediateP;
  }
}

module.exports = { install };

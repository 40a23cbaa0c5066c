'use strict';
/**
 * I/O completions as lanes of their own: the callback of an `fs` request, a
 * DNS lookup or a connect runs on a fresh lane (`io-N`), and every callback
 * of one handle (a socket, a pipe, a child process, a zlib stream, a file
 * watcher) on that handle's lane, ordered after the code that created it.
 * So two I/O completions are unordered unless one started the other, while
 * one socket's `data` and `end` stay in order.
 *
 * Uses async_hooks: `init` notes where a resource was created, `before`
 * makes its lane current for the callback about to run. Handles that stay
 * open are remembered until they are many (MAX_LIVE).
 */
const asyncHooks = require('node:async_hooks');
const runtime = require('./runtime');
const lanes = require('./lanes');

const R = runtime.recorder;
/** Requests: one callback each. */
const ONE_SHOT = new Set(['FSREQCALLBACK', 'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'QUERYWRAP', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP']);
/** Handles: every callback of one handle on one lane. */
const HANDLES = new Set(['TCPWRAP', 'PIPEWRAP', 'UDPWRAP', 'PROCESSWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'SIGNALWRAP', 'ZLIB']);
/** Handles remembered at most (the oldest are forgotten: their callbacks then stay on the creator's lane). */
const MAX_LIVE = 100000;

/**
 * asyncId -> where the resource was created and its lane. Looked up by id in
 * `before`, which runs for every promise reaction too: a Map miss is the
 * cheapest test there is.
 */
const live = new Map();

let installed = false;

function install() {
  if (installed) return;
  installed = true;
  asyncHooks
    .createHook({
      init(asyncId, type) {
        if (!R.active) return;
        const oneShot = ONE_SHOT.has(type);
        if (!oneShot && !HANDLES.has(type)) return;
        const lane = lanes.currentLane();
        live.set(asyncId, { registered: lane.position(), parent: lane.parent(), trace: lane.trace, lane: null, oneShot });
        if (live.size > MAX_LIVE) live.delete(live.keys().next().value);
      },
      before(asyncId) {
        const info = live.get(asyncId);
        if (info === undefined) return;
        if (info.oneShot) live.delete(asyncId);
        if (!R.active) return;
        if (info.lane === null) {
          info.lane = lanes.newLane('io', '', info.parent);
          info.lane.trace = info.trace;
          info.lane.after(info.registered);
          info.registered = null;
        }
        lanes.enter(info.lane);
      },
    })
    .enable();
}

module.exports = { install };

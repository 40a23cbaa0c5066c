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
 * makes its lane current for the callback about to run.
 */
const asyncHooks = require('node:async_hooks');
const runtime = require('./runtime');
const lanes = require('./lanes');

const R = runtime.recorder;
const INFO = Symbol('causeway.io');
const IO = new Set([
  'FSREQCALLBACK', 'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'QUERYWRAP', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP',
  'TCPWRAP', 'PIPEWRAP', 'UDPWRAP', 'PROCESSWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'SIGNALWRAP', 'ZLIB',
]);

let installed = false;

function install() {
  if (installed) return;
  installed = true;
  asyncHooks
    .createHook({
      init(asyncId, type, triggerAsyncId, resource) {
        if (!R.active || !IO.has(type) || resource === null || typeof resource !== 'object') return;
        const lane = lanes.currentLane();
        resource[INFO] = { registered: lane.position(), parent: lane.parent(), trace: lane.trace, lane: null };
      },
      before() {
        const resource = asyncHooks.executionAsyncResource();
        const info = resource !== null && typeof resource === 'object' ? resource[INFO] : undefined;
        if (info === undefined || !R.active) return;
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

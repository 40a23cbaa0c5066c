'use strict';
/**
 * The program's own API:
 *
 *   const causeway = require('causeway-recorder');
 *   causeway.event('checkout.done', { cart: 12 });   // a `custom` event
 *   causeway.start({ out: 'trace.jsonl' });           // record from here (no loader hook:
 *   causeway.stop();                                  //   only already-instrumented code records)
 *
 * Recording a whole run is `causeway-record -- node app.js` or
 * `node --import causeway-recorder/register app.js`.
 */
const path = require('node:path');
const runtime = require('./runtime');
const patches = require('./patches');

/** Starts a trace: {out, root, service, traceId, redact, defaultRedactions}; returns the trace id. */
function start(options = {}) {
  patches.install();
  return runtime.recorder.start({ out: options.out || 'causeway-trace.jsonl', root: options.root || process.cwd(), service: options.service || path.basename(process.argv[1] || 'node').replace(/\.[^.]*$/, ''), ...options });
}

/** Flushes and closes the trace; returns its path. */
function stop() {
  return runtime.recorder.stop();
}

/** Records a `custom` event with JSON data; returns its id (null when not recording). */
function event(name, data = null) {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('causeway.event: name must be a non-empty string');
  return runtime.event(name, data);
}

/** Whether this process is recording. */
function recording() {
  return runtime.recorder.active;
}

module.exports = { start, stop, event, recording, version: runtime.version };

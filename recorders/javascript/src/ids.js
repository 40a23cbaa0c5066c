'use strict';
/**
 * Event ids, trace ids and timestamps.
 *
 * Event ids are 32 hex digits: a random 64-bit prefix per process followed by
 * a 64-bit counter, unique in a recording and much cheaper than a UUID per
 * event. Timestamps are RFC 3339 in UTC with nanosecond digits, taken from the
 * monotonic clock anchored once to the wall clock, so they never go back.
 */
const crypto = require('node:crypto');

const PREFIX = crypto.randomBytes(8).toString('hex');
let counter = 0;

/** A new event id (32 lowercase hex digits). */
function newEventId() {
  counter += 1;
  return PREFIX + counter.toString(16).padStart(16, '0');
}

/** A new W3C-style trace id (32 lowercase hex digits, never all zero). */
function newTraceId() {
  let id;
  do {
    id = crypto.randomBytes(16).toString('hex');
  } while (/^0+$/.test(id));
  return id;
}

const ANCHOR_NS = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
let cachedSecond = -1n;
let cachedPrefix = '';
let lastNs = 0n;

/** The current time as RFC 3339 with nine fractional digits, in UTC. */
function timestamp() {
  let ns = ANCHOR_NS + process.hrtime.bigint();
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  const second = ns / 1000000000n;
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19);
  }
  const fraction = (ns - second * 1000000000n).toString().padStart(9, '0');
  return `${cachedPrefix}.${fraction}Z`;
}

module.exports = { newEventId, newTraceId, timestamp };

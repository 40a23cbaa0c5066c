'use strict';
/**
 * The sending thread of sender.js: receives batches of JSON Lines from the
 * program's thread and POSTs them, one at a time and in order, to the
 * collector's `/v1/events` over one keep-alive connection. On `close` it
 * sends what is queued until its deadline, then writes its counts (JSON)
 * into the shared block and wakes the program's thread.
 */
const { parentPort, workerData } = require('node:worker_threads');

const url = new URL(workerData.url);
const transport = require(url.protocol === 'https:' ? 'node:https' : 'node:http');
const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
const target = `${url.pathname.replace(/\/+$/, '')}/v1/events`;
const state = new Int32Array(workerData.shared, 0, 3);

const queue = [];
let sending = false;
let closing = false;
let finished = false;
let lastFailure = '';
let backoffMs = 100;
const counts = { acknowledged: 0, rejected: 0, rejectReason: '', lost: {} };

function lose(count, reason) {
  counts.lost[reason] = (counts.lost[reason] || 0) + count;
}

function dequeue() {
  const batch = queue.shift();
  Atomics.sub(state, 2, batch.bytes);
  return batch;
}

/** Writes the counts for the program's thread and wakes it. */
function finish() {
  if (finished) return;
  finished = true;
  while (queue.length > 0) lose(dequeue().count, lastFailure || 'timed out at exit');
  const text = Buffer.from(JSON.stringify(counts), 'utf8');
  new Uint8Array(workerData.shared, workerData.summaryOffset, text.length).set(text);
  Atomics.store(state, 1, text.length);
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
  agent.destroy();
}

/** `Retry-After` in milliseconds (the collector sends seconds). */
function retryAfterMs(value) {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** (accepted, rejected, first reason) from a collector's error answer. */
function parseRejection(text, sent) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return [0, sent, text.slice(0, 200).trim() || 'no reason given'];
  }
  if (data === null || typeof data !== 'object') return [0, sent, 'unreadable answer'];
  const accepted = Number(data.accepted) || 0;
  const rejected = Array.isArray(data.rejected) ? data.rejected : [];
  if (rejected.length > 0) {
    const first = rejected[0];
    return [accepted, rejected.length, first && typeof first === 'object' ? `line ${first.line}: ${first.reason}` : String(first)];
  }
  return [accepted, sent - accepted, String(data.error || 'no reason given')];
}

/** Sends `batch` once; calls `done(retryDelayMs)` (null when the batch is settled). */
function post(batch, done) {
  const headers = { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(batch.body) };
  if (workerData.token) headers.authorization = `Bearer ${workerData.token}`;
  const request = transport.request(url, { method: 'POST', path: target, headers, agent }, (response) => {
    const chunks = [];
    response.on('data', (chunk) => chunks.push(chunk));
    response.on('error', (error) => {
      lastFailure = `cannot reach the collector: ${error.message}`;
      done(0);
    });
    response.on('end', () => {
      const status = response.statusCode;
      const text = Buffer.concat(chunks).toString('utf8');
      if (status === 200) {
        counts.acknowledged += batch.count;
        done(null);
      } else if (status === 429 || status === 503) {
        lastFailure = `collector answered ${status}`;
        done(retryAfterMs(response.headers['retry-after']));
      } else {
        const [accepted, rejected, reason] = parseRejection(text, batch.count);
        counts.acknowledged += accepted;
        if (status === 400 && rejected > 0) {
          counts.rejected += rejected;
          counts.rejectReason = counts.rejectReason || reason;
        } else {
          // 401, 413, 415 or a body the collector could not read: sending
          // it again would not help.
          lose(batch.count - accepted, `collector answered ${status}: ${reason}`);
        }
        done(null);
      }
    });
  });
  request.setTimeout(workerData.requestTimeoutMs, () => request.destroy(new Error('no answer in time')));
  request.on('error', (error) => {
    lastFailure = `cannot reach the collector: ${error.message}`;
    done(0);
  });
  request.end(batch.body);
}

function pump() {
  if (sending || finished) return;
  if (queue.length === 0) {
    if (closing) finish();
    return;
  }
  sending = true;
  post(queue[0], (retryMs) => {
    if (finished) return;
    if (retryMs === null) {
      dequeue();
      backoffMs = 100;
      sending = false;
      pump();
      return;
    }
    const wait = Math.max(retryMs, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 2000);
    setTimeout(() => {
      sending = false;
      pump();
    }, wait);
  });
}

parentPort.on('message', (message) => {
  if (message.close) {
    closing = true;
    setTimeout(finish, message.timeoutMs).unref();
    pump();
    return;
  }
  queue.push(message);
  pump();
});

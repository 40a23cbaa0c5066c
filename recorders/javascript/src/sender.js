'use strict';
/**
 * Sending events to a collector (`causeway collect`) instead of a file.
 *
 * `EndpointSender` has the writer's interface (`add`, `flush`, `close`,
 * `written`, `path`), so the recorder uses it in place of a `TraceWriter`.
 * Lines are gathered on the program's thread and handed, a batch at a time
 * (by size, or every `intervalMs`), to one worker thread
 * (sender-worker.js) that POSTs them as JSON Lines to `URL/v1/events`:
 *
 * - 429/503 and connection errors: the batch is sent again with
 *   exponential backoff, waiting at least what `Retry-After` asks;
 * - 400: the collector kept the valid lines and names the rejected ones;
 *   those are counted as rejected (with the first reason), never resent;
 * - memory is bounded: past `maxQueuedBytes` waiting (here and in the
 *   worker), a new event is counted as lost ("queue full");
 * - `close` (at exit, on a signal, after an uncaught exception) blocks the
 *   program's thread with `Atomics.wait` while the worker sends what is
 *   left, for at most `closeTimeoutMs`; what is still unsent is counted as
 *   lost with the last failure as the reason.
 *
 * `summary()` is the line printed at exit, so no loss is ever silent.
 *
 * A worker thread, not the program's event loop, does the sending: at
 * `exit` the event loop no longer runs, and a synchronous wait on a thread
 * that still runs is the only way to finish the last batch. The worker
 * loads nothing of the recorder (no `--import`, no patches), so its own
 * requests and timers are never recorded; the timer here is the one
 * captured before the recorder's timer patches are installed.
 */
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const setIntervalUnrecorded = globalThis.setInterval;
const clearIntervalUnrecorded = globalThis.clearInterval;

/** Bytes of the shared block: [done, summary length, queued bytes], then the summary. */
const SUMMARY_BYTES = 64 * 1024;
const HEADER_BYTES = 12;

class EndpointSender {
  /**
   * `endpoint`: an http:// or https:// URL (the collector's base; events go
   * to its `/v1/events`). `options.token`: sent as `Authorization: Bearer`.
   */
  constructor(endpoint, options = {}) {
    let url;
    try {
      url = new URL(endpoint);
    } catch {
      throw new Error(`endpoint must be an http:// or https:// URL, not ${JSON.stringify(endpoint)}`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      throw new Error(`endpoint must be an http:// or https:// URL, not ${JSON.stringify(endpoint)}`);
    }
    this.path = endpoint;
    this.written = 0;
    this.batchBytes = options.batchBytes || 512 * 1024;
    this.maxQueuedBytes = options.maxQueuedBytes || 64 * 1024 * 1024;
    this.closeTimeoutMs = options.closeTimeoutMs || 5000;
    this.pending = [];
    this.pendingBytes = 0;
    this.lost = new Map();
    this.result = null;
    this.closed = false;
    this.shared = new SharedArrayBuffer(HEADER_BYTES + SUMMARY_BYTES);
    this.state = new Int32Array(this.shared, 0, 3);
    this.workerFailure = null;
    this.worker = new Worker(path.join(__dirname, 'sender-worker.js'), {
      execArgv: [],
      env: {},
      stdout: false,
      stderr: false,
      workerData: {
        url: url.href,
        token: options.token || null,
        requestTimeoutMs: options.requestTimeoutMs || 5000,
        shared: this.shared,
        summaryOffset: HEADER_BYTES,
      },
    });
    this.worker.on('error', (error) => {
      this.workerFailure = `the sender thread failed: ${error.message}`;
    });
    this.worker.unref();
    this.timer = setIntervalUnrecorded(() => this.flush(), options.intervalMs || 200);
    this.timer.unref();
  }

  /** Queues one event line (without its newline). */
  add(line) {
    if (this.closed) {
      this.lose(1, 'recording closed');
      return;
    }
    const size = line.length + 1;
    if (Atomics.load(this.state, 2) + this.pendingBytes + size > this.maxQueuedBytes) {
      this.lose(1, 'queue full');
      return;
    }
    this.written += 1;
    this.pending.push(line);
    this.pendingBytes += size;
    if (this.pendingBytes >= this.batchBytes) this.flush();
  }

  /** Hands the gathered lines to the sending thread. */
  flush() {
    if (this.pending.length === 0 || this.workerFailure !== null) return;
    Atomics.add(this.state, 2, this.pendingBytes);
    this.worker.postMessage({ body: `${this.pending.join('\n')}\n`, count: this.pending.length, bytes: this.pendingBytes });
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Sends what is left (for at most closeTimeoutMs) and reads the worker's counts. */
  close() {
    if (this.closed) return;
    clearIntervalUnrecorded(this.timer);
    this.flush();
    this.closed = true;
    const unsent = this.pending.length;
    if (this.workerFailure === null) {
      this.worker.postMessage({ close: true, timeoutMs: this.closeTimeoutMs });
      // The worker gives up by itself at the timeout; the margin covers a
      // worker that never started.
      Atomics.wait(this.state, 0, 0, this.closeTimeoutMs + 2000);
    }
    if (Atomics.load(this.state, 0) === 1) {
      const length = Atomics.load(this.state, 1);
      this.result = JSON.parse(Buffer.from(new Uint8Array(this.shared, HEADER_BYTES, length)).toString('utf8'));
    } else {
      this.result = { acknowledged: 0, rejected: 0, rejectReason: '', lost: { [this.workerFailure || 'the sender thread did not answer']: this.written - unsent } };
    }
    if (unsent > 0) this.lose(unsent, this.workerFailure || 'recording closed');
  }

  lose(count, reason) {
    this.lost.set(reason, (this.lost.get(reason) || 0) + count);
  }

  /** One line: what was sent and, if anything was not, how much and why. */
  summary() {
    const result = this.result || { acknowledged: 0, rejected: 0, rejectReason: '', lost: {} };
    let text = `causeway-recorder: ${result.acknowledged} events sent to ${this.path}`;
    const problems = [];
    if (result.rejected) problems.push(`${result.rejected} rejected by the collector (${result.rejectReason})`);
    const lost = new Map(this.lost);
    for (const [reason, count] of Object.entries(result.lost)) lost.set(reason, (lost.get(reason) || 0) + count);
    for (const [reason, count] of lost) problems.push(`${count} lost (${reason})`);
    if (problems.length > 0) text += `; ${problems.join('; ')}`;
    return text;
  }
}

module.exports = { EndpointSender };

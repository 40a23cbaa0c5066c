'use strict';
/**
 * worker_threads as messages.
 *
 * Each worker records into its own file (`TRACE.worker-N.jsonl`, N its
 * threadId) with its lanes named `worker-N/main`, `worker-N/task-1`, ...;
 * analyze the files together. Ordering between the threads:
 *
 * - `new Worker(...)` is a `message_send` the worker's first event receives;
 * - each `postMessage` between a worker and its parent is a `message_send`,
 *   and the listener that gets it runs on a lane of its own, after the
 *   matching `message_receive` (the two ends number the messages of one
 *   direction alike: a port delivers them in order);
 * - the worker's end is a `message_send` its `exit` event receives.
 *
 * Messages through other MessagePorts (a MessageChannel) are not ordered.
 */
const threads = require('node:worker_threads');
const runtime = require('./runtime');
const { currentLane, newLane, runOn } = require('./lanes');

const R = runtime.recorder;
const q = JSON.stringify;
const sent = new Map();
const received = new Map();

function channelOf(threadId, direction) {
  return `${process.pid}/worker-${threadId}/${direction}`;
}

function next(counts, channel) {
  const n = (counts.get(channel) || 0) + 1;
  counts.set(channel, n);
  return `${channel}#${n}`;
}

function send(channel, id) {
  if (!R.active || R.busy) return;
  const lane = currentLane();
  R.emit('message_send', lane, `,"channel":${q(channel)},"message_id":${q(id)},"language":"javascript"`, lane.parent());
}

/** A fresh lane that starts by receiving `id`. */
function receivingLane(channel, id) {
  const lane = newLane('message', '', null);
  if (R.active) R.emit('message_receive', lane, `,"channel":${q(channel)},"message_id":${q(id)},"language":"javascript"`, null);
  return lane;
}

/** Workers the program made (not Node's own, such as the module loader's), and their thread ids. */
const programWorkers = new WeakMap();

function patchParentSide() {
  const { Worker } = threads;
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function postMessage(...args) {
    const threadId = programWorkers.get(this);
    if (R.active && threadId !== undefined) {
      const channel = channelOf(threadId, 'down');
      send(channel, next(sent, channel));
    }
    return post.apply(this, args);
  };
  const emit = Object.getPrototypeOf(Worker.prototype).emit;
  Worker.prototype.emit = function (name, ...args) {
    const threadId = programWorkers.get(this);
    if (R.active && threadId !== undefined && (name === 'message' || name === 'exit')) {
      const channel = channelOf(threadId, name === 'message' ? 'up' : 'end');
      const id = name === 'message' ? next(received, channel) : `${channel}#1`;
      return runOn(receivingLane(channel, id), emit, this, [name, ...args]);
    }
    return emit.call(this, name, ...args);
  };
  // `new Worker(...)`: a subclass that sends the start message (and can
  // itself be subclassed); ES module imports see it too.
  class RecordedWorker extends Worker {
    constructor(...args) {
      super(...args);
      programWorkers.set(this, this.threadId);
      if (R.active) send(channelOf(this.threadId, 'start'), `${channelOf(this.threadId, 'start')}#1`);
    }
  }
  Object.defineProperty(RecordedWorker, 'name', { value: 'Worker' });
  threads.Worker = RecordedWorker;
  require('node:module').syncBuiltinESMExports();
}

function patchWorkerSide() {
  const port = threads.parentPort;
  if (port === null) return;
  const post = port.postMessage;
  port.postMessage = function postMessage(...args) {
    if (R.active) {
      const channel = channelOf(threads.threadId, 'up');
      send(channel, next(sent, channel));
    }
    return post.apply(this, args);
  };
  const channel = channelOf(threads.threadId, 'down');
  let lane = null;
  const resetLater = queueMicrotask;
  const wrap = (listener) => {
    if (typeof listener !== 'function') return listener;
    const wrapped = function (...args) {
      if (!R.active) return listener.apply(this, args);
      if (lane === null) {
        // The first listener of this message: one receive per message.
        lane = receivingLane(channel, next(received, channel));
        const mine = lane;
        resetLater(() => {
          if (lane === mine) lane = null;
        });
      }
      return runOn(lane, listener, this, args);
    };
    wrapped.listener = listener;
    return wrapped;
  };
  for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']) {
    const original = port[method];
    if (typeof original !== 'function') continue;
    port[method] = function (name, listener) {
      return original.call(this, name, name === 'message' ? wrap(listener) : listener);
    };
  }
}

/** Where a worker records: next to the parent's trace, and its lanes' names. */
function workerSettings(out) {
  if (threads.isMainThread) return null;
  // Written through (no buffer): `worker.terminate()` ends a worker without
  // an exit event, and nothing may be lost.
  return { out: out.replace(/(\.jsonl)?$/, `.worker-${threads.threadId}.jsonl`), prefix: `worker-${threads.threadId}/`, flushBytes: 0 };
}

/** In a worker: the first event receives the parent's start message. */
function announceStart() {
  if (threads.isMainThread || !R.active) return;
  const channel = channelOf(threads.threadId, 'start');
  const lane = currentLane();
  R.emit('message_receive', lane, `,"channel":${q(channel)},"message_id":${q(`${channel}#1`)},"language":"javascript"`, null);
  process.on('exit', () => {
    const end = channelOf(threads.threadId, 'end');
    send(end, `${end}#1`);
  });
}

function install() {
  if (threads.isMainThread) patchParentSide();
  else patchWorkerSide();
}

module.exports = { install, workerSettings, announceStart };

'use strict';
/**
 * One recording per process: start it from the settings, install the
 * patches and the CommonJS hook, and make sure the trace is complete however
 * the process ends (normal exit, `process.exit`, SIGINT/SIGTERM/SIGHUP, an
 * uncaught exception or unhandled rejection, which are recorded as `error`
 * events first).
 */
const runtime = require('./runtime');
const patches = require('./patches');
const { makeSelector } = require('./select');
const workers = require('./workers');
const http = require('./http');
const io = require('./io');
const lanes = require('./lanes');

const R = runtime.recorder;
let started = false;

/** Instruments `require`d files (CommonJS, `.ts`/`.cts` too) that `selected` accepts. */
function hookRequire(config, selected) {
  const { addHook } = require('pirates');
  const { transformOrKeep, looksLikeModule } = require('./instrument');
  addHook(
    (code, filename) => transformOrKeep(code, filename, { root: config.root, module: /\.[cm]?ts$/.test(filename) && looksLikeModule(code), instrument: selected(filename) }),
    { exts: ['.js', '.cjs', '.ts', '.cts'], ignoreNodeModules: false, matcher: (filename) => /\.[cm]?ts$/.test(filename) || selected(filename) },
  );
}

function onExit() {
  if (R.writer !== null) {
    const file = R.stop();
    if (process.env.CAUSEWAY_VERBOSE === '1') process.stderr.write(`causeway-recorder: trace written to ${file}\n`);
  }
}

function watchProcess() {
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', (error, origin) => {
    R.error(error, origin);
    R.flush();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const handler = () => {
      onExit();
      // The program did not handle the signal: die of it, as without us.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

/** Starts recording this process with `config` (see config.js). */
function start(config) {
  if (started) return config;
  started = true;
  let out = config.out;
  const worker = workers.workerSettings(out);
  if (worker !== null) {
    // A worker thread: its own file and lane names.
    out = worker.out;
    config = { ...config, flushBytes: worker.flushBytes };
    lanes.setPrefix(worker.prefix);
  } else if (process.env.CAUSEWAY_OUT_TAKEN === out) {
    // A child process of a recorded one: its own file next to the parent's.
    out = out.replace(/(\.jsonl)?$/, `.${process.pid}.jsonl`);
  }
  process.env.CAUSEWAY_OUT_TAKEN = config.out;
  let traceId;
  if (worker === null && out === config.out && process.env.CAUSEWAY_OUT_EXCLUSIVE === '1') {
    // Every Node process of a command records (NODE_OPTIONS): the first
    // one takes the file, the others write beside it.
    try {
      traceId = R.start({ ...config, out, exclusive: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      out = out.replace(/(\.jsonl)?$/, `.${process.pid}.jsonl`);
    }
  }
  if (traceId === undefined) traceId = R.start({ ...config, out });
  // Workers and child processes belong to the same run: the same trace.
  process.env.CAUSEWAY_TRACE_ID = traceId;
  patches.install();
  workers.install();
  http.install();
  io.install();
  workers.announceStart();
  const selected = makeSelector(config);
  hookRequire(config, selected);
  if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
  watchProcess();
  return { ...config, out };
}

module.exports = { start, hookRequire, onExit };
